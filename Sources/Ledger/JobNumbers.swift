import Foundation
import LMDB
#if canImport(Glibc)
import Glibc
#endif

/// The ledger's local job numbers (format 2, docs/LEDGER.md "Layout"): every job id gets the next
/// number the first time the ledger stores a record of that job, and every per-job store is keyed
/// by that number. Numbers grow with time, so the records of active jobs land at the right edge
/// of every B-tree instead of on a random leaf each (job ids are hashes).
///
/// The store `job_numbers` (number -> job id) is appended in the same write transaction as the
/// record that assigned the number. The reverse map (job id -> number) lives only in memory, in
/// this cache: an LMDB index keyed by job id would put one random leaf back in every commit per
/// new job. The cache is filled from `job_numbers` when the ledger opens, by the writer after each
/// commit, and by readers on a miss (from their own snapshot: only committed numbers ever enter
/// it). A number is never reused or changed, so a reader whose snapshot is older than the cache
/// just finds no records under a number its snapshot does not have yet.
///
/// Memory: an estimated ~64 bytes per job (a 48-byte entry at the dictionary's load factor; ids
/// of up to 32 bytes are kept inline, longer ones in a second map).
final class JobNumbers: @unchecked Sendable {
    /// A job id of up to 32 bytes, inline (no allocation per key).
    struct ShortID: Hashable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var count: UInt8

        @inline(__always)
        init?(_ id: UnsafeRawBufferPointer) {
            guard id.count <= 32 else { return nil }
            count = UInt8(id.count)
            withUnsafeMutableBytes(of: &self) { out in
                if let base = id.baseAddress, id.count > 0 { out.baseAddress!.copyMemory(from: base, byteCount: id.count) }
            }
        }
    }

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Guarded by `lock`.
    private var short: [ShortID: UInt64] = [:]
    private var long: [Data: UInt64] = [:]
    /// Every number up to this one is in the maps.
    private var loadedThrough: UInt64 = 0

    init() {
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
    }

    /// The highest number in the cache.
    var highest: UInt64 {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return loadedThrough
    }

    /// The job's number as of `txn`'s snapshot, or nil when the snapshot has no record of it.
    /// Reads the numbers `txn` has beyond the cache on a miss. `txn` must not hold uncommitted
    /// numbers (the writer uses `cached` and its own pending ones instead).
    func number(of job: Data, in txn: borrowing LMDBTransaction, store: LMDBDatabase) throws -> UInt64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let n = lookup(job) { return n }
        let before = loadedThrough
        try load(from: txn, store: store)
        return loadedThrough == before ? nil : lookup(job)
    }

    /// The job's number if the cache has it (committed numbers only).
    func cached(_ job: Data) -> UInt64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return lookup(job)
    }

    /// Fills the cache with every number in `txn`'s snapshot (at open).
    func loadAll(from txn: borrowing LMDBTransaction, store: LMDBDatabase) throws {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        try load(from: txn, store: store)
    }

    /// Adds numbers the writer has just committed.
    func add(_ assigned: [(job: Data, number: UInt64)]) {
        guard !assigned.isEmpty else { return }
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        for (job, number) in assigned {
            insert(job, number)
            loadedThrough = max(loadedThrough, number)
        }
    }

    // Callers hold `lock`.

    @inline(__always)
    private func lookup(_ job: Data) -> UInt64? {
        job.withUnsafeBytes { raw in
            if let key = ShortID(raw) { return short[key] }
            return long[job]
        }
    }

    @inline(__always)
    private func insert(_ job: Data, _ number: UInt64) {
        job.withUnsafeBytes { raw in
            if let key = ShortID(raw) { short[key] = number } else { long[job] = number }
        }
    }

    private func load(from txn: borrowing LMDBTransaction, store: LMDBDatabase) throws {
        let start = LedgerKeys.sequence(loadedThrough &+ 1)
        var highest = loadedThrough
        try txn.forEach(in: store, from: start) { key, value in
            guard let number = LedgerKeys.decodeSequence(key) else { return true }
            let id = Data(value)
            insert(id, number)
            highest = max(highest, number)
            return true
        }
        loadedThrough = highest
    }
}
