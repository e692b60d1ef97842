import Foundation
import LMDB
import Wire

/// Synchronous queries over a ledger, safe from any thread (each call reads one consistent
/// snapshot). Use `snapshot` to run several queries against the same snapshot.
public struct LedgerReader: Sendable {
    package let environment: LMDBEnvironment
    package let stores: LedgerStores
    /// The ledger folder (`DATA_DIR/ledger`).
    public let path: String

    static let formatKey = Array("format".utf8)

    init(environment: LMDBEnvironment, stores: LedgerStores, path: String) {
        self.environment = environment
        self.stores = stores
        self.path = path
    }

    /// Opens an existing ledger for reading (the CLI's `ledger show`/`verify`), without creating
    /// anything. Another process (a running node) may be writing it at the same time.
    public init(dataDirectory: String) throws {
        let path = Ledger.ledgerPath(dataDirectory)
        guard access(path + "/data.mdb", F_OK) == 0 else { throw LedgerError.notFound(path: path) }
        var options = LMDBEnvironment.Options()
        options.createDirectory = false
        let environment = try storage { try LMDBEnvironment(path: path, options: options) }
        // The format first: a ledger of another format may lack stores this build opens.
        let meta: [UInt8]?
        do {
            let metaStore = try environment.openDatabase(named: "meta", flags: [])
            meta = try environment.read { try $0.get(metaStore, key: Self.formatKey) }
        } catch let e as LMDBError where e.code == .notFound {
            throw LedgerError.badMetadata(path: path, reason: "no format record")
        } catch let e as LMDBError {
            throw LedgerError.storage(e)
        }
        guard let meta else { throw LedgerError.badMetadata(path: path, reason: "no format record") }
        try Self.checkFormat(meta, path: path)
        let stores: LedgerStores
        do {
            stores = try LedgerStores(environment: environment, create: false)
        } catch let e where e.code == .notFound {
            throw LedgerError.badMetadata(path: path, reason: "a store is missing (\(e))")
        } catch {
            throw LedgerError.storage(error)
        }
        self.init(environment: environment, stores: stores, path: path)
    }

    static func checkFormat(_ bytes: [UInt8], path: String) throws {
        let meta: Ciro_V1_LedgerMeta
        do {
            meta = try Ciro_V1_LedgerMeta(serializedBytes: bytes)
        } catch {
            throw LedgerError.badMetadata(path: path, reason: "format record does not decode: \(error)")
        }
        guard meta.formatVersion <= Ledger.formatVersion else {
            throw LedgerError.newerFormat(found: meta.formatVersion, supported: Ledger.formatVersion, path: path)
        }
        guard meta.formatVersion >= 1 else {
            throw LedgerError.badMetadata(path: path, reason: "format version 0")
        }
        guard meta.formatVersion == Ledger.formatVersion else {
            throw LedgerError.olderFormat(found: meta.formatVersion, supported: Ledger.formatVersion, path: path)
        }
    }

    /// Runs `body` against one consistent snapshot of the ledger.
    public func snapshot<R>(_ body: (borrowing LedgerSnapshot) throws -> R) throws -> R {
        let txn: LMDBTransaction
        do { txn = try environment.beginTransaction(readOnly: true) } catch { throw LedgerError.storage(error) }
        let snap = LedgerSnapshot(txn: txn, stores: stores)
        return try storage { try body(snap) }
    }

    // MARK: One-call queries (each reads its own snapshot)

