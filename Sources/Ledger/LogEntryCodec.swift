import Foundation
import SwiftProtobuf
import Wire

/// Writes `ciro.v1.LogEntry` in protobuf encoding without building the message, into a reused
/// buffer (the writer's hot path). Fields are written in field-number order and zero values are
/// omitted, so the bytes are what any protobuf library produces and parses.
struct LogEntryEncoder {
    private(set) var buffer: [UInt8] = []

    init() { buffer.reserveCapacity(512) }

    mutating func encode(
        sequence: UInt64, timeMs: UInt64, kind: Ciro_V1_EntryKind, recordKey: [UInt8],
        recordHash: [UInt8], previousHash: [UInt8], envelope: [UInt8]?
    ) {
        buffer.removeAll(keepingCapacity: true)
        varintField(1, sequence)
        varintField(2, timeMs)
        varintField(3, UInt64(kind.rawValue))
        bytesField(4, recordKey)
        bytesField(5, recordHash)
        bytesField(6, previousHash)
        if let envelope { bytesField(7, envelope) }
    }

    @inline(__always)
    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            buffer.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        buffer.append(UInt8(v))
    }

    @inline(__always)
    private mutating func varintField(_ number: UInt64, _ value: UInt64) {
        guard value != 0 else { return }
        varint(number << 3)
        varint(value)
    }

    @inline(__always)
    private mutating func bytesField(_ number: UInt64, _ value: [UInt8]) {
        guard !value.isEmpty else { return }
        varint(number << 3 | 2)
        varint(UInt64(value.count))
        buffer.append(contentsOf: value)
    }
}

/// A decoded log entry with its own hash.
public struct LedgerEntry: Sendable {
    /// The decoded entry.
    public let entry: Ciro_V1_LogEntry
    /// BLAKE2b-256 of the entry's stored bytes.
    public let hash: [UInt8]

    public var sequence: UInt64 { entry.sequence }
    public var kind: Ciro_V1_EntryKind { entry.kind }
    /// The peer's envelope, decoded, when the record came from a peer.
    public var envelope: Ciro_V1_Envelope? {
        entry.envelope.isEmpty ? nil : try? Ciro_V1_Envelope(serializedBytes: entry.envelope)
    }

    init(bytes: UnsafeRawBufferPointer, sequence: UInt64) throws(LedgerError) {
        do {
            entry = try Ciro_V1_LogEntry(serializedBytes: Array(bytes))
        } catch {
            throw .corruptEntry(sequence: sequence, reason: "does not decode: \(error)")
        }
        hash = blake2b256(bytes)
    }
}
