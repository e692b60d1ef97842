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
        if job.results[result.round] == nil, job.requester == nodeID || designatedAuditors(id, worker: Array(result.worker), escalation: 0).contains(nodeID) {
            // Fetch the proof while the result is being recorded.
            let round = result.round, proofID = Array(result.proofID), worker = Array(result.worker)
            Task { [weak self] in _ = try? await self?.obtainProof(proofID, from: worker, job: id, round: round) }
        }
        try await record(.result(result))
        timers.schedule(.audit(id, result.round), atMs: Self.nowMs() &+ settings.auditTimeoutMs)
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

    /// Fetches and verifies the round's proof, then gossips a signed attestation.
    func audit(_ id: [UInt8], round: UInt32) async {
        guard let job = jobs[id], let result = job.results[round], !job.auditing.contains(round),
              (job.attestations[round] ?? [:])[nodeID] == nil else { return }
        mutate(Data(id)) { _ = $0.auditing.insert(round) }
        let started = DispatchTime.now().uptimeNanoseconds
        var attestation = Ciro_V1_Attestation()
        attestation.jobID = Data(id)
        attestation.proofID = result.proofID
        attestation.auditor = Data(nodeID)
        attestation.worker = result.worker
        attestation.round = round
        do {
            guard let input = inputOf(job) else { throw MarketError.invalidMessage(kind: "audit", reason: "input is private") }
            _ = try await ensureModel(job.offer)
            let proof = try await obtainProof(Array(result.proofID), from: Array(result.worker), job: id, round: round)
            try await backend.verify(modelID: Array(job.offer.modelID), input: input, output: result.output, proof: proof)
            attestation.verdict = .valid
        } catch let error as MarketError {
            logger.debug("not auditing", metadata: ["job": "\(Hex.short(id))", "reason": "\(error)"])
            mutate(Data(id)) { _ = $0.auditing.remove(round) }
            return
        } catch {
            attestation.verdict = .invalid
            attestation.reason = "\(error)"
        }
        attestation.verifyUs = (DispatchTime.now().uptimeNanoseconds - started) / 1000
        do {
            try await record(batch: withUnrecordedProof(id, round: round, [.attestation(attestation)]))
            try await network.publish(.attestation, try attestation.serializedBytes())
        } catch {
            logger.warning("attestation not sent", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
        await settleIfReady(id)
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
        try await record(.attestation(a))
        await settleIfReady(Array(a.jobID))
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

    func onAd(_ ad: Ciro_V1_CapacityAd, sender: [UInt8]) async throws {
        try Self.check(Array(ad.nodeID) == sender, "capacity ad", "signed by another node")
        try await record(.capacity(ad))
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

    /// Fires due timers.
    func tick() async {
        let now = Self.nowMs()
        if parkedCount > 0, now % 1000 < settings.tickMs { pruneParked(now: now) }
        for timer in timers.popDue(nowMs: now) {
            switch timer {
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
                timers.schedule(.audit(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .repeatAward(id, round):
                guard let job = jobs[id], job.requester == nodeID, case let .awarded(r, _, _) = job.machine.phase, r == round,
                      let award = job.awards.first(where: { $0.round == round }) else { continue }
                try? await sendAward(award, job: job)
                timers.schedule(.repeatAward(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .republish(id, round):
                guard let job = jobs[id], !job.machine.phase.isTerminal, job.machine.phase.round == round,
                      let result = job.results[round], Array(result.worker) == nodeID else { continue }
                try? await network.publish(.result, try result.serializedBytes())
                timers.schedule(.republish(id, round), atMs: now &+ settings.auditTimeoutMs)
            case let .deadline(id):
                guard let job = jobs[id], !job.machine.phase.isTerminal else { continue }
                try? await record(Self.expiry(id, reason: "deadline passed", atMs: now))
            }
        }
    }

    /// After a restart: continue whatever this node owes an open job.
    func resume(_ id: [UInt8]) {
        guard let job = jobs[id] else { return }
        switch job.machine.phase {
        case let .awarded(round, worker, _) where worker == nodeID:
            startProving(id, round: round)
        case let .awarded(round, _, _) where job.requester == nodeID:
            timers.schedule(.repeatAward(id, round), atMs: Self.nowMs() &+ 1000)
        case let .resulted(round, worker) where worker == nodeID:
            timers.schedule(.republish(id, round), atMs: Self.nowMs() &+ 1000)
        case let .resulted(round, _) where job.requester == nodeID:
            Task { [weak self] in await self?.requesterVerify(id, round: round) }
        default:
            break
        }
    }
}