    /// The log's head (sequence 0 and a zero hash when empty).
    public func head() throws -> LedgerHead { try snapshot { try $0.head() } }
    /// The entry with `sequence`.
    public func entry(_ sequence: UInt64) throws -> LedgerEntry? { try snapshot { try $0.entry(sequence) } }
    /// A job with its whole history, or nil if the ledger knows nothing of it.
    public func jobHistory(_ job: Data) throws -> JobHistory? { try snapshot { try $0.jobHistory(job) } }
    /// A job's derived state.
    public func jobStatus(_ job: Data) throws -> Ciro_V1_JobStatus? { try snapshot { try $0.jobStatus(job) } }
    /// Ids of jobs in `state`, in id order.
    public func jobs(in state: Ciro_V1_JobState, limit: Int = .max) throws -> [Data] { try snapshot { try $0.jobs(in: state, limit: limit) } }
    /// A job's offer.
    public func offer(_ job: Data) throws -> Ciro_V1_JobOffer? { try snapshot { try $0.offer(job) } }
    /// Proof bytes by proof id.
    public func proof(_ id: Data) throws -> [UInt8]? { try snapshot { try $0.proof(id) } }
    /// Attestations of a job (all rounds, or one).
    public func attestations(job: Data, round: UInt32? = nil) throws -> [Ciro_V1_Attestation] { try snapshot { try $0.attestations(job: job, round: round) } }
    /// Attestations an auditor gave.
    public func attestations(auditor: Data) throws -> [Ciro_V1_Attestation] { try snapshot { try $0.attestations(auditor: auditor) } }
    /// A node's reputation (zero counters if the ledger has nothing on it).
    public func reputation(_ node: Data) throws -> Ciro_V1_Reputation { try snapshot { try $0.reputation(node) } }
    /// A node's balance: credits earned minus credits spent, from settlements.
    public func balance(_ node: Data) throws -> Int64 { try ReputationRules.balance(reputation(node)) }
    /// A node's latest capacity ad.
    public func capacity(_ node: Data) throws -> Ciro_V1_CapacityAd? { try snapshot { try $0.capacity(node) } }
    /// A model record.
    public func model(_ id: Data) throws -> Ciro_V1_ModelRecord? { try snapshot { try $0.model(id) } }
}

/// A consistent read-only view of the ledger, valid only inside `LedgerReader.snapshot`.
public struct LedgerSnapshot: ~Copyable {
    package let txn: LMDBTransaction
    package let stores: LedgerStores

    // MARK: Log

    public func head() throws -> LedgerHead {
        var head = LedgerHead.genesis
        try txn.forEach(in: stores.log, reverse: true) { key, value in
            guard let sequence = LedgerKeys.decodeSequence(key) else { return false }
            head = LedgerHead(sequence: sequence, hash: blake2b256(value))
            return false
        }
        return head
    }

    public func entry(_ sequence: UInt64) throws -> LedgerEntry? {
        try txn.withValue(in: stores.log, forKey: LedgerKeys.sequence(sequence)) { bytes in
            try LedgerEntry(bytes: bytes, sequence: sequence)
        }
    }

    /// Entries from `sequence` on, at most `limit`.
    public func entries(from sequence: UInt64 = 1, limit: Int = .max) throws -> [LedgerEntry] {
        var out: [LedgerEntry] = []
        try txn.forEach(in: stores.log, from: LedgerKeys.sequence(sequence)) { key, value in
            guard out.count < limit, let seq = LedgerKeys.decodeSequence(key) else { return false }
            out.append(try LedgerEntry(bytes: value, sequence: seq))
            return true
        }
        return out
    }

    /// The stored bytes of the record an entry points to.
    public func recordBytes(kind: Ciro_V1_EntryKind, key: [UInt8]) throws -> [UInt8]? {
        guard let store = stores.store(for: kind) else { return nil }
        return try txn.get(store, key: key)
    }

    /// Calls `body` with the stored bytes of a record in place (no copy), or returns nil if there
    /// is none. The bytes point into the database map: valid only inside `body`.
    public func withRecordBytes<R>(kind: Ciro_V1_EntryKind, key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        guard let store = stores.store(for: kind) else { return nil }
        return try txn.withValue(in: store, forKey: key, body)
    }

    /// Calls `body` with the stored bytes of a record in place (see the raw-key version).
    public func withRecordBytes<R>(kind: Ciro_V1_EntryKind, key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try key.withUnsafeBytes { try withRecordBytes(kind: kind, key: $0, body) }
    }

