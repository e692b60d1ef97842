import Foundation
import Sodium
import SwiftProtobuf
import Wire

/// One record ready to append: validated, serialized, hashed and keyed on the caller's thread,
/// so the ledger's single writer only does the storage work (the writer reads the fields it needs
/// straight from the shared immutable storage: nothing is copied or re-derived on its thread).
///
/// Create it from a local record (`init(_:)`) or from a peer's signed envelope
/// (`init(envelope:)`), which keeps the envelope so anyone can re-check the signature later.
public struct LedgerAppend: Sendable {
    /// Everything, in one immutable box: copying an append (into a batch, out of an array) is
    /// one retain instead of one per field.
    final class Storage: Sendable {
        let record: LedgerRecord
        let bytes: [UInt8]
        let recordHash: [UInt8]
        let keySuffix: [UInt8]
        let envelope: [UInt8]?
        let envelopeMessage: Ciro_V1_Envelope?
        let jobID: Data?
        let reputationEffects: [ReputationRules.Effect]
        let changesJobState: Bool
        let isReplaceable: Bool
        let kind: Ciro_V1_EntryKind

        init(record: LedgerRecord, bytes: [UInt8], envelope: [UInt8]?, envelopeMessage: Ciro_V1_Envelope?) throws {
            self.record = record
            self.bytes = bytes
            self.recordHash = blake2b256(bytes)
            self.keySuffix = try record.keySuffix(recordHash: recordHash)
            self.envelope = envelope
            self.envelopeMessage = envelopeMessage
            self.jobID = record.jobID
            self.reputationEffects = ReputationRules.effects(of: record)
            self.changesJobState = record.changesJobState
            self.isReplaceable = record.isReplaceable
            self.kind = record.kind
        }
    }

    let storage: Storage

    /// The record.
    public var record: LedgerRecord { storage.record }
    /// The exact bytes stored (for a peer's message: the envelope body, byte for byte).
    public var bytes: [UInt8] { storage.bytes }
    /// BLAKE2b-256 of `bytes`.
    public var recordHash: [UInt8] { storage.recordHash }
    /// The serialized envelope the record arrived in, if it came from a peer.
    public var envelope: [UInt8]? { storage.envelope }
    /// The envelope, for signature checks before appending.
    var envelopeMessage: Ciro_V1_Envelope? { storage.envelopeMessage }

    /// A record created by this node.
    public init(_ record: LedgerRecord) throws {
        let bytes = try record.serialized()
        try self.init(record: record, bytes: bytes, envelope: nil, envelopeMessage: nil)
    }

    /// A record that arrived from a peer in a signed envelope. The record is the envelope's body,
    /// parsed by its topic; the sender must be the record's author (e.g. a bid's worker).
    public init(envelope: Ciro_V1_Envelope) throws {
        guard let kind = LedgerRecord.kind(of: envelope.topic) else {
            throw LedgerError.invalidEnvelope(reason: "topic \(envelope.topic) carries no ledger record")
        }
        let body = Array(envelope.body)
        let record: LedgerRecord
        do {
            record = try LedgerRecord.decode(kind: kind, bytes: body)
        } catch {
            throw LedgerError.invalidEnvelope(reason: "\(kind) body does not parse: \(error)")
        }
        if let author = record.author, author != envelope.sender {
            throw LedgerError.senderMismatch(kind: "\(kind)", expected: Hex.encode(author), sender: Hex.encode(envelope.sender))
        }
        try self.init(record: record, bytes: body, envelope: try envelope.serializedBytes(), envelopeMessage: envelope)
    }

    /// A record from the serialized bytes of a peer's envelope.
    public init(envelopeBytes: [UInt8]) throws {
        let envelope: Ciro_V1_Envelope
        do {
            envelope = try Ciro_V1_Envelope(serializedBytes: envelopeBytes)
        } catch {
            throw LedgerError.invalidEnvelope(reason: "envelope does not parse: \(error)")
        }
        try self.init(envelope: envelope)
    }

    init(record: LedgerRecord, bytes: [UInt8], envelope: [UInt8]?, envelopeMessage: Ciro_V1_Envelope?) throws {
        storage = try Storage(record: record, bytes: bytes, envelope: envelope, envelopeMessage: envelopeMessage)
    }

    /// The entry kind.
    public var kind: Ciro_V1_EntryKind { storage.kind }
}

/// What happened to one appended record.
public enum AppendOutcome: Sendable, Equatable {
    /// Stored and logged.
    case appended(LedgerReceipt)
    /// The same bytes were already stored under this key: nothing changed.
    case duplicate(recordHash: [UInt8])
    /// Different bytes are already stored under this key (e.g. a second settlement for a job):
    /// nothing changed; the existing record's hash is given.
    case conflict(existingHash: [UInt8])

    /// The receipt, when the record was appended.
    public var receipt: LedgerReceipt? {
        if case .appended(let r) = self { return r }
        return nil
    }
}

/// Where an appended record went in the log.
public struct LedgerReceipt: Sendable, Equatable {
    /// The entry's sequence number.
    public let sequence: UInt64
    /// BLAKE2b-256 of the record bytes (for a proof: its id; for an attestation: its id).
    public let recordHash: [UInt8]
    /// BLAKE2b-256 of the entry bytes (the next entry's `previous_hash`).
    public let entryHash: [UInt8]
    /// The record's key in its store (the entry's `record_key`; for a record of a job it starts
    /// with the job's local number).
    public let recordKey: [UInt8]
}
