import Sodium
import Wire

/// What a validator decides about a message (GossipSub's three outcomes).
public enum ValidationResult: Sendable, Equatable {
    /// Valid: deliver and forward.
    case accept
    /// Drop quietly (duplicate, stale, not interesting): no penalty.
    case ignore
    /// Drop and lower the score of the peer that sent it.
    case reject(String)
}

/// A validator for one topic. Runs on the gossip actor: keep it fast and non-blocking.
public typealias GossipValidator = @Sendable (GossipMessage) -> ValidationResult

/// A message delivered to subscribers: a verified envelope and the neighbour it came from.
public struct GossipMessage: Sendable {
    public let envelope: VerifiedEnvelope
    /// The neighbour that handed it to us (not necessarily the signer).
    public let from: Ed25519PublicKey
    /// Unix ns when it arrived.
    public let receivedUnixNs: UInt64

    public var topic: Ciro_V1_Topic { envelope.topic }
    public var body: [UInt8] { Array(envelope.envelope.body) }
    /// The signer.
    public var sender: Ed25519PublicKey { envelope.sender }
    public var id: MessageID { envelope.id }
}
