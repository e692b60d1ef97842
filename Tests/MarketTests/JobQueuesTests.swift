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
        // Job A's first piece of work is slow; A's second must wait for it, B's must not.
        await queues.enqueue([1]) {
            try? await Task.sleep(for: .milliseconds(300))
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
            #expect(Date().timeIntervalSince(start) < 10)
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
