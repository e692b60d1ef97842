/// Constants and the canonical signing layout of `Ciro_V1_Envelope` (Network/PROTOCOL.md).
///
/// Signing bytes, all integers little-endian:
/// `"ciro-envelope-v1" || version u32 || sender 32 || timestamp_ms u64 || sequence u64 ||
///  topic u32 || body length u64 || body`.
/// `hops` and the signature itself are not signed.
public enum EnvelopeFormat {
    /// The domain separator that starts the signing bytes.
    public static let domain: [UInt8] = Array("ciro-envelope-v1".utf8)
    /// The protocol version this build speaks.
    public static let currentVersion: UInt32 = 1
    /// Sender key length.
    public static let senderByteCount = 32
    /// Signature length.
    public static let signatureByteCount = 64
    /// Size of the signing bytes without the body.
    public static let headerByteCount = domain.count + 4 + 32 + 8 + 8 + 4 + 8

    /// The canonical bytes a sender signs.
    public static func signingBytes(version: UInt32, sender: [UInt8], timestampMs: UInt64, sequence: UInt64,
                                    topic: UInt32, body: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(headerByteCount + body.count)
        out.append(contentsOf: domain)
        appendLE(version, to: &out)
        out.append(contentsOf: sender)
        appendLE(timestampMs, to: &out)
        appendLE(sequence, to: &out)
        appendLE(topic, to: &out)
        appendLE(UInt64(body.count), to: &out)
        out.append(contentsOf: body)
        return out
    }

    @inline(__always)
    static func appendLE<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        var v = value.littleEndian
        withUnsafeBytes(of: &v) { out.append(contentsOf: $0) }
    }
}
