import CLMDB

/// A position in one database, valid only inside `LMDBTransaction.withCursor`.
///
/// Moves (`first`, `next`, `seek`...) return whether the cursor now stands on a pair. The current
/// pair's bytes point into the map: read them inside `withCurrent`/`withKey`/`withValue`, or copy
/// them with `key`/`value`.
public struct LMDBCursor: ~Copyable {
    private let handle: OpaquePointer
    private var currentKey = MDB_val()
    private var currentValue = MDB_val()
    /// Whether the cursor stands on a pair.
    public private(set) var isPositioned = false
    private let database: LMDBDatabase
    private let writeState: WriteState?

    init(transaction: OpaquePointer, database: LMDBDatabase, writeState: WriteState?) throws(LMDBError) {
        var cursor: OpaquePointer?
        try lmdbCheck(mdb_cursor_open(transaction, database.handle, &cursor), "mdb_cursor_open(\(database))")
        self.handle = cursor!
        self.database = database
        self.writeState = writeState
    }

    deinit {
        mdb_cursor_close(handle)
    }

    private mutating func move(_ op: MDB_cursor_op, _ name: String) throws(LMDBError) -> Bool {
        let rc = mdb_cursor_get(handle, &currentKey, &currentValue, op)
        if rc == MDB_NOTFOUND {
            isPositioned = false
            return false
        }
        try lmdbCheck(rc, "mdb_cursor_get(\(database), \(name))")
        isPositioned = true
        return true
    }

    /// Moves to the first pair.
    public mutating func first() throws(LMDBError) -> Bool { try move(MDB_FIRST, "first") }
    /// Moves to the last pair.
    public mutating func last() throws(LMDBError) -> Bool { try move(MDB_LAST, "last") }
    /// Moves to the next pair (the first one if not yet positioned).
    public mutating func next() throws(LMDBError) -> Bool { try move(MDB_NEXT, "next") }
    /// Moves to the previous pair (the last one if not yet positioned).
    public mutating func previous() throws(LMDBError) -> Bool { try move(MDB_PREV, "previous") }

    /// Moves to the first pair whose key is `>= key` (`MDB_SET_RANGE`).
    public mutating func seek(atLeast key: [UInt8]) throws(LMDBError) -> Bool {
        try withBytes(key) { (k) throws(LMDBError) -> Bool in try seek(atLeast: k) }
    }

    /// Moves to the first pair whose key is `>= key` (`MDB_SET_RANGE`).
    public mutating func seek(atLeast key: UnsafeRawBufferPointer) throws(LMDBError) -> Bool {
        currentKey = MDB_val(mv_size: key.count, mv_data: UnsafeMutableRawPointer(mutating: key.baseAddress))
        return try move(MDB_SET_RANGE, "set range")
    }

    /// Moves to the pair whose key is exactly `key` (`MDB_SET_KEY`).
    public mutating func seek(exactly key: [UInt8]) throws(LMDBError) -> Bool {
        try withBytes(key) { (k) throws(LMDBError) -> Bool in
            currentKey = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return try move(MDB_SET_KEY, "set key")
        }
    }

    /// Calls `body` with the current key and value (empty buffers when not positioned).
    public func withCurrent<R>(_ body: (_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        if !isPositioned { return try body(UnsafeRawBufferPointer(start: nil, count: 0), UnsafeRawBufferPointer(start: nil, count: 0)) }
        return try body(
            UnsafeRawBufferPointer(start: currentKey.mv_data, count: currentKey.mv_size),
            UnsafeRawBufferPointer(start: currentValue.mv_data, count: currentValue.mv_size))
    }

    /// Calls `body` with the current key.
    public func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withCurrent { k, _ in try body(k) }
    }

    /// Calls `body` with the current value.
    public func withValue<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withCurrent { _, v in try body(v) }
    }

    /// A copy of the current key (`nil` when not positioned).
    public var key: [UInt8]? { isPositioned ? withKey { [UInt8]($0) } : nil }
    /// A copy of the current value (`nil` when not positioned).
    public var value: [UInt8]? { isPositioned ? withValue { [UInt8]($0) } : nil }

    /// Stores a pair through the cursor (write transactions), leaving it positioned on it.
    public mutating func put(key: [UInt8], value: [UInt8], flags: LMDBPutFlags = []) throws(LMDBError) {
        let rc = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_cursor_put(handle, &kv, &vv, flags.rawValue)
            }
        }
        if rc == MDB_MAP_FULL { writeState?.sawMapFull = true }
        try lmdbCheck(rc, "mdb_cursor_put(\(database))")
        _ = try move(MDB_GET_CURRENT, "get current")
    }

    /// Deletes the pair the cursor stands on (write transactions).
    public mutating func deleteCurrent() throws(LMDBError) {
        try lmdbCheck(mdb_cursor_del(handle, 0), "mdb_cursor_del(\(database))")
        isPositioned = false
    }
}

@available(*, unavailable, message: "an LMDB cursor must stay on the thread that began its transaction")
extension LMDBCursor: Sendable {}
