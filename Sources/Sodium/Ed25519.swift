import CSodium

/// An Ed25519 public key (32 bytes): a node's identity and the key its signatures verify under.
public struct Ed25519PublicKey: Sendable, Hashable, CustomStringConvertible {
    /// Length of an Ed25519 public key in bytes.
    public static let byteCount = Int(crypto_sign_PUBLICKEYBYTES)

    /// The 32 key bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`; throws `invalidLength` unless there are exactly 32.
    public init(bytes: some Sequence<UInt8>) throws(SodiumError) {
        self.bytes = try fixedLengthBytes(bytes, expected: Self.byteCount, what: "Ed25519 public key")
    }

    /// Whether `signature` is a valid signature of `message` by this key. Never throws: a signature
    /// of the wrong length is simply not valid.
    public func isValidSignature(_ signature: some Sequence<UInt8>, for message: some Sequence<UInt8>) -> Bool {
        let sig = Array(signature)
        guard sig.count == Ed25519Signature.byteCount else { return false }
        return withContiguousBytes(message) { isValid(signatureBytes: sig, message: $0) }
    }

    /// Whether `signature` is a valid signature of `message` by this key.
    public func isValidSignature(_ signature: Ed25519Signature, for message: some Sequence<UInt8>) -> Bool {
        withContiguousBytes(message) { isValid(signatureBytes: signature.bytes, message: $0) }
    }

    /// Whether `signature` is a valid signature of the raw bytes `message` (no copy; for hot paths).
    public func isValidSignature(_ signature: Ed25519Signature, for message: UnsafeRawBufferPointer) -> Bool {
        isValid(signatureBytes: signature.bytes, message: message)
    }

    /// Checks that `signature` is a valid signature of `message` by this key.
    /// Throws `invalidLength` for a signature that is not 64 bytes, `signatureInvalid` if it does not verify.
    public func verify(_ signature: some Sequence<UInt8>, for message: some Sequence<UInt8>) throws(SodiumError) {
        let sig = try Ed25519Signature(bytes: signature)
        guard isValidSignature(sig, for: message) else { throw .signatureInvalid }
    }

    /// Checks that `signature` is a valid signature of `message` by this key; throws `signatureInvalid` if not.
    public func verify(_ signature: Ed25519Signature, for message: some Sequence<UInt8>) throws(SodiumError) {
        guard isValidSignature(signature, for: message) else { throw .signatureInvalid }
    }

    /// The X25519 (Curve25519) form of this key, as CurveZMQ and sealed boxes use it.
    /// Throws `callFailed` for bytes that are not a valid Ed25519 point.
    public func x25519() throws(SodiumError) -> X25519PublicKey {
        Sodium.ensureInitialized()
        var out = [UInt8](repeating: 0, count: X25519PublicKey.byteCount)
        let code = out.withUnsafeMutableBufferPointer { o in
            bytes.withUnsafeBufferPointer { crypto_sign_ed25519_pk_to_curve25519(o.baseAddress!, $0.baseAddress!) }
        }
        guard code == 0 else { throw .callFailed(function: "crypto_sign_ed25519_pk_to_curve25519", code: code) }
        return try X25519PublicKey(bytes: out)
    }

    /// Lower-case hex of the key.
    public var description: String { Hex.encode(bytes) }

    private func isValid(signatureBytes: [UInt8], message: UnsafeRawBufferPointer) -> Bool {
        Sodium.ensureInitialized()
        return signatureBytes.withUnsafeBufferPointer { s in
            bytes.withUnsafeBufferPointer { k in
                crypto_sign_verify_detached(
                    s.baseAddress!, message.baseAddress?.assumingMemoryBound(to: UInt8.self),
                    UInt64(message.count), k.baseAddress!) == 0
            }
        }
    }
}

/// A detached Ed25519 signature (64 bytes).
public struct Ed25519Signature: Sendable, Hashable, CustomStringConvertible {
    /// Length of an Ed25519 signature in bytes.
    public static let byteCount = Int(crypto_sign_BYTES)

    /// The 64 signature bytes.
    public let bytes: [UInt8]

    /// Wraps `bytes`; throws `invalidLength` unless there are exactly 64.
    public init(bytes: some Sequence<UInt8>) throws(SodiumError) {
        self.bytes = try fixedLengthBytes(bytes, expected: Self.byteCount, what: "Ed25519 signature")
    }

    /// Lower-case hex of the signature.
    public var description: String { Hex.encode(bytes) }
}

/// An Ed25519 secret key, held in wiped-on-free memory (libsodium's 64-byte form: seed then public key).
public struct Ed25519SecretKey: Sendable, CustomStringConvertible {
    /// Length of an Ed25519 seed in bytes.
    public static let seedByteCount = Int(crypto_sign_SEEDBYTES)
    /// Length of libsodium's expanded secret key in bytes.
    public static let byteCount = Int(crypto_sign_SECRETKEYBYTES)

    /// The 64-byte secret key (seed followed by the public key).
    public let storage: SecretBytes

    init(storage: SecretBytes) {
        self.storage = storage
    }

