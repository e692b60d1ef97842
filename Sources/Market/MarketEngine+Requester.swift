import Foundation
import Ledger
import Sodium
import Wire

/// What a submitter asks for.
public struct JobRequest: Sendable {
    public var modelID: [UInt8]
    public var input: [UInt8]
    public var maxPrice: UInt64
    public var attestations: UInt32
    public var deadlineMs: UInt64?
    public var privateInput: Bool
    public var minReputation: Int64

    public init(modelID: [UInt8], input: [UInt8], maxPrice: UInt64, attestations: UInt32 = 2,
                deadlineMs: UInt64? = nil, privateInput: Bool = false, minReputation: Int64 = -1000) {
        self.modelID = modelID
        self.input = input
        self.maxPrice = maxPrice
        self.attestations = attestations
        self.deadlineMs = deadlineMs
        self.privateInput = privateInput
        self.minReputation = minReputation
    }
}

extension MarketEngine {
    /// Offers a job to the network; returns its id. The model must be known to the local backend.
    public func submit(_ request: JobRequest) async throws -> [UInt8] {
        guard let model = await backend.model(request.modelID) else {
            throw MarketError.invalidMessage(kind: "job", reason: "model \(Hex.short(request.modelID)) is not registered on this node")
        }
        let now = Self.nowMs()
        let nonce = SecureRandom.bytes(16)
        // A private input is committed with the proof system's hiding commitment under a seed only
        // the requester and the winner will know: the winner's proof must carry exactly this
        // commitment, so auditors check it without the input (docs/MARKET.md, "Private inputs").
        let seed: [UInt8]? = request.privateInput ? SecureRandom.bytes(32) : nil
        let inputCommitment = if let seed {
            try await backend.privateInputCommitment(modelID: request.modelID, input: request.input, seed: seed)
        } else {
            try Blake2b.hash(request.input)
        }
        var offer = Ciro_V1_JobOffer()
        offer.jobID = Data(try Blake2b.hash(nodeID + nonce + request.modelID + inputCommitment))
        offer.requester = Data(nodeID)
        offer.modelID = Data(request.modelID)
        offer.modelFileID = Data(model.blobID)
        offer.modelSources = [endpoint]
        offer.inputCommitment = Data(inputCommitment)
        offer.maxPrice = request.maxPrice
        offer.bidWindowMs = settings.bidWindowMs
        offer.deadlineMs = now &+ (request.deadlineMs ?? settings.defaultDeadlineMs)
        offer.attestationsRequired = request.attestations
        offer.minReputation = request.minReputation
        offer.inputPrivacy = request.privateInput ? .private : .public
        offer.macs = model.macs
        offer.createdMs = now
        if !request.privateInput { offer.publicInput = Data(request.input) }
        let id = Array(offer.jobID)
        if let file = await backend.modelFile(request.modelID) { _ = try await network.serve(file) }
        // Journaled while the offer travels: replay applies offers before any other record, so
        // the offer's write may finish after the first bids are recorded.
        let journal = self.journal
        let input = request.input
        let kept = try seed.map { try Self.opening(input: input, seed: $0) } ?? input
        let recorded = Task {
            try await journal.keepInput(jobID: id, bytes: kept)
            try await journal.record([.offer(offer)])
        }
        apply(.offer(offer), replay: false)
        mutate(Data(id)) { $0.input = input; $0.inputSeed = seed }
        // Timers first: a bid may arrive (and shorten the window to the grace) before the
        // offer's write returns, and must not be pushed back to the full window after it.
        if let job = jobs[id] { rearm(job, now: now) }
        try await network.publish(.jobOffer, try offer.serializedBytes())
        try await recorded.value
        return id
    }

    func onBid(_ bid: Ciro_V1_Bid, sender: [UInt8]) async throws {
        try Self.check(Array(bid.worker) == sender, "bid", "signed by another node than its worker")
        guard let job = jobs[Array(bid.jobID)] else { throw MarketError.invalidMessage(kind: "bid", reason: "unknown job") }
        try Self.check(job.requester == nodeID, "bid", "job offered by another node")
        if job.bids[sender] == bid { return }  // sent again after this node restarted: known
        try Self.check(job.machine.phase == .bidding, "bid", "bid window closed")
        try Self.check(job.bids[sender] == nil, "bid", "second bid from the same worker")
        // A bid changes no job state: it is applied at once and journaled alongside the award
        // decision instead of before it.
        apply(.bid(bid), replay: false)
        // The bid carries the worker's current ad (signed with the bid): a fresher market view.
        if Array(bid.capacity.nodeID) == sender { apply(.capacity(bid.capacity), replay: false) }
        // Not awaited here: bids arrive one after another on one stream, and waiting for each
        // write in turn made the last bid wait for all earlier fsyncs. Concurrent bid writes
        // commit together; the award waits for them (`awardNext`), so every bid it considered
        // precedes it in the journal.
        let journal = self.journal, logger = self.logger
        let write = Task {
            do { try await journal.record([.bid(bid)]) } catch {
                logger.warning("bid not journaled", metadata: ["job": "\(Hex.short(Array(bid.jobID)))", "error": "\(error)"])
            }
        }
        mutate(bid.jobID) { $0.bidWrites.append(write) }
        await awardEarlyIfReady(Array(bid.jobID))
    }

