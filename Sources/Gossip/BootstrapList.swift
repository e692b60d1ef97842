import Foundation
import Sodium

/// The bootstrap peer list (Bootstrap/README.md), a JSON file:
/// `{"version": 1, "peers": [{"endpoint": "tcp://HOST:PORT", "node": "NODE"}]}` where NODE is the
/// peer's node id (`ciro1…`, parsed by the caller's `parseKey`) or its Ed25519 public key as 64 hex
/// digits. The CurveZMQ server key is derived from the Ed25519 key, so it is not listed.
public enum BootstrapList {
    /// The current file layout version.
    public static let currentVersion = 1

    /// What was wrong with the file: which entry (0-based, nil for the whole file) and why.
    public struct ParseError: Error, Equatable, Sendable, CustomStringConvertible {
        public let entry: Int?
        public let reason: String
        public init(entry: Int?, reason: String) {
            self.entry = entry
            self.reason = reason
        }
        public var description: String {
            if let entry { "bootstrap list entry \(entry): \(reason)" } else { "bootstrap list: \(reason)" }
        }
    }

    struct File: Codable {
        struct Peer: Codable {
            var endpoint: String
            var node: String
        }
        var version: Int
        var peers: [Peer]
    }

    /// Reads hex keys; callers add other text forms (node ids) through `parseKey`.
    public static func hexKey(_ text: String) -> Ed25519PublicKey? {
        Hex.decode(text).flatMap { try? Ed25519PublicKey(bytes: $0) }
    }

    /// Parses the file contents.
    public static func parse(_ bytes: [UInt8], parseKey: (String) -> Ed25519PublicKey? = hexKey)
        throws(ParseError) -> [PeerAddress]
    {
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: Data(bytes))
        } catch {
            throw ParseError(entry: nil, reason: "not a valid list: \(error)")
        }
        guard file.version >= 1, file.version <= currentVersion else {
            throw ParseError(entry: nil, reason: "unsupported version \(file.version)")
        }
        var peers: [PeerAddress] = []
        for (index, peer) in file.peers.enumerated() {
            let endpoint = peer.endpoint
            guard endpoint.hasPrefix("tcp://"), endpoint.dropFirst(6).contains(":") else {
                throw ParseError(entry: index, reason: "endpoint must look like tcp://HOST:PORT, got \(endpoint)")
            }
            guard let key = parseKey(peer.node) ?? hexKey(peer.node) else {
                throw ParseError(entry: index, reason: "not a node id or key: \(peer.node)")
            }
            guard let address = try? PeerAddress(key: key, endpoint: endpoint) else {
                throw ParseError(entry: index, reason: "key is not a valid Ed25519 point")
            }
            peers.append(address)
        }
        return peers
    }

    /// Writes a list; `nodeText` renders each key (default: hex).
    public static func render(_ peers: [PeerAddress], nodeText: (Ed25519PublicKey) -> String = { Hex.encode($0.bytes) }) -> [UInt8] {
        let file = File(version: currentVersion, peers: peers.map { File.Peer(endpoint: $0.endpoint, node: nodeText($0.key)) })
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(file)) ?? Data())
    }
}
