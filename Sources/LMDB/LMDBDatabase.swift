import CLMDB

/// A handle to one database (named or the unnamed main one) inside an `LMDBEnvironment`.
///
/// A plain value: it stays valid for the environment's lifetime and needs no closing. Open it
/// once (`LMDBEnvironment.openDatabase`) and share it freely between threads.
public struct LMDBDatabase: Sendable, Hashable, CustomStringConvertible {
    /// How a database orders and stores its keys (`mdb_dbi_open` flags).
    public struct Flags: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        /// Compare keys from the end (`MDB_REVERSEKEY`).
        public static let reverseKey = Flags(rawValue: UInt32(MDB_REVERSEKEY))
        /// Several sorted values per key (`MDB_DUPSORT`).
        public static let duplicateSort = Flags(rawValue: UInt32(MDB_DUPSORT))
        /// Keys are native unsigned integers of one size (`MDB_INTEGERKEY`).
        public static let integerKey = Flags(rawValue: UInt32(MDB_INTEGERKEY))
        /// With `duplicateSort`: all values have one size (`MDB_DUPFIXED`).
        public static let duplicateFixed = Flags(rawValue: UInt32(MDB_DUPFIXED))
        /// With `duplicateSort`: values are native integers (`MDB_INTEGERDUP`).
        public static let integerDuplicate = Flags(rawValue: UInt32(MDB_INTEGERDUP))
        /// With `duplicateSort`: compare values from the end (`MDB_REVERSEDUP`).
        public static let reverseDuplicate = Flags(rawValue: UInt32(MDB_REVERSEDUP))
        /// Create the database if it does not exist (`MDB_CREATE`; needs a write transaction).
        public static let create = Flags(rawValue: UInt32(MDB_CREATE))
    }

    /// The LMDB database index.
    let handle: MDB_dbi
    /// The database's name (`nil` for the unnamed main database).
    public let name: String?

    init(handle: MDB_dbi, name: String?) {
        self.handle = handle
        self.name = name
    }

    public var description: String { "LMDBDatabase(\(name ?? "<main>"))" }
}

/// Size and shape of a database or of the whole environment (`mdb_stat`).
public struct LMDBStatistics: Sendable, Hashable {
    /// Size of a database page in bytes.
    public let pageSize: Int
    /// Depth of the B-tree.
    public let depth: Int
    /// Number of internal (branch) pages.
    public let branchPages: Int
    /// Number of leaf pages.
    public let leafPages: Int
    /// Number of overflow pages (values larger than about half a page).
    public let overflowPages: Int
    /// Number of key/value pairs.
    public let entries: Int

    init(_ s: MDB_stat) {
        pageSize = Int(s.ms_psize)
        depth = Int(s.ms_depth)
        branchPages = s.ms_branch_pages
        leafPages = s.ms_leaf_pages
        overflowPages = s.ms_overflow_pages
        entries = s.ms_entries
    }

    /// Bytes in use by this database's pages.
    public var bytesInUse: Int { (branchPages + leafPages + overflowPages) * pageSize }
}

/// Where to put a key/value pair (`mdb_put` flags).
public struct LMDBPutFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    /// Fail with `.keyExists` if the key is present (`MDB_NOOVERWRITE`).
    public static let noOverwrite = LMDBPutFlags(rawValue: UInt32(MDB_NOOVERWRITE))
    /// With `duplicateSort`: fail with `.keyExists` if the pair is present (`MDB_NODUPDATA`).
    public static let noDuplicateData = LMDBPutFlags(rawValue: UInt32(MDB_NODUPDATA))
    /// Append at the end: the key must sort after every key present, else `.keyExists`
    /// (`MDB_APPEND`; fast bulk loading of sorted keys).
    public static let append = LMDBPutFlags(rawValue: UInt32(MDB_APPEND))
    /// With `duplicateSort`: append the value at the end of the key's values (`MDB_APPENDDUP`).
    public static let appendDuplicate = LMDBPutFlags(rawValue: UInt32(MDB_APPENDDUP))
}
