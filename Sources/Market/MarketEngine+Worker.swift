import Foundation
import Ledger
import Sodium
import Wire

extension MarketEngine {
    func onOffer(_ offer: Ciro_V1_JobOffer, sender: [UInt8]) async throws {
        try Self.check(Array(offer.requester) == sender, "offer", "signed by another node than its requester")
        try Self.check(offer.jobID.count == 32 && offer.modelID.count == 32, "offer", "ids must be 32 bytes")
        try Self.check(offer.inputPrivacy == .private || offer.publicInput.count > 0, "offer", "public job without input")
        guard jobs[Array(offer.jobID)] == nil else {
            // A known offer again: its requester restarted inside the bid window.
            await resendBid(Array(offer.jobID))
            return
        }
        // The offer is applied first and journaled after the bid is out: a bid commits to
        // nothing, and an offer's record is independent of the order of the job's other records
        // (replay applies offers first), so a write is saved on the way to the award.
        apply(.offer(offer), replay: false)
        if let job = jobs[Array(offer.jobID)] { rearm(job, now: Self.nowMs()) }
        await maybeBid(Array(offer.jobID))
        // Journaled without holding up the next offer (offers are handled one after another).
        let journal = self.journal, logger = self.logger
        Task {
            do { try await journal.record([.offer(offer)]) } catch {
                logger.warning("offer not journaled", metadata: ["job": "\(Hex.short(Array(offer.jobID)))", "error": "\(error)"])
            }
        }
    }

