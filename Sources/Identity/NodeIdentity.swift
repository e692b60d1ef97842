import Sodium

/// A node's long-term identity: its Ed25519 signing key pair, and the X25519 key pair derived from
/// it that CurveZMQ uses as the node's server and client key.
public struct NodeIdentity: Sendable {
    /// Signs envelopes, bids, attestations; the public half is the node id.
    public let signing: Ed25519KeyPair
    /// The CurveZMQ long-term key pair (X25519 form of `signing`).
    public let curve: X25519KeyPair

    /// The identity with this signing key pair.
    public init(signing: Ed25519KeyPair) throws(IdentityError) {
        self.signing = signing
        do {
            self.curve = try signing.x25519()
        } catch {
            throw .sodium(error)
        }
    }

    /// The identity determined by a 32-byte Ed25519 seed.
    public init(seed: SecretBytes) throws(IdentityError) {
        let pair: Ed25519KeyPair
        do { pair = try Ed25519KeyPair(seed: seed) } catch { throw .sodium(error) }
        try self.init(signing: pair)
    }

    /// A fresh random identity.
    public static func generate() throws(IdentityError) -> NodeIdentity {
        let pair: Ed25519KeyPair
        do { pair = try Ed25519KeyPair.generate() } catch { throw .sodium(error) }
        return try NodeIdentity(signing: pair)
    }

    /// The node id (the Ed25519 public key in its checksummed text form).
    public var nodeID: NodeID { NodeID(publicKey: signing.publicKey) }

    /// Signs `message` with the node's Ed25519 key.
    public func sign(_ message: some Sequence<UInt8>) -> Ed25519Signature {
        signing.sign(message)
    }
}