    /// The 32-byte seed this key was derived from: all that needs storing to recreate the key pair.
    public func seed() throws(SodiumError) -> SecretBytes {
        try storage.withUnsafeBytes { (sk: UnsafeRawBufferPointer) throws(SodiumError) -> SecretBytes in
            try SecretBytes(count: Self.seedByteCount) { out throws(SodiumError) in
                let code = crypto_sign_ed25519_sk_to_seed(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                guard code == 0 else { throw .callFailed(function: "crypto_sign_ed25519_sk_to_seed", code: code) }
            }
        }
    }

    /// The X25519 secret key that matches `Ed25519PublicKey.x25519()` (for CurveZMQ and sealed boxes).
    public func x25519() throws(SodiumError) -> X25519SecretKey {
        try storage.withUnsafeBytes { (sk: UnsafeRawBufferPointer) throws(SodiumError) -> X25519SecretKey in
            let bytes = try SecretBytes(count: X25519SecretKey.byteCount) { out throws(SodiumError) in
                let code = crypto_sign_ed25519_sk_to_curve25519(
                    out.baseAddress!.assumingMemoryBound(to: UInt8.self), sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                guard code == 0 else { throw .callFailed(function: "crypto_sign_ed25519_sk_to_curve25519", code: code) }
            }
            return try X25519SecretKey(bytes)
        }
    }

    /// Redacted: secret keys are never printed.
    public var description: String { "Ed25519SecretKey(redacted)" }
}

/// An Ed25519 key pair: signs messages; the public key verifies them.
public struct Ed25519KeyPair: Sendable {
    /// The public half.
    public let publicKey: Ed25519PublicKey
    /// The secret half, wiped from memory when the last copy of this key pair goes away.
    public let secretKey: Ed25519SecretKey

    /// A fresh key pair from the secure random generator.
    public static func generate() throws(SodiumError) -> Ed25519KeyPair {
        try Ed25519KeyPair(seed: SecretBytes.random(count: Ed25519SecretKey.seedByteCount))
    }

    /// The key pair determined by a 32-byte seed (RFC 8032's "secret key").
    public init(seed: SecretBytes) throws(SodiumError) {
        guard seed.count == Ed25519SecretKey.seedByteCount else {
            throw .invalidLength(what: "Ed25519 seed", expected: Ed25519SecretKey.seedByteCount, actual: seed.count)
        }
        Sodium.ensureInitialized()
        var pk = [UInt8](repeating: 0, count: Ed25519PublicKey.byteCount)
        let sk = try seed.withUnsafeBytes { (s: UnsafeRawBufferPointer) throws(SodiumError) -> SecretBytes in
            try SecretBytes(count: Ed25519SecretKey.byteCount) { out throws(SodiumError) in
                let code = pk.withUnsafeMutableBufferPointer { p in
                    crypto_sign_seed_keypair(
                        p.baseAddress!, out.baseAddress!.assumingMemoryBound(to: UInt8.self),
                        s.baseAddress!.assumingMemoryBound(to: UInt8.self))
                }
                guard code == 0 else { throw .callFailed(function: "crypto_sign_seed_keypair", code: code) }
            }
        }
        self.publicKey = try Ed25519PublicKey(bytes: pk)
        self.secretKey = Ed25519SecretKey(storage: sk)
    }

    /// The key pair determined by a 32-byte seed given as plain bytes (test vectors, imports).
    /// Prefer `init(seed: SecretBytes)` for real keys, so no unwiped copy of the seed exists.
    public init(seedBytes: some Sequence<UInt8>) throws(SodiumError) {
        var bytes = Array(seedBytes)
        guard bytes.count == Ed25519SecretKey.seedByteCount else {
            throw .invalidLength(what: "Ed25519 seed", expected: Ed25519SecretKey.seedByteCount, actual: bytes.count)
        }
        try self.init(seed: SecretBytes(consumingAndWiping: &bytes))
    }

    /// Signs `message` (a detached signature). Signing with a well-formed key cannot fail.
    public func sign(_ message: some Sequence<UInt8>) -> Ed25519Signature {
        withContiguousBytes(message) { sign(bytes: $0) }
    }

    /// Signs the raw bytes `message` without copying them (for hot paths).
    public func sign(bytes message: UnsafeRawBufferPointer) -> Ed25519Signature {
        Sodium.ensureInitialized()
        var sig = [UInt8](repeating: 0, count: Ed25519Signature.byteCount)
        secretKey.storage.withUnsafeBytes { sk in
            sig.withUnsafeMutableBufferPointer { s in
                _ = crypto_sign_detached(
                    s.baseAddress!, nil,
                    message.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(message.count),
                    sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
            }
        }
        return Ed25519Signature(validated: sig)
    }

    /// The X25519 key pair derived from this one (CurveZMQ's long-term key, sealed boxes).
    public func x25519() throws(SodiumError) -> X25519KeyPair {
        try X25519KeyPair(publicKey: publicKey.x25519(), secretKey: secretKey.x25519())
    }
}

extension Ed25519Signature {
    init(validated bytes: [UInt8]) {
        self.bytes = bytes
    }
}
