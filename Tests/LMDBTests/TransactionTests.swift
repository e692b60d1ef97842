import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB transactions")
    struct TransactionTests {
        @Test("a committed write is visible to later readers")
        func commitVisible() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things")
            try env.write { txn in try txn.put(db, key: [UInt8]("a"), value: [1, 2, 3]) }
            let value = try env.read { txn in try txn.get(db, key: [UInt8]("a")) }
            #expect(value == [1, 2, 3])
            let missing = try env.read { txn in try txn.get(db, key: [UInt8]("b")) }
            #expect(missing == nil)
        }

        @Test("explicit commit and abort consume the transaction")
        func explicitCommitAndAbort() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things")

            let txn = try env.beginTransaction(readOnly: false)
            try txn.put(db, key: [UInt8]("kept"), value: [1])
            try txn.commit()

            let aborted = try env.beginTransaction(readOnly: false)
            try aborted.put(db, key: [UInt8]("aborted"), value: [2])
            aborted.abort()

            do {
                let dropped = try env.beginTransaction(readOnly: false)
                try dropped.put(db, key: [UInt8]("dropped"), value: [3])
                _ = consume dropped  // neither committed nor aborted: deinit aborts
            }

            try env.read { txn throws in
                #expect(try txn.get(db, key: [UInt8]("kept")) == [1])
                #expect(try txn.get(db, key: [UInt8]("aborted")) == nil)
                #expect(try txn.get(db, key: [UInt8]("dropped")) == nil)
                #expect(try txn.count(db) == 1)
            }
        }

        struct Boom: Error {}

        @Test("a write closure that throws leaves nothing behind")
        func throwingWriteLeavesNothing() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things")
            #expect(throws: Boom.self) {
                try env.write { txn throws in
                    for i in 0..<100 { try txn.put(db, key: bigEndianKey(i), value: [UInt8](repeating: 7, count: 100)) }
                    throw Boom()
                }
            }
            #expect(try env.read { try $0.count(db) } == 0)
            // The environment is still usable afterwards.
            try env.write { txn in try txn.put(db, key: [UInt8]("after"), value: [9]) }
            #expect(try env.read { try $0.count(db) } == 1)
        }

        @Test("a reader keeps its snapshot while a writer commits")
        func readerSnapshotIsolation() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things")
            try env.write { txn in try txn.put(db, key: [UInt8]("k"), value: [1]) }
            let reader = try env.beginTransaction(readOnly: true)
            try env.write { txn in try txn.put(db, key: [UInt8]("k"), value: [2]) }
            #expect(try reader.get(db, key: [UInt8]("k")) == [1])
            reader.abort()
            #expect(try env.read { try $0.get(db, key: [UInt8]("k")) } == [2])
        }

        @Test("delete, contains, reserve and in-place reads")
        func deleteReserveAndBorrowedReads() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things")
            try env.write { txn throws in
                try [UInt8]("big").withUnsafeBytes { key in
                    try txn.putReserving(db, key: key, count: 10_000) { out in
                        for i in 0..<out.count { out[i] = UInt8(truncatingIfNeeded: i) }
                    }
                }
                try txn.put(db, key: [UInt8]("gone"), value: [1])
                #expect(try txn.delete(db, key: [UInt8]("gone")))
                #expect(try !txn.delete(db, key: [UInt8]("gone")))
            }
            try env.read { txn throws in
                #expect(try txn.contains(db, key: [UInt8]("big")))
                #expect(try !txn.contains(db, key: [UInt8]("gone")))
                let sum = try txn.withValue(in: db, forKey: [UInt8]("big")) { bytes in
                    bytes.reduce(0) { $0 &+ Int($1) }
                }
                #expect(sum == (0..<10_000).reduce(0) { $0 + Int(UInt8(truncatingIfNeeded: $1)) })
                #expect(try txn.withValue(in: db, forKey: [UInt8]("gone")) { $0.count } == nil)
            }
        }

        @Test("data survives closing and reopening the environment")
        func reopen() throws {
            let dir = TemporaryDirectory()
            do {
                let env = try LMDBEnvironment(path: dir.path)
                let db = try env.openDatabase(named: "things")
                try env.write { txn in try txn.put(db, key: [UInt8]("a"), value: [42]) }
            }
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "things", flags: [])
            #expect(try env.read { try $0.get(db, key: [UInt8]("a")) } == [42])
        }
    }

    @Suite("LMDB insert")
    struct InsertTests {
        @Test("insert stores only absent keys and reports whether it did")
        func insertOnlyAbsent() throws {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "d")
            try env.write { txn throws in
                #expect(try txn.insert(db, key: [1], value: [1]))
                #expect(try !txn.insert(db, key: [1], value: [2]))
            }
            #expect(try env.read { try $0.get(db, key: [1]) } == [1])
        }
    }
}
