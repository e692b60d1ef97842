import Foundation
import Sodium
import SwiftProtobuf
import Wire

/// One record the ledger stores: a market message (the same type that travels on the wire), a
/// proof blob, or one of the ledger's own records (model, fault, expiry).
public enum LedgerRecord: Sendable {
    case offer(Ciro_V1_JobOffer)
    case bid(Ciro_V1_Bid)
    case award(Ciro_V1_Award)
    case result(Ciro_V1_Result)
    /// Proof bytes, stored content-addressed (key = BLAKE2b-256 of the bytes).
    case proof([UInt8])
    case attestation(Ciro_V1_Attestation)
    case settlement(Ciro_V1_Settlement)
    case capacity(Ciro_V1_CapacityAd)
    case model(Ciro_V1_ModelRecord)
    case fault(Ciro_V1_Fault)
    case expiry(Ciro_V1_Expiry)

    /// The log entry kind (and so the store) of this record.
    public var kind: Ciro_V1_EntryKind {
        switch self {
        case .offer: .jobOffer
        case .bid: .bid
        case .award: .award
        case .result: .result
        case .proof: .proof
        case .attestation: .attestation
        case .settlement: .settlement
        case .capacity: .capacityAd
        case .model: .model
        case .fault: .fault
        case .expiry: .expiry
        }
    }

    /// The job this record belongs to, if any.
    public var jobID: Data? {
        switch self {
        case .offer(let m): m.jobID
        case .bid(let m): m.jobID
        case .award(let m): m.jobID
        case .result(let m): m.jobID
        case .attestation(let m): m.jobID
        case .settlement(let m): m.jobID
        case .fault(let m): m.jobID
        case .expiry(let m): m.jobID
        case .proof, .capacity, .model: nil
        }
    }

    /// Who must have signed this record when it arrives from a peer (`nil`: not checkable from
    /// the record alone, e.g. an award, which the job's requester signs).
    public var author: Data? {
        switch self {
        case .offer(let m): m.requester
        case .bid(let m): m.worker
        case .result(let m): m.worker
        case .attestation(let m): m.auditor
        case .settlement(let m): m.requester
        case .capacity(let m): m.nodeID
        case .award, .proof, .model, .fault, .expiry: nil
        }
    }

    /// Whether this record changes its job's derived state.
    var changesJobState: Bool {
        switch self {
        case .offer, .award, .result, .attestation, .settlement, .fault, .expiry: true
        case .bid, .proof, .capacity, .model: false
        }
    }

    /// A record whose newer version replaces the stored one (a node's latest capacity ad);
    /// every other kind is written once per key.
    var isReplaceable: Bool {
        if case .capacity = self { return true }
        return false
    }

    /// The bytes stored for a locally created record.
    func serialized() throws -> [UInt8] {
        switch self {
        case .offer(let m): try m.serializedBytes()
        case .bid(let m): try m.serializedBytes()
        case .award(let m): try m.serializedBytes()
        case .result(let m): try m.serializedBytes()
        case .proof(let bytes): bytes
        case .attestation(let m): try m.serializedBytes()
        case .settlement(let m): try m.serializedBytes()
        case .capacity(let m): try m.serializedBytes()
        case .model(let m): try m.serializedBytes()
        case .fault(let m): try m.serializedBytes()
        case .expiry(let m): try m.serializedBytes()
        }
    }

