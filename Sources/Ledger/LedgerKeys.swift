import Foundation

/// Byte layouts of the keys in every store (see docs/LEDGER.md).
///
/// Variable-length ids inside composite keys carry a one-byte length prefix, so a prefix scan
/// over one job never runs into another job whose id merely starts the same way. Numbers are
/// big-endian so key order is numeric order.
enum LedgerKeys {
    /// Largest id (job, node, model, proof) the ledger accepts, in bytes.
    static let maxIDLength = 64

    @inline(__always)
    static func appendPrefixed(_ id: Data, to key: inout [UInt8]) {
        key.append(UInt8(truncatingIfNeeded: id.count))
        appendBytes(id, to: &key)
    }

    @inline(__always)
    static func appendPrefixed(_ id: [UInt8], to key: inout [UInt8]) {
        key.append(UInt8(truncatingIfNeeded: id.count))
        key.append(contentsOf: id)
    }

    /// Appends the bytes of `data` with one copy (`Array.append(contentsOf: Data)` walks the
    /// bytes one by one through Data's iterator).
    @inline(__always)
    static func appendBytes(_ data: Data, to key: inout [UInt8]) {
        data.withUnsafeBytes { key.append(contentsOf: $0) }
    }

    /// The bytes of `data` as an array, with one copy.
    @inline(__always)
    static func bytes(_ data: Data) -> [UInt8] {
        data.withUnsafeBytes { [UInt8]($0) }
    }

    @inline(__always)
    static func appendBigEndian(_ value: UInt64, to key: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { key.append(contentsOf: $0) }
    }

    @inline(__always)
    static func appendBigEndian(_ value: UInt32, to key: inout [UInt8]) {
        key.append(UInt8(truncatingIfNeeded: value >> 24))
        key.append(UInt8(truncatingIfNeeded: value >> 16))
        key.append(UInt8(truncatingIfNeeded: value >> 8))
        key.append(UInt8(truncatingIfNeeded: value))
    }

    /// Key of the log store: the sequence number, 8 bytes big-endian.
    @inline(__always)
    static func sequence(_ n: UInt64) -> [UInt8] {
        withUnsafeBytes(of: n.bigEndian) { Array($0) }
    }

    static func decodeSequence(_ key: UnsafeRawBufferPointer) -> UInt64? {
        guard key.count == 8 else { return nil }
        return key.reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Prefix of every composite key about one job.
    static func jobPrefix(_ job: Data) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(job.count + 1 + 8 + 1 + 64)
        appendPrefixed(job, to: &k)
        return k
    }

    static func bid(job: Data, worker: Data) -> [UInt8] {
        var k = jobPrefix(job)
        appendPrefixed(worker, to: &k)
        return k
    }

    static func round(job: Data, round: UInt32) -> [UInt8] {
        var k = jobPrefix(job)
        appendBigEndian(round, to: &k)
        return k
    }

    static func attestation(job: Data, round: UInt32, auditor: Data) -> [UInt8] {
        var k = Self.round(job: job, round: round)
        appendPrefixed(auditor, to: &k)
        return k
    }

    static func auditorIndex(auditor: Data, job: Data, round: UInt32) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(auditor.count + job.count + 6)
        appendPrefixed(auditor, to: &k)
        appendPrefixed(job, to: &k)
        appendBigEndian(round, to: &k)
        return k
    }

    static func fault(job: Data, round: UInt32, kind: UInt8) -> [UInt8] {
        var k = Self.round(job: job, round: round)
        k.append(kind)
        return k
    }

    static func jobLog(job: Data, sequence: UInt64) -> [UInt8] {
        var k = jobPrefix(job)
        appendBigEndian(sequence, to: &k)
        return k
    }

    static func stateIndex(state: UInt8, job: Data) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(job.count + 1)
        k.append(state)
        appendBytes(job, to: &k)
        return k
    }

    /// Reads the round that follows the job prefix in a `round`/`attestation`/`fault` key.
    static func roundAfterJobPrefix(_ key: UnsafeRawBufferPointer) -> UInt32? {
        guard key.count >= 1 else { return nil }
        let start = 1 + Int(key[0])
        guard key.count >= start + 4 else { return nil }
        return UInt32(key[start]) << 24 | UInt32(key[start + 1]) << 16 | UInt32(key[start + 2]) << 8 | UInt32(key[start + 3])
    }
}