    /// Number of entries in the log.
    public func entryCount() throws -> Int { try txn.count(stores.log) }

    // MARK: Jobs

    /// The job's local number in this snapshot (the prefix of its keys in every per-job store),
    /// or nil when the snapshot has no record of the job.
    public func jobNumber(_ job: Data) throws -> UInt64? {
        try stores.jobNumber(job, in: txn)
    }

    /// The job id with local number `number`.
    public func jobID(number: UInt64) throws -> Data? {
        try txn.withValue(in: stores.jobNumbers, forKey: LedgerKeys.sequence(number)) { Data($0) }
    }

    public func offer(_ job: Data) throws -> Ciro_V1_JobOffer? {
        guard let n = try jobNumber(job) else { return nil }
        return try txn.withValue(in: stores.jobs, forKey: LedgerKeys.sequence(n)) { try Ciro_V1_JobOffer(serializedBytes: $0.bytes) }
    }

    public func jobStatus(_ job: Data) throws -> Ciro_V1_JobStatus? {
        guard let n = try jobNumber(job) else { return nil }
        return try jobStatus(number: n)
    }

    func jobStatus(number: UInt64) throws -> Ciro_V1_JobStatus? {
        try txn.withValue(in: stores.jobState, forKey: LedgerKeys.sequence(number)) { try Ciro_V1_JobStatus(serializedBytes: $0.bytes) }
    }

    /// Ids of the jobs in `state`, in the order the ledger first saw them.
    public func jobs(in state: Ciro_V1_JobState, limit: Int = .max) throws -> [Data] {
        var numbers: [UInt64] = []
        try txn.forEach(in: stores.jobsByState, prefix: [UInt8(clamping: state.rawValue)]) { key, _ in
            guard numbers.count < limit else { return false }
            if let n = LedgerKeys.decodeSequence(UnsafeRawBufferPointer(rebasing: key.dropFirst())) { numbers.append(n) }
            return true
        }
        return try numbers.compactMap { try jobID(number: $0) }
    }

    /// Every job id with an offer, in the order the ledger first saw them.
    public func allJobs(limit: Int = .max) throws -> [Data] {
        var numbers: [UInt64] = []
        try txn.forEach(in: stores.jobs) { key, _ in
            guard numbers.count < limit else { return false }
            if let n = LedgerKeys.decodeSequence(key) { numbers.append(n) }
            return true
        }
        return try numbers.compactMap { try jobID(number: $0) }
    }

    public func jobHistory(_ job: Data) throws -> JobHistory? {
        guard let n = try jobNumber(job) else { return nil }
        let prefix = LedgerKeys.jobPrefix(n)
        var history = JobHistory(jobID: job)
        history.offer = try txn.get(stores.jobs, key: prefix).map { try Ciro_V1_JobOffer(serializedBytes: $0) }
        history.status = try jobStatus(number: n)
        try txn.forEach(in: stores.bids, prefix: prefix) { _, v in history.bids.append(try Ciro_V1_Bid(serializedBytes: Array(v))); return true }
        try txn.forEach(in: stores.awards, prefix: prefix) { _, v in history.awards.append(try Ciro_V1_Award(serializedBytes: Array(v))); return true }
        try txn.forEach(in: stores.results, prefix: prefix) { _, v in history.results.append(try Ciro_V1_Result(serializedBytes: Array(v))); return true }
        history.attestations = try attestations(prefix: prefix)
        try txn.forEach(in: stores.faults, prefix: prefix) { _, v in history.faults.append(try Ciro_V1_Fault(serializedBytes: Array(v))); return true }
        history.settlement = try txn.get(stores.settlements, key: prefix).map { try Ciro_V1_Settlement(serializedBytes: $0) }
        history.expiry = try txn.get(stores.expiries, key: prefix).map { try Ciro_V1_Expiry(serializedBytes: $0) }
        var sequences: [UInt64] = []
        try txn.forEach(in: stores.jobLog, prefix: prefix) { key, _ in
            if let s = LedgerKeys.decodeSequence(UnsafeRawBufferPointer(rebasing: key[(key.count - 8)...])) { sequences.append(s) }
            return true
        }
        for s in sequences { if let e = try entry(s) { history.entries.append(e) } }
        return history.isEmpty ? nil : history
    }

