import Sodium

/// Where a job stands, as the market engine tracks it. Every transition is recorded in the ledger
/// (docs/MARKET.md, "Job state machine").
public enum JobPhase: Sendable, Equatable, CustomStringConvertible {
    /// Offer gossiped, bid window open.
    case bidding
    /// Awarded to a worker in `round`; its result is due at `dueMs`.
    case awarded(round: UInt32, worker: [UInt8], dueMs: UInt64)
    /// The round's result arrived; the requester is verifying its proof.
    case resulted(round: UInt32, worker: [UInt8])
    /// The requester verified the proof; auditors are attesting.
    case proven(round: UInt32, worker: [UInt8])
    /// K valid attestations are in; settlement is next.
    case attested(round: UInt32, worker: [UInt8])
    /// The round failed (silent winner or invalid proof); a re-award is next.
    case faulted(round: UInt32, worker: [UInt8], reason: String)
    /// Closed: credits moved from requester to worker.
    case settled(round: UInt32, worker: [UInt8])
    /// Closed without settlement (no bids, no eligible bid left, deadline passed, requester gone).
    case expired(reason: String)

    public var isTerminal: Bool {
        switch self {
        case .settled, .expired: true
        default: false
        }
    }

    /// The current award round (0 before the first award).
    public var round: UInt32 {
        switch self {
        case .bidding, .expired: 0
        case let .awarded(r, _, _), let .resulted(r, _), let .proven(r, _), let .attested(r, _),
             let .faulted(r, _, _), let .settled(r, _): r
        }
    }

    public var name: String {
        switch self {
        case .bidding: "bidding"
        case .awarded: "awarded"
        case .resulted: "resulted"
        case .proven: "proven"
        case .attested: "attested"
        case .faulted: "faulted"
        case .settled: "settled"
        case .expired: "expired"
        }
    }

    public var description: String {
        switch self {
        case let .awarded(r, _, _): "awarded (round \(r))"
        case let .faulted(r, _, reason): "faulted (round \(r): \(reason))"
        case let .expired(reason): "expired (\(reason))"
        default: round > 0 ? "\(name) (round \(round))" : name
        }
    }
}

/// What happens to a job.
public enum JobEvent: Sendable, Equatable, CustomStringConvertible {
    case bidWindowClosed(eligibleBids: Int)
    case award(round: UInt32, worker: [UInt8], dueMs: UInt64)
    case result(round: UInt32, worker: [UInt8])
    case proofVerified(round: UInt32)
    case proofInvalid(round: UInt32, reason: String)
    case resultOverdue(round: UInt32)
    case attestationsComplete(round: UInt32)
    case settlement(round: UInt32, worker: [UInt8])
    case deadlinePassed
    case noBidsLeft

    public var description: String {
        switch self {
        case let .bidWindowClosed(n): "bid window closed (\(n) eligible)"
        case let .award(r, _, _): "award round \(r)"
        case let .result(r, _): "result round \(r)"
        case let .proofVerified(r): "proof verified round \(r)"
        case let .proofInvalid(r, reason): "proof invalid round \(r): \(reason)"
        case let .resultOverdue(r): "result overdue round \(r)"
        case let .attestationsComplete(r): "attestations complete round \(r)"
        case let .settlement(r, _): "settlement round \(r)"
        case .deadlinePassed: "deadline passed"
        case .noBidsLeft: "no eligible bids left"
        }
    }
}

/// The job state machine: a pure function from (phase, event) to the next phase. Illegal events
/// throw; stale events (an older round) are ignored by returning the phase unchanged.
public struct JobMachine: Sendable, Equatable {
    public let jobID: [UInt8]
    public private(set) var phase: JobPhase
    /// Every phase this machine went through, oldest first.
    public private(set) var history: [JobPhase]

    public init(jobID: [UInt8], phase: JobPhase = .bidding) {
        self.jobID = jobID
        self.phase = phase
        self.history = [phase]
    }

