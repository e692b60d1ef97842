import Foundation
import Ledger
import Sodium
import Wire

extension MarketEngine {
    /// Applies a recorded entry to the in-memory state: the one place state changes, used both
    /// live and when replaying the journal at start. No side effects here.
    func apply(_ record: LedgerRecord, replay: Bool) {
        let now = Self.nowMs()
        switch record {
        case let .capacity(ad):
            let node = Array(ad.nodeID)
            if let known = ads[node], known.ad.issuedMs > ad.issuedMs { return }
            ads[node] = (ad, replay ? ad.issuedMs : now)
            if replay { journaledAds[node] = ad }
        case let .offer(offer):
            let id = Array(offer.jobID)
            guard jobs[id] == nil else { return }
            var job = Job(offer: offer, machine: JobMachine(jobID: id))
            job.events.append((offer.createdMs, "offer: model \(Hex.short(Array(offer.modelID))), max price \(offer.maxPrice), \(offer.attestationsRequired) attestations"))
            jobs[id] = job
        case let .bid(bid):
            mutate(bid.jobID) { job in
                job.bids[Array(bid.worker)] = bid
                job.events.append((bid.createdMs, "bid from \(Hex.short(Array(bid.worker))): \(bid.price) credits, \(bid.promisedMs) ms"))
            }
        case let .award(award):
            mutate(award.jobID) { job in
                guard !job.awards.contains(where: { $0.round == award.round }) else { return }
                guard (try? job.machine.apply(.award(round: award.round, worker: Array(award.worker), dueMs: award.resultDueMs))) != nil else { return }
                job.awards.append(award)
                job.events.append((award.awardedMs, "award round \(award.round) to \(Hex.short(Array(award.worker))) at \(award.price) credits"))
            }
        case let .result(result):
            mutate(result.jobID) { job in
                guard job.results[result.round] == nil else { return }
                job.results[result.round] = result
                _ = try? job.machine.apply(.result(round: result.round, worker: Array(result.worker)))
                job.events.append((now, "result round \(result.round): proof \(result.proofSize) bytes, proved in \(result.provingUs / 1000) ms"))
                if Array(result.worker) == nodeID, activeJobs > 0, !replay {
                    activeJobs -= 1
                    loadChanged()
                }
            }
        case .proof, .model:
            break
        case let .attestation(a):
            mutate(a.jobID) { job in
                job.attestations[a.round, default: [:]][Array(a.auditor)] = a
                job.events.append((now, "attestation from \(Hex.short(Array(a.auditor))): \(a.verdict == .valid ? "valid" : "INVALID \(a.reason)")"))
                if a.verdict == .invalid { reputation[Array(a.worker), default: 0] -= ReputationRules.invalidVerdictWeight }
            }
        case let .settlement(s):
            mutate(s.jobID) { job in
                guard job.settlement == nil else { return }
                job.settlement = s
                // The requester settles only what it verified itself (also true after a replay).
                if Array(s.requester) == nodeID { job.requesterVerified[s.round] = true }
                _ = try? job.machine.apply(.settlement(round: s.round, worker: Array(s.worker)))
                balances[Array(s.requester), default: 0] -= Int64(clamping: s.price)
                balances[Array(s.worker), default: 0] += Int64(clamping: s.price)
                reputation[Array(s.worker), default: 0] += ReputationRules.settledWeight
                job.events.append((s.settledMs, "settled: \(s.price) credits to \(Hex.short(Array(s.worker)))"))
            }
        case let .fault(f):
            let worker = Array(f.worker), round = f.round, reason = f.detail
            mutate(f.jobID) { job in
                job.faulted.insert(worker)
                job.faults.append("round \(round): \(Hex.short(worker)): \(reason)")
                job.events.append((f.detectedMs, "fault round \(round): \(reason)"))
                if f.kind == .missedDeadline { reputation[worker, default: 0] -= ReputationRules.missedDeadlineWeight }
                switch job.machine.phase {
                case .awarded(round, _, _): _ = try? job.machine.apply(.resultOverdue(round: round))
                case .resulted(round, _), .proven(round, _): _ = try? job.machine.apply(.proofInvalid(round: round, reason: reason))
                default: break
                }
            }
        case let .expiry(e):
            let reason = e.reason, atMs = e.expiredMs
            mutate(e.jobID) { job in
                guard !job.machine.phase.isTerminal else { return }
                let event: JobEvent = reason == "deadline passed" ? .deadlinePassed
                    : (job.machine.phase == .bidding ? .bidWindowClosed(eligibleBids: 0) : .noBidsLeft)
                _ = try? job.machine.apply(event)
                job.events.append((atMs, "expired: \(reason)"))
            }
        }
    }

    func mutate(_ id: Data, _ body: (inout Job) -> Void) {
        guard var job = jobs[Array(id)] else { return }
        body(&job)
        jobs[Array(id)] = job
    }

    /// Re-arms the timers of an open job (after a replay or a new record).
    func rearm(_ job: Job, now: UInt64) {
        let mine = job.requester == nodeID
        // Other nodes give the requester's gossiped expiry time to arrive before closing the
        // job themselves (a requester that is gone sends none).
        schedule(.deadline(job.id), atMs: job.offer.deadlineMs &+ (mine ? 0 : settings.auditTimeoutMs))
        switch job.machine.phase {
        case .bidding where mine:
            schedule(.bidWindow(job.id), atMs: job.offer.createdMs &+ job.offer.bidWindowMs)
        case let .awarded(round, _, due) where mine:
            schedule(.resultDue(job.id, round), atMs: due)
        case let .faulted(round, _, _) where mine:
            // Crashed between the fault and the re-award: re-award now.
            schedule(.resultDue(job.id, round), atMs: now)
        case let .resulted(round, _), let .proven(round, _):
            schedule(.audit(job.id, round), atMs: now &+ settings.auditTimeoutMs)
        default:
            break
        }
    }
}
