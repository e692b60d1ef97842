import Foundation
import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB errors")
    struct ErrorTests {
        @Test("every MDB_* code maps to its own case and back, with LMDB's text")
        func codeMapping() {
            var seen = Set<LMDBError.Code>()
            for raw in Int32(-30799)...Int32(-30780) {
                let error = LMDBError(rawValue: raw, operation: "test")
                #expect(error.code.rawValue == raw)
                #expect(!error.message.isEmpty)
                if case .other = error.code { Issue.record("code \(raw) has no case") }
                seen.insert(error.code)
            }
            #expect(seen.count == 20)
            #expect(LMDBError(rawValue: ENOENT, operation: "open").code == .system(ENOENT))
            #expect(LMDBError(rawValue: -1, operation: "x").code == .other(-1))
            #expect(LMDBError(rawValue: -30798, operation: "mdb_get").description.contains("MDB_NOTFOUND"))
        }

        @Test("noOverwrite on an existing key throws keyExists and keeps the old value")
        func keyExists() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "d")
            try env.write { try $0.put(db, key: [1], value: [1]) }
            let error = #expect(throws: LMDBError.self) {
                try env.write { try $0.put(db, key: [1], value: [2], flags: .noOverwrite) }
            }
            #expect(error?.code == .keyExists)
            #expect(error?.operation.hasPrefix("mdb_put") == true)
            #expect(try env.read { try $0.get(db, key: [1]) } == [1])
        }

        @Test("append with a key that does not sort last throws keyExists")
        func appendOutOfOrder() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "d")
            try env.write { txn throws in
                for i in 0..<10 { try txn.put(db, key: bigEndianKey(i), value: [], flags: .append) }
            }
            let error = #expect(throws: LMDBError.self) {
                try env.write { try $0.put(db, key: bigEndianKey(5), value: [], flags: .append) }
            }
            #expect(error?.code == .keyExists)
        }

        @Test("opening a missing database without create throws notFound")
        func missingDatabase() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let error = #expect(throws: LMDBError.self) { try env.openDatabase(named: "nope", flags: []) }
            #expect(error?.code == .notFound)
        }

        @Test("a named database whose name is a plain key is incompatible")
        func incompatible() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let main = try env.openDatabase(named: nil)
            try env.write { try $0.put(main, key: [UInt8]("clash"), value: [1, 2, 3]) }
            let error = #expect(throws: LMDBError.self) { try env.openDatabase(named: "clash") }
            #expect(error?.code == .incompatible)
        }

        @Test("writing in a read-only transaction is refused with EACCES")
        func writeInReadOnly() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "d")
            let error = #expect(throws: LMDBError.self) {
                try env.read { try $0.put(db, key: [1], value: [1]) }
            }
            #expect(error?.code == .system(EACCES))
        }

        @Test("a read-only environment refuses write transactions")
        func readOnlyEnvironment() throws {
            let dir = TemporaryDirectory()
            do {
                let env = try LMDBEnvironment(path: dir.path)
                _ = try env.openDatabase(named: "d")
            }
            var options = LMDBEnvironment.Options()
            options.flags.insert(.readOnly)
            let env = try LMDBEnvironment(path: dir.path, options: options)
            let error = #expect(throws: LMDBError.self) { try env.write { _ in } }
            #expect(error?.code == .system(EACCES))
        }

        @Test("empty and oversized keys throw badValueSize")
        func badKeySizes() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "d")
            let empty = #expect(throws: LMDBError.self) { try env.write { try $0.put(db, key: [], value: [1]) } }
            #expect(empty?.code == .badValueSize)
            let long = [UInt8](repeating: 1, count: env.maxKeySize + 1)
            let tooLong = #expect(throws: LMDBError.self) { try env.write { try $0.put(db, key: long, value: [1]) } }
            #expect(tooLong?.code == .badValueSize)
        }

        @Test("more named databases than maxDatabases throws databasesFull")
        func databasesFull() throws {
            let dir = TemporaryDirectory()
            var options = LMDBEnvironment.Options()
            options.maxDatabases = 2
            let env = try LMDBEnvironment(path: dir.path, options: options)
            _ = try env.openDatabase(named: "one")
            _ = try env.openDatabase(named: "two")
            let error = #expect(throws: LMDBError.self) { try env.openDatabase(named: "three") }
            #expect(error?.code == .databasesFull)
        }

        @Test("more open readers than maxReaders throws readersFull")
        func readersFull() throws {
            let dir = TemporaryDirectory()
            var options = LMDBEnvironment.Options()
            options.maxReaders = 2
            let env = try LMDBEnvironment(path: dir.path, options: options)
            let a = try env.beginTransaction(readOnly: true)
            let b = try env.beginTransaction(readOnly: true)
            let error = #expect(throws: LMDBError.self) { _ = try env.beginTransaction(readOnly: true) }
            #expect(error?.code == .readersFull)
            a.abort()
            b.abort()
            _ = try env.read { $0.id }
        }

        @Test("a missing parent folder throws ENOENT")
        func missingFolder() throws {
            let dir = TemporaryDirectory()
            let error = #expect(throws: LMDBError.self) {
                try LMDBEnvironment(path: dir.appending("no/such/place"))
            }
            #expect(error?.code == .system(ENOENT))
        }

        @Test("a file that is not an LMDB database throws invalid")
        func notAnLMDBFile() throws {
            let dir = TemporaryDirectory()
            let garbage = Data((0..<65536).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 3) })
            try garbage.write(to: URL(fileURLWithPath: dir.appending("data.mdb")))
            let error = #expect(throws: LMDBError.self) { try LMDBEnvironment(path: dir.path) }
            #expect(error?.code == .invalid)
        }
    }
}