    /// Closes the bid window early: at once when every live worker that can take the job has bid,
    /// else `bidGraceMs` after the first bid (docs/MARKET.md, "Award").
    func awardEarlyIfReady(_ id: [UInt8]) async {
        guard let job = jobs[id], job.machine.phase == .bidding, !job.awarding else { return }
        let expected = expectedBidders(job)
        if !expected.isEmpty, expected.isSubset(of: job.bids.keys) {
            timers.cancel(.bidWindow(id))
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "every expected bidder (\(expected.count)) has bid: award at once")) }
            await awardNext(id)
            return
        }
        let graceEnd = Self.nowMs() &+ settings.bidGraceMs
        if let due = timers.dueTime(.bidWindow(id)), graceEnd < due { schedule(.bidWindow(id), atMs: graceEnd) }
    }

    /// The live nodes whose newest ad says they would bid on `job`: they sell capacity, have a
    /// free slot, support the model's ops and ask at most the max price.
    func expectedBidders(_ job: Job) -> Set<[UInt8]> {
        var out = Set<[UInt8]>()
        for ad in market() where Array(ad.nodeID) != nodeID && ad.maxJobs > 0 && ad.activeJobs < ad.maxJobs {
            guard let price = try? Pricing.quote(macs: job.offer.macs, pricePerMegaMac: ad.pricePerMegaMac),
                  price <= job.offer.maxPrice, (reputation[Array(ad.nodeID)] ?? 0) >= job.offer.minReputation else { continue }
            out.insert(Array(ad.nodeID))
        }
        return out
    }

    /// Awards the job to the best remaining bid, or expires it when none is left.
    func awardNext(_ id: [UInt8]) async {
        guard let before = jobs[id], before.requester == nodeID, !before.machine.phase.isTerminal, !before.awarding else { return }
        switch before.machine.phase {
        case .bidding, .faulted: break
        default: return  // already awarded this round (an early award raced the window timer)
        }
        mutate(Data(id)) { $0.awarding = true }
        defer { mutate(Data(id)) { $0.awarding = false } }
        // The bids this decision considers are durable before the award goes out: their writes
        // (already under way) and the award's run together (one group commit where they meet)
        // instead of one after the other.
        let bidWrites = jobs[id]?.bidWrites ?? []
        mutate(Data(id)) { $0.bidWrites.removeAll() }
        guard let job = jobs[id] else { return }
        let now = Self.nowMs()
        let rule = AwardRule(maxPrice: job.offer.maxPrice, minReputation: job.offer.minReputation,
                             deadlineMs: job.offer.deadlineMs, nowMs: now, excluded: job.faulted)
        var candidates: [BidCandidate] = []
        for bid in job.bids.values {
            let score = await reputationScore(Array(bid.worker))
            candidates.append(BidCandidate(worker: Array(bid.worker), price: bid.price, promisedMs: bid.promisedMs, reputation: score))
        }
        guard let winner = rule.choose(candidates, jobID: id), let bid = job.bids[winner.worker] else {
            let reason = !job.awards.isEmpty ? "no eligible bid left after faults"
                : job.bids.isEmpty ? "no bids" : "no eligible bid (\(job.bids.count) bids: price, reputation or promised time)"
            for write in bidWrites { await write.value }
            await expire(id, reason: reason, atMs: now)
            return
        }
        var award = Ciro_V1_Award()
        award.jobID = Data(id)
        award.worker = bid.worker
        award.bidID = Data((try? Blake2b.hash((try? bid.serializedBytes()) ?? [])) ?? [])
        award.price = bid.price
        award.round = job.machine.phase.round + 1
        award.awardedMs = now
        award.resultDueMs = min(job.offer.deadlineMs, now &+ bid.promisedMs &+ settings.resultGraceMs)
        do {
            try await record(.award(award))
            for write in bidWrites { await write.value }
            schedule(.resultDue(id, award.round), atMs: award.resultDueMs)
            try await sendAward(award, job: job)
            schedule(.repeatAward(id, award.round), atMs: now &+ settings.auditTimeoutMs)
        } catch {
            logger.warning("award failed", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
    }

    /// Sends the sealed input (private jobs) to the winner, then gossips the award.
    func sendAward(_ award: Ciro_V1_Award, job: Job) async throws {
        if job.offer.inputPrivacy == .private, let input = job.input, let seed = job.inputSeed {
            // Sent before the award is gossiped, so the input is there when the award is.
            var sealed = Ciro_V1_SealedInput()
            sealed.jobID = award.jobID
            sealed.worker = award.worker
            sealed.round = award.round
            let opening = try Self.opening(input: input, seed: seed)
            sealed.sealed = Data(try SealedBox.seal(opening, to: try Ed25519PublicKey(bytes: Array(award.worker)).x25519()))
            try await network.send(to: Array(award.worker), .sealedInput, try sealed.serializedBytes())
        }
        try await network.publish(.award, try award.serializedBytes())
    }

    /// The requester checks the worker's proof itself before anything else.
    func requesterVerify(_ id: [UInt8], round: UInt32) async {
        guard let job = jobs[id], let result = job.results[round], job.input != nil else { return }
        let worker = Array(result.worker)
        let verdict: String? = switch await startCheck(id, result).value.verdict {
        case .valid: nil
        case let .invalid(reason), let .unavailable(reason): reason
        }
        guard let current = jobs[id], current.machine.phase == .resulted(round: round, worker: worker) else { return }
        if let reason = verdict {
            try? await record(batch: withUnrecordedProof(id, round: round, [Self.fault(id, worker: worker, round: round, kind: .invalidProof, detail: "invalid proof: \(reason)", atMs: Self.nowMs())]))
            await awardNext(id)
        } else {
            mutate(Data(id)) { job in
                job.requesterVerified[round] = true
                _ = try? job.machine.apply(.proofVerified(round: round))
                job.events.append((Self.nowMs(), "requester verified the proof"))
            }
            await settleIfReady(id)
        }
    }

    /// Attestations needed: K, lowered to the number of live nodes that can audit (private-input
    /// jobs too: auditors check the proof against the offer's input commitment).
    func attestationsNeeded(_ job: Job, worker: [UInt8]) -> Int {
        // Just (re)started: the live view is not complete yet, so K is not lowered.
        if Self.nowMs() < startedMs &+ 3 &* settings.adIntervalMs { return Int(job.offer.attestationsRequired) }
        let candidates = market().map { Array($0.nodeID) }.filter { $0 != worker && $0 != job.requester }
        return min(Int(job.offer.attestationsRequired), candidates.count)
    }

    /// Settles when the requester verified the proof and holds enough valid attestations.
    /// `pending`: an attestation just received and not recorded yet; when it completes the set it
    /// is recorded in the same write as the settlement (returns true: it was recorded).
    @discardableResult
    func settleIfReady(_ id: [UInt8], pending: Ciro_V1_Attestation? = nil) async -> Bool {
        guard let job = jobs[id], job.requester == nodeID, case let .proven(round, worker) = job.machine.phase,
              let result = job.results[round], let award = job.currentAward else { return false }
        var held = job.attestations[round] ?? [:]
        if let pending, pending.round == round { held[Array(pending.auditor)] = pending }
        let valid = held.values.filter { $0.verdict == .valid && $0.proofID == result.proofID }
        guard valid.count >= attestationsNeeded(job, worker: worker) else { return false }
        mutate(Data(id)) { job in _ = try? job.machine.apply(.attestationsComplete(round: round)) }
        var settlement = Ciro_V1_Settlement()
        settlement.jobID = Data(id)
        settlement.requester = Data(nodeID)
        settlement.worker = Data(worker)
        settlement.price = award.price
        settlement.proofID = result.proofID
        settlement.attestationIds = valid.compactMap { a in (try? a.serializedBytes() as [UInt8]).flatMap { try? Data(Blake2b.hash($0)) } }
        settlement.settledMs = Self.nowMs()
        settlement.round = round
        let first: [LedgerRecord] = pending.map { [.attestation($0)] } ?? []
        // The attestations it names are durable before it goes out: their writes (under way) and
        // the settlement's run together.
        let attestationWrites = job.attestationWrites
        mutate(Data(id)) { $0.attestationWrites.removeAll() }
        do {
            try await record(batch: first + withUnrecordedProof(id, round: round, [.settlement(settlement)]))
            for write in attestationWrites { await write.value }
            try await network.publish(.settlement, try settlement.serializedBytes())
        } catch {
            logger.warning("settlement failed", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
        return true
    }
}