    /// Bids when this node sells capacity, has a free slot and can meet the max price.
    func maybeBid(_ id: [UInt8]) async {
        guard settings.sellsCapacity, let job = jobs[id], job.requester != nodeID, job.machine.phase == .bidding,
              activeJobs < settings.maxJobs,
              let price = try? Pricing.quote(macs: job.offer.macs, pricePerMegaMac: settings.pricePerMegaMac),
              price <= job.offer.maxPrice
        else { return }
        if let left = await backend.proofsLeft(modelID: Array(job.offer.modelID)), left <= 0 {
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "no bid: the model's weight privacy budget is spent on this node")) }
            logger.info("no bid: weight privacy budget spent", metadata: ["job": "\(Hex.short(id))"])
            return
        }
        if settings.testBidDelayMs > 0 {
            try? await Task.sleep(for: .milliseconds(settings.testBidDelayMs))
            guard jobs[id]?.machine.phase == .bidding else { return }
        }
        var bid = Ciro_V1_Bid()
        bid.jobID = Data(id)
        bid.worker = Data(nodeID)
        bid.price = price
        let estimate = Pricing.estimatedMs(macs: job.offer.macs, macsPerSecond: capacity.provingMacsPerSecond)
            .map { $0.multipliedReportingOverflow(by: settings.promisedFactor).partialValue }
        bid.promisedMs = max(settings.minPromisedMs, (estimate ?? settings.defaultPromisedMs) &+ settings.promisedMarginMs)
        bid.capacity = ownAd()
        bid.createdMs = Self.nowMs()
        do {
            mutate(Data(id)) { $0.sentBid = bid }
            try await network.send(to: job.requester, .bid, try bid.serializedBytes())
            mutate(Data(id)) { $0.events.append((bid.createdMs, "bid sent: \(price) credits")) }
            // Fetch the model while the bid window is open.
            Task { [weak self] in _ = try? await self?.ensureModel(job.offer) }
        } catch {
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "bid not sent: \(error)")) }
            logger.debug("bid not sent", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
    }

    /// Sends this node's bid again (the same bid) while the job's bid window is open.
    func resendBid(_ id: [UInt8]) async {
        guard let job = jobs[id], job.machine.phase == .bidding, let bid = job.sentBid,
              Self.nowMs() < job.offer.createdMs &+ job.offer.bidWindowMs else { return }
        do {
            try await network.send(to: job.requester, .bid, try bid.serializedBytes())
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "bid sent again (the offer was repeated)")) }
        } catch {
            logger.debug("bid not sent again", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
    }

    func onAward(_ award: Ciro_V1_Award, sender: [UInt8]) async throws {
        guard let job = jobs[Array(award.jobID)] else { throw MarketError.early(jobID: Array(award.jobID), kind: "award", reason: "unknown job") }
        try Self.check(job.requester == sender, "award", "not signed by the job's requester")
        let id = Array(award.jobID)
        if let known = job.awards.first(where: { $0.round == award.round }) {
            // The requester repeats its award while no result came: nothing new.
            try Self.check(known.worker == award.worker, "award", "a second, different award for round \(award.round)")
            if Array(award.worker) == nodeID { startProving(id, round: award.round) }
            return
        }
        var next = job.machine
        if Array(award.worker) == nodeID, (try? next.apply(.award(round: award.round, worker: nodeID, dueMs: award.resultDueMs))) != nil,
           !job.proving, let input = inputOf(job) {
            // Prove while the award is being recorded: `prove` publishes nothing until the
            // award is in the journal.
            beginProving(id, round: award.round, input: input)
        }
        try await record(.award(award))
        if Array(award.worker) == nodeID { startProving(id, round: award.round) }
    }

    func onSealedInput(_ sealed: Ciro_V1_SealedInput, sender: [UInt8]) async throws {
        guard let job = jobs[Array(sealed.jobID)] else { throw MarketError.early(jobID: Array(sealed.jobID), kind: "sealed input", reason: "unknown job") }
        try Self.check(job.requester == sender, "sealed input", "not from the job's requester")
        try Self.check(Array(sealed.worker) == nodeID, "sealed input", "sealed to another node")
        try Self.check(job.offer.inputPrivacy == .private, "sealed input", "the job's input is public")
        let opened: [UInt8]
        do { opened = try SealedBox.open(sealed.sealed, with: boxKeys) } catch {
            throw MarketError.invalidMessage(kind: "sealed input", reason: "cannot open: \(error)")
        }
        guard let opening = try? Ciro_V1_PrivateInputOpening(serializedBytes: opened) else {
            throw MarketError.invalidMessage(kind: "sealed input", reason: "not an input opening")
        }
        // The requester's commitment must open to this input: otherwise no honest proof could
        // carry it, and proving would only earn this node an invalid-proof fault.
        _ = try await ensureModel(job.offer)
        let commitment = try? await backend.privateInputCommitment(modelID: Array(job.offer.modelID), input: Array(opening.input), seed: Array(opening.seed))
        try Self.check(commitment == Array(job.offer.inputCommitment), "sealed input", "does not open the offer's input commitment")
        try await keepInput(Array(sealed.jobID), opened)
        startProving(Array(sealed.jobID), round: sealed.round)
    }

    /// The job's input, if this node holds it (public offers carry it).
    func inputOf(_ job: Job) -> [UInt8]? {
        job.input ?? (job.offer.inputPrivacy == .public ? Array(job.offer.publicInput) : nil)
    }

    /// Starts proving round `round` when this node is its winner and holds the input.
    func startProving(_ id: [UInt8], round: UInt32) {
        guard let job = jobs[id], case let .awarded(r, worker, _) = job.machine.phase, r == round, worker == nodeID,
              !job.proving, let input = inputOf(job) else { return }
        beginProving(id, round: round, input: input)
    }

    func beginProving(_ id: [UInt8], round: UInt32, input: [UInt8]) {
        mutate(Data(id)) { $0.proving = true; $0.events.append((Self.nowMs(), "proving round \(round)")) }
        activeJobs += 1
        loadChanged()
        Task { [weak self] in await self?.prove(id, round: round, input: input) }
    }

    /// Whether round `round` of the job is recorded as awarded to this node, waiting up to 5 s
    /// for an award record still being written (checked every millisecond: a proof often ends
    /// just before the award's write).
    func awardRecorded(_ id: [UInt8], round: UInt32) async -> Bool {
        for _ in 0..<5000 {
            guard let job = jobs[id] else { return false }
            switch job.machine.phase {
            case let .awarded(r, worker, _) where r == round: return worker == nodeID
            case .bidding, .awarded, .faulted: try? await Task.sleep(for: .milliseconds(1))
            default: return false
            }
        }
        return false
    }

    func prove(_ id: [UInt8], round: UInt32, input: [UInt8]) async {
        guard let job = jobs[id] else { return }
        do {
            _ = try await ensureModel(job.offer)
            var seed: [UInt8]? = nil
            if job.offer.inputPrivacy == .private {
                guard let given = job.inputSeed else { throw MarketError.invalidMessage(kind: "job", reason: "private input without its opening seed") }
                // Test only: prove against a commitment of this node's own choosing.
                seed = settings.cheatCommitment ? SecureRandom.bytes(32) : given
            }
            var proven = try await backend.prove(modelID: Array(job.offer.modelID), input: input, privateInputSeed: seed)
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "proof ready round \(round)")) }
            measured(macs: job.offer.macs, provingMicroseconds: proven.provingMicroseconds)
            if settings.cheat {
                // Test only: a wrong output with a forged proof of the same size.
                if !proven.output.isEmpty { proven.output[0] &+= 1 }
                proven.proof = SecureRandom.bytes(proven.proof.count)
            }
            guard await awardRecorded(id, round: round) else {
                throw MarketError.invalidMessage(kind: "award", reason: "round \(round) is not recorded as awarded to this node")
            }
            let proofID = try await network.serve(proven.proof)
            var result = Ciro_V1_Result()
            if let copy = proven.weightCopyID {
                // The links are served before the result names them: auditors fetch them like the proof.
                result.weightCopyID = Data(copy)
                for link in proven.links { result.linkIds.append(Data(try Blake2b.hash(link))) }
                try await serveLinks(proven.links)
            }
            result.jobID = Data(id)
            result.worker = Data(nodeID)
            result.output = proven.output
            result.outputScaleBits = proven.outputScaleBits
            result.proofID = Data(proofID)
            result.proofSize = UInt64(proven.proof.count)
            result.inferenceUs = proven.inferenceMicroseconds
            result.provingUs = proven.provingMicroseconds
            result.round = round
            try await record(batch: [.proof(proven.proof), .result(result)])
            try await network.publish(.result, try result.serializedBytes())
            mutate(Data(id)) { $0.events.append((Self.nowMs(), "result published round \(round)")) }
            schedule(.republish(id, round), atMs: Self.nowMs() &+ settings.auditTimeoutMs)
        } catch {
            logger.warning("proving failed", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
            if activeJobs > 0 { activeJobs -= 1 }
            loadChanged()
        }
        mutate(Data(id)) { $0.proving = false }
    }

    /// Serves a result's link files before the result names them (unless a test delays or
    /// withholds them: `MarketSettings.testLinkDelayMs`).
    func serveLinks(_ links: [[UInt8]]) async throws {
        switch settings.testLinkDelayMs {
        case 0:
            for link in links { _ = try await network.serve(link) }
        case .max:
            return
        case let delayMs:
            let network = self.network
            Task {
                try? await Task.sleep(for: .milliseconds(delayMs))
                for link in links { _ = try? await network.serve(link) }
            }
        }
    }

    /// Updates the advertised proving throughput from a real proof (a moving average, so one
    /// slow proof on a loaded machine does not swing the estimate).
    func measured(macs: UInt64, provingMicroseconds: UInt64) {
        guard macs > 0, provingMicroseconds > 0 else { return }
        let sample = ProvingCalibration(macs: macs, provingMicroseconds: provingMicroseconds).macsPerSecond
        let old = capacity.provingMacsPerSecond
        capacity.provingMacsPerSecond = old == 0 ? max(1, sample) : max(1, (old / 4) &* 3 &+ sample / 4)
    }

    /// Makes sure the backend holds the offer's model, fetching its file from the requester.
    func ensureModel(_ offer: Ciro_V1_JobOffer) async throws -> MarketModel {
        let id = Array(offer.modelID)
        if let model = await backend.model(id) { return model }
        let file = try await network.fetch(id: Array(offer.modelFileID), from: Array(offer.requester))
        return try await backend.install(modelID: id, file: file)
    }

    /// A proof by id: from the journal, else fetched from `holder` (and served from here too).
    /// A fetched proof is not journaled here: the caller records it with its verdict
    /// (`unrecordedProofs`), saving a write on the way to settlement.
    func obtainProof(_ proofID: [UInt8], from holder: [UInt8], job id: [UInt8], round: UInt32) async throws -> [UInt8] {
        if let proof = jobs[id]?.unrecordedProofs[round], (try? Blake2b.hash(proof)) == proofID { return proof }
        if let proof = await journal.proof(proofID) { return proof }
        // One fetch per proof, shared by every caller (the prefetch on a result, the verifier).
        let fetch: Task<[UInt8], any Error>
        if let running = proofFetches[proofID] {
            fetch = running
        } else {
            let network = self.network
            fetch = Task { try await network.fetch(id: proofID, from: holder) }
            proofFetches[proofID] = fetch
        }
        do {
            let proof = try await fetch.value
            proofFetches[proofID] = nil
            if await journal.proof(proofID) == nil { mutate(Data(id)) { $0.unrecordedProofs[round] = proof } }
            _ = try? await network.serve(proof)
            return proof
        } catch {
            proofFetches[proofID] = nil
            throw error
        }
    }

    /// `entries` preceded by the job's fetched proof of `round` if it is not journaled yet.
    func withUnrecordedProof(_ id: [UInt8], round: UInt32, _ entries: [LedgerRecord]) -> [LedgerRecord] {
        guard let proof = jobs[id]?.unrecordedProofs[round] else { return entries }
        mutate(Data(id)) { $0.unrecordedProofs[round] = nil }
        return [.proof(proof)] + entries
    }
}
