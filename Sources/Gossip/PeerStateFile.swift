import Foundation
import Logging
import Sodium

/// What a node remembers about other nodes across restarts (`GossipConfig.peerStatePath`,
/// `DATA_DIR/peers.json` in a node): the address book and the scores and bans, so that a restart
/// neither forgets where the network is nor pardons a banned node.
///
/// JSON, version 1: `{"version": 1, "saved_unix_ms": …, "peers": [{"node": HEX, "endpoint": …,
/// "score": …, "banned_until_unix_ms": …, "offenses": …}]}`. A file that does not parse is set aside
/// (renamed `*.corrupt`) and the node starts with an empty book.
struct PeerStateFile: Codable, Equatable {
    struct Peer: Codable, Equatable {
        var node: String
        var endpoint: String?
        var score: Double
        var bannedUntilUnixMs: UInt64
        var offenses: Int

        enum CodingKeys: String, CodingKey {
            case node, endpoint, score, offenses
            case bannedUntilUnixMs = "banned_until_unix_ms"
        }
    }

    static let currentVersion = 1
    /// Most peers written (address book entries beyond it are dropped, linked ones first).
    static let maxPeers = 4096

    var version = currentVersion
    var savedUnixMs: UInt64
    var peers: [Peer]

    enum CodingKeys: String, CodingKey {
        case version, peers
        case savedUnixMs = "saved_unix_ms"
    }

    enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case unsupportedVersion(Int)

        var description: String {
            switch self {
            case let .unreadable(reason): "unreadable: \(reason)"
            case let .unsupportedVersion(v): "unsupported version \(v)"
            }
        }
    }

    /// Reads the file; nil if there is none.
    static func load(path: String) throws(LoadError) -> PeerStateFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let file: PeerStateFile
        do {
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            file = try JSONDecoder().decode(PeerStateFile.self, from: data)
        } catch {
            throw .unreadable("\(error)")
        }
        guard file.version == currentVersion else { throw .unsupportedVersion(file.version) }
        return file
    }

    /// Writes the file atomically (temporary file, fsync, rename), readable by the owner only.
    func save(path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        let temporary = path + ".tmp"
        let fd = open(temporary, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard fd >= 0 else { throw GossipError.system("cannot write \(temporary): errno \(errno)") }
        let written = data.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        fsync(fd)
        close(fd)
        guard written == data.count else { throw GossipError.system("short write to \(temporary)") }
        guard rename(temporary, path) == 0 else { throw GossipError.system("cannot rename \(temporary): errno \(errno)") }
    }
}

extension GossipNode {
    /// Reads the saved peers from `config.peerStatePath` (called from `init`, before the actor runs).
    static func readPeerState(config: GossipConfig, selfKey: Ed25519PublicKey, logger: Logger)
        -> [(key: Ed25519PublicKey, peer: PeerStateFile.Peer, address: PeerAddress?)]
    {
        guard let path = config.peerStatePath else { return [] }
        let file: PeerStateFile?
        do {
            file = try PeerStateFile.load(path: path)
        } catch {
            logger.warning("peer state file set aside, starting without it", metadata: ["path": "\(path)", "error": "\(error)"])
            _ = rename(path, path + ".corrupt")
            return []
        }
        guard let file else { return [] }
        var out: [(key: Ed25519PublicKey, peer: PeerStateFile.Peer, address: PeerAddress?)] = []
        for peer in file.peers {
            guard let bytes = Hex.decode(peer.node), let key = try? Ed25519PublicKey(bytes: bytes), key != selfKey,
                  peer.score.isFinite else { continue }
            var address: PeerAddress?
            if let endpoint = peer.endpoint, !endpoint.isEmpty, endpoint.utf8.count <= 256 {
                address = try? PeerAddress(key: key, endpoint: endpoint)
            }
            out.append((key, peer, address))
        }
        logger.info("peer state restored", metadata: ["path": "\(path)", "peers": "\(out.count)"])
        return out
    }

    /// Writes the address book, scores and bans to `config.peerStatePath`.
    func savePeerState() {
        guard let path = config.peerStatePath else { return }
        var order: [Ed25519PublicKey] = links.values.filter(\.established).map(\.key)
        var listed = Set(order)
        for key in scores.entries.keys where listed.insert(key).inserted { order.append(key) }
        for key in addressBook.keys where listed.insert(key).inserted { order.append(key) }
        let peers = order.prefix(PeerStateFile.maxPeers).map { key in
            let entry = scores.entries[key]
            return PeerStateFile.Peer(node: Hex.encode(key.bytes), endpoint: addressBook[key]?.address.endpoint,
                                      score: entry?.score ?? 0, bannedUntilUnixMs: entry?.bannedUntilMs ?? 0,
                                      offenses: entry?.offenses ?? 0)
        }
        do {
            try PeerStateFile(savedUnixMs: GossipClock.unixMs(), peers: Array(peers)).save(path: path)
            lastPeerStateSaveMs = GossipClock.monotonicMs()
        } catch {
            logger.warning("cannot save peer state", metadata: ["path": "\(path)", "error": "\(error)"])
        }
    }
}
