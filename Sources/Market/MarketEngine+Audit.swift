import Foundation
import Ledger
import Sodium
import Wire

extension MarketEngine {
    func onResult(_ result: Ciro_V1_Result, sender: [UInt8]) async throws {
        guard let job = jobs[Array(result.jobID)] else { throw MarketError.early(jobID: Array(result.jobID), kind: "result", reason: "unknown job") }
        try Self.check(Array(result.worker) == sender, "result", "signed by another node than its worker")
        guard let award = job.awards.first(where: { $0.round == result.round }) else {
            throw MarketError.early(jobID: Array(result.jobID), kind: "result", reason: "round \(result.round) was not awarded (yet)")
        }
        try Self.check(Array(award.worker) == sender, "result", "from a node that was not awarded round \(result.round)")
        try Self.check(result.proofID.count == 32, "result", "proof id must be 32 bytes")
        let id = Array(result.jobID)
        if let known = job.results[result.round] {
            // The worker publishes its result again while the job is open: nothing new.
            try Self.check(known.proofID == result.proofID, "result", "a second, different result for round \(result.round)")
            return
        }
        if job.requester == nodeID { mutate(Data(id)) { $0.events.append((Self.nowMs(), "result arrived round \(result.round)")) } }
        let auditor = job.requester != nodeID && designatedAuditors(id, worker: Array(result.worker), escalation: 0).contains(nodeID)
        if job.requester == nodeID || auditor {
            // Fetch and verify the proof while the result is being recorded: the requester acts
            // on its verdict only once the result is in the journal; an auditor gossips its
            // attestation at once and journals it after the result.
            startCheck(id, result)
        }
        if auditor { Task { [weak self] in await self?.audit(id, round: result.round, result: result) } }
        try await record(.result(result))
        schedule(.audit(id, result.round), atMs: Self.nowMs() &+ settings.auditTimeoutMs)
        if job.requester == nodeID {
            timers.cancel(.resultDue(id, result.round))
            Task { [weak self] in await self?.requesterVerify(id, round: result.round) }
        }
        if designatedAuditors(id, round: result.round).contains(nodeID) {
            Task { [weak self] in await self?.audit(id, round: result.round) }
        }
    }

    /// The auditors the ranking designates now: the first K + `escalation` live nodes (not the
    /// worker, not the requester). Each audit timeout without settlement widens the set by one,
    /// so a silent auditor is replaced by the next ranked node; nodes that dropped out of the
    /// live market are skipped by the ranking itself.
    func designatedAuditors(_ id: [UInt8], round: UInt32, escalation: Int = 0) -> [[UInt8]] {
        guard let result = jobs[id]?.results[round] else { return [] }
        return designatedAuditors(id, worker: Array(result.worker), escalation: escalation)
    }

    func designatedAuditors(_ id: [UInt8], worker: [UInt8], escalation: Int) -> [[UInt8]] {
        guard let job = jobs[id] else { return [] }
        let candidates = market().map { Array($0.nodeID) }
        let excluded: Set = [worker, job.requester]
        return AuditorRanking.select(jobID: id, candidates: candidates, excluding: excluded,
                                     count: Int(job.offer.attestationsRequired) + escalation)
    }

