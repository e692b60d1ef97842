import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB map growth")
    struct MapGrowthTests {
        static func smallMap(max: Int = 1 << 30) -> LMDBEnvironment.Options {
            var options = LMDBEnvironment.Options()
            options.mapSize = 64 << 10
            options.maxMapSize = max
            return options
        }

        @Test("a write that fills the map is retried in a grown map and nothing is lost")
        func growsAndRetries() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path, options: Self.smallMap())
            let db = try env.openDatabase(named: "blobs")
            let initial = env.mapSize
            var attempts = 0
            let value = [UInt8](repeating: 0xab, count: 1024)
            try env.write { txn throws in
                attempts += 1
                for i in 0..<2000 { try txn.put(db, key: bigEndianKey(i), value: value) }
            }
            #expect(attempts > 1, "the first attempt should have hit MDB_MAP_FULL")
            #expect(env.mapSize > initial)
            #expect(env.mapSize >= 2 << 20)
            try env.read { txn throws in
                #expect(try txn.count(db) == 2000)
                #expect(try txn.get(db, key: bigEndianKey(1999)) == value)
            }
        }

        @Test("many small commits keep growing the map")
        func growsAcrossCommits() throws {
            let dir = TemporaryDirectory()
            var options = Self.smallMap()
            options.flags.insert(.noSync)  // 600 fsyncs would only measure the disk
            let env = try LMDBEnvironment(path: dir.path, options: options)
            let db = try env.openDatabase(named: "blobs")
            let value = [UInt8](repeating: 1, count: 3000)
            for i in 0..<600 {
                try env.write { txn in try txn.put(db, key: bigEndianKey(i), value: value) }
            }
            #expect(try env.read { try $0.count(db) } == 600)
            #expect(env.mapSize > 64 << 10)
        }

        @Test("past the maximum map size the write fails with mapFull and writes nothing")
        func stopsAtMaximum() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path, options: Self.smallMap(max: 256 << 10))
            let db = try env.openDatabase(named: "blobs")
            let value = [UInt8](repeating: 2, count: 1024)
            let error = #expect(throws: LMDBError.self) {
                try env.write { txn throws in
                    for i in 0..<2000 { try txn.put(db, key: bigEndianKey(i), value: value) }
                }
            }
            #expect(error?.code == .mapFull)
            #expect(env.mapSize == 256 << 10)
            #expect(try env.read { try $0.count(db) } == 0)
        }

        @Test("a raw transaction reports mapFull instead of growing")
        func rawTransactionReportsMapFull() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path, options: Self.smallMap())
            let db = try env.openDatabase(named: "blobs")
            let txn = try env.beginTransaction(readOnly: false)
            let value = [UInt8](repeating: 3, count: 1024)
            let error = #expect(throws: LMDBError.self) {
                for i in 0..<2000 { try txn.put(db, key: bigEndianKey(i), value: value) }
            }
            #expect(error?.code == .mapFull)
            txn.abort()
            try env.setMapSize(8 << 20)
            #expect(env.mapSize == 8 << 20)
            try env.write { txn throws in
                for i in 0..<2000 { try txn.put(db, key: bigEndianKey(i), value: value) }
            }
            #expect(try env.read { try $0.count(db) } == 2000)
        }
    }
}
