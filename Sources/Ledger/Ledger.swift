import Foundation
import LMDB
import Sodium
import Wire

/// A node's ledger: one LMDB environment in `DATA_DIR/ledger/` with a store per record kind and
/// an append-only, hash-chained log, both changed in the same write transaction.
///
/// One writer: the actor runs on its own thread, and every write transaction begins and ends
/// inside one synchronous call on it (never across an `await`). Reads need no actor hop: use
/// `reader` from any thread or task.
///
/// ```swift
/// let ledger = try Ledger(dataDirectory: dir)
/// let outcome = try await ledger.append(LedgerAppend(envelope: envelope))   // from a peer
/// let receipts = try await ledger.append(batch: items)                       // one transaction
/// let history = try ledger.reader.jobHistory(jobID)
/// ```
public actor Ledger {
    /// How commits reach the disk.
    public enum Durability: String, Sendable, CaseIterable {
        /// fsync data and meta page on every commit (default): a power cut loses nothing committed.
        case durable
        /// `MDB_NOMETASYNC`: fsync data but not the meta page: a power cut may lose the last
        /// commit(s), never integrity. About half the fsync cost. A killed process loses nothing.
        case noMetaSync
        /// `MDB_NOSYNC`: leave flushing to the OS: a power cut may lose recent commits. For
        /// benchmarks and throwaway ledgers. A killed process loses nothing.
        case noSync
    }

    /// Settings for opening a ledger.
    public struct Options: Sendable {
        public var durability: Durability = .durable
        /// Initial map size; it doubles whenever a write needs more.
        public var initialMapSize: Int = 64 << 20
        /// Milliseconds since the Unix epoch, stamped on each entry.
        public var clock: @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
        /// Re-checks the signature of every envelope before it is appended (`nil`: trust the
        /// caller, e.g. gossip, which verifies before parsing). A bad one rejects the whole batch.
        /// Use `.wire` for the wire protocol's rule.
        public var envelopeVerifier: EnvelopeVerifier?

        public init() {}
    }

    /// The ledger format this build writes and the only one it reads (2: per-job stores keyed by
    /// local job numbers; docs/LEDGER.md "Format"). Opening format 1 throws
    /// `LedgerError.olderFormat`, a newer one `LedgerError.newerFormat`.
    public static let formatVersion: UInt32 = 2

    /// Synchronous, thread-safe queries over the same environment.
    public nonisolated let reader: LedgerReader
    private let writerThread: WriterThread
    private let clock: @Sendable () -> UInt64
    private let envelopeVerifier: EnvelopeVerifier?
    private var head: LedgerHead
    /// The next local job number to assign (see `JobNumbers`).
    private var nextJobNumber: UInt64

    public nonisolated var unownedExecutor: UnownedSerialExecutor { writerThread.asUnownedSerialExecutor() }

    /// Opens the ledger in `dataDirectory/ledger/`, creating it (and `dataDirectory`) if needed.
    /// Throws `LedgerError.newerFormat` or `.olderFormat` for a ledger of another format.
    public init(dataDirectory: String, options: Options = Options()) throws {
        let path = try Self.prepareDirectory(dataDirectory)
        var envOptions = LMDBEnvironment.Options()
        envOptions.mapSize = options.initialMapSize
        envOptions.smallPageCache = true
        switch options.durability {
        case .durable: break
        case .noMetaSync: envOptions.flags.insert(.noMetaSync)
        case .noSync: envOptions.flags.insert(.noSync)
        }
        let environment = try storage { try LMDBEnvironment(path: path, options: envOptions) }
        try Self.checkOrWriteFormat(environment: environment, path: path, now: options.clock())
        let stores = try storage { try LedgerStores(environment: environment, create: true) }
        let reader = LedgerReader(environment: environment, stores: stores, path: path)
        self.reader = reader
        self.head = try reader.head()
        try storage {
            try environment.read { txn in try stores.numbers.loadAll(from: txn, store: stores.jobNumbers) }
        }
        self.nextJobNumber = stores.numbers.highest &+ 1
        self.clock = options.clock
        self.envelopeVerifier = options.envelopeVerifier
        self.writerThread = WriterThread()
    }

    deinit {
        writerThread.stop()
    }

    /// The log's head as the writer knows it.
    public var currentHead: LedgerHead { head }

    /// Appends one record (see `append(batch:)`).
    @discardableResult
    public nonisolated func append(_ item: LedgerAppend) async throws -> AppendOutcome {
        try await append(batch: [item])[0]
    }

    /// Appends records in one write transaction: all of them are committed together, or (on an
    /// error) none. Duplicates and conflicts do not fail the batch; they are reported per record.
    /// Envelope signatures are re-checked first, on the caller's task, when a verifier is set.
    public nonisolated func append(batch: [LedgerAppend]) async throws -> [AppendOutcome] {
        if let verifier = envelopeVerifier {
            for item in batch {
                if let envelope = item.envelopeMessage, !verifier.isValid(envelope) {
                    throw LedgerError.badSignature(kind: "\(item.kind)", sender: Hex.encode(envelope.sender))
                }
            }
        }
        guard !batch.isEmpty else { return [] }
        // Commit on the writer thread and resume through a continuation: the caller's code after
        // the `await` runs on the caller's executor, never on the writer thread (a plain call into
        // the actor would let it continue there, holding up the next commit).
        return try await withCheckedThrowingContinuation { continuation in
            writerThread.submit { [self] in
                continuation.resume(with: Result { try self.assumeIsolated { try $0.commit(batch) } })
            }
        }
    }

    private func commit(_ batch: [LedgerAppend]) throws -> [AppendOutcome] {
        guard !batch.isEmpty else { return [] }
        let stores = reader.stores
        let start = head
        let firstNumber = nextJobNumber
        let now = clock()
        let (outcomes, newHead, nextNumber) = try storage {
            do {
                return try reader.environment.write { txn in
                    // A transaction run again after the map grew starts without the numbers the
                    // aborted run assigned.
                    stores.numbers.discard(from: firstNumber)
                    var context = LedgerWriteContext(stores: stores, head: start, timeMs: now, nextJobNumber: firstNumber)
                    var outcomes: [AppendOutcome] = []
                    outcomes.reserveCapacity(batch.count)
                    for i in batch.indices { outcomes.append(try context.apply(batch[i], in: txn)) }
                    try context.finish(in: txn)
                    return (outcomes, context.head, context.nextJobNumber)
                }
            } catch {
                stores.numbers.discard(from: firstNumber)
                throw error
            }
        }
        // Committed: the new numbers become visible to lookups (readers that got here first
        // found them in their own snapshot already).
        stores.numbers.publish(through: nextNumber &- 1)
        nextJobNumber = nextNumber
        head = newHead
        return outcomes
    }

    // MARK: Opening

    static func ledgerPath(_ dataDirectory: String) -> String {
        (dataDirectory.hasSuffix("/") ? String(dataDirectory.dropLast()) : dataDirectory) + "/ledger"
    }

    private static func prepareDirectory(_ dataDirectory: String) throws -> String {
        for dir in [dataDirectory, ledgerPath(dataDirectory)] {
            if mkdir(dir, 0o700) != 0, errno != EEXIST { throw LedgerError.io(path: dir, errno: errno) }
        }
        return ledgerPath(dataDirectory)
    }

    /// Checks the format record before any other store is opened (so nothing is created in a
    /// ledger of another format), or writes it in a new ledger.
    private static func checkOrWriteFormat(environment: LMDBEnvironment, path: String, now: UInt64) throws {
        let metaStore = try storage { try environment.openDatabase(named: "meta", flags: .create) }
        try storage {
            try environment.write { txn in
                if let bytes = try txn.get(metaStore, key: LedgerReader.formatKey) {
                    try LedgerReader.checkFormat(bytes, path: path)
                } else {
                    var meta = Ciro_V1_LedgerMeta()
                    meta.formatVersion = formatVersion
                    meta.createdMs = now
                    meta.createdBy = "ciro"
                    try txn.put(metaStore, key: LedgerReader.formatKey, value: try meta.serializedBytes())
                }
            }
        }
    }
}

/// Checks a peer's envelope signature (the gossip layer's verifier, re-used by the ledger).
public struct EnvelopeVerifier: Sendable {
    let check: @Sendable (Ciro_V1_Envelope) -> Bool

    /// A verifier from a function that says whether an envelope's signature is valid.
    public init(_ check: @escaping @Sendable (Ciro_V1_Envelope) -> Bool) {
        self.check = check
    }

    /// Whether the envelope's signature is valid.
    public func isValid(_ envelope: Ciro_V1_Envelope) -> Bool { check(envelope) }

    /// The wire protocol's rule (`Ciro_V1_Envelope.verified()`: version, field lengths, topic and
    /// the Ed25519 signature over the canonical signing bytes).
    public static let wire = EnvelopeVerifier { envelope in (try? envelope.verified()) != nil }
}
