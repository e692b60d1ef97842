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
///
/// Per entry the writer does three B-tree writes for most records (the record, its log entry
/// appended at the end of the log with `MDB_APPEND`, the job index row) with keys built in one
/// reused buffer. Job states and reputations are kept in memory for the batch and written once
/// per job and per node in `finish` (the same values as writing them after every entry: the
/// rules run after every entry, in order, on the in-memory copy).
struct LedgerWriteContext {
    let stores: LedgerStores
    var head: LedgerHead
    let timeMs: UInt64
    var encoder = LogEntryEncoder()
    /// Scratch space for composite keys (no allocation per entry once it has grown).
    private var keyBuffer: [UInt8] = []
    /// Job states touched in this batch: as stored when the batch began, and as derived now.
    private var jobStates: [Data: (stored: Ciro_V1_JobStatus?, current: Ciro_V1_JobStatus?)] = [:]
    /// Reputations touched in this batch, with their latest values.
    private var reputations: [Data: Ciro_V1_Reputation] = [:]

    init(stores: LedgerStores, head: LedgerHead, timeMs: UInt64) {
        self.stores = stores
        self.head = head
        self.timeMs = timeMs
        keyBuffer.reserveCapacity(1 + LedgerKeys.maxIDLength + 8)
    }

    mutating func apply(_ item: borrowing LedgerAppend, in txn: borrowing LMDBTransaction) throws -> AppendOutcome {
        guard let store = stores.store(for: item.kind) else {
            throw LedgerError.invalidRecord(kind: "\(item.kind)", reason: "no store")
        }
        // 1. The record, written once per key (capacity ads: replaced by a newer one).
        if item.isReplaceable {
            if let existing = try txn.get(store, key: item.storeKey) {
                if blake2b256(existing) == item.recordHash { return .duplicate(recordHash: item.recordHash) }
            }
            try txn.put(store, key: item.storeKey, value: item.bytes)
        } else {
            if try !txn.insert(store, key: item.storeKey, value: item.bytes) {
                let existingHash = try txn.withValue(in: store, forKey: item.storeKey) { blake2b256($0) } ?? blake2b256([])
                return existingHash == item.recordHash ? .duplicate(recordHash: existingHash) : .conflict(existingHash: existingHash)
            }
        }

        // 2. The log entry, chained to the previous one, appended at the end of the log.
        let sequence = head.sequence &+ 1
        encoder.encode(
            sequence: sequence, timeMs: timeMs, kind: item.kind, recordKey: item.storeKey,
            recordHash: item.recordHash, previousHash: head.hash, envelope: item.envelope)
        let entryHash = encoder.buffer.withUnsafeBytes { blake2b256($0) }
        try withUnsafeBytes(of: sequence.bigEndian) { key in
            try encoder.buffer.withUnsafeBytes { value in
                try txn.put(stores.log, key: key, value: value, flags: .append)
            }
        }

        // 3. Indexes, derived state and reputation.
        if let job = item.jobKey {
            keyBuffer.removeAll(keepingCapacity: true)
            LedgerKeys.appendPrefixed(job, to: &keyBuffer)
            LedgerKeys.appendBigEndian(sequence, to: &keyBuffer)
            try keyBuffer.withUnsafeBytes { key in
                try txn.put(stores.jobLog, key: key, value: UnsafeRawBufferPointer(start: nil, count: 0))
            }
        }
        if let indexKey = item.auditorIndexKey {
            try txn.put(stores.attestationsByAuditor, key: indexKey, value: item.storeKey)
        }
        if item.changesJobState, let job = item.record.jobID {
            try updateJobState(job: job, sequence: sequence, in: txn)
        }
        for effect in item.reputationEffects {
            var reputation: Ciro_V1_Reputation
            if let cached = reputations.removeValue(forKey: effect.node) {
                reputation = cached
            } else {
                reputation = try txn.withValue(in: stores.reputation, forKey: LedgerKeys.bytes(effect.node)) {
                    try Ciro_V1_Reputation(serializedBytes: $0.bytes)
                } ?? Ciro_V1_Reputation()
            }
            ReputationRules.apply(effect, to: &reputation, sequence: sequence)
            reputations[effect.node] = reputation
        }

        head = LedgerHead(sequence: sequence, hash: entryHash)
        return .appended(LedgerReceipt(sequence: sequence, recordHash: item.recordHash, entryHash: entryHash))
    }

    /// Re-derives a job's state after one of its records was stored; the result stays in memory
    /// until `finish`.
    private mutating func updateJobState(job: Data, sequence: UInt64, in txn: borrowing LMDBTransaction) throws {
        guard var status = try JobStateRules.derive(job: job, txn: txn, stores: stores) else { return }
        var cached: (stored: Ciro_V1_JobStatus?, current: Ciro_V1_JobStatus?)
        if let known = jobStates[job] {
            cached = known
        } else {
            let stored = try txn.withValue(in: stores.jobState, forKey: LedgerKeys.bytes(job)) {
                try? Ciro_V1_JobStatus(serializedBytes: $0.bytes)
            } ?? nil
            cached = (stored, stored)
        }
        if let current = cached.current {
            var comparable = current
            comparable.updatedSequence = 0
            if comparable == status { return }
        }
        status.updatedSequence = sequence
        cached.current = status
        jobStates[job] = cached
    }

    /// Writes the job states and reputations the batch changed (call once, before commit).
    mutating func finish(in txn: borrowing LMDBTransaction) throws {
        for (job, state) in jobStates {
            guard let current = state.current, current != state.stored else { continue }
            let jobKey = LedgerKeys.bytes(job)
            if let old = state.stored, old.state != current.state {
                try txn.delete(stores.jobsByState, key: LedgerKeys.stateIndex(state: UInt8(clamping: old.state.rawValue), job: job))
            }
            try txn.put(stores.jobState, key: jobKey, value: try current.serializedBytes())
            try txn.put(stores.jobsByState, key: LedgerKeys.stateIndex(state: UInt8(clamping: current.state.rawValue), job: job), value: [])
        }
        for (node, reputation) in reputations {
            try txn.put(stores.reputation, key: LedgerKeys.bytes(node), value: try reputation.serializedBytes())
        }
        jobStates.removeAll()
        reputations.removeAll()
    }
}
