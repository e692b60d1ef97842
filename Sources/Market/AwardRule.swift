import Sodium

/// A bid as the award rule sees it.
public struct BidCandidate: Sendable, Equatable {
    /// The worker's node id (Ed25519 public key, 32 bytes).
    public var worker: [UInt8]
    /// Credits asked for the job.
    public var price: UInt64
    /// Promised milliseconds from award to result.
    public var promisedMs: UInt64
    /// The worker's reputation score, derived from the requester's ledger.
    public var reputation: Int64

    public init(worker: [UInt8], price: UInt64, promisedMs: UInt64, reputation: Int64) {
        self.worker = worker
        self.price = price
        self.promisedMs = promisedMs
        self.reputation = reputation
    }
}

/// The documented award rule (docs/MARKET.md, "Award rule").
///
/// A bid is eligible when its price is at most the job's max price, the worker's reputation is at
/// least the job's minimum, the promised time fits before the deadline, and the worker has not
/// faulted on this job already. Each eligible bid gets a cost in parts per million, lowest wins:
///
///     cost = 5 * price_ppm + 3 * time_ppm + 2 * distrust_ppm
///     price_ppm    = price * 10^6 / max_price
///     time_ppm     = promised_ms * 10^6 / (deadline_ms - now_ms)
///     distrust_ppm = (100 - clamp(50 + reputation, 0, 100)) * 10^4
///
/// Ties go to the smaller BLAKE2b-256(job id || worker id), which neither party can steer.
public struct AwardRule: Sendable {
    public var maxPrice: UInt64
    public var minReputation: Int64
    public var deadlineMs: UInt64
    public var nowMs: UInt64
    /// Workers excluded (faulted earlier on this job).
    public var excluded: Set<[UInt8]>

    public init(maxPrice: UInt64, minReputation: Int64, deadlineMs: UInt64, nowMs: UInt64, excluded: Set<[UInt8]> = []) {
        self.maxPrice = maxPrice
        self.minReputation = minReputation
        self.deadlineMs = deadlineMs
        self.nowMs = nowMs
        self.excluded = excluded
    }

    /// Why a bid is not eligible, or nil when it is.
    public func ineligibility(_ bid: BidCandidate) -> String? {
        if excluded.contains(bid.worker) { return "worker already faulted on this job" }
        if bid.price > maxPrice { return "price \(bid.price) above max \(maxPrice)" }
        if bid.reputation < minReputation { return "reputation \(bid.reputation) below \(minReputation)" }
        if nowMs >= deadlineMs || bid.promisedMs > deadlineMs - nowMs {
            return "promised \(bid.promisedMs) ms does not fit before the deadline"
        }
        return nil
    }

    /// The cost of an eligible bid (lower is better), in parts per million, weighted.
    public func cost(_ bid: BidCandidate) -> UInt64 {
        let pricePpm = maxPrice == 0 ? 0 : UInt64((Double(bid.price) * 1e6 / Double(maxPrice)).rounded(.down))
        let window = deadlineMs > nowMs ? deadlineMs - nowMs : 1
        let timePpm = UInt64((Double(bid.promisedMs) * 1e6 / Double(window)).rounded(.down))
        let trust = UInt64(max(0, min(100, 50 &+ max(-1000, min(1000, bid.reputation)))))
        let distrustPpm = (100 - trust) * 10_000
        return 5 * min(pricePpm, 1_000_000) + 3 * min(timePpm, 1_000_000) + 2 * distrustPpm
    }

    /// Eligible bids, best first (the award order: a re-award takes the next one).
    public func rank(_ bids: [BidCandidate], jobID: [UInt8]) -> [BidCandidate] {
        let eligible = bids.filter { ineligibility($0) == nil }
        let keyed = eligible.map { bid in
            (bid, cost(bid), (try? Blake2b.hash(jobID + bid.worker)) ?? bid.worker)
        }
        return keyed.sorted { a, b in
            a.1 != b.1 ? a.1 < b.1 : a.2.lexicographicallyPrecedes(b.2)
        }.map(\.0)
    }

    /// The winning bid, if any bid is eligible.
    public func choose(_ bids: [BidCandidate], jobID: [UInt8]) -> BidCandidate? {
        rank(bids, jobID: jobID).first
    }
}
