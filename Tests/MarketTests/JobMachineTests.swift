import Market
import Testing

@Suite struct JobMachineTests {
    let job: [UInt8] = Array(repeating: 1, count: 32)
    let w1: [UInt8] = Array(repeating: 2, count: 32)
    let w2: [UInt8] = Array(repeating: 3, count: 32)

    @Test func happyPath() throws {
        var m = JobMachine(jobID: job)
        try m.apply(.bidWindowClosed(eligibleBids: 2))
        try m.apply(.award(round: 1, worker: w1, dueMs: 100))
        try m.apply(.result(round: 1, worker: w1))
        try m.apply(.proofVerified(round: 1))
        try m.apply(.attestationsComplete(round: 1))
        try m.apply(.settlement(round: 1, worker: w1))
        #expect(m.phase == .settled(round: 1, worker: w1))
        #expect(m.history.map(\.name) == ["bidding", "awarded", "resulted", "proven", "attested", "settled"])
    }

    @Test func noBidsExpires() throws {
        var m = JobMachine(jobID: job)
        try m.apply(.bidWindowClosed(eligibleBids: 0))
        #expect(m.phase == .expired(reason: "no bids"))
    }

    @Test func silentWinnerIsReawarded() throws {
        var m = JobMachine(jobID: job)
        try m.apply(.award(round: 1, worker: w1, dueMs: 100))
        try m.apply(.resultOverdue(round: 1))
        #expect(m.phase.name == "faulted")
        try m.apply(.award(round: 2, worker: w2, dueMs: 200))
        #expect(m.phase == .awarded(round: 2, worker: w2, dueMs: 200))
        // The first winner's late result is stale: ignored, not an error.
        let changed = try m.apply(.result(round: 1, worker: w1))
        #expect(!changed)
    }

    @Test func observersFollowAReawardWithoutSeeingTheFault() throws {
        var m = JobMachine(jobID: job, phase: .resulted(round: 1, worker: w1))
        try m.apply(.award(round: 2, worker: w2, dueMs: 9))
        #expect(m.phase == .awarded(round: 2, worker: w2, dueMs: 9))
        #expect(rejects(.resulted(round: 1, worker: w1), .award(round: 3, worker: w2, dueMs: 9)))
    }

    @Test func invalidProofFaultsTheRound() throws {
        var m = JobMachine(jobID: job)
        try m.apply(.award(round: 1, worker: w1, dueMs: 100))
        try m.apply(.result(round: 1, worker: w1))
        try m.apply(.proofInvalid(round: 1, reason: "bad opening"))
        #expect(m.phase == .faulted(round: 1, worker: w1, reason: "bad opening"))
        try m.apply(.noBidsLeft)
        #expect(m.phase == .expired(reason: "no eligible bid left after faults"))
    }

    @Test func deadlineExpiresAnyOpenPhase() throws {
        var m = JobMachine(jobID: job)
        try m.apply(.award(round: 1, worker: w1, dueMs: 100))
        try m.apply(.deadlinePassed)
        #expect(m.phase == .expired(reason: "deadline passed"))
        let late = try m.apply(.settlement(round: 1, worker: w1))
        #expect(!late)
    }

    func rejects(_ phase: JobPhase, _ event: JobEvent) -> Bool {
        do {
            _ = try JobMachine.next(phase, event, job: job)
            return false
        } catch {
            return true
        }
    }

    @Test func illegalTransitionsThrow() {
        #expect(rejects(.bidding, .result(round: 1, worker: w1)))
        #expect(rejects(.bidding, .award(round: 2, worker: w1, dueMs: 1)))
        #expect(rejects(.bidding, .attestationsComplete(round: 0)))
        let awarded = JobPhase.awarded(round: 1, worker: w1, dueMs: 5)
        // A result or settlement naming someone who was not awarded.
        #expect(rejects(awarded, .result(round: 1, worker: w2)))
        #expect(rejects(awarded, .settlement(round: 1, worker: w2)))
        #expect(rejects(.settled(round: 1, worker: w1), .award(round: 2, worker: w1, dueMs: 1)))
        #expect(throws: MarketError.illegalTransition(job: "01010101", from: "bidding", event: "proof verified round 1")) {
            try JobMachine.next(.bidding, .proofVerified(round: 1), job: job)
        }
    }

    @Test func observerSettlementClosesFromAnyRoundPhase() throws {
        var m = JobMachine(jobID: job, phase: .awarded(round: 1, worker: w1, dueMs: 5))
        try m.apply(.settlement(round: 1, worker: w1))
        #expect(m.phase.isTerminal)
    }
}
