import Sodium

/// A message id: BLAKE2b-256 of an envelope's signing bytes followed by its signature.
/// Stored as four words so that seen-caches hash and compare it cheaply.
public struct MessageID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// Length in bytes.
    public static let byteCount = 32
    public let w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// Wraps exactly 32 bytes; nil otherwise.
    public init?(bytes: some Collection<UInt8>) {
        guard bytes.count == Self.byteCount else { return nil }
        let a = Array(bytes)
        func word(_ i: Int) -> UInt64 {
            var w: UInt64 = 0
            for k in 0..<8 { w |= UInt64(a[i * 8 + k]) << (8 * UInt64(k)) }
            return w
        }
        (w0, w1, w2, w3) = (word(0), word(1), word(2), word(3))
    }

    /// The 32 bytes.
    public var bytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(32)
        for w in [w0, w1, w2, w3] { for k in 0..<8 { out.append(UInt8(truncatingIfNeeded: w >> (8 * UInt64(k)))) } }
        return out
    }

    /// The id of the given signing bytes and signature.
    public static func of(signingBytes: [UInt8], signature: [UInt8]) -> MessageID {
        var hasher = try! Blake2b() // default length is always valid
        hasher.update(signingBytes)
        hasher.update(signature)
        return MessageID(bytes: hasher.finalize())!
    }

    public static func < (a: MessageID, b: MessageID) -> Bool { (a.w0, a.w1, a.w2, a.w3) < (b.w0, b.w1, b.w2, b.w3) }

    /// Lower-case hex.
    public var description: String { Hex.encode(bytes) }
    /// The first 8 hex digits, for logs.
    public var short: String { String(description.prefix(8)) }
}
