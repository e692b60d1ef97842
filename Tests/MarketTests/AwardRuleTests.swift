import Market
import Testing

@Suite struct AwardRuleTests {
    let job: [UInt8] = Array(repeating: 9, count: 32)
    func node(_ n: UInt8) -> [UInt8] { Array(repeating: n, count: 32) }
    var rule: AwardRule { AwardRule(maxPrice: 100, minReputation: -10, deadlineMs: 20_000, nowMs: 10_000) }

    @Test func cheapestWinsAtEqualTimeAndReputation() {
        let bids = [BidCandidate(worker: node(1), price: 80, promisedMs: 1000, reputation: 0),
                    BidCandidate(worker: node(2), price: 40, promisedMs: 1000, reputation: 0)]
        #expect(rule.choose(bids, jobID: job)?.worker == node(2))
    }

    @Test func fasterWinsAtEqualPrice() {
        let bids = [BidCandidate(worker: node(1), price: 50, promisedMs: 5000, reputation: 0),
                    BidCandidate(worker: node(2), price: 50, promisedMs: 500, reputation: 0)]
        #expect(rule.choose(bids, jobID: job)?.worker == node(2))
    }

    @Test func reputationBreaksNearTies() {
        let bids = [BidCandidate(worker: node(1), price: 50, promisedMs: 1000, reputation: -8),
                    BidCandidate(worker: node(2), price: 52, promisedMs: 1000, reputation: 20)]
        #expect(rule.choose(bids, jobID: job)?.worker == node(2))
    }

    @Test func ineligibleBidsAreNeverChosen() {
        var r = rule
        r.excluded = [node(4)]
        #expect(r.ineligibility(BidCandidate(worker: node(1), price: 101, promisedMs: 10, reputation: 0)) != nil)
        #expect(r.ineligibility(BidCandidate(worker: node(2), price: 10, promisedMs: 10, reputation: -11)) != nil)
        #expect(r.ineligibility(BidCandidate(worker: node(3), price: 10, promisedMs: 10_001, reputation: 0)) != nil)
        #expect(r.ineligibility(BidCandidate(worker: node(4), price: 10, promisedMs: 10, reputation: 0)) != nil)
        #expect(r.ineligibility(BidCandidate(worker: node(5), price: 100, promisedMs: 10_000, reputation: -10)) == nil)
        let bids = [BidCandidate(worker: node(1), price: 101, promisedMs: 10, reputation: 0),
                    BidCandidate(worker: node(2), price: 10, promisedMs: 10, reputation: -11),
                    BidCandidate(worker: node(3), price: 10, promisedMs: 10_001, reputation: 0),
                    BidCandidate(worker: node(4), price: 10, promisedMs: 10, reputation: 0)]
        #expect(r.choose(bids, jobID: job) == nil)
    }

    @Test func pastDeadlineNothingIsEligible() {
        let late = AwardRule(maxPrice: 100, minReputation: 0, deadlineMs: 10_000, nowMs: 10_000)
        #expect(late.choose([BidCandidate(worker: node(1), price: 1, promisedMs: 0, reputation: 0)], jobID: job) == nil)
    }

    @Test func exactTiesAreOrderedByHashNotBySubmissionOrder() {
        let a = BidCandidate(worker: node(1), price: 50, promisedMs: 1000, reputation: 0)
        let b = BidCandidate(worker: node(2), price: 50, promisedMs: 1000, reputation: 0)
        #expect(rule.rank([a, b], jobID: job) == rule.rank([b, a], jobID: job))
        #expect(rule.rank([a, b], jobID: job).count == 2)
    }

    @Test func costFollowsTheDocumentedFormula() {
        // price 50/100 -> 500000 ppm; time 1000/10000 -> 100000 ppm; reputation 0 -> trust 50 -> 500000 ppm.
        let cost = rule.cost(BidCandidate(worker: node(1), price: 50, promisedMs: 1000, reputation: 0))
        #expect(cost == 5 * 500_000 + 3 * 100_000 + 2 * 500_000)
    }
}