    /// Decodes stored bytes of `kind`.
    public static func decode(kind: Ciro_V1_EntryKind, bytes: [UInt8]) throws -> LedgerRecord {
        switch kind {
        case .jobOffer: .offer(try Ciro_V1_JobOffer(serializedBytes: bytes))
        case .bid: .bid(try Ciro_V1_Bid(serializedBytes: bytes))
        case .award: .award(try Ciro_V1_Award(serializedBytes: bytes))
        case .result: .result(try Ciro_V1_Result(serializedBytes: bytes))
        case .proof: .proof(bytes)
        case .attestation: .attestation(try Ciro_V1_Attestation(serializedBytes: bytes))
        case .settlement: .settlement(try Ciro_V1_Settlement(serializedBytes: bytes))
        case .capacityAd: .capacity(try Ciro_V1_CapacityAd(serializedBytes: bytes))
        case .model: .model(try Ciro_V1_ModelRecord(serializedBytes: bytes))
        case .fault: .fault(try Ciro_V1_Fault(serializedBytes: bytes))
        case .expiry: .expiry(try Ciro_V1_Expiry(serializedBytes: bytes))
        case .unspecified, .UNRECOGNIZED:
            throw LedgerError.invalidRecord(kind: "\(kind)", reason: "unknown entry kind")
        }
    }

    /// The record's key in its store, less the job number in front for records of a job (the
    /// writer assigns the number: see `JobNumbers`); throws if an id it is keyed by is empty or
    /// too long.
    func keySuffix(recordHash: [UInt8]) throws(LedgerError) -> [UInt8] {
        switch self {
        case .offer(let m):
            try Self.check(m.jobID, "job_id", kind)
            return []
        case .bid(let m):
            try Self.check(m.jobID, "job_id", kind)
            try Self.check(m.worker, "worker", kind)
            return LedgerKeys.bidSuffix(worker: m.worker)
        case .award(let m):
            try Self.check(m.jobID, "job_id", kind)
            return LedgerKeys.roundSuffix(m.round)
        case .result(let m):
            try Self.check(m.jobID, "job_id", kind)
            return LedgerKeys.roundSuffix(m.round)
        case .proof(let bytes):
            guard !bytes.isEmpty else { throw .invalidRecord(kind: "\(kind)", reason: "empty proof") }
            return recordHash
        case .attestation(let m):
            try Self.check(m.jobID, "job_id", kind)
            try Self.check(m.auditor, "auditor", kind)
            return LedgerKeys.attestationSuffix(round: m.round, auditor: m.auditor)
        case .settlement(let m):
            try Self.check(m.jobID, "job_id", kind)
            return []
        case .capacity(let m):
            try Self.check(m.nodeID, "node_id", kind)
            return LedgerKeys.bytes(m.nodeID)
        case .model(let m):
            try Self.check(m.modelID, "model_id", kind)
            return LedgerKeys.bytes(m.modelID)
        case .fault(let m):
            try Self.check(m.jobID, "job_id", kind)
            return LedgerKeys.faultSuffix(round: m.round, kind: UInt8(clamping: m.kind.rawValue))
        case .expiry(let m):
            try Self.check(m.jobID, "job_id", kind)
            return []
        }
    }

    private static func check(_ id: Data, _ field: String, _ kind: Ciro_V1_EntryKind) throws(LedgerError) {
        guard !id.isEmpty else { throw .invalidRecord(kind: "\(kind)", reason: "\(field) is empty") }
        guard id.count <= LedgerKeys.maxIDLength else {
            throw .invalidRecord(kind: "\(kind)", reason: "\(field) is \(id.count) bytes (at most \(LedgerKeys.maxIDLength))")
        }
    }

    /// The entry kind a gossip topic carries, or nil for topics that are not ledger records.
    public static func kind(of topic: Ciro_V1_Topic) -> Ciro_V1_EntryKind? {
        switch topic {
        case .jobOffer: .jobOffer
        case .bid: .bid
        case .award: .award
        case .result: .result
        case .attestation: .attestation
        case .settlement: .settlement
        case .expiry: .expiry
        case .capacityAd: .capacityAd
        default: nil
        }
    }
}

/// BLAKE2b-256 of `bytes`.
@inline(__always)
func blake2b256(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    var out = [UInt8](repeating: 0, count: 32)
    out.withUnsafeMutableBytes { Blake2b.hash(bytes, into: $0) }
    return out
}

@inline(__always)
func blake2b256(_ bytes: [UInt8]) -> [UInt8] {
    bytes.withUnsafeBytes { blake2b256($0) }
}
