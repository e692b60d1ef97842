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
/// this table: an LMDB index keyed by job id would put one random leaf back in every commit per
/// new job. It is filled from `job_numbers` when the ledger opens, by the writer as it assigns
/// numbers, and by readers on a miss (from their own snapshot).
///
/// Visibility: the writer inserts a number as soon as it assigns it (`writerNumber`), inside its
/// write transaction; readers see only numbers up to `highest`, which moves forward when the
/// transaction has committed (`publish`) or when a reader finds committed numbers in its own
/// snapshot. If the transaction does not commit (an error, or a full map and a retry), the
/// writer removes what it inserted (`discard`), so a number is only ever visible once committed
/// and never changes. A reader whose snapshot is older than the table just finds no records
/// under a number its snapshot does not have yet.
///
/// Layout (about 38-44 bytes per job; `memoryBytes`): ids of up to 32 bytes are kept in chunks
/// indexed by number (32 bytes + 1 length byte each, no per-id allocation), and an open-addressing
/// table of 4-byte slots (linear probing, at most 3/4 full, keyed by the seeded standard
/// `Hasher`) maps an id to its number. Longer ids, numbers that do not follow the run 1, 2, 3...
/// (only in a damaged ledger) and numbers above 2^32 - 2 go to an ordinary dictionary.
package final class JobNumbers: @unchecked Sendable {
    /// A job id of up to 32 bytes, inline (no allocation per key).
    package struct Key: Equatable {
        var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0
        var count: UInt8

        @inline(__always)
        init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64, count: UInt8) {
            self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3; self.count = count
        }

        @inline(__always)
        init?(_ id: UnsafeRawBufferPointer) {
            guard id.count <= 32 else { return nil }
            count = UInt8(id.count)
            withUnsafeMutableBytes(of: &self) { out in
                if let base = id.baseAddress, id.count > 0 { out.baseAddress!.copyMemory(from: base, byteCount: id.count) }
            }
        }

        /// The key of a job id (nil when it is longer than 32 bytes).
        @inline(__always)
        package init?(_ id: Data) {
            guard let key = id.withUnsafeBytes({ Key($0) }) else { return nil }
            self = key
        }

        @inline(__always)
        var hash: Int {
            var h = Hasher()
            h.combine(w0)
            h.combine(w1)
            h.combine(w2)
            h.combine(w3)
            h.combine(count)
            return h.finalize()
        }
    }

    /// Ids per chunk (a chunk: `chunkIDs` x 32 bytes of ids, then `chunkIDs` length bytes).
    static let chunkIDs = 4096
    /// The length byte of a number whose id is in `other` (longer than 32 bytes).
    static let inOther: UInt8 = 0xFF

    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    // Guarded by `lock`.
    /// Numbers 1...dense have their id in the chunks (or `inOther`).
    private var dense = 0
    private var chunks: [UnsafeMutableRawPointer] = []
    /// 0: empty; i + 1: number i + 1 (whose id is at index i of the chunks).
    private var slots: UnsafeMutablePointer<UInt32>
    private var slotMask: Int
    /// Ids in the slots.
    private var slotted = 0
    /// Long ids, and numbers that are not the next in the dense run.
    private var other: [Data: UInt64] = [:]
    /// Ids the writer put in `other` since the last `publish` (what `discard` may remove).
    private var otherUnpublished: [Data] = []
    /// Every number up to this one is committed and visible to readers.
    private var visible: UInt64 = 0

    package init() {
        lock.initialize(to: pthread_mutex_t())
        pthread_mutex_init(lock, nil)
        slotMask = 1023
        slots = .allocate(capacity: slotMask + 1)
        slots.initialize(repeating: 0, count: slotMask + 1)
    }

    deinit {
        pthread_mutex_destroy(lock)
        lock.deallocate()
        slots.deallocate()
        for chunk in chunks { chunk.deallocate() }
    }

    // MARK: Readers

    /// The highest committed number (every number up to it is visible).
    package var highest: UInt64 {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return visible
    }

    /// The job's number as of `txn`'s snapshot, or nil when the snapshot has no record of it.
    /// Reads the numbers `txn` has beyond the visible ones on a miss. `txn` must not hold
    /// uncommitted numbers (the writer uses `writerNumber`).
    func number(of job: Data, in txn: borrowing LMDBTransaction, store: LMDBDatabase) throws -> UInt64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let n = lookup(job), n <= visible { return n }
        let before = visible
        try load(from: txn, store: store)
        guard visible != before, let n = lookup(job), n <= visible else { return nil }
        return n
    }

    /// The job's number if it is committed and in the table.
    package func cached(_ job: Data) -> UInt64? {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        guard let n = lookup(job), n <= visible else { return nil }
        return n
    }

    /// Fills the table with every number in `txn`'s snapshot (at open).
    func loadAll(from txn: borrowing LMDBTransaction, store: LMDBDatabase) throws {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        try load(from: txn, store: store)
    }

    // MARK: The writer

    /// The job's number, committed or assigned earlier in the writer's open transaction; else
    /// `next` is assigned to it (returned with `assigned == true`: the caller must store the
    /// `job_numbers` row in the same transaction, and `publish` or `discard` it afterwards).
    @inline(__always)
    package func writerNumber(of job: Data, assigning next: UInt64) -> (number: UInt64, assigned: Bool) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        if let key = Key(job) {
            let hash = key.hash
            let found = probe(key, hash: hash)
            if let n = found.number { return (n, false) }
            if !other.isEmpty, let n = other[job] { return (n, false) }
            let placed = job.withUnsafeBytes { insert($0, next, known: (key, hash, found.emptySlot)) }
            if placed == .other { otherUnpublished.append(job) }
        } else {
            if let n = other[job] { return (n, false) }
            job.withUnsafeBytes { _ = insert($0, next) }
            otherUnpublished.append(job)
        }
        return (next, true)
    }

    /// Makes every number up to `number` visible (the transaction that assigned them committed).
    package func publish(through number: UInt64) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        visible = max(visible, number)
        if !otherUnpublished.isEmpty {
            let visible = visible
            otherUnpublished.removeAll { (other[$0] ?? 0) <= visible }
        }
    }

    /// Removes every number from `first` on (assigned in a transaction that did not commit).
    /// `first` must be above every committed number.
    package func discard(from first: UInt64) {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let first = max(first, visible &+ 1)
        while dense >= first {
            let index = dense - 1
            if lengthPointer(index).load(as: UInt8.self) != Self.inOther { removeSlot(of: index) }
            dense -= 1
        }
        for id in otherUnpublished where (other[id] ?? 0) >= first { other[id] = nil }
        otherUnpublished.removeAll(keepingCapacity: true)
    }

    // MARK: Size

    /// Numbers in the table (committed or not).
    package var count: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        return dense + other.values.reduce(0) { $0 + ($1 > UInt64(dense) ? 1 : 0) }  // long ids are in both
    }

    /// Bytes the table has allocated: chunks, slots, and the dictionary of long ids (estimated
    /// from its capacity: key, value and about 1.34 buckets per entry).
    package var memoryBytes: Int {
        pthread_mutex_lock(lock)
        defer { pthread_mutex_unlock(lock) }
        let chunkBytes = chunks.count * Self.chunkIDs * 33 + chunks.capacity * MemoryLayout<UnsafeMutableRawPointer>.stride
        let slotBytes = (slotMask + 1) * MemoryLayout<UInt32>.stride
        let otherBytes = other.capacity * 4 / 3 * (MemoryLayout<Data>.stride + 8) + other.keys.reduce(0) { $0 + ($1.count > 14 ? $1.count + 32 : 0) }
        return chunkBytes + slotBytes + otherBytes
    }

    // MARK: The table (callers hold `lock`)

    private enum Placement { case dense, other, present }

    @inline(__always)
    private func idPointer(_ index: Int) -> UnsafeMutableRawPointer {
        chunks[index / Self.chunkIDs] + (index % Self.chunkIDs) * 32
    }

    @inline(__always)
    private func lengthPointer(_ index: Int) -> UnsafeMutableRawPointer {
        chunks[index / Self.chunkIDs] + Self.chunkIDs * 32 + index % Self.chunkIDs
    }

    /// The key of the id at `index` of the chunks (nil: the id is in `other`).
    @inline(__always)
    private func key(at index: Int) -> Key? {
        let length = lengthPointer(index).load(as: UInt8.self)
        guard length != Self.inOther else { return nil }
        let p = idPointer(index)
        return Key(
            w0: p.loadUnaligned(as: UInt64.self), w1: p.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
            w2: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self), w3: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self),
            count: length)
    }

    /// The number of `key` in the slots, or the empty slot where its probe ended.
    @inline(__always)
    private func probe(_ key: Key, hash: Int) -> (number: UInt64?, emptySlot: Int) {
        var i = hash & slotMask
        while true {
            let slot = slots[i]
            if slot == 0 { return (nil, i) }
            if self.key(at: Int(slot) - 1) == key { return (UInt64(slot), i) }
            i = (i + 1) & slotMask
        }
    }

    @inline(__always)
    private func lookup(_ job: Data) -> UInt64? {
        if let key = Key(job), let n = probe(key, hash: key.hash).number { return n }
        return other.isEmpty ? nil : other[job]
    }

    /// Adds `job` -> `number` (nothing if `number` is already in the dense run). `known`: the
    /// job's key, its hash and the empty slot its probe ended at, when the caller has them.
    @discardableResult
    private func insert(_ job: UnsafeRawBufferPointer, _ number: UInt64, known: (key: Key, hash: Int, emptySlot: Int)? = nil) -> Placement {
        if number <= UInt64(dense) { return .present }
        guard number == UInt64(dense) + 1, number < UInt64(UInt32.max) else {
            other[Data(job)] = number
            return .other
        }
        let index = dense
        if index / Self.chunkIDs == chunks.count {
            chunks.append(.allocate(byteCount: Self.chunkIDs * 33, alignment: 16))
        }
        dense += 1
        guard let key = known?.key ?? Key(job) else {
            lengthPointer(index).storeBytes(of: Self.inOther, as: UInt8.self)
            other[Data(job)] = number
            return .other
        }
        let p = idPointer(index)
        p.storeBytes(of: key.w0, as: UInt64.self)
        p.storeBytes(of: key.w1, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: key.w2, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: key.w3, toByteOffset: 24, as: UInt64.self)
        lengthPointer(index).storeBytes(of: key.count, as: UInt8.self)
        slotted += 1
        var i: Int
        if slotted * 4 > (slotMask + 1) * 3 {
            growSlots()
            i = (known?.hash ?? key.hash) & slotMask
            while slots[i] != 0 { i = (i + 1) & slotMask }
        } else if let known {
            i = known.emptySlot
        } else {
            i = key.hash & slotMask
            while slots[i] != 0 { i = (i + 1) & slotMask }
        }
        slots[i] = UInt32(index + 1)
        return .dense
    }

    private func growSlots() {
        let oldSlots = slots
        let oldCount = slotMask + 1
        slotMask = oldCount * 2 - 1
        slots = .allocate(capacity: slotMask + 1)
        slots.initialize(repeating: 0, count: slotMask + 1)
        for j in 0..<oldCount where oldSlots[j] != 0 {
            var i = key(at: Int(oldSlots[j]) - 1)!.hash & slotMask
            while slots[i] != 0 { i = (i + 1) & slotMask }
            slots[i] = oldSlots[j]
        }
        oldSlots.deallocate()
    }

    /// Removes the slot of the id at `index` (backward-shift deletion: the probe runs of the
    /// other ids stay unbroken).
    private func removeSlot(of index: Int) {
        let target = UInt32(index + 1)
        var hole = key(at: index)!.hash & slotMask
        while slots[hole] != target { hole = (hole + 1) & slotMask }
        var j = hole
        while true {
            j = (j + 1) & slotMask
            let slot = slots[j]
            if slot == 0 { break }
            let home = key(at: Int(slot) - 1)!.hash & slotMask
            // The id at j may move back into the hole unless its home lies cyclically in (hole, j].
            let homeInRange = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j)
            if !homeInRange {
                slots[hole] = slot
                hole = j
            }
        }
        slots[hole] = 0
        slotted -= 1
    }

    private func load(from txn: borrowing LMDBTransaction, store: LMDBDatabase) throws {
        let start = LedgerKeys.sequence(visible &+ 1)
        var highest = visible
        try txn.forEach(in: store, from: start) { key, value in
            guard let number = LedgerKeys.decodeSequence(key) else { return true }
            insert(value, number)
            highest = max(highest, number)
            return true
        }
        visible = highest
    }
}
