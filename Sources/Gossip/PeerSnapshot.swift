import Sodium

/// A connected peer as `peers()` reports it.
public struct PeerSnapshot: Sendable {
    public enum Direction: String, Sendable { case outbound, inbound }
    public let key: Ed25519PublicKey
    public let endpoint: String
    public let direction: Direction
    public let score: Double
    public let lastHeardMsAgo: UInt64
    public let messagesReceived: UInt64
    public let messagesSent: UInt64
    public let banned: Bool
}

/// Counters of one gossip node.
public struct GossipStats: Sendable {
    public var validated: UInt64 = 0
    public var delivered: UInt64 = 0
    public var duplicates: UInt64 = 0
    public var rejected: UInt64 = 0
    public var ignored: UInt64 = 0
    public var forwarded: UInt64 = 0
    public var published: UInt64 = 0
    /// IHAVE messages sent (one per heartbeat to all links, when there is something to announce).
    public var ihaveSent: UInt64 = 0
    /// Ids asked for with IWANT.
    public var iwantRequested: UInt64 = 0
    /// Messages delivered after an IWANT (missed by eager push, recovered by lazy pull).
    public var pulled: UInt64 = 0
    /// Messages handed to peers on IWANT.
    public var served: UInt64 = 0
    public var linkCount = 0
}

/// When a PROBE message first arrived (for propagation measurements).
public struct ProbeReceipt: Sendable {
    public let id: MessageIDBytes
    public var receivedUnixNs: UInt64
    public var duplicates: UInt32
    public var hops: UInt32
}

public typealias MessageIDBytes = [UInt8]
