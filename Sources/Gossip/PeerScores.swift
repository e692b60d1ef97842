import Sodium

/// Why a peer's score changes. Penalties are documented in Network/PROTOCOL.md.
public enum Offense: Sendable, Equatable, CustomStringConvertible {
    case invalidSignature
    case malformedEnvelope
    case malformedFrames
    case oversized
    case unknownTopic
    case malformedBody
    case rejectedByValidator(String)
    case stale
    case beforeHello
    case flood(dropped: Int)
    case badHello(String)
    /// Ids announced in IHAVE, asked for with IWANT, and not delivered in time.
    case brokenPromises(Int)
    /// IWANT requests beyond the retransmission or serve limit.
    case excessiveRequests(Int)
    /// IWANT requests for ids this node does not have (never announced, or long gone).
    case unknownRequests(Int)

    /// The score change.
    var penalty: Double {
        switch self {
        case .invalidSignature: -50
        case .malformedEnvelope, .malformedFrames, .malformedBody, .oversized: -25
        case .unknownTopic: -20
        case .rejectedByValidator: -10
        case .stale: -2
        case .beforeHello: -10
        case let .flood(dropped): -0.5 * Double(max(1, dropped))
        case .badHello: -30
        case let .brokenPromises(count): -0.5 * Double(max(1, count))
        case let .excessiveRequests(count): -0.5 * Double(max(1, count))
        case let .unknownRequests(count): -0.1 * Double(max(1, count))
        }
    }

    public var description: String {
        switch self {
        case .invalidSignature: "invalid signature"
        case .malformedEnvelope: "malformed envelope"
        case .malformedFrames: "malformed frames"
        case .oversized: "oversized"
        case .unknownTopic: "unknown topic"
        case .malformedBody: "malformed body"
        case let .rejectedByValidator(reason): "rejected: \(reason)"
        case .stale: "stale timestamp"
        case .beforeHello: "message before Hello"
        case let .flood(dropped): "flood (\(dropped) dropped)"
        case let .badHello(reason): "bad Hello: \(reason)"
        case let .brokenPromises(count): "\(count) IHAVE ids not delivered on IWANT"
        case let .excessiveRequests(count): "\(count) IWANT requests over the limits"
        case let .unknownRequests(count): "\(count) IWANT requests for unknown ids"
        }
    }
}

/// Scores by node key. They outlive connections (a reconnect does not reset a bad score), decay
/// slowly toward zero, and a score at or below the threshold bans the node for a while.
struct PeerScores {
    struct Entry {
        var score = 0.0
        var bannedUntilMs: UInt64 = 0
        var offenses = 0
    }
    private(set) var entries: [Ed25519PublicKey: Entry] = [:]
    let threshold: Double
    let banDurationMs: UInt64

    init(threshold: Double, banDurationMs: UInt64) {
        self.threshold = threshold
        self.banDurationMs = banDurationMs
    }

    func score(_ key: Ed25519PublicKey) -> Double { entries[key]?.score ?? 0 }

    func isBanned(_ key: Ed25519PublicKey, nowMs: UInt64) -> Bool { (entries[key]?.bannedUntilMs ?? 0) > nowMs }

    /// Applies an offense; returns true if it just got the node banned.
    mutating func penalize(_ key: Ed25519PublicKey, _ offense: Offense, nowMs: UInt64) -> Bool {
        var entry = entries[key] ?? Entry()
        entry.score += offense.penalty
        entry.offenses += 1
        var banned = false
        if entry.score <= threshold, entry.bannedUntilMs <= nowMs {
            entry.bannedUntilMs = nowMs + banDurationMs
            banned = true
        }
        entries[key] = entry
        return banned
    }

    /// Restores a saved entry (peer state file).
    mutating func restore(_ key: Ed25519PublicKey, score: Double, bannedUntilMs: UInt64, offenses: Int) {
        entries[key] = Entry(score: score, bannedUntilMs: bannedUntilMs, offenses: offenses)
    }

    /// A small reward for a valid, first-seen message (capped).
    mutating func reward(_ key: Ed25519PublicKey) {
        var entry = entries[key] ?? Entry()
        entry.score = min(entry.score + 0.01, 10)
        entries[key] = entry
    }

    /// Called once per heartbeat: scores drift back toward zero (1% per beat).
    mutating func decay() {
        for key in entries.keys {
            entries[key]!.score *= 0.99
        }
    }

    var banned: [Ed25519PublicKey] { entries.filter { $0.value.bannedUntilMs > 0 }.map(\.key) }
    func bannedUntil(_ key: Ed25519PublicKey) -> UInt64 { entries[key]?.bannedUntilMs ?? 0 }
}
