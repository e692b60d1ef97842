/// Reads what `ByteWriter` wrote, checking every length against the bytes left and a caller's limit.
/// Every failure is a `ProofError` naming what was being read and where.
public struct ByteReader: Sendable {
    @usableFromInline let bytes: [UInt8]
    /// Position of the next byte to read.
    public private(set) var offset: Int

    public init(_ bytes: [UInt8]) {
        self.bytes = bytes
        self.offset = 0
    }

    /// Bytes not yet read.
    public var remaining: Int { bytes.count - offset }

    /// Throws unless every byte has been read.
    public func expectEnd() throws(ProofError) {
        guard remaining == 0 else { throw .trailingBytes(count: remaining) }
    }

    @usableFromInline
    mutating func take(_ n: Int, what: String) throws(ProofError) -> Int {
        guard n >= 0, n <= remaining else { throw .truncated(what: what, offset: offset, needed: n) }
        let start = offset
        offset += n
        return start
    }

    public mutating func readUInt8(what: String) throws(ProofError) -> UInt8 {
        let at = try take(1, what: what)
        return bytes[at]
    }

    public mutating func readUInt32(what: String) throws(ProofError) -> UInt32 {
        let at = try take(4, what: what)
        var v: UInt32 = 0
        for i in 0..<4 { v |= UInt32(bytes[at + i]) << (8 * UInt32(i)) }
        return v
    }

    @inlinable
    public mutating func readUInt64(what: String) throws(ProofError) -> UInt64 {
        let at = try take(8, what: what)
        return bytes.withUnsafeBytes { raw in
            UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        }
    }

    /// A UInt32 count that must not exceed `limit`.
    public mutating func readCount(what: String, limit: Int) throws(ProofError) -> Int {
        let n = Int(try readUInt32(what: what))
        guard n <= limit else { throw .lengthOutOfRange(what: what, count: n, limit: limit) }
        return n
    }

    /// Exactly `count` raw bytes.
    public mutating func readBytes(_ count: Int, what: String) throws(ProofError) -> [UInt8] {
        let at = try take(count, what: what)
        return Array(bytes[at..<(at + count)])
    }

    /// A UInt32 length (at most `limit`) followed by that many bytes.
    public mutating func readLengthPrefixed(what: String, limit: Int) throws(ProofError) -> [UInt8] {
        let n = try readCount(what: what, limit: limit)
        return try readBytes(n, what: what)
    }

    public mutating func read<F: FieldElement>(_ type: F.Type) throws(ProofError) -> F {
        try F(from: &self)
    }

    /// A UInt32 count (at most `limit`) followed by that many elements. The count is checked against
    /// the bytes left before anything is allocated.
    public mutating func readElements<F: FieldElement>(_ type: F.Type, what: String, limit: Int) throws(ProofError) -> [F] {
        let n = try readCount(what: what, limit: limit)
        guard n * F.byteCount <= remaining else {
            throw .truncated(what: what, offset: offset, needed: n * F.byteCount)
        }
        var out = [F]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try F(from: &self)) }
        return out
    }

    /// Exactly `count` elements with no prefix.
    public mutating func readElements<F: FieldElement>(_ type: F.Type, count: Int, what: String) throws(ProofError) -> [F] {
        guard count >= 0, count * F.byteCount <= remaining else {
            throw .truncated(what: what, offset: offset, needed: count * F.byteCount)
        }
        var out = [F]()
        out.reserveCapacity(count)
        for _ in 0..<count { out.append(try F(from: &self)) }
        return out
    }

    public mutating func readDigest(what: String) throws(ProofError) -> Digest {
        let at = try take(Digest.byteCount, what: what)
        return bytes.withUnsafeBytes { Digest(bytes: UnsafeRawBufferPointer(rebasing: $0[at..<(at + Digest.byteCount)])) }
    }

    /// Reads a magic tag and a version byte, checking both.
    public mutating func readHeader(magic: [UInt8], version: UInt8, what: String) throws(ProofError) {
        let found = try readBytes(magic.count, what: "\(what) magic")
        guard found == magic else { throw .badMagic(what: what) }
        let v = try readUInt8(what: "\(what) version")
        guard v == version else { throw .unsupportedVersion(what: what, found: Int(v), supported: Int(version)) }
    }
}
