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
/// Per entry the writer does three B-tree writes for most records: the record, its log entry and
/// the job index row. Records of a job are keyed by the job's local number (`JobNumbers`), so
/// all three usually go at the right edge of their tree (`MDB_APPEND` when the key sorts last);
/// a job seen for the first time also gets its `job_numbers` row (appended). Job states and
/// reputations are kept in memory for the batch and written once per job and per node in
/// `finish` (the same values as writing them after every entry: the rules run after every
/// entry, in order, on the in-memory copy).
struct LedgerWriteContext {
    let stores: LedgerStores
    var head: LedgerHead
    let timeMs: UInt64
    /// The next job number to assign.
    var nextJobNumber: UInt64
    /// The job of the previous record: a job's records usually come in a run (its bids, a whole
    /// lifecycle), so most lookups are one comparison instead of a locked hash lookup.
    private var lastJob: (key: JobNumbers.Key, number: UInt64)?
    var encoder = LogEntryEncoder()
    /// Scratch space for composite keys (no allocation per entry once it has grown).
    private var keyBuffer: [UInt8] = []
    private var indexBuffer: [UInt8] = []
    /// Job states touched in this batch: as stored when the batch began, and as derived now.
    private var jobStates: [UInt64: (job: Data, stored: Ciro_V1_JobStatus?, current: Ciro_V1_JobStatus?)] = [:]
    /// Reputations touched in this batch, with their latest values.
    private var reputations: [Data: Ciro_V1_Reputation] = [:]

    init(stores: LedgerStores, head: LedgerHead, timeMs: UInt64, nextJobNumber: UInt64) {
        self.stores = stores
        self.head = head
        self.timeMs = timeMs
        self.nextJobNumber = nextJobNumber
        keyBuffer.reserveCapacity(LedgerKeys.jobNumberLength + 4 + 1 + LedgerKeys.maxIDLength)
        indexBuffer.reserveCapacity(16)
    }

    /// The job's number, assigning the next one (and appending its `job_numbers` row) if the
    /// ledger has never seen the job. A number assigned here is in `stores.numbers` at once but
    /// visible to readers only once the caller publishes it after the commit (or discards it).
    private mutating func jobNumber(_ job: Data, in txn: borrowing LMDBTransaction) throws -> UInt64 {
        let key = JobNumbers.Key(job)
        if let key, let last = lastJob, last.key == key { return last.number }
        let (n, assigned) = stores.numbers.writerNumber(of: job, assigning: nextJobNumber)
        if assigned {
            nextJobNumber &+= 1
            try withUnsafeBytes(of: n.bigEndian) { k in
                try job.withUnsafeBytes { value in
                    try txn.put(stores.jobNumbers, key: k, value: value, flags: .append)
                }
            }
        }
        if let key { lastJob = (key, n) }
        return n
    }

    /// Puts `key` at the end of `db` when it sorts last, else where it belongs. With
    /// `overwrite == false` an existing key is left alone and `false` returned.
    @inline(__always)
    private func putNearEnd(_ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, overwrite: Bool, in txn: borrowing LMDBTransaction) throws -> Bool {
        if try txn.appendIfLast(db, key: key, value: value) { return true }
        if overwrite {
            try txn.put(db, key: key, value: value)
            return true
        }
        return try txn.insert(db, key: key, value: value)
    }

