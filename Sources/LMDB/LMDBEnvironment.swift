import CLMDB
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An LMDB environment: one memory-mapped file holding one or more databases.
///
/// The environment owns its `MDB_env`, closes it when the last reference goes away (transactions
/// keep it alive) and clears reader slots left by dead processes when it opens.
///
/// Threads: the environment is shared freely. Transactions are not: each one is used on the
/// thread that began it, and never across an `await` (see `LMDBTransaction`). Open an environment
/// at most once per process for a given path (an LMDB rule: a second open breaks its locks).
public final class LMDBEnvironment: @unchecked Sendable {
    /// How the environment is opened (`mdb_env_open` flags).
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Do not fsync on commit (`MDB_NOSYNC`): a system crash may lose the last commits or,
        /// with `writeMap`, corrupt the database. A killed process loses nothing.
        public static let noSync = Flags(rawValue: UInt32(MDB_NOSYNC))
        /// Fsync the data but not the meta page on commit (`MDB_NOMETASYNC`): a system crash may
        /// lose the last commit, never the database's integrity. About one fsync per commit less.
        public static let noMetaSync = Flags(rawValue: UInt32(MDB_NOMETASYNC))
        /// Reader slots belong to transactions, not threads (`MDB_NOTLS`). On by default: Swift
        /// moves work between threads, and read transactions may be begun on one thread per task.
        public static let noTLS = Flags(rawValue: UInt32(MDB_NOTLS))
        /// Open read-only (`MDB_RDONLY`): write transactions fail.
        public static let readOnly = Flags(rawValue: UInt32(MDB_RDONLY))
        /// The path names the data file itself, not a folder (`MDB_NOSUBDIR`).
        public static let noSubdirectory = Flags(rawValue: UInt32(MDB_NOSUBDIR))
        /// Write through a writable memory map (`MDB_WRITEMAP`): faster, but stray writes corrupt.
        public static let writeMap = Flags(rawValue: UInt32(MDB_WRITEMAP))
        /// With `writeMap`: flush asynchronously (`MDB_MAPASYNC`).
        public static let mapAsync = Flags(rawValue: UInt32(MDB_MAPASYNC))
        /// No read-ahead (`MDB_NORDAHEAD`): helps random reads of databases larger than memory.
        public static let noReadAhead = Flags(rawValue: UInt32(MDB_NORDAHEAD))
        /// No locking at all (`MDB_NOLOCK`): the caller serialises everything.
        public static let noLock = Flags(rawValue: UInt32(MDB_NOLOCK))
        /// Do not zero malloc'd pages before writing them (`MDB_NOMEMINIT`).
        public static let noMemoryInit = Flags(rawValue: UInt32(MDB_NOMEMINIT))
    }

    /// Settings for opening an environment.
    public struct Options: Sendable {
        /// Initial map size in bytes (the largest the database may grow before `write` grows it).
        public var mapSize: Int = 64 << 20
        /// The largest map size `write` may grow to; beyond it `.mapFull` is thrown.
        public var maxMapSize: Int = 1 << 40
        /// Most named databases (`mdb_env_set_maxdbs`).
        public var maxDatabases: UInt32 = 32
        /// Most concurrent read transactions (`mdb_env_set_maxreaders`).
        public var maxReaders: UInt32 = 126
        /// Open flags; `noTLS` is on by default.
        public var flags: Flags = [.noTLS]
        /// File mode for the data and lock files.
        public var fileMode: mode_t = 0o600
        /// Create the environment's folder (not its parents) if it is missing.
        public var createDirectory: Bool = true
        /// Keep the data file's page cache in 4 KiB pages (see `populateSmallPageCache`): on
        /// kernels that cache files in large folios, a commit that rewrites scattered 4 KiB pages
        /// otherwise writes back every large folio it touched. Costs reading the file's unused
        /// tail (holes) once per map size, up to 1 GiB at open and at each growth; the file is
        /// extended (sparse) to what was read.
        public var smallPageCache: Bool = false

        public init() {}
    }

    let handle: OpaquePointer
    let resizeLock = ResizeLock()
    /// The folder (or file, with `noSubdirectory`) the environment lives in.
    public let path: String
    /// The flags it was opened with.
    public let flags: Flags
    /// The largest size `write` grows the map to.
    public let maxMapSize: Int
    /// Reader slots of dead processes cleared when the environment opened (`mdb_reader_check`).
    public let staleReadersClearedAtOpen: Int

    /// Opens (creating if needed) the environment at `path`.
    public init(path: String, options: Options = Options()) throws(LMDBError) {
        if options.createDirectory, !options.flags.contains(.noSubdirectory) {
            if mkdir(path, 0o700) != 0, errno != EEXIST {
                throw LMDBError(rawValue: errno, operation: "mkdir \(path)")
            }
        }
        var env: OpaquePointer?
        try lmdbCheck(mdb_env_create(&env), "mdb_env_create")
        guard let env else { throw LMDBError(rawValue: ENOMEM, operation: "mdb_env_create") }
        do {
            try lmdbCheck(mdb_env_set_mapsize(env, options.mapSize), "mdb_env_set_mapsize")
            try lmdbCheck(mdb_env_set_maxdbs(env, options.maxDatabases), "mdb_env_set_maxdbs")
            try lmdbCheck(mdb_env_set_maxreaders(env, options.maxReaders), "mdb_env_set_maxreaders")
            try lmdbCheck(mdb_env_open(env, path, options.flags.rawValue, options.fileMode), "mdb_env_open \(path)")
            var dead: Int32 = 0
            if !options.flags.contains(.noLock) {
                try lmdbCheck(mdb_reader_check(env, &dead), "mdb_reader_check")
            }
            self.staleReadersClearedAtOpen = Int(dead)
        } catch {
            mdb_env_close(env)
            throw error
        }
        self.handle = env
        self.path = path
        self.flags = options.flags
        self.maxMapSize = max(options.maxMapSize, options.mapSize)
        self.smallPageCache = options.smallPageCache && !options.flags.contains(.readOnly)
        if smallPageCache { populateSmallPageCache() }
    }

    private let smallPageCache: Bool
    /// The most bytes `populateSmallPageCache` reads in one call (at open and at each growth).
    static let smallPageCacheStep = 1 << 30
    /// Bytes `populateSmallPageCache` reads per call.
    static let smallPageCacheReadSize = 256 << 10

    /// Extends the data file (sparse) towards the map size, at most `smallPageCacheStep` at a
    /// time, and reads each new page with read-ahead off (`POSIX_FADV_RANDOM`), so the page cache
    /// holds it as a 4 KiB folio that LMDB's later `pwrite`s reuse instead of making large ones.
    /// LMDB ignores the file's size beyond its last page. Best effort: a failure only loses the
    /// optimisation.
    func populateSmallPageCache() {
        let dataPath = flags.contains(.noSubdirectory) ? path : path + "/data.mdb"
        let fd = open(dataPath, O_RDWR)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { return }
        let start = Int(status.st_size) & ~4095
        let size = min(mapSize, start + Self.smallPageCacheStep)
        guard start < size else { return }
        guard ftruncate(fd, off_t(size)) == 0 else { return }
        _ = posix_fadvise(fd, 0, 0, POSIX_FADV_RANDOM)
        // With read-ahead off, one read of many pages still caches each as its own 4 KiB folio
        // (the kernel's forced read-ahead path), at half the cost of one read per page.
        let chunk = Self.smallPageCacheReadSize
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 4096)
        defer { buffer.deallocate() }
        var offset = start
        while offset < size {
            let count = min(chunk, size - offset)
            guard pread(fd, buffer, count, off_t(offset)) == count else { return }
            offset &+= count
        }
    }

    deinit {
        mdb_env_close(handle)
    }

    // MARK: Transactions

    /// Begins a transaction. Prefer `read` and `write`, which scope the transaction to a closure.
    ///
    /// The transaction must be committed or aborted (or dropped, which aborts) on the thread that
    /// began it, and must never be held across an `await`. Do not begin a write transaction, or
    /// call `setMapSize`, while this thread holds another transaction of this environment
    /// open only to wait for it: a map resize waits for every open transaction to end.
    public func beginTransaction(readOnly: Bool) throws(LMDBError) -> LMDBTransaction {
        try LMDBTransaction(environment: self, readOnly: readOnly)
    }

    /// Runs `body` in a read-only transaction, then ends it.
    public func read<R>(_ body: (borrowing LMDBTransaction) throws -> R) throws -> R {
        let txn = try LMDBTransaction(environment: self, readOnly: true)
        return try body(txn)
    }

    /// Runs `body` in a write transaction and commits it; if `body` throws, nothing is written.
    ///
    /// When the map is full (during `body` or at commit) the transaction is aborted, the map size
    /// doubled (up to `maxMapSize`) and `body` run again from the start in a new transaction, so
    /// no write is lost: `body` must therefore only touch the database, or be safe to repeat.
    public func write<R>(_ body: (borrowing LMDBTransaction) throws -> R) throws -> R {
        while true {
            let txn = try LMDBTransaction(environment: self, readOnly: false)
            let state = txn.writeState
            do {
                let result: R
                do {
                    result = try body(txn)
                } catch {
                    txn.abort()
                    throw error
                }
                try txn.commit()
                return result
            } catch {
                let full = (error as? LMDBError)?.code == .mapFull || state?.sawMapFull == true
                guard full else { throw error }
                try growMap()
            }
        }
    }

    // MARK: Map size

    /// Current size of the memory map in bytes.
    public var mapSize: Int { info.mapSize }

    /// Sets the map size (at least the size in use; `0` adopts the size another process set).
    ///
    /// Waits until no transaction of this environment is open in this process (see
    /// `beginTransaction`), so calling it while this thread holds a transaction deadlocks.
    public func setMapSize(_ size: Int) throws(LMDBError) {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        try lmdbCheck(mdb_env_set_mapsize(handle, size), "mdb_env_set_mapsize(\(size))")
    }

    /// Doubles the map size, up to `maxMapSize`; throws `.mapFull` when already there.
    func growMap() throws(LMDBError) {
        let current = mapSize
        guard current < maxMapSize else {
            throw LMDBError(code: .mapFull, operation: "grow map",
                            message: "map size \(current) bytes already at the configured maximum \(maxMapSize)")
        }
        try setMapSize(min(current.multipliedReportingOverflow(by: 2).overflow ? maxMapSize : current * 2, maxMapSize))
        if smallPageCache { populateSmallPageCache() }
    }

    /// Adopts a larger map size set by another process (after `MDB_MAP_RESIZED`).
    func adoptResizedMap() throws(LMDBError) {
        try setMapSize(0)
    }

    // MARK: Databases

    /// Opens a named database (`nil`: the unnamed main database), creating it if `flags`
    /// contains `.create`. A missing database without `.create` throws `.notFound`.
    public func openDatabase(named name: String?, flags: LMDBDatabase.Flags = .create) throws(LMDBError) -> LMDBDatabase {
        let txn = try LMDBTransaction(environment: self, readOnly: !flags.contains(.create))
        let db = try txn.openDatabase(named: name, flags: flags)
        try txn.commit()
        return db
    }

    // MARK: Maintenance

    /// Clears reader slots of processes that died with a read transaction open; returns how many.
    @discardableResult
    public func clearStaleReaders() throws(LMDBError) -> Int {
        var dead: Int32 = 0
        try lmdbCheck(mdb_reader_check(handle, &dead), "mdb_reader_check")
        return Int(dead)
    }

    /// Flushes buffers to disk (`mdb_env_sync`); `force` syncs even with `noSync`/`noMetaSync`.
    public func sync(force: Bool = true) throws(LMDBError) {
        try lmdbCheck(mdb_env_sync(handle, force ? 1 : 0), "mdb_env_sync")
    }

    /// Statistics of the environment's main database (page size, depth, entries).
    public var statistics: LMDBStatistics {
        var s = MDB_stat()
        mdb_env_stat(handle, &s)
        return LMDBStatistics(s)
    }

    /// Map and reader information (`mdb_env_info`).
    public var info: LMDBEnvironmentInfo {
        var i = MDB_envinfo()
        mdb_env_info(handle, &i)
        return LMDBEnvironmentInfo(i)
    }

    /// The largest key size this LMDB build accepts, in bytes.
    public var maxKeySize: Int { Int(mdb_env_get_maxkeysize(handle)) }

    /// The LMDB library version string.
    public static var libraryVersion: String { String(cString: mdb_version(nil, nil, nil)) }
}

/// Map and reader information of an environment (`mdb_env_info`).
public struct LMDBEnvironmentInfo: Sendable, Hashable {
    /// Size of the memory map in bytes.
    public let mapSize: Int
    /// Number of the last page used.
    public let lastPageNumber: Int
    /// Id of the last committed transaction.
    public let lastTransactionID: Int
    /// Number of reader slots.
    public let maxReaders: Int
    /// Reader slots used so far.
    public let readersUsed: Int

    init(_ i: MDB_envinfo) {
        mapSize = i.me_mapsize
        lastPageNumber = i.me_last_pgno
        lastTransactionID = i.me_last_txnid
        maxReaders = Int(i.me_maxreaders)
        readersUsed = Int(i.me_numreaders)
    }
}
