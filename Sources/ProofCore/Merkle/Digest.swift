import Sodium

/// A 32-byte BLAKE2b-256 digest: Merkle nodes, commitments, transcript states.
/// Stored as four words so copies and comparisons are cheap.
@frozen
public struct Digest: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    @usableFromInline var w0, w1, w2, w3: UInt64

    /// The all-zero digest.
    public static let zero = Digest(w0: 0, w1: 0, w2: 0, w3: 0)

    @inlinable
    init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Reads the first 32 bytes of `bytes` (which must have at least 32).
    @inlinable
    public init(bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= 32)
        w0 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        w1 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        w2 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        w3 = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// From exactly 32 bytes; nil otherwise.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count == 32 else { return nil }
        self = bytes.withUnsafeBytes { Digest(bytes: $0) }
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var w = ByteWriter(capacity: 32)
        write(to: &w)
        return w.bytes
    }

    @inlinable
    public func write(to writer: inout ByteWriter) {
        writer.writeUInt64(w0); writer.writeUInt64(w1); writer.writeUInt64(w2); writer.writeUInt64(w3)
    }

    public var description: String { Hex.encode(bytes) }

    /// BLAKE2b-256 of raw bytes.
    @inlinable
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> Digest {
        var out = Digest.zero
        withUnsafeMutableBytes(of: &out) { Blake2b.hash(bytes, into: $0) }
        return out.fromLittleEndianStorage()
    }

    /// BLAKE2b-256 of the 64 bytes left ‖ right (an inner Merkle node), computed in Swift
    /// (`MerkleHash.node`: the same digest as libsodium's, at about half the cost).
    @inlinable
    public static func hash(_ left: Digest, _ right: Digest) -> Digest {
        MerkleHash.node(left, right)
    }

    @inlinable
    func littleEndianStorage() -> Digest {
        Digest(w0: w0.littleEndian, w1: w1.littleEndian, w2: w2.littleEndian, w3: w3.littleEndian)
    }

    @inlinable
    func fromLittleEndianStorage() -> Digest {
        Digest(w0: UInt64(littleEndian: w0), w1: UInt64(littleEndian: w1), w2: UInt64(littleEndian: w2), w3: UInt64(littleEndian: w3))
    }
}

extension Digest {
    /// BLAKE2b's personalization for Merkle leaves: separates leaf digests from inner nodes (plain
    /// BLAKE2b-256 of 64 bytes) without a prefix byte.
    public static let leafPersonalization: [UInt8] = Array("ciro.merkle.leaf".utf8)

    /// BLAKE2b-256 of a Merkle leaf's bytes, with BLAKE2b's own 16-byte salt parameter set to the
    /// leaf's salt (zeros when unsalted) and the personalization "ciro.merkle.leaf". A 128-byte leaf
    /// (16 base-field entries) is one compression; the earlier 0x00 ‖ salt ‖ bytes encoding took two.
    /// Computed in Swift (`MerkleHash.leaf`), equal to libsodium's
    /// `crypto_generichash_blake2b_salt_personal`.
    public static func leafHash(_ bytes: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer?) -> Digest {
        guard let salt else { return MerkleHash.leaf(bytes, salt0: 0, salt1: 0) }
        precondition(salt.count == 16, "leaf salts are 16 bytes")
        return MerkleHash.leaf(bytes, salt0: UInt64(littleEndian: salt.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
                               salt1: UInt64(littleEndian: salt.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
    }
}