    mutating func apply(_ append: borrowing LedgerAppend, in txn: borrowing LMDBTransaction) throws -> AppendOutcome {
        let item = append.storage
        guard let store = stores.store(for: item.kind) else {
            throw LedgerError.invalidRecord(kind: "\(item.kind)", reason: "no store")
        }
        // 1. The record, written once per key (capacity ads: replaced by a newer one).
        let jobNumber: UInt64?
        keyBuffer.removeAll(keepingCapacity: true)
        if let job = item.jobID {
            let n = try self.jobNumber(job, in: txn)
            jobNumber = n
            LedgerKeys.appendBigEndian(n, to: &keyBuffer)
            keyBuffer.append(contentsOf: item.keySuffix)
            let stored = try keyBuffer.withUnsafeBytes { key in
                try item.bytes.withUnsafeBytes { value in
                    try putNearEnd(store, key: key, value: value, overwrite: false, in: txn)
                }
            }
            if !stored { return try existing(store, item: item, in: txn) }
        } else {
            jobNumber = nil
            keyBuffer.append(contentsOf: item.keySuffix)
            if item.isReplaceable {
                if let existing = try txn.get(store, key: keyBuffer) {
                    if blake2b256(existing) == item.recordHash { return .duplicate(recordHash: item.recordHash) }
                }
                try txn.put(store, key: keyBuffer, value: item.bytes)
            } else if try !txn.insert(store, key: keyBuffer, value: item.bytes) {
                return try existing(store, item: item, in: txn)
            }
        }

        // 2. The log entry, chained to the previous one, appended at the end of the log.
        let sequence = head.sequence &+ 1
        encoder.encode(
            sequence: sequence, timeMs: timeMs, kind: item.kind, recordKey: keyBuffer,
            recordHash: item.recordHash, previousHash: head.hash, envelope: item.envelope)
        let entryHash = encoder.buffer.withUnsafeBytes { blake2b256($0) }
        try withUnsafeBytes(of: sequence.bigEndian) { key in
            try encoder.buffer.withUnsafeBytes { value in
                try txn.put(stores.log, key: key, value: value, flags: .append)
            }
        }

        // 3. Indexes, derived state and reputation.
        if let n = jobNumber {
            indexBuffer.removeAll(keepingCapacity: true)
            LedgerKeys.appendBigEndian(n, to: &indexBuffer)
            LedgerKeys.appendBigEndian(sequence, to: &indexBuffer)
            _ = try indexBuffer.withUnsafeBytes { key in
                try putNearEnd(stores.jobLog, key: key, value: UnsafeRawBufferPointer(start: nil, count: 0), overwrite: true, in: txn)
            }
            if item.kind == .attestation, case .attestation(let a) = item.record {
                try txn.put(stores.attestationsByAuditor, key: LedgerKeys.auditorIndex(auditor: a.auditor, job: n, round: a.round), value: keyBuffer)
            }
            if item.changesJobState, let job = item.jobID {
                try updateJobState(job: job, number: n, sequence: sequence, in: txn)
            }
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
        return .appended(LedgerReceipt(sequence: sequence, recordHash: item.recordHash, entryHash: entryHash, recordKey: keyBuffer))
    }

    /// The outcome for a record whose key is taken: the same bytes (duplicate) or others (conflict).
    private func existing(_ store: LMDBDatabase, item: LedgerAppend.Storage, in txn: borrowing LMDBTransaction) throws -> AppendOutcome {
        let existingHash = try txn.withValue(in: store, forKey: keyBuffer) { blake2b256($0) } ?? blake2b256([])
        return existingHash == item.recordHash ? .duplicate(recordHash: existingHash) : .conflict(existingHash: existingHash)
    }

    /// Re-derives a job's state after one of its records was stored; the result stays in memory
    /// until `finish`.
    private mutating func updateJobState(job: Data, number: UInt64, sequence: UInt64, in txn: borrowing LMDBTransaction) throws {
        guard var status = try JobStateRules.derive(job: job, number: number, txn: txn, stores: stores) else { return }
        var cached: (job: Data, stored: Ciro_V1_JobStatus?, current: Ciro_V1_JobStatus?)
        if let known = jobStates[number] {
            cached = known
        } else {
            let stored = try txn.withValue(in: stores.jobState, forKey: LedgerKeys.sequence(number)) {
                try? Ciro_V1_JobStatus(serializedBytes: $0.bytes)
            } ?? nil
            cached = (job, stored, stored)
        }
        if let current = cached.current {
            var comparable = current
            comparable.updatedSequence = 0
            if comparable == status { return }
        }
        status.updatedSequence = sequence
        cached.current = status
        jobStates[number] = cached
    }

    /// Writes the job states and reputations the batch changed (call once, before commit), in
    /// job-number order (so most of them append at the right edge).
    mutating func finish(in txn: borrowing LMDBTransaction) throws {
        for number in jobStates.keys.sorted() {
            let state = jobStates[number]!
            guard let current = state.current, current != state.stored else { continue }
            if let old = state.stored, old.state != current.state {
                try txn.delete(stores.jobsByState, key: LedgerKeys.stateIndex(state: UInt8(clamping: old.state.rawValue), job: number))
            }
            let value = try current.serializedBytes() as [UInt8]
            let key = LedgerKeys.sequence(number)
            let indexKey = LedgerKeys.stateIndex(state: UInt8(clamping: current.state.rawValue), job: number)
            _ = try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in try putNearEnd(stores.jobState, key: k, value: v, overwrite: true, in: txn) }
            }
            _ = try indexKey.withUnsafeBytes { k in
                try putNearEnd(stores.jobsByState, key: k, value: UnsafeRawBufferPointer(start: nil, count: 0), overwrite: true, in: txn)
            }
        }
        for (node, reputation) in reputations {
            try txn.put(stores.reputation, key: LedgerKeys.bytes(node), value: try reputation.serializedBytes())
        }
        jobStates.removeAll()
        reputations.removeAll()
    }
}
