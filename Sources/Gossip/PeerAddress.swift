import Sodium

/// How to reach a node: its Ed25519 key (node id), its CurveZMQ server key and an endpoint.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    public let key: Ed25519PublicKey
    public let curveKey: X25519PublicKey
    public let endpoint: String

    /// The curve key is derived from the Ed25519 key (the node's CurveZMQ key is its X25519 form).
    public init(key: Ed25519PublicKey, endpoint: String) throws(SodiumError) {
        self.key = key
        self.curveKey = try key.x25519()
        self.endpoint = endpoint
    }

    public init(key: Ed25519PublicKey, curveKey: X25519PublicKey, endpoint: String) {
        self.key = key
        self.curveKey = curveKey
        self.endpoint = endpoint
    }

    public var description: String { "\(key.shortID)@\(endpoint)" }
}

extension Ed25519PublicKey {
    /// The first 8 hex digits of the key, for logs.
    public var shortID: String { String(Hex.encode(bytes.prefix(4))) }
}
