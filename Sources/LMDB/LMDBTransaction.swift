import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a write transaction remembers about itself across borrowed uses.
final class WriteState {
    /// An operation returned `MDB_MAP_FULL`: the transaction is dead and the map must grow.
    var sawMapFull = false
}

/// An LMDB transaction, read-only or read-write.
///
/// A transaction is a unique resource: it cannot be copied, `commit()` and `abort()` consume it,
/// and dropping it without either aborts it. It holds its environment alive.
///
/// **Never hold a transaction across an `await`, and never move it to another thread.** LMDB ties
/// a write transaction's lock to the thread that took it, and a suspended task may resume on
/// another thread; Swift programs have crashed in production on exactly that. The type is not
/// `Sendable`, and `LMDBEnvironment.read` / `write` scope it to a synchronous closure.
public struct LMDBTransaction: ~Copyable {
    let environment: LMDBEnvironment
    private var handle: OpaquePointer?
    /// Whether this is a read-only transaction.
    public let isReadOnly: Bool
    let writeState: WriteState?

    init(environment: LMDBEnvironment, readOnly: Bool) throws(LMDBError) {
        let flags: UInt32 = readOnly ? UInt32(MDB_RDONLY) : 0
        var txn: OpaquePointer?
        while true {
            environment.resizeLock.lockShared()
            let rc = mdb_txn_begin(environment.handle, nil, flags, &txn)
            if rc == MDB_SUCCESS { break }
            environment.resizeLock.unlock()
            if rc == MDB_MAP_RESIZED {
                try environment.adoptResizedMap()
                continue
            }
            throw LMDBError(rawValue: rc, operation: "mdb_txn_begin")
        }
        self.environment = environment
        self.handle = txn
        self.isReadOnly = readOnly
        self.writeState = readOnly ? nil : WriteState()
    }

    deinit {
        if let handle {
            mdb_txn_abort(handle)
            environment.resizeLock.unlock()
        }
    }

    /// Commits every change made in this transaction (durably, unless the environment was
    /// opened with `noSync`/`noMetaSync`). On failure nothing is written.
    public consuming func commit() throws(LMDBError) {
        guard let h = handle else { return }
        handle = nil
        let rc = mdb_txn_commit(h)
        environment.resizeLock.unlock()
        if rc == MDB_MAP_FULL { writeState?.sawMapFull = true }
        try lmdbCheck(rc, "mdb_txn_commit")
    }

    /// Discards every change made in this transaction.
    public consuming func abort() {
        if let h = handle {
            handle = nil
            mdb_txn_abort(h)
            environment.resizeLock.unlock()
        }
    }

    /// The transaction's id (`mdb_txn_id`): for a reader, the snapshot it sees.
    public var id: Int { mdb_txn_id(handle) }

    @inline(__always)
    var txn: OpaquePointer { handle! }

