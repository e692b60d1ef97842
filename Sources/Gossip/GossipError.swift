/// Failures of the gossip API.
public enum GossipError: Error, Equatable, Sendable, CustomStringConvertible {
    case notStarted
    case unknownPeer(String)
    case notConnected(String)
    case blobNotFound(String)
    case blobHashMismatch(expected: String, actual: String)
    case blobTooLarge(size: UInt64, limit: Int)
    case fetchTimedOut(String)
    case fetchRefused(String)
    case encodingFailed(String)
    case system(String)

    public var description: String {
        switch self {
        case .notStarted: "gossip: node not started"
        case let .unknownPeer(p): "gossip: no address known for \(p)"
        case let .notConnected(p): "gossip: not connected to \(p)"
        case let .blobNotFound(id): "gossip: blob \(id) not found"
        case let .blobHashMismatch(expected, actual): "gossip: blob hash mismatch: expected \(expected), got \(actual)"
        case let .blobTooLarge(size, limit): "gossip: blob of \(size) bytes exceeds the limit of \(limit)"
        case let .fetchTimedOut(what): "gossip: fetch timed out: \(what)"
        case let .fetchRefused(reason): "gossip: fetch refused: \(reason)"
        case let .encodingFailed(what): "gossip: could not encode \(what)"
        case let .system(what): "gossip: \(what)"
        }
    }
}
