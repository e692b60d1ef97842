import CSodium

/// An X25519 (Curve25519) public key, 32 bytes: a CurveZMQ server or client key, a sealed-box recipient.
public struct X25519PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// Length of an X25519 public key in bytes.
    public static let byteCount = Int(crypto_box_PUBLICKEYBYTES)

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`; throws `invalidLength` unless there are exactly 32.
    public init(bytes: some Sequence<UInt8>) throws(SodiumError) {
        self.bytes = try fixedLengthBytes(bytes, expected: Self.byteCount, what: "X25519 public key")
    }

    /// Parses the 40-character Z85 text form ZeroMQ uses for CURVE keys.
    public init(z85 text: some StringProtocol) throws(Z85Error) {
        let decoded = try Z85.decode(text)
        guard decoded.count == Self.byteCount else {
            throw .invalidLength(length: text.utf8.count, expected: 40)
        }
        self.bytes = decoded
    }

    /// The 40-character Z85 text form (ZeroMQ's `zmq_z85_encode` of the key).
    public var z85: String { Z85.encodeWholeGroups(bytes) }

    /// Z85 text of the key.
    public var description: String { z85 }
}

/// An X25519 secret key (32 bytes), held in wiped-on-free memory.
public struct X25519SecretKey: Sendable, CustomStringConvertible {
    /// Length of an X25519 secret key in bytes.
    public static let byteCount = Int(crypto_box_SECRETKEYBYTES)

    /// The 32 secret bytes.
    public let bytes: SecretBytes

    /// Wraps a 32-byte secret; throws `invalidLength` otherwise.
    public init(_ bytes: SecretBytes) throws(SodiumError) {
        guard bytes.count == Self.byteCount else {
            throw .invalidLength(what: "X25519 secret key", expected: Self.byteCount, actual: bytes.count)
        }
        self.bytes = bytes
    }

    /// The public key that belongs to this secret key (`crypto_scalarmult_base`).
    public func publicKey() throws(SodiumError) -> X25519PublicKey {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: X25519PublicKey.byteCount)
        let code = bytes.withUnsafeBytes { sk in
            out.withUnsafeMutableBufferPointer { o in
                crypto_scalarmult_base(o.baseAddress!, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        guard code == 0 else { throw .callFailed(function: "crypto_scalarmult_base", code: code) }
        return try X25519PublicKey(bytes: out)
    }

    /// Redacted: secret keys are never printed.
    public var description: String { "X25519SecretKey(redacted)" }
}

/// An X25519 key pair: the long-term CurveZMQ key of a node, or a sealed-box recipient.
public struct X25519KeyPair: Sendable {
    /// The public half.
    public let publicKey: X25519PublicKey
    /// The secret half.
    public let secretKey: X25519SecretKey

    /// Pairs two halves. Throws `keyMismatch` if they do not belong together.
    public init(publicKey: X25519PublicKey, secretKey: X25519SecretKey) throws(SodiumError) {
        guard try secretKey.publicKey() == publicKey else { throw .keyMismatch(what: "X25519 key pair") }
        self.publicKey = publicKey
        self.secretKey = secretKey
    }

    /// A fresh key pair from the secure random generator.
    public static func generate() throws(SodiumError) -> X25519KeyPair {
        let sk = try X25519SecretKey(SecretBytes.random(count: X25519SecretKey.byteCount))
        return try X25519KeyPair(publicKey: sk.publicKey(), secretKey: sk)
    }
}
