import Foundation
import Market
import Synchronization
import Testing

/// The market pump's per-job queues: one job's messages in order, other jobs' not held up.
@Suite struct JobQueuesTests {
    @Test func oneJobInOrderOtherJobsNotHeldUp() async throws {
        let queues = JobQueues()
        let log = Mutex<[String]>([])
        let done = Mutex(0)
        // Job A's first piece of work cannot finish before B's has run (it waits for "b" in the log,
        // up to 10 s): if B were held up behind A the log would read a1, a2, b. A's second piece
        // must still wait for A's first. No timing assumption, so it holds under any load.
        await queues.enqueue([1]) {
            let waitStart = Date()
            while !log.withLock({ $0.contains("b") }), Date().timeIntervalSince(waitStart) < 10 {
                try? await Task.sleep(for: .milliseconds(2))
            }
            log.withLock { $0.append("a1") }
            done.withLock { $0 += 1 }
        }
        await queues.enqueue([1]) {
            log.withLock { $0.append("a2") }
            done.withLock { $0 += 1 }
        }
        await queues.enqueue([2]) {
            log.withLock { $0.append("b") }
            done.withLock { $0 += 1 }
        }
        let start = Date()
        while done.withLock({ $0 }) < 3 {
            guard Date().timeIntervalSince(start) < 30 else {
                Issue.record("the three pieces of work did not all run within 30 s")
                break
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(log.withLock { $0 } == ["b", "a1", "a2"])
    }

    @Test func pastTheLimitEnqueueWaitsForTheWork() async throws {
        let queues = JobQueues(limit: 1)
        let ran = Mutex(false)
        await queues.enqueue([1]) { try? await Task.sleep(for: .milliseconds(200)) }
        // A second job beyond the limit: enqueue returns only once its work has run.
        await queues.enqueue([2]) { ran.withLock { $0 = true } }
        #expect(ran.withLock { $0 })
    }
}
