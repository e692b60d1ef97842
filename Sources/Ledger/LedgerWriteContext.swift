import Foundation
import LMDB
import Wire

/// The head of the log: the last entry's sequence and hash.
public struct LedgerHead: Sendable, Equatable {
    /// Sequence of the last entry (0 for an empty log).
    public var sequence: UInt64
    /// Hash of the last entry (32 zero bytes for an empty log).
    public var hash: [UInt8]

    static let genesis = LedgerHead(sequence: 0, hash: [UInt8](repeating: 0, count: 32))
}

/// Applies appends inside one write transaction: the record, its log entry, the indexes, the job
/// state and reputation all change together or not at all.
struct LedgerWriteContext {
    let stores: LedgerStores
    var head: LedgerHead
    let timeMs: UInt64
    var encoder = LogEntryEncoder()

    init(stores: LedgerStores, head: LedgerHead, timeMs: UInt64) {
        self.stores = stores
        self.head = head
        self.timeMs = timeMs
    }

    mutating func apply(_ item: LedgerAppend, in txn: borrowing LMDBTransaction) throws -> AppendOutcome {
        guard let store = stores.store(for: item.kind) else {
            throw LedgerError.invalidRecord(kind: "\(item.kind)", reason: "no store")
        }
        // 1. The record, written once per key (capacity ads: replaced by a newer one).
        if item.record.isReplaceable {
            if let existing = try txn.get(store, key: item.storeKey) {
                if blake2b256(existing) == item.recordHash { return .duplicate(recordHash: item.recordHash) }
            }
            try txn.put(store, key: item.storeKey, value: item.bytes)
        } else {
            if try !txn.insert(store, key: item.storeKey, value: item.bytes) {
                let existing = try txn.get(store, key: item.storeKey) ?? []
                let existingHash = blake2b256(existing)
                return existingHash == item.recordHash ? .duplicate(recordHash: existingHash) : .conflict(existingHash: existingHash)
            }
        }

        // 2. The log entry, chained to the previous one.
        let sequence = head.sequence &+ 1
        encoder.encode(
            sequence: sequence, timeMs: timeMs, kind: item.kind, recordKey: item.storeKey,
            recordHash: item.recordHash, previousHash: head.hash, envelope: item.envelope)
        let entryHash = encoder.buffer.withUnsafeBytes { blake2b256($0) }
        try txn.put(stores.log, key: LedgerKeys.sequence(sequence), value: encoder.buffer, flags: .append)

        // 3. Indexes, derived state and reputation.
        if let job = item.record.jobID {
            try txn.put(stores.jobLog, key: LedgerKeys.jobLog(job: job, sequence: sequence), value: [])
        }
        if case .attestation(let a) = item.record {
            try txn.put(stores.attestationsByAuditor, key: LedgerKeys.auditorIndex(auditor: a.auditor, job: a.jobID, round: a.round), value: item.storeKey)
        }
        if item.record.changesJobState, let job = item.record.jobID {
            try updateJobState(job: job, sequence: sequence, in: txn)
        }
        for effect in ReputationRules.effects(of: item.record) {
            let key = Array(effect.node)
            var reputation = try txn.get(stores.reputation, key: key).map { try Ciro_V1_Reputation(serializedBytes: $0) } ?? Ciro_V1_Reputation()
            ReputationRules.apply(effect, to: &reputation, sequence: sequence)
            try txn.put(stores.reputation, key: key, value: try reputation.serializedBytes())
        }

        head = LedgerHead(sequence: sequence, hash: entryHash)
        return .appended(LedgerReceipt(sequence: sequence, recordHash: item.recordHash, entryHash: entryHash))
    }

    private func updateJobState(job: Data, sequence: UInt64, in txn: borrowing LMDBTransaction) throws {
        let jobKey = Array(job)
        guard var status = try JobStateRules.derive(job: job, txn: txn, stores: stores) else { return }
        let old = try txn.get(stores.jobState, key: jobKey).flatMap { try? Ciro_V1_JobStatus(serializedBytes: $0) }
        if let old {
            var comparable = old
            comparable.updatedSequence = 0
            if comparable == status { return }
            if old.state != status.state {
                try txn.delete(stores.jobsByState, key: LedgerKeys.stateIndex(state: UInt8(clamping: old.state.rawValue), job: job))
            }
        }
        status.updatedSequence = sequence
        try txn.put(stores.jobState, key: jobKey, value: try status.serializedBytes())
        try txn.put(stores.jobsByState, key: LedgerKeys.stateIndex(state: UInt8(clamping: status.state.rawValue), job: job), value: [])
    }
}
