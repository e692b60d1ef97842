import CLMDB

/// A failed LMDB call: which operation, the typed reason, and LMDB's own text (`mdb_strerror`).
///
/// Every `MDB_*` return code has its own `Code` case; positive codes are system `errno` values
/// (for example `ENOENT` when the environment's folder is missing) and map to `.system(errno)`.
public struct LMDBError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The reason a call failed, one case per `MDB_*` code.
    public enum Code: Sendable, Hashable {
        /// `MDB_KEYEXIST`: the key/data pair already exists (a `noOverwrite` put).
        case keyExists
        /// `MDB_NOTFOUND`: no matching key, or no such named database.
        case notFound
        /// `MDB_PAGE_NOTFOUND`: a requested page was not found (usually corruption).
        case pageNotFound
        /// `MDB_CORRUPTED`: a page has the wrong type.
        case corrupted
        /// `MDB_PANIC`: a fatal error in the environment; it must be reopened.
        case panic
        /// `MDB_VERSION_MISMATCH`: the environment was written by an incompatible LMDB version.
        case versionMismatch
        /// `MDB_INVALID`: the file is not an LMDB file.
        case invalid
        /// `MDB_MAP_FULL`: the map size is too small for this write.
        case mapFull
        /// `MDB_DBS_FULL`: more named databases than `maxDatabases`.
        case databasesFull
        /// `MDB_READERS_FULL`: every reader slot is taken.
        case readersFull
        /// `MDB_TLS_FULL`: too many thread-local keys.
        case tlsFull
        /// `MDB_TXN_FULL`: the transaction has too many dirty pages.
        case transactionFull
        /// `MDB_CURSOR_FULL`: the cursor stack is too deep.
        case cursorFull
        /// `MDB_PAGE_FULL`: a page has no room left.
        case pageFull
        /// `MDB_MAP_RESIZED`: another process grew the map beyond this one's size.
        case mapResized
        /// `MDB_INCOMPATIBLE`: the operation does not fit the database's flags.
        case incompatible
        /// `MDB_BAD_RSLOT`: a reader slot was reused wrongly (threads without `noTLS`).
        case badReaderSlot
        /// `MDB_BAD_TXN`: the transaction must be aborted (it failed earlier, or has a child).
        case badTransaction
        /// `MDB_BAD_VALSIZE`: a key or value of a size LMDB does not accept (empty or too long key).
        case badValueSize
        /// `MDB_BAD_DBI`: the database handle changed or is unknown.
        case badDatabase
        /// A system `errno` value (for example `ENOENT`, `EACCES`, `EINVAL`).
        case system(Int32)
        /// A negative code this LMDB build does not define.
        case other(Int32)

        /// Maps an LMDB return code to its case.
        public init(rawValue: Int32) {
            switch rawValue {
            case MDB_KEYEXIST: self = .keyExists
            case MDB_NOTFOUND: self = .notFound
            case MDB_PAGE_NOTFOUND: self = .pageNotFound
            case MDB_CORRUPTED: self = .corrupted
            case MDB_PANIC: self = .panic
            case MDB_VERSION_MISMATCH: self = .versionMismatch
            case MDB_INVALID: self = .invalid
            case MDB_MAP_FULL: self = .mapFull
            case MDB_DBS_FULL: self = .databasesFull
            case MDB_READERS_FULL: self = .readersFull
            case MDB_TLS_FULL: self = .tlsFull
            case MDB_TXN_FULL: self = .transactionFull
            case MDB_CURSOR_FULL: self = .cursorFull
            case MDB_PAGE_FULL: self = .pageFull
            case MDB_MAP_RESIZED: self = .mapResized
            case MDB_INCOMPATIBLE: self = .incompatible
            case MDB_BAD_RSLOT: self = .badReaderSlot
            case MDB_BAD_TXN: self = .badTransaction
            case MDB_BAD_VALSIZE: self = .badValueSize
            case MDB_BAD_DBI: self = .badDatabase
            default: self = rawValue > 0 ? .system(rawValue) : .other(rawValue)
            }
        }

        /// The LMDB return code (or `errno`) this case stands for.
        public var rawValue: Int32 {
            switch self {
            case .keyExists: MDB_KEYEXIST
            case .notFound: MDB_NOTFOUND
            case .pageNotFound: MDB_PAGE_NOTFOUND
            case .corrupted: MDB_CORRUPTED
            case .panic: MDB_PANIC
            case .versionMismatch: MDB_VERSION_MISMATCH
            case .invalid: MDB_INVALID
            case .mapFull: MDB_MAP_FULL
            case .databasesFull: MDB_DBS_FULL
            case .readersFull: MDB_READERS_FULL
            case .tlsFull: MDB_TLS_FULL
            case .transactionFull: MDB_TXN_FULL
            case .cursorFull: MDB_CURSOR_FULL
            case .pageFull: MDB_PAGE_FULL
            case .mapResized: MDB_MAP_RESIZED
            case .incompatible: MDB_INCOMPATIBLE
            case .badReaderSlot: MDB_BAD_RSLOT
            case .badTransaction: MDB_BAD_TXN
            case .badValueSize: MDB_BAD_VALSIZE
            case .badDatabase: MDB_BAD_DBI
            case .system(let errno): errno
            case .other(let code): code
            }
        }
    }

    /// Why the call failed.
    public let code: Code
    /// The LMDB function (or wrapper operation) that failed, e.g. `mdb_put`.
    public let operation: String
    /// LMDB's text for the code (`mdb_strerror`, which also covers `errno` values).
    public let message: String

    /// An error for the return code `rawValue` of `operation`, with LMDB's text for it.
    public init(rawValue: Int32, operation: String) {
        self.code = Code(rawValue: rawValue)
        self.operation = operation
        self.message = String(cString: mdb_strerror(rawValue))
    }

    /// An error raised by the wrapper itself (a misuse LMDB would not report clearly).
    init(code: Code, operation: String, message: String) {
        self.code = code
        self.operation = operation
        self.message = message
    }

    /// The LMDB return code (or `errno`).
    public var rawValue: Int32 { code.rawValue }

    public var description: String { "\(operation) failed: \(message) (\(rawValue))" }
}

/// Throws the typed error for a non-zero LMDB return code.
@inline(__always)
func lmdbCheck(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != MDB_SUCCESS { throw LMDBError(rawValue: rc, operation: operation()) }
}

/// `Array.withUnsafeBytes` with a typed error (the standard one is `rethrows`, i.e. untyped).
@inline(__always)
func withBytes<R, E: Error>(_ array: [UInt8], _ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
    let result: Result<R, E> = array.withUnsafeBytes { p in
        do throws(E) { return .success(try body(p)) } catch { return .failure(error) }
    }
    return try result.get()
}
