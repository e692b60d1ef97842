import LMDB

/// Why a ledger operation failed. Every case says what and where.
public enum LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The LMDB layer failed.
    case storage(LMDBError)
    /// The ledger was written by a newer format than this build understands.
    case newerFormat(found: UInt32, supported: UInt32, path: String)
    /// The ledger was written by an older format that this build no longer reads.
    case olderFormat(found: UInt32, supported: UInt32, path: String)
    /// There is no ledger at the path (when opening one that must exist).
    case notFound(path: String)
    /// The ledger's metadata is unreadable.
    case badMetadata(path: String, reason: String)
    /// A record is missing a field the ledger keys it by, or has one out of bounds.
    case invalidRecord(kind: String, reason: String)
    /// An envelope cannot become a ledger record (its topic has no store, or its body does not parse).
    case invalidEnvelope(reason: String)
    /// An envelope's sender is not the record's author.
    case senderMismatch(kind: String, expected: String, sender: String)
    /// An envelope's signature does not verify.
    case badSignature(kind: String, sender: String)
    /// A stored log entry or record does not decode.
    case corruptEntry(sequence: UInt64, reason: String)
    /// A folder could not be created.
    case io(path: String, errno: Int32)

    public var description: String {
        switch self {
        case .storage(let e): "ledger storage: \(e)"
        case .newerFormat(let found, let supported, let path):
            "the ledger at \(path) has format version \(found), but this build reads versions up to \(supported): upgrade ciro to open it"
        case .olderFormat(let found, let supported, let path):
            "the ledger at \(path) has format version \(found), but this build reads only version \(supported) (docs/LEDGER.md \"Format\"): move that folder aside and start with a new ledger, or open it with an older ciro"
        case .notFound(let path): "no ledger at \(path) (run `ciro init` or start a node first)"
        case .badMetadata(let path, let reason): "the ledger metadata at \(path) is unreadable: \(reason)"
        case .invalidRecord(let kind, let reason): "invalid \(kind) record: \(reason)"
        case .invalidEnvelope(let reason): "envelope is not a ledger record: \(reason)"
        case .senderMismatch(let kind, let expected, let sender):
            "\(kind) signed by \(sender) but its author is \(expected)"
        case .badSignature(let kind, let sender): "\(kind) envelope from \(sender) has an invalid signature"
        case .corruptEntry(let sequence, let reason): "log entry \(sequence) is corrupt: \(reason)"
        case .io(let path, let errno): "cannot create \(path): errno \(errno)"
        }
    }
}

/// Runs `body`, turning LMDB errors into `LedgerError.storage`.
@inline(__always)
func storage<R>(_ body: () throws -> R) throws -> R {
    do { return try body() } catch let e as LMDBError { throw LedgerError.storage(e) }
}
