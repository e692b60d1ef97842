import Dispatch
import Foundation
import Ledger
import Synchronization
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("Ledger durability")
    struct LedgerDurabilityTests {
        @Test("a full map grows inside the append and no write is lost")
        func mapGrowth() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions(mapSize: 128 << 10))
            let before = ledger.reader.environment.mapSize
            var items: [LedgerAppend] = []
            for n in 0..<60 { items += try SyntheticMarket.lifecycle(job: UInt64(n)) }
            // One big batch (540 entries with 512-byte proofs) far larger than the first map.
            let outcomes = try await ledger.append(batch: items)
            #expect(outcomes.allSatisfy { $0.receipt != nil })
            #expect(ledger.reader.environment.mapSize > before)
            #expect(try ledger.reader.head().sequence == 540)
            // And many small commits keep growing it.
            for n in 60..<120 { _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: UInt64(n))) }
            #expect(try ledger.reader.head().sequence == 1080)
            let report = try LedgerVerifier.verify(ledger.reader)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
            #expect(report.jobsChecked == 120)
            // The numbers assigned in the transaction the full map aborted were dropped and
            // assigned again: job n has number n + 1, for the writer and for a new reader.
            let fresh = try LedgerReader(dataDirectory: dir.path)
            for n in [0, 1, 59, 60, 119] {
                #expect(try ledger.reader.snapshot { try $0.jobNumber(SyntheticMarket.job(UInt64(n))) } == UInt64(n + 1))
                #expect(try fresh.snapshot { try $0.jobNumber(SyntheticMarket.job(UInt64(n))) } == UInt64(n + 1))
            }
        }

        @Test("readers on other threads see consistent snapshots while the writer appends")
        func concurrentReaders() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions(mapSize: 256 << 10))
            let reader = ledger.reader
            let done = Atomic<Bool>(false)
            let checks = Atomic<Int>(0)
            let failures = Atomic<Int>(0)

            // Readers on dispatch worker threads (not Swift's cooperative pool, which the appends need).
            let group = DispatchGroup()
            for _ in 0..<2 {
                DispatchQueue.global().async(group: group) {
                    while !done.load(ordering: .acquiring) {
                        let ok = (try? reader.snapshot { snap -> Bool in
                            let head = try snap.head()
                            guard try snap.entryCount() == Int(head.sequence) else { return false }
                            // Every settled job in this snapshot has its settlement and its whole history.
                            for job in try snap.jobs(in: .settled, limit: 3) {
                                guard let h = try snap.jobHistory(job), h.settlement != nil, h.entries.count == 8 else { return false }
                            }
                            return true
                        }) ?? false
                        if !ok { failures.add(1, ordering: .relaxed) }
                        checks.add(1, ordering: .relaxed)
                        usleep(200)  // leave CPU to the rest of the (parallel) test suite
                    }
                }
            }
            for n in 0..<150 { _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: UInt64(n))) }
            done.store(true, ordering: .releasing)
            await withCheckedContinuation { continuation in group.notify(queue: .global()) { continuation.resume() } }
            #expect(failures.load(ordering: .relaxed) == 0)
            #expect(checks.load(ordering: .relaxed) > 10)
            #expect(try LedgerVerifier.verify(reader).isIntact)
        }
    }
}
