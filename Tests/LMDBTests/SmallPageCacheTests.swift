import Foundation
import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB small page cache")
    struct SmallPageCacheTests {
        static func fileSize(_ path: String) -> Int {
            var status = stat()
            return stat(path, &status) == 0 ? Int(status.st_size) : -1
        }

        @Test("the data file is extended (sparse) to the map size, grows with the map, and reopens as usual")
        func extendsWithTheMap() throws {
            let dir = TemporaryDirectory()
            var options = LMDBEnvironment.Options()
            options.mapSize = 256 << 10
            options.smallPageCache = true
            options.flags.insert(.noSync)
            let value = [UInt8](repeating: 0x5c, count: 2000)
            do {
                let env = try LMDBEnvironment(path: dir.path, options: options)
                #expect(Self.fileSize(dir.appending("data.mdb")) == 256 << 10)
                let db = try env.openDatabase(named: "blobs")
                try env.write { txn throws in for i in 0..<400 { try txn.put(db, key: bigEndianKey(i), value: value) } }
                #expect(env.mapSize > 256 << 10)
                #expect(Self.fileSize(dir.appending("data.mdb")) == env.mapSize)
            }
            // Without the option (and read-only): the larger file changes nothing.
            var plain = LMDBEnvironment.Options()
            plain.flags.insert(.readOnly)
            plain.mapSize = 256 << 10
            let env = try LMDBEnvironment(path: dir.path, options: plain)
            let db = try env.openDatabase(named: "blobs", flags: [])
            try env.read { txn throws in
                #expect(try txn.count(db) == 400)
                #expect(try txn.get(db, key: bigEndianKey(399)) == value)
            }
        }

        @Test("without the option the data file is only as large as what LMDB wrote")
        func offByDefault() throws {
            let dir = TemporaryDirectory()
            var options = LMDBEnvironment.Options()
            options.mapSize = 1 << 20
            let env = try LMDBEnvironment(path: dir.path, options: options)
            _ = try env.openDatabase(named: "blobs")
            #expect(Self.fileSize(dir.appending("data.mdb")) < 1 << 20)
        }
    }
}
