import Foundation
import LMDB
import Wire

/// Derives a job's state from its stored records. The rules (docs/LEDGER.md):
///
/// 1. a settlement exists: **settled**;
/// 2. an expiry exists: **expired**;
/// 3. no award: **offered**;
/// 4. in the latest award round `r`: a fault recorded, or any invalid attestation: **failed**
///    (the market may re-award: round `r+1` makes it **awarded** again);
/// 5. no result for round `r`: **awarded**;
/// 6. `attestations_required > 0` valid attestations for round `r`: **attested**;
/// 7. otherwise: **proven**.
///
/// A job without its offer has no state (its records are kept and counted once the offer arrives).
enum JobStateRules {
    static func derive(job: Data, number: UInt64, txn: borrowing LMDBTransaction, stores: LedgerStores) throws -> Ciro_V1_JobStatus? {
        let jobKey = LedgerKeys.jobPrefix(number)
        guard let offerBytes = try txn.get(stores.jobs, key: jobKey) else { return nil }
        var status = Ciro_V1_JobStatus()
        status.jobID = job
        if let settledRound = try txn.withValue(in: stores.settlements, forKey: jobKey, {
            (try? Ciro_V1_Settlement(serializedBytes: $0.bytes))?.round ?? 0
        }) {
            status.round = settledRound
            status.state = .settled
            return status
        }
        if try txn.contains(stores.expiries, key: jobKey) {
            status.round = try latestAwardRound(job: number, txn: txn, stores: stores) ?? 0
            status.state = .expired
            return status
        }
        guard let round = try latestAwardRound(job: number, txn: txn, stores: stores) else {
            status.state = .offered
            return status
        }
        status.round = round
        let roundKey = LedgerKeys.round(job: number, round: round)
        var valid: UInt32 = 0
        var invalid: UInt32 = 0
        try txn.forEach(in: stores.attestations, prefix: roundKey) { _, value in
            if let a = try? Ciro_V1_Attestation(serializedBytes: value.bytes) {
                switch a.verdict {
                case .valid: valid &+= 1
                case .invalid: invalid &+= 1
                default: break
                }
            }
            return true
        }
        status.validAttestations = valid
        status.invalidAttestations = invalid
        var faulted = false
        try txn.forEach(in: stores.faults, prefix: roundKey) { _, _ in
            faulted = true
            return false
        }
        if faulted || invalid > 0 {
            status.state = .failed
        } else if try !txn.contains(stores.results, key: roundKey) {
            status.state = .awarded
        } else {
            let required = (try? Ciro_V1_JobOffer(serializedBytes: offerBytes))?.attestationsRequired ?? 0
            status.state = required > 0 && valid >= required ? .attested : .proven
        }
        return status
    }

    /// The highest award round of `job`, or nil when it has no award.
    static func latestAwardRound(job number: UInt64, txn: borrowing LMDBTransaction, stores: LedgerStores) throws -> UInt32? {
        // Awards of one job share the prefix; the last one in key order has the highest round.
        let prefix = LedgerKeys.jobPrefix(number)
        var upper = prefix
        upper.append(contentsOf: [0xff, 0xff, 0xff, 0xff] as [UInt8])
        var round: UInt32?
        try txn.forEach(in: stores.awards, from: upper, reverse: true) { key, _ in
            if key.count == prefix.count + 4, prefix.withUnsafeBytes({ memcmp($0.baseAddress!, key.baseAddress!, prefix.count) == 0 }) {
                round = LedgerKeys.roundAfterJobPrefix(key)
            }
            return false
        }
        return round
    }
}

/// How records move reputation and credits. The rule (docs/LEDGER.md), per node:
///
/// - a settlement: its worker +1 settled job and +price credits earned; its requester +price spent;
/// - an attestation: its auditor +1 attestation given; if the verdict is invalid, the worker
///   +1 invalid verdict;
/// - a missed-deadline fault: its worker +1 missed deadline;
///
/// score = 10 x settled jobs - 20 x invalid verdicts - 10 x missed deadlines.
/// Replaying the log through these rules gives the stored reputation exactly (`ciro ledger verify`
/// checks it).
public enum ReputationRules {
    public static let settledWeight: Int64 = 10
    public static let invalidVerdictWeight: Int64 = 20
    public static let missedDeadlineWeight: Int64 = 10

    /// One change to one node's counters.
    struct Effect {
        var node: Data
        var settled: UInt64 = 0
        var invalidVerdicts: UInt64 = 0
        var missedDeadlines: UInt64 = 0
        var attestationsGiven: UInt64 = 0
        var earned: UInt64 = 0
        var spent: UInt64 = 0
    }

    static func effects(of record: LedgerRecord) -> [Effect] {
        switch record {
        case .settlement(let s):
            var out: [Effect] = []
            if !s.worker.isEmpty { out.append(Effect(node: s.worker, settled: 1, earned: s.price)) }
            if !s.requester.isEmpty { out.append(Effect(node: s.requester, spent: s.price)) }
            return out
        case .attestation(let a):
            var out: [Effect] = []
            if !a.auditor.isEmpty { out.append(Effect(node: a.auditor, attestationsGiven: 1)) }
            if a.verdict == .invalid, !a.worker.isEmpty { out.append(Effect(node: a.worker, invalidVerdicts: 1)) }
            return out
        case .fault(let f):
            if f.kind == .missedDeadline, !f.worker.isEmpty { return [Effect(node: f.worker, missedDeadlines: 1)] }
            return []
        default:
            return []
        }
    }

    static func apply(_ e: Effect, to r: inout Ciro_V1_Reputation, sequence: UInt64) {
        r.nodeID = e.node
        r.settledJobs &+= e.settled
        r.invalidVerdicts &+= e.invalidVerdicts
        r.missedDeadlines &+= e.missedDeadlines
        r.attestationsGiven &+= e.attestationsGiven
        r.creditsEarned &+= e.earned
        r.creditsSpent &+= e.spent
        r.score = score(r)
        r.updatedSequence = sequence
    }

    /// The score of a node's counters.
    public static func score(_ r: Ciro_V1_Reputation) -> Int64 {
        settledWeight &* Int64(clamping: r.settledJobs)
            &- invalidVerdictWeight &* Int64(clamping: r.invalidVerdicts)
            &- missedDeadlineWeight &* Int64(clamping: r.missedDeadlines)
    }

    /// Credits earned minus credits spent.
    public static func balance(_ r: Ciro_V1_Reputation) -> Int64 {
        Int64(clamping: r.creditsEarned) &- Int64(clamping: r.creditsSpent)
    }
}