    /// Applies `event`; returns true when the phase changed.
    @discardableResult
    public mutating func apply(_ event: JobEvent) throws(MarketError) -> Bool {
        let next = try Self.next(phase, event, job: jobID)
        guard next != phase else { return false }
        phase = next
        history.append(next)
        return true
    }

    /// The transition table.
    public static func next(_ phase: JobPhase, _ event: JobEvent, job: [UInt8]) throws(MarketError) -> JobPhase {
        func illegal() -> MarketError {
            .illegalTransition(job: Hex.short(job), from: phase.description, event: event.description)
        }
        if phase.isTerminal {
            // Late messages about a closed job change nothing.
            if case .settled = phase, case .settlement = event { return phase }
            if case .expired = phase { return phase }
            throw illegal()
        }
        switch (phase, event) {
        case (_, .deadlinePassed):
            return .expired(reason: "deadline passed")
        case (.bidding, .bidWindowClosed(let n)):
            return n == 0 ? .expired(reason: "no bids") : phase
        case (.bidding, .noBidsLeft), (.faulted, .noBidsLeft):
            return .expired(reason: phase == .bidding ? "no bids" : "no eligible bid left after faults")
        case (.bidding, .award(let r, let w, let due)) where r == 1:
            return .awarded(round: r, worker: w, dueMs: due)
        case (.faulted(let fr, _, _), .award(let r, let w, let due)) where r == fr + 1:
            return .awarded(round: r, worker: w, dueMs: due)
        // Observers do not see the requester's fault record: an award of the next round tells
        // them the previous round failed.
        case (.awarded, .award(let r, let w, let due)) where r == phase.round + 1,
             (.resulted, .award(let r, let w, let due)) where r == phase.round + 1,
             (.proven, .award(let r, let w, let due)) where r == phase.round + 1:
            return .awarded(round: r, worker: w, dueMs: due)
        case (.awarded(let r, let w, _), .result(let rr, let rw)) where rr == r && rw == w:
            return .resulted(round: r, worker: w)
        case (.awarded(let r, let w, _), .resultOverdue(let rr)) where rr == r:
            return .faulted(round: r, worker: w, reason: "no result by the promised time")
        case (.resulted(let r, let w), .proofVerified(let rr)) where rr == r:
            return .proven(round: r, worker: w)
        case (.resulted(let r, let w), .proofInvalid(let rr, let reason)) where rr == r,
             (.proven(let r, let w), .proofInvalid(let rr, let reason)) where rr == r:
            return .faulted(round: r, worker: w, reason: reason)
        case (.proven(let r, let w), .attestationsComplete(let rr)) where rr == r:
            return .attested(round: r, worker: w)
        case (.attested(let r, let w), .settlement(let rr, let sw)) where rr == r && sw == w:
            return .settled(round: r, worker: w)
        // Observers (neither requester nor worker) may miss steps: a settlement closes any round
        // that names the same worker.
        case (.awarded(let r, let w, _), .settlement(let rr, let sw)) where rr == r && sw == w,
             (.resulted(let r, let w), .settlement(let rr, let sw)) where rr == r && sw == w,
             (.proven(let r, let w), .settlement(let rr, let sw)) where rr == r && sw == w:
            return .settled(round: r, worker: w)
        default:
            // Events about an older round are stale: ignore them.
            if let round = event.round, round < phase.round { return phase }
            throw illegal()
        }
    }
}

extension JobEvent {
    /// The round the event is about, if it names one.
    var round: UInt32? {
        switch self {
        case let .award(r, _, _), let .result(r, _), let .proofVerified(r), let .proofInvalid(r, _),
             let .resultOverdue(r), let .attestationsComplete(r), let .settlement(r, _): r
        case .bidWindowClosed, .deadlinePassed, .noBidsLeft: nil
        }
    }
}

extension Hex {
    /// The first 8 hex digits of an id, for messages and logs.
    static func short(_ bytes: [UInt8]) -> String { String(Hex.encode(bytes).prefix(8)) }
}