    // MARK: Proofs, attestations, nodes

    public func proof(_ id: Data) throws -> [UInt8]? { try txn.get(stores.proofs, key: Array(id)) }

    public func attestations(job: Data, round: UInt32?) throws -> [Ciro_V1_Attestation] {
        guard let n = try jobNumber(job) else { return [] }
        return try attestations(prefix: round.map { LedgerKeys.round(job: n, round: $0) } ?? LedgerKeys.jobPrefix(n))
    }

    private func attestations(prefix: [UInt8]) throws -> [Ciro_V1_Attestation] {
        var out: [Ciro_V1_Attestation] = []
        try txn.forEach(in: stores.attestations, prefix: prefix) { _, v in
            out.append(try Ciro_V1_Attestation(serializedBytes: Array(v)))
            return true
        }
        return out
    }

    public func attestations(auditor: Data) throws -> [Ciro_V1_Attestation] {
        var keys: [[UInt8]] = []
        try txn.forEach(in: stores.attestationsByAuditor, prefix: LedgerKeys.auditorPrefix(auditor)) { _, v in
            keys.append(Array(v))
            return true
        }
        return try keys.compactMap { key in
            try txn.get(stores.attestations, key: key).map { try Ciro_V1_Attestation(serializedBytes: $0) }
        }
    }

    public func reputation(_ node: Data) throws -> Ciro_V1_Reputation {
        if let stored = try txn.withValue(in: stores.reputation, forKey: LedgerKeys.bytes(node), { try Ciro_V1_Reputation(serializedBytes: $0.bytes) }) {
            return stored
        }
        var r = Ciro_V1_Reputation()
        r.nodeID = node
        return r
    }

    /// Every node with a reputation record, in id order.
    public func reputations() throws -> [Ciro_V1_Reputation] {
        var out: [Ciro_V1_Reputation] = []
        try txn.forEach(in: stores.reputation) { _, v in out.append(try Ciro_V1_Reputation(serializedBytes: Array(v))); return true }
        return out
    }

    public func capacity(_ node: Data) throws -> Ciro_V1_CapacityAd? {
        try txn.get(stores.peers, key: Array(node)).map { try Ciro_V1_CapacityAd(serializedBytes: $0) }
    }

    /// Every node's latest capacity ad.
    public func peers() throws -> [Ciro_V1_CapacityAd] {
        var out: [Ciro_V1_CapacityAd] = []
        try txn.forEach(in: stores.peers) { _, v in out.append(try Ciro_V1_CapacityAd(serializedBytes: Array(v))); return true }
        return out
    }

    public func model(_ id: Data) throws -> Ciro_V1_ModelRecord? {
        try txn.get(stores.models, key: Array(id)).map { try Ciro_V1_ModelRecord(serializedBytes: $0) }
    }
}

/// Everything the ledger knows about one job.
public struct JobHistory: Sendable {
    public let jobID: Data
    public var offer: Ciro_V1_JobOffer?
    public var status: Ciro_V1_JobStatus?
    public var bids: [Ciro_V1_Bid] = []
    /// Awards in round order.
    public var awards: [Ciro_V1_Award] = []
    /// Results in round order.
    public var results: [Ciro_V1_Result] = []
    /// Attestations in round, then auditor order.
    public var attestations: [Ciro_V1_Attestation] = []
    public var faults: [Ciro_V1_Fault] = []
    public var settlement: Ciro_V1_Settlement?
    public var expiry: Ciro_V1_Expiry?
    /// The log entries about this job, in sequence order (with peers' envelopes).
    public var entries: [LedgerEntry] = []

    init(jobID: Data) { self.jobID = jobID }

    var isEmpty: Bool { offer == nil && entries.isEmpty }
}
