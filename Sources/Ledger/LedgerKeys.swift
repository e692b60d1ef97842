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

    /// Length of a job number in a key (8 bytes, big-endian).
    static let jobNumberLength = 8

    /// Prefix of every key about one job in a per-job store: its local number (see `JobNumbers`).
    @inline(__always)
    static func jobPrefix(_ number: UInt64) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(jobNumberLength + 4 + 1 + maxIDLength)
        appendBigEndian(number, to: &k)
        return k
    }

    // Key suffixes: what follows the job number in a per-job store (computed on the caller's
    // thread; the writer puts the number in front).

    static func bidSuffix(worker: Data) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(1 + worker.count)
        appendPrefixed(worker, to: &k)
        return k
    }

    static func roundSuffix(_ round: UInt32) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(4 + 1 + maxIDLength)
        appendBigEndian(round, to: &k)
        return k
    }

    static func attestationSuffix(round: UInt32, auditor: Data) -> [UInt8] {
        var k = roundSuffix(round)
        appendPrefixed(auditor, to: &k)
        return k
    }

    static func faultSuffix(round: UInt32, kind: UInt8) -> [UInt8] {
        var k = roundSuffix(round)
        k.append(kind)
        return k
    }

    /// A per-job store key: the job number, then the suffix.
    @inline(__always)
    static func jobKey(_ number: UInt64, suffix: [UInt8]) -> [UInt8] {
        var k = jobPrefix(number)
        k.append(contentsOf: suffix)
        return k
    }

    static func round(job number: UInt64, round: UInt32) -> [UInt8] {
        var k = jobPrefix(number)
        appendBigEndian(round, to: &k)
        return k
    }

    /// Key of the auditor index: L(auditor), job number, round.
    static func auditorIndex(auditor: Data, job number: UInt64, round: UInt32) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(1 + auditor.count + jobNumberLength + 4)
        appendPrefixed(auditor, to: &k)
        appendBigEndian(number, to: &k)
        appendBigEndian(round, to: &k)
        return k
    }

    static func auditorPrefix(_ auditor: Data) -> [UInt8] {
        var k = [UInt8]()
        appendPrefixed(auditor, to: &k)
        return k
    }

    static func jobLog(job number: UInt64, sequence: UInt64) -> [UInt8] {
        var k = jobPrefix(number)
        appendBigEndian(sequence, to: &k)
        return k
    }

    static func stateIndex(state: UInt8, job number: UInt64) -> [UInt8] {
        var k = [UInt8]()
        k.reserveCapacity(1 + jobNumberLength)
        k.append(state)
        appendBigEndian(number, to: &k)
        return k
    }

    /// The job number at the start of a per-job store key.
    static func jobNumber(ofKey key: UnsafeRawBufferPointer) -> UInt64? {
        guard key.count >= jobNumberLength else { return nil }
        return decodeSequence(UnsafeRawBufferPointer(rebasing: key[0..<jobNumberLength]))
    }

    /// Reads the round that follows the job prefix in a `round`/`attestation`/`fault` key.
    static func roundAfterJobPrefix(_ key: UnsafeRawBufferPointer) -> UInt32? {
        let start = jobNumberLength
        guard key.count >= start + 4 else { return nil }
        return UInt32(key[start]) << 24 | UInt32(key[start + 1]) << 16 | UInt32(key[start + 2]) << 8 | UInt32(key[start + 3])
    }
}
