import Dispatch
import Foundation
import Synchronization
import Testing
import LMDB
import TestSupport
extension LMDBTestSuite {
    @Suite("LMDB concurrent readers")
    struct ConcurrencyTests {
        /// A writer commits batches that keep an invariant (key "count" equals the number of
        /// numbered keys, all equal to the batch they came in); readers on other threads check
        /// the invariant on every snapshot while the map also grows underneath them.
        @Test("readers see consistent snapshots while a writer commits and grows the map")
        func readersDuringWrites() async throws {
            let dir = TemporaryDirectory()
            var options = LMDBEnvironment.Options()
            options.mapSize = 64 << 10
            options.flags.insert(.noSync)  // commits, not the disk, are under test
            let env = try LMDBEnvironment(path: dir.path, options: options)
            let db = try env.openDatabase(named: "d")
            let countKey = [UInt8]("count")
            try env.write { try $0.put(db, key: countKey, value: bigEndianKey(0)) }

            let batches = 200
            let perBatch = 20
            let done = Atomic<Bool>(false)
            let snapshots = Atomic<Int>(0)
            let failures = Atomic<Int>(0)

            // Blocking threads: run them off Swift's cooperative pool, which parallel suites need.
            await withCheckedContinuation { (finished: CheckedContinuation<Void, Never>) in
                DispatchQueue.global().async {
                    DispatchQueue.concurrentPerform(iterations: 4) { worker in
                if worker == 0 {
                    for batch in 0..<batches {
                        try! env.write { txn throws in
                            for j in 0..<perBatch {
                                try txn.put(db, key: bigEndianKey(batch * perBatch + j),
                                            value: [UInt8](repeating: UInt8(batch % 256), count: 200))
                            }
                            try txn.put(db, key: countKey, value: bigEndianKey((batch + 1) * perBatch))
                        }
                    }
                    done.store(true, ordering: .releasing)
                    return
                }
                while true {
                    let finished = done.load(ordering: .acquiring)
                    let ok: Bool = try! env.read { txn throws in
                        guard let raw = try txn.get(db, key: countKey) else { return false }
                        let count = raw.reduce(0) { $0 << 8 | Int($1) }
                        // count numbered keys + the count key itself
                        guard try txn.count(db) == count + 1 else { return false }
                        if count > 0 {
                            guard try txn.contains(db, key: bigEndianKey(count - 1)),
                                  try !txn.contains(db, key: bigEndianKey(count)) else { return false }
                        }
                        return true
                    }
                    if !ok { failures.add(1, ordering: .relaxed) }
                    snapshots.add(1, ordering: .relaxed)
                    if finished { return }
                    usleep(100)  // leave CPU to the (parallel) rest of the test suite
                }
                    }
                    finished.resume()
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)
            #expect(snapshots.load(ordering: .relaxed) >= 3)
            #expect(env.mapSize > 64 << 10)
            #expect(try env.read { try $0.count(db) } == batches * perBatch + 1)
        }
    }
}
