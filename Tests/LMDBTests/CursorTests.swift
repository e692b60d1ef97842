import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB cursors")
    struct CursorTests {
        func filled(_ keys: [[UInt8]]) throws -> (TemporaryDirectory, LMDBEnvironment, LMDBDatabase) {
            let dir = TemporaryDirectory()
            let env = try LMDBEnvironment(path: dir.path)
            let db = try env.openDatabase(named: "sorted")
            try env.write { txn throws in
                for key in keys { try txn.put(db, key: key, value: key.reversed()) }
            }
            return (dir, env, db)
        }

        @Test("iteration visits keys in byte order, forwards and backwards")
        func ordering() throws {
            var generator = SystemRandomNumberGenerator()
            let numbers = (0..<500).map { _ in Int.random(in: 0..<1_000_000, using: &generator) }
            let keys = Set(numbers).map(bigEndianKey)
            let (_, env, db) = try filled(keys.shuffled())
            let sorted = keys.sorted { $0.lexicographicallyPrecedes($1) }

            var forward: [[UInt8]] = []
            var backward: [[UInt8]] = []
            try env.read { txn throws in
                try txn.forEach(in: db) { key, value in
                    forward.append(Array(key))
                    #expect(Array(value) == Array(key).reversed())
                    return true
                }
                try txn.forEach(in: db, reverse: true) { key, _ in backward.append(Array(key)); return true }
            }
            #expect(forward == sorted)
            #expect(backward == sorted.reversed())
        }

        @Test("seek finds the first key at or after a position; reverse from a start")
        func seekAndRanges() throws {
            let keys = [10, 20, 30, 40].map(bigEndianKey)
            let (_, env, db) = try filled(keys)
            try env.read { txn throws in
                var fromMiddle: [[UInt8]] = []
                try txn.forEach(in: db, from: bigEndianKey(25)) { key, _ in fromMiddle.append(Array(key)); return true }
                #expect(fromMiddle == [30, 40].map(bigEndianKey))

                var backFromMiddle: [[UInt8]] = []
                try txn.forEach(in: db, from: bigEndianKey(25), reverse: true) { key, _ in backFromMiddle.append(Array(key)); return true }
                #expect(backFromMiddle == [20, 10].map(bigEndianKey))

                var backFromExact: [[UInt8]] = []
                try txn.forEach(in: db, from: bigEndianKey(30), reverse: true) { key, _ in backFromExact.append(Array(key)); return true }
                #expect(backFromExact == [30, 20, 10].map(bigEndianKey))

                var backFromPastEnd: [[UInt8]] = []
                try txn.forEach(in: db, from: bigEndianKey(99), reverse: true) { key, _ in backFromPastEnd.append(Array(key)); return false }
                #expect(backFromPastEnd == [bigEndianKey(40)])

                try txn.withCursor(db) { (cursor: inout LMDBCursor) throws in
                    let seeked = try cursor.seek(atLeast: bigEndianKey(11))
                    #expect(seeked && cursor.key == bigEndianKey(20))
                    let moved = try cursor.next()
                    #expect(moved && cursor.key == bigEndianKey(30))
                    let atLast = try cursor.last()
                    #expect(atLast && cursor.value == bigEndianKey(40).reversed())
                    let pastEnd = try cursor.next()
                    let positioned = cursor.isPositioned
                    #expect(!pastEnd && !positioned && cursor.key == nil)
                    let beyond = try cursor.seek(atLeast: bigEndianKey(41))
                    #expect(!beyond)
                    let exact = try cursor.seek(exactly: bigEndianKey(10))
                    let inexact = try cursor.seek(exactly: bigEndianKey(11))
                    #expect(exact && !inexact)
                    let atFirst = try cursor.first()
                    #expect(atFirst && cursor.key == bigEndianKey(10))
                    let beforeFirst = try cursor.previous()
                    #expect(!beforeFirst)
                }
            }
        }

        @Test("prefix iteration stops at the first key outside the prefix")
        func prefix() throws {
            let keys: [[UInt8]] = [[1, 1], [1, 2, 3], [2], [2, 0], [2, 9, 9], [3]]
            let (_, env, db) = try filled(keys)
            var seen: [[UInt8]] = []
            try env.read { txn throws in
                try txn.forEach(in: db, prefix: [2]) { key, _ in seen.append(Array(key)); return true }
            }
            #expect(seen == [[2], [2, 0], [2, 9, 9]])
        }

        @Test("cursor writes and deletes inside a write transaction")
        func cursorWrites() throws {
            let (_, env, db) = try filled([1, 2, 3, 4].map(bigEndianKey))
            try env.write { txn throws in
                try txn.withCursor(db) { (cursor: inout LMDBCursor) throws in
                    while try cursor.next() {
                        if cursor.key == bigEndianKey(2) { try cursor.deleteCurrent() }
                    }
                    try cursor.put(key: bigEndianKey(9), value: [9])
                    let key = cursor.key
                    #expect(key == bigEndianKey(9))
                }
            }
            var keys: [[UInt8]] = []
            try env.read { txn in try txn.forEach(in: db) { k, _ in keys.append(Array(k)); return true } }
            #expect(keys == [1, 3, 4, 9].map(bigEndianKey))
        }

        @Test("an empty database yields nothing")
        func empty() throws {
            let (_, env, db) = try filled([])
            var count = 0
            try env.read { txn throws in
                try txn.forEach(in: db) { _, _ in count += 1; return true }
                try txn.forEach(in: db, from: [5], reverse: true) { _, _ in count += 1; return true }
                try txn.withCursor(db) { (cursor: inout LMDBCursor) throws in
                    let first = try cursor.first()
                    let last = try cursor.last()
                    #expect(!first && !last)
                }
            }
            #expect(count == 0)
        }
        @Test("appendIfLast appends only a key that sorts after every key, and writes nothing otherwise")
        func appendIfLast() throws {
            let (_, env, db) = try filled([1, 5].map(bigEndianKey))
            var results: [Bool] = []
            try env.write { txn throws in
                for (n, value) in [(9, [9]), (9, [7]), (3, [3]), (10, [10])] as [(Int, [UInt8])] {
                    let key = bigEndianKey(n)
                    let stored = try key.withUnsafeBytes { k in
                        try value.withUnsafeBytes { v in try txn.appendIfLast(db, key: k, value: v) }
                    }
                    results.append(stored)
                }
                #expect(try txn.get(db, key: bigEndianKey(9)) == [9])
                #expect(try txn.get(db, key: bigEndianKey(3)) == nil)
            }
            // Appended: 9 and 10; refused: 9 again (equal to the last key) and 3 (sorts before it).
            #expect(results == [true, false, false, true])
            var keys: [[UInt8]] = []
            try env.read { txn throws in try txn.forEach(in: db) { key, _ in keys.append(Array(key)); return true } }
            #expect(keys == [1, 5, 9, 10].map(bigEndianKey))
        }
    }
}
