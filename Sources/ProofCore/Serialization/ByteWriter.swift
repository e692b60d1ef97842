/// Appends little-endian integers, length-prefixed byte strings and field elements to a buffer.
/// The matching reader is `ByteReader`.
public struct ByteWriter: Sendable {
    /// Everything written so far.
    public var bytes: [UInt8]

    public init(capacity: Int = 0) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inlinable
    public mutating func writeUInt8(_ v: UInt8) { bytes.append(v) }

    @inlinable
    public mutating func writeUInt32(_ v: UInt32) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    @inlinable
    public mutating func writeUInt64(_ v: UInt64) {
        withUnsafeBytes(of: v.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// Writes a count as a UInt32 (counts in proofs are far below 2^32).
    @inlinable
    public mutating func writeCount(_ n: Int) {
        precondition(n >= 0 && n <= Int(UInt32.max), "count out of range")
        writeUInt32(UInt32(n))
    }

    /// Raw bytes with no length prefix.
    @inlinable
    public mutating func writeBytes(_ b: some Sequence<UInt8>) { bytes.append(contentsOf: b) }

    /// A UInt32 length followed by the bytes.
    @inlinable
    public mutating func writeLengthPrefixed(_ b: [UInt8]) {
        writeCount(b.count)
        bytes.append(contentsOf: b)
    }

    @inlinable
    public mutating func write<F: FieldElement>(_ element: F) { element.write(to: &self) }

    /// A UInt32 count followed by the elements.
    @inlinable
    public mutating func write<F: FieldElement>(elements: [F]) {
        writeCount(elements.count)
        for e in elements { e.write(to: &self) }
    }

    /// A 32-byte digest.
    @inlinable
    public mutating func write(_ digest: Digest) { digest.write(to: &self) }
}