    @inline(__always)
    func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
        if rc != MDB_SUCCESS {
            if rc == MDB_MAP_FULL { writeState?.sawMapFull = true }
            throw LMDBError(rawValue: rc, operation: operation())
        }
    }

    // MARK: Databases

    /// Opens a named database inside this transaction (see `LMDBEnvironment.openDatabase`).
    /// The handle may be used by other transactions only after this one commits.
    public func openDatabase(named name: String?, flags: LMDBDatabase.Flags = []) throws(LMDBError) -> LMDBDatabase {
        var dbi: MDB_dbi = 0
        let rc: Int32
        if let name {
            rc = mdb_dbi_open(txn, name, flags.rawValue, &dbi)
        } else {
            rc = mdb_dbi_open(txn, nil, flags.rawValue, &dbi)
        }
        try check(rc, "mdb_dbi_open(\(name ?? "<main>"))")
        return LMDBDatabase(handle: dbi, name: name)
    }

    /// Statistics of one database as this transaction sees it.
    public func statistics(_ db: LMDBDatabase) throws(LMDBError) -> LMDBStatistics {
        var s = MDB_stat()
        try check(mdb_stat(txn, db.handle, &s), "mdb_stat(\(db))")
        return LMDBStatistics(s)
    }

    /// Number of entries in `db`.
    public func count(_ db: LMDBDatabase) throws(LMDBError) -> Int {
        try statistics(db).entries
    }

    /// Deletes every entry of `db` (`mdb_drop` without deleting the database).
    public func removeAll(_ db: LMDBDatabase) throws(LMDBError) {
        try check(mdb_drop(txn, db.handle, 0), "mdb_drop(\(db))")
    }

    // MARK: Reading

    /// Calls `body` with the value stored under `key`, or returns `nil` if there is none.
    /// The bytes point into the map: valid only inside `body`, never to be written.
    public func withValue<R>(
        in db: LMDBDatabase, forKey key: UnsafeRawBufferPointer,
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db))")
        return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// Calls `body` with the value stored under `key`, or returns `nil` if there is none.
    public func withValue<R>(
        in db: LMDBDatabase, forKey key: [UInt8],
        _ body: (UnsafeRawBufferPointer) throws -> R
    ) throws -> R? {
        try key.withUnsafeBytes { k in try withValue(in: db, forKey: k, body) }
    }

    /// A copy of the value stored under `key`, or `nil`.
    public func get(_ db: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> [UInt8]? {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.handle, &k, &v)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "mdb_get(\(db))")
        return [UInt8](UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
    }

    /// A copy of the value stored under `key`, or `nil`.
    public func get(_ db: LMDBDatabase, key: [UInt8]) throws(LMDBError) -> [UInt8]? {
        try withBytes(key) { (k) throws(LMDBError) -> [UInt8]? in try get(db, key: k) }
    }

    /// Whether `key` is present in `db`.
    public func contains(_ db: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val()
        let rc = mdb_get(txn, db.handle, &k, &v)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_get(\(db))")
        return true
    }

    /// Whether `key` is present in `db`.
    public func contains(_ db: LMDBDatabase, key: [UInt8]) throws(LMDBError) -> Bool {
        try withBytes(key) { (k) throws(LMDBError) -> Bool in try contains(db, key: k) }
    }

    // MARK: Writing

    /// Stores `value` under `key`. With `.noOverwrite` an existing key throws `.keyExists`;
    /// with `.append` a key that does not sort last throws `.keyExists`.
    public func put(
        _ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flags: LMDBPutFlags = []
    ) throws(LMDBError) {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        try check(mdb_put(txn, db.handle, &k, &v, flags.rawValue), "mdb_put(\(db))")
    }

    /// Stores `value` under `key` (see the raw-pointer `put`).
    public func put(_ db: LMDBDatabase, key: [UInt8], value: [UInt8], flags: LMDBPutFlags = []) throws(LMDBError) {
        try withBytes(key) { (k) throws(LMDBError) in
            try withBytes(value) { (v) throws(LMDBError) in try put(db, key: k, value: v, flags: flags) }
        }
    }

    /// Stores `value` under `key` only if the key is absent (`MDB_NOOVERWRITE`); returns whether
    /// it was stored (`false`: the key exists and nothing changed).
    public func insert(_ db: LMDBDatabase, key: [UInt8], value: [UInt8]) throws(LMDBError) -> Bool {
        try withBytes(key) { (k) throws(LMDBError) -> Bool in
            try withBytes(value) { (v) throws(LMDBError) -> Bool in try insert(db, key: k, value: v) }
        }
    }

    /// Stores `value` under `key` only if the key is absent (`MDB_NOOVERWRITE`); returns whether
    /// it was stored (`false`: the key exists and nothing changed).
    public func insert(_ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        try putUnlessKeyExists(db, key: key, value: value, flag: MDB_NOOVERWRITE, "noOverwrite")
    }

    /// Stores `value` under `key` at the end of `db` (`MDB_APPEND`: no search, and a page that
    /// splits stays full) when `key` sorts after every key there; returns `false` without writing
    /// anything when it does not (the caller then uses `put` or `insert`).
    public func appendIfLast(_ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        try putUnlessKeyExists(db, key: key, value: value, flag: MDB_APPEND, "append")
    }

    /// `mdb_put` with `flag` (`MDB_NOOVERWRITE` or `MDB_APPEND`), where `MDB_KEYEXIST` means
    /// "not written" (returns `false`) rather than an error.
    @inline(__always)
    private func putUnlessKeyExists(
        _ db: LMDBDatabase, key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, flag: Int32, _ name: StaticString
    ) throws(LMDBError) -> Bool {
        var kv = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var vv = MDB_val(mv_size: value.count, mv_data: UnsafeMutableRawPointer(mutating: value.baseAddress))
        let rc = mdb_put(txn, db.handle, &kv, &vv, UInt32(flag))
        if rc == MDB_KEYEXIST { return false }
        try check(rc, "mdb_put(\(db), \(name))")
        return true
    }

    /// Reserves `count` bytes under `key` and lets `fill` write them in place (`MDB_RESERVE`),
    /// saving a copy for large values. `fill` must write every byte.
    public func putReserving(
        _ db: LMDBDatabase, key: UnsafeRawBufferPointer, count: Int, flags: LMDBPutFlags = [],
        fill: (UnsafeMutableRawBufferPointer) throws -> Void
    ) throws {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        var v = MDB_val(mv_size: count, mv_data: nil)
        try check(mdb_put(txn, db.handle, &k, &v, flags.rawValue | UInt32(MDB_RESERVE)), "mdb_put(\(db), reserve)")
        try fill(UnsafeMutableRawBufferPointer(start: v.mv_data, count: count))
    }

    /// Deletes `key` (and all its values); returns whether it was present.
    @discardableResult
    public func delete(_ db: LMDBDatabase, key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        var k = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        let rc = mdb_del(txn, db.handle, &k, nil)
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "mdb_del(\(db))")
        return true
    }

    /// Deletes `key` (and all its values); returns whether it was present.
    @discardableResult
    public func delete(_ db: LMDBDatabase, key: [UInt8]) throws(LMDBError) -> Bool {
        try withBytes(key) { (k) throws(LMDBError) -> Bool in try delete(db, key: k) }
    }

    // MARK: Cursors

    /// Opens a cursor on `db` for the duration of `body`; it is closed when `body` returns.
    public func withCursor<R>(_ db: LMDBDatabase, _ body: (inout LMDBCursor) throws -> R) throws -> R {
        var cursor = try LMDBCursor(transaction: txn, database: db, writeState: writeState)
        return try body(&cursor)
    }

    /// Visits the pairs of `db` in key order (or reverse order), starting at the first key
    /// `>= start` (reverse: the last key `<= start`), until `body` returns `false`.
    /// The bytes are valid only inside `body`.
    public func forEach(
        in db: LMDBDatabase, from start: [UInt8]? = nil, reverse: Bool = false,
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try withCursor(db) { cursor in
            var found: Bool
            if let start {
                if reverse {
                    found = try cursor.seek(atLeast: start)
                    if !found {
                        found = try cursor.last()
                    } else if cursor.withKey({ !$0.elementsEqual(start) }) {
                        found = try cursor.previous()
                    }
                } else {
                    found = try cursor.seek(atLeast: start)
                }
            } else {
                found = reverse ? try cursor.last() : try cursor.first()
            }
            while found {
                guard try cursor.withCurrent(body) else { return }
                found = reverse ? try cursor.previous() : try cursor.next()
            }
        }
    }

    /// Visits, in key order, the pairs of `db` whose key starts with `prefix`, until `body`
    /// returns `false`.
    public func forEach(
        in db: LMDBDatabase, prefix: [UInt8],
        _ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try forEach(in: db, from: prefix) { key, value in
            guard key.count >= prefix.count, prefix.withUnsafeBytes({ p in memcmpEqual(p, UnsafeRawBufferPointer(rebasing: key[0..<prefix.count])) }) else {
                return false
            }
            return try body(key, value)
        }
    }
}

@available(*, unavailable, message: "an LMDB transaction must stay on the thread that began it")
extension LMDBTransaction: Sendable {}

@inline(__always)
func memcmpEqual(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
    guard a.count == b.count else { return false }
    if a.count == 0 { return true }
    return memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0
}