    /// Fetches and verifies the round's proof, then gossips a signed attestation. `given`: the
    /// round's result as received, before this node has journaled it (the attestation is then
    /// journaled once the result is).
    func audit(_ id: [UInt8], round: UInt32, result given: Ciro_V1_Result? = nil) async {
        guard let job = jobs[id], let result = given ?? job.results[round], !job.auditing.contains(round),
              (job.attestations[round] ?? [:])[nodeID] == nil else { return }
        mutate(Data(id)) { _ = $0.auditing.insert(round) }
        var attestation = Ciro_V1_Attestation()
        attestation.jobID = Data(id)
        attestation.proofID = result.proofID
        attestation.auditor = Data(nodeID)
        attestation.worker = result.worker
        attestation.round = round
        let check = await startCheck(id, result).value
        switch check.verdict {
        case .valid:
            attestation.verdict = .valid
        case let .invalid(reason):
            attestation.verdict = .invalid
            attestation.reason = reason
        case let .unavailable(reason):
            logger.debug("not auditing", metadata: ["job": "\(Hex.short(id))", "reason": "\(reason)"])
            mutate(Data(id)) { job in
                _ = job.auditing.remove(round)
                job.checks[round] = nil  // a later audit (timer) tries again
            }
            return
        }
        attestation.verifyUs = check.microseconds
        do {
            // Gossiped at once, journaled after the result: a verdict binds no one but its auditor
            // (a crash in between leaves the auditor's own ledger without it; the others record it).
            let network = self.network, body: [UInt8] = try attestation.serializedBytes()
            async let published: Void = network.publish(.attestation, body)
            guard await resultRecorded(id, round: round, proofID: Array(result.proofID)) else {
                throw MarketError.invalidMessage(kind: "result", reason: "round \(round)'s result was not journaled here")
            }
            try await record(batch: withUnrecordedProof(id, round: round, [.attestation(attestation)]))
            try await published
        } catch {
            logger.warning("attestation not sent", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
        await settleIfReady(id)
    }

    /// Whether the round's result (with this proof) is journaled here, waiting up to 5 s for its
    /// write (checked every millisecond).
    func resultRecorded(_ id: [UInt8], round: UInt32, proofID: [UInt8]) async -> Bool {
        for _ in 0..<5000 {
            guard let job = jobs[id] else { return false }
            if let result = job.results[round] { return Array(result.proofID) == proofID }
            if job.machine.phase.isTerminal { return false }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return false
    }

    /// The check of round `result.round`'s proof: started once (fetch the model and the proof,
    /// verify), then shared. Errors of this node's own (`MarketError`: e.g. it does not hold a
    /// private input) give no verdict; any other failure is an invalid verdict.
    @discardableResult
    func startCheck(_ id: [UInt8], _ result: Ciro_V1_Result) -> Task<ProofCheck, Never> {
        let round = result.round
        if let running = jobs[id]?.checks[round] { return running }
        let job = jobs[id]
        // What the proof must state: a public input itself, or the private input's commitment
        // that the requester signed in its offer (nobody but the requester and the winner holds
        // the input).
        let input: ProofInput? = job.flatMap { job in
            job.offer.inputPrivacy == .private ? .committed(Array(job.offer.inputCommitment)) : inputOf(job).map { .plain($0) }
        }
        let offer = job?.offer
        let proofID = Array(result.proofID), worker = Array(result.worker), output = result.output
        let copyID = Array(result.weightCopyID), linkIDs = result.linkIds.map { Array($0) }
        let backend = self.backend
        let task = Task<ProofCheck, Never> { [weak self] in
            let started = DispatchTime.now().uptimeNanoseconds
            func done(_ verdict: ProofCheck.Verdict) -> ProofCheck {
                ProofCheck(verdict: verdict, microseconds: (DispatchTime.now().uptimeNanoseconds - started) / 1000)
            }
            guard let self, let offer else { return done(.unavailable("unknown job")) }
            guard let input else { return done(.unavailable("the input is not known here")) }
            do {
                _ = try await self.ensureModel(offer)
                let proof = try await self.obtainProof(proofID, from: worker, job: id, round: round)
                if copyID.isEmpty && linkIDs.isEmpty {
                    try await backend.verify(modelID: Array(offer.modelID), input: input, output: output, proof: proof)
                } else {
                    // A proof against a weight copy: its links, fetched by id from the worker (the
                    // backend verifies each once and caches it), then the proof against the copy.
                    guard linkIDs.count <= Self.maxLinkChain else { throw ProofCheckError.linkChain(linkIDs.count) }
                    let links = try await self.obtainLinks(linkIDs, from: worker, job: id)
                    try await backend.verify(modelID: Array(offer.modelID), copyID: copyID, links: links, input: input, output: output, proof: proof)
                }
                return done(.valid)
            } catch let error as MarketError {
                return done(.unavailable("\(error)"))
            } catch {
                return done(.invalid("\(error)"))
            }
        }
        mutate(Data(id)) { $0.checks[round] = task }
        return task
    }

    /// The most links a result may name (a longer chain is an invalid proof: docs/MARKET.md "Weight copies").
    public static let maxLinkChain = 64

    /// The link files a result names, fetched from its worker. A link the worker does not serve
    /// (yet) holds the result instead of failing it: its fetch is tried again
    /// `settings.linkRetryMs` later, until `settings.linkFetchAttempts` fetches of the result's
    /// links have failed; then the proof is invalid (`ProofCheckError.linksUnavailable`). Each
    /// retry is a job event. A stopping node gives no verdict.
    func obtainLinks(_ ids: [[UInt8]], from worker: [UInt8], job id: [UInt8]) async throws -> [[UInt8]] {
        let attempts = max(1, settings.linkFetchAttempts), retryMs = settings.linkRetryMs
        var files: [[UInt8]] = [], failures = 0
        for (n, linkID) in ids.enumerated() {
            while true {
                do {
                    files.append(try await obtainLink(linkID, from: worker))
                    break
                } catch {
                    failures += 1
                    guard failures < attempts else {
                        throw ProofCheckError.linksUnavailable(link: n + 1, of: ids.count, attempts: failures, retryMs: retryMs, reason: "\(error)")
                    }
                    mutate(Data(id)) { job in
                        job.events.append((Self.nowMs(), "weight copy link \(n + 1) of \(ids.count) not served yet (fetch \(failures) of \(attempts) failed): result held"))
                    }
                    try? await Task.sleep(for: .milliseconds(retryMs))
                    if stopped { throw MarketError.invalidMessage(kind: "result", reason: "the node stopped while fetching its links") }
                }
            }
        }
        return files
    }

    /// A link file by id: from this node's cache of fetched links, else fetched from `holder`
    /// (checked against the id) and served from here too.
    func obtainLink(_ id: [UInt8], from holder: [UInt8]) async throws -> [UInt8] {
        if let link = links[id] { return link }
        let link = try await network.fetch(id: id, from: holder)
        if links.count >= 4096 { links.removeAll() }
        links[id] = link
        _ = try? await network.serve(link)
        return link
    }

    func onAttestation(_ a: Ciro_V1_Attestation, sender: [UInt8]) async throws {
        guard let job = jobs[Array(a.jobID)] else { throw MarketError.early(jobID: Array(a.jobID), kind: "attestation", reason: "unknown job") }
        try Self.check(Array(a.auditor) == sender, "attestation", "signed by another node than its auditor")
        try Self.check(a.verdict == .valid || a.verdict == .invalid, "attestation", "no verdict")
        try Self.check(Array(a.auditor) != Array(a.worker), "attestation", "a worker cannot audit itself")
        guard let seen = job.results[a.round] else {
            throw MarketError.early(jobID: Array(a.jobID), kind: "attestation", reason: "about round \(a.round), whose result this node has not seen")
        }
        try Self.check(seen.proofID == a.proofID, "attestation", "about another proof than the round's result")
        if await settleIfReady(Array(a.jobID), pending: a) { return }
        // Not the last one needed: kept at once and journaled in the background (an attestation
        // changes no job state here; the settlement waits for these writes before it goes out),
        // so the job's next attestation does not wait for this write.
        apply(.attestation(a), replay: false)
        let journal = self.journal, logger = self.logger
        let write = Task {
            do { try await journal.record([.attestation(a)]) } catch {
                logger.warning("attestation not journaled", metadata: ["job": "\(Hex.short(Array(a.jobID)))", "error": "\(error)"])
            }
        }
        mutate(a.jobID) { $0.attestationWrites.append(write) }
    }

    func onSettlement(_ s: Ciro_V1_Settlement, sender: [UInt8]) async throws {
        guard let job = jobs[Array(s.jobID)] else { throw MarketError.early(jobID: Array(s.jobID), kind: "settlement", reason: "unknown job") }
        try Self.check(job.requester == sender && Array(s.requester) == sender, "settlement", "not signed by the job's requester")
        guard let award = job.awards.first(where: { $0.round == s.round }) else {
            throw MarketError.early(jobID: Array(s.jobID), kind: "settlement", reason: "round \(s.round) was not awarded (yet)")
        }
        try Self.check(award.worker == s.worker, "settlement", "names a worker that was not awarded that round")
        try await record(.settlement(s))
    }

    /// The requester's signed expiry: recorded as it is, so every ledger holds the same one.
    func onExpiry(_ e: Ciro_V1_Expiry, sender: [UInt8]) async throws {
        guard let job = jobs[Array(e.jobID)] else { throw MarketError.early(jobID: Array(e.jobID), kind: "expiry", reason: "unknown job") }
        try Self.check(job.requester == sender, "expiry", "not signed by the job's requester")
        try Self.check(!e.reason.isEmpty, "expiry", "no reason")
        try Self.check(e.reason != "deadline passed" || e.expiredMs >= job.offer.deadlineMs, "expiry", "deadline passed before the deadline")
        guard !job.machine.phase.isTerminal else { return }
        try await record(.expiry(e))
    }

    func onAd(_ ad: Ciro_V1_CapacityAd, sender: [UInt8]) async throws {
        try Self.check(Array(ad.nodeID) == sender, "capacity ad", "signed by another node")
        let node = Array(ad.nodeID)
        if let known = ads[node], known.ad.issuedMs >= ad.issuedMs { return }  // old or repeated
        if !offersToRepeat.isEmpty { await repeatOffers() }
        guard adNeedsJournal(ad) else {
            apply(.capacity(ad), replay: false)
            return
        }
        journaledAds[node] = ad
        try await record(.capacity(ad))
    }

    /// Serves the model file of this node's job again (after a restart: served blobs live in memory).
    func serveModel(_ offer: Ciro_V1_JobOffer) {
        let backend = self.backend, network = self.network
        Task {
            if let file = await backend.modelFile(Array(offer.modelID)) { _ = try? await network.serve(file) }
        }
    }

    /// Gossips again the offers of this node's jobs that were in their bid window when it started
    /// (called when peers' ads arrive: the node has links by then; again at most once per ad
    /// interval, as links to more workers come up). Workers that bid while this node was down send
    /// their bids again (`resendBid`); the same bid twice is no error.
    func repeatOffers() async {
        let now = Self.nowMs()
        offersToRepeat = offersToRepeat.filter { id in
            guard let job = jobs[id] else { return false }
            return job.machine.phase == .bidding && now < job.offer.createdMs &+ job.offer.bidWindowMs
        }
        guard now >= offersRepeatedMs &+ settings.adIntervalMs else { return }
        offersRepeatedMs = now
        for id in offersToRepeat {
            guard let job = jobs[id] else { continue }
            do {
                try await network.publish(.jobOffer, try job.offer.serializedBytes())
                mutate(Data(id)) { $0.events.append((Self.nowMs(), "offer repeated after a restart")) }
            } catch {
                logger.warning("offer not repeated", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
            }
        }
    }

    /// Whether an ad goes to the journal: when the node's terms or hardware changed since the ad
    /// last journaled, or that one is 3 ad intervals old (the live horizon). Periodic ads that
    /// only repeat the terms, and load-only changes in between, update the live view in memory.
    func adNeedsJournal(_ ad: Ciro_V1_CapacityAd) -> Bool {
        guard let last = journaledAds[Array(ad.nodeID)] else { return true }
        if ad.issuedMs >= last.issuedMs &+ 3 &* settings.adIntervalMs { return true }
        var a = ad, b = last
        a.issuedMs = 0; b.issuedMs = 0
        a.activeJobs = 0; b.activeJobs = 0
        return a != b
    }

    /// This node's load changed (a proof started or ended): advertise it at once, so requesters
    /// know which workers will bid and award without waiting out the bid grace.
    func loadChanged() {
        guard !stopped, settings.sellsCapacity else { return }
        Task { [weak self] in await self?.publishAd() }
    }

    func ownAd() -> Ciro_V1_CapacityAd {
        capacity.ad(nodeID: nodeID, endpoint: endpoint, pricePerMegaMac: settings.pricePerMegaMac,
                    supportedOps: backend.supportedOps, activeJobs: activeJobs, maxJobs: settings.sellsCapacity ? settings.maxJobs : 0, issuedMs: Self.nowMs())
    }

    func publishAd() async {
        let ad = ownAd()
        apply(.capacity(ad), replay: false)
        try? await network.publish(.capacityAd, try ad.serializedBytes())
    }

    /// Fires the timers that are due (called by the sleeper of `armWakeup`).
    func fireDueTimers() async {
        let now = Self.nowMs()
        for timer in timers.popDue(nowMs: now) {
            switch timer {
            case .pruneParked:
                pruneParked(now: now)
                if parkedCount > 0 { schedule(.pruneParked, atMs: now &+ 1000) }
            case let .bidWindow(id):
                await awardNext(id)
            case let .resultDue(id, round):
                guard let job = jobs[id], job.requester == nodeID else { continue }
                if case let .awarded(r, worker, _) = job.machine.phase, r == round {
                    try? await record(Self.fault(id, worker: worker, round: round, kind: .missedDeadline, detail: "no result by the promised time", atMs: now))
                }
                if case .faulted = jobs[id]?.machine.phase { await awardNext(id) }
            case let .audit(id, round):
                guard let job = jobs[id], !job.machine.phase.isTerminal, job.machine.phase.round == round else { continue }
                let escalation = (auditEscalation[timer] ?? 0) + 1
                auditEscalation[timer] = escalation
                if designatedAuditors(id, round: round, escalation: escalation).contains(nodeID) {
                    Task { [weak self] in await self?.audit(id, round: round) }
                }
                if job.requester == nodeID { await settleIfReady(id) }
                schedule(.audit(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .repeatAward(id, round):
                guard let job = jobs[id], job.requester == nodeID, case let .awarded(r, _, _) = job.machine.phase, r == round,
                      let award = job.awards.first(where: { $0.round == round }) else { continue }
                try? await sendAward(award, job: job)
                schedule(.repeatAward(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .republish(id, round):
                guard let job = jobs[id], !job.machine.phase.isTerminal, job.machine.phase.round == round,
                      let result = job.results[round], Array(result.worker) == nodeID else { continue }
                try? await network.publish(.result, try result.serializedBytes())
                schedule(.republish(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .deadline(id):
                guard let job = jobs[id], !job.machine.phase.isTerminal else { continue }
                await expire(id, reason: "deadline passed", atMs: now)
            }
        }
    }

    /// After a restart: continue whatever this node owes an open job.
    func resume(_ id: [UInt8]) {
        guard let job = jobs[id] else { return }
        // Workers fetch the model from the requester: serve it again (served blobs live in memory).
        if job.requester == nodeID { serveModel(job.offer) }
        // The links this node's open result names are served again too (verifiers may still fetch them).
        if !job.machine.phase.isTerminal, let result = job.results[job.machine.phase.round], Array(result.worker) == nodeID,
           !result.linkIds.isEmpty {
            let backend = self.backend, network = self.network, named = Set(result.linkIds.map { Array($0) })
            Task {
                for link in await backend.copyLinks(modelID: Array(job.offer.modelID)) where named.contains((try? Blake2b.hash(link)) ?? []) {
                    _ = try? await network.serve(link)
                }
            }
        }
        switch job.machine.phase {
        case .bidding where job.requester == nodeID:
            offersToRepeat.insert(id)
        case let .awarded(round, worker, _) where worker == nodeID:
            startProving(id, round: round)
        case let .awarded(round, _, _) where job.requester == nodeID:
            schedule(.repeatAward(id, round), atMs: Self.nowMs() &+ 1000)
        case let .resulted(round, worker) where worker == nodeID:
            schedule(.republish(id, round), atMs: Self.nowMs() &+ 1000)
        case let .resulted(round, _) where job.requester == nodeID:
            Task { [weak self] in await self?.requesterVerify(id, round: round) }
        default:
            break
        }
    }
}

/// Why a result naming a weight copy is an invalid proof before its check.
enum ProofCheckError: Error, CustomStringConvertible {
    /// It names more than `MarketEngine.maxLinkChain` links.
    case linkChain(Int)
    /// Its worker did not serve link `link` (of `of`) while the result was held:
    /// `attempts` fetches failed, `retryMs` apart.
    case linksUnavailable(link: Int, of: Int, attempts: Int, retryMs: UInt64, reason: String)

    var description: String {
        switch self {
        case let .linkChain(n): "the result names a chain of \(n) weight copy links, more than \(MarketEngine.maxLinkChain)"
        case let .linksUnavailable(link, of, attempts, retryMs, reason):
            "the worker did not serve weight copy link \(link) of \(of): \(attempts) fetches failed, \(retryMs) ms apart (last: \(reason))"
        }
    }
}
