import Market
import Testing

@Suite struct DeadlineQueueTests {
    @Test func popsDueKeysInOrder() {
        var q = DeadlineQueue<String>()
        q.schedule("c", atMs: 30)
        q.schedule("a", atMs: 10)
        q.schedule("b", atMs: 20)
        #expect(q.nextDueMs == 10)
        #expect(q.popDue(nowMs: 5).isEmpty)
        #expect(q.popDue(nowMs: 20) == ["a", "b"])
        #expect(q.count == 1)
    }

    @Test func rescheduleAndCancel() {
        var q = DeadlineQueue<Int>()
        q.schedule(1, atMs: 10)
        q.schedule(1, atMs: 50)
        #expect(q.popDue(nowMs: 20).isEmpty)
        let first = q.cancel(1)
        let second = q.cancel(1)
        #expect(first && !second)
        #expect(q.nextDueMs == nil)
    }
}
