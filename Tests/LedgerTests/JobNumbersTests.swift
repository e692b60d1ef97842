import Foundation
import Ledger
import Testing
import TestSupport
extension LedgerTestSuite {
    /// The in-memory job id -> number table on its own (the ledger's tests cover it through
    /// `Ledger` and `LedgerReader`: assignment order, reopening, readers loading on a miss).
    @Suite("Job numbers table")
    struct JobNumbersTests {
        static func id(_ n: Int, length: Int = 32) -> Data {
            var d = Data(SyntheticMarket.job(UInt64(n)))
            while d.count < length { d += SyntheticMarket.job(UInt64(n) &+ 1_000_000) }
            return d.prefix(length)
        }

        @Test("a number assigned by the writer is visible only once published")
        func visibility() {
            let numbers = JobNumbers()
            let a = Self.id(1)
            #expect(numbers.writerNumber(of: a, assigning: 1) == (1, true))
            #expect(numbers.cached(a) == nil)
            #expect(numbers.highest == 0)
            #expect(numbers.writerNumber(of: a, assigning: 2) == (1, false))  // the writer sees its own
            numbers.publish(through: 1)
            #expect(numbers.cached(a) == 1)
            #expect(numbers.highest == 1)
            #expect(numbers.cached(Self.id(2)) == nil)
        }

        @Test("discarding removes exactly the unpublished numbers, across slot-table growth")
        func discard() {
            let numbers = JobNumbers()
            for n in 1...3_000 { #expect(numbers.writerNumber(of: Self.id(n), assigning: UInt64(n)).assigned) }
            numbers.publish(through: 1_200)
            numbers.discard(from: 1_201)
            #expect(numbers.count == 1_200)
            for n in 1...1_200 { #expect(numbers.cached(Self.id(n)) == UInt64(n)) }
            for n in 1_201...3_000 { #expect(numbers.cached(Self.id(n)) == nil) }
            // The discarded ids get new numbers, in another order; nothing old answers for them.
            var next: UInt64 = 1_201
            for n in (1_201...3_000).reversed() {
                #expect(numbers.writerNumber(of: Self.id(n), assigning: next) == (next, true))
                next += 1
            }
            numbers.publish(through: 3_000)
            for n in 1_201...3_000 { #expect(numbers.cached(Self.id(n)) == UInt64(4_201 - n)) }
            for n in 1...1_200 { #expect(numbers.cached(Self.id(n)) == UInt64(n)) }
        }

        @Test("discard never removes a published number")
        func discardKeepsPublished() {
            let numbers = JobNumbers()
            for n in 1...10 { _ = numbers.writerNumber(of: Self.id(n), assigning: UInt64(n)) }
            numbers.publish(through: 10)
            numbers.discard(from: 3)
            for n in 1...10 { #expect(numbers.cached(Self.id(n)) == UInt64(n)) }
        }

        @Test("ids longer than 32 bytes, and ids that differ only in length, are kept apart")
        func longAndShortIDs() {
            let numbers = JobNumbers()
            let long1 = Self.id(7, length: 64), long2 = Self.id(8, length: 33)
            let zero1 = Data([0]), zero2 = Data([0, 0]), empty = Data()
            let ids = [long1, zero1, long2, zero2, empty]
            for (i, id) in ids.enumerated() { #expect(numbers.writerNumber(of: id, assigning: UInt64(i + 1)) == (UInt64(i + 1), true)) }
            numbers.publish(through: 2)
            #expect(numbers.cached(long1) == 1)
            #expect(numbers.cached(zero1) == 2)
            #expect(numbers.cached(long2) == nil)  // not published
            numbers.discard(from: 3)
            #expect(numbers.writerNumber(of: long2, assigning: 3) == (3, true))
            #expect(numbers.writerNumber(of: zero2, assigning: 4) == (4, true))
            numbers.publish(through: 4)
            #expect(numbers.cached(long2) == 3)
            #expect(numbers.cached(zero2) == 4)
            #expect(numbers.cached(empty) == nil)
            #expect(numbers.count == 4)
        }

        @Test("the table costs under 48 bytes per job")
        func memory() {
            let numbers = JobNumbers()
            let jobs = 200_000
            for n in 1...jobs { _ = numbers.writerNumber(of: Self.id(n), assigning: UInt64(n)) }
            numbers.publish(through: UInt64(jobs))
            let perJob = Double(numbers.memoryBytes) / Double(jobs)
            #expect(perJob < 48, "\(perJob) bytes per job")
            #expect(perJob > 33)  // at least the id and its length
        }
    }
}
