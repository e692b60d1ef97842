import Sodium
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A node's data folder and the files in it:
/// `node.key` (secret key, mode 0600), `node.pub` (public identity, JSON), `config.json` (`NodeConfig`).
/// The folder itself is created with mode 0700. Other modules put their files here too (`file(_:)`).
public struct DataDirectory: Sendable, Hashable {
    /// The folder, as given (without trailing slashes).
    public let path: String

    /// Refers to the folder at `path`; nothing is touched until a method is called.
    public init(path: String) {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        self.path = p
    }

    /// The secret key file.
    public var secretKeyPath: String { file("node.key") }
    /// The public identity file (node id, Ed25519 and CurveZMQ public keys).
    public var publicKeyPath: String { file("node.pub") }
    /// The config file.
    public var configPath: String { file("config.json") }

    /// The path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// `relative` resolved against the folder; absolute paths are returned unchanged.
    public func resolve(_ relative: String) -> String { relative.hasPrefix("/") ? relative : file(relative) }

    /// Creates the folder (and parents) with mode 0700 if it does not exist.
    public func create() throws(IdentityError) {
        try FileSystem.makeDirectories(path, mode: 0o700)
    }

    /// Sets up a node: creates the folder, a new identity and, unless one is there already, a config.
    /// Refuses (`keysAlreadyExist`) if a key is there, unless `force`, which replaces keys and config.
    @discardableResult
    public func initialize(config: NodeConfig = NodeConfig(), force: Bool = false) throws(IdentityError) -> NodeIdentity {
        try config.validate()
        if let s = try FileSystem.status(path), !FileSystem.isDirectory(s) { throw .notADirectory(path: path) }
        if !force {
            for existing in [secretKeyPath, publicKeyPath] {
                if try FileSystem.status(existing) != nil { throw .keysAlreadyExist(path: existing) }
            }
        }
        try create()
        let identity = try NodeIdentity.generate()
        try writeIdentity(identity, force: force)
        let configExists = try FileSystem.status(configPath) != nil
        if force || !configExists {
            try writeConfig(config)
        }
        return identity
    }

    /// Writes `node.key` (0600, atomically, never over an existing key unless `force`) and `node.pub`.
    public func writeIdentity(_ identity: NodeIdentity, force: Bool) throws(IdentityError) {
        try KeyFile.write(identity, to: secretKeyPath, replace: force)
        try writePublicFile(identity)
    }

    /// Loads the identity, refusing a secret key file that group or others can access, and checking
    /// that `node.pub`, if present, belongs to it.
    public func loadIdentity() throws(IdentityError) -> NodeIdentity {
        let identity = try KeyFile.read(secretKeyPath, dataDirectory: path)
        if try FileSystem.status(publicKeyPath) != nil {
            let bytes = try FileSystem.readFile(publicKeyPath)
            let stored: PublicIdentity
            do {
                stored = try JSONDecoder().decode(PublicIdentity.self, from: Data(bytes))
            } catch {
                throw .malformedKeyFile(path: publicKeyPath, reason: "\(error)")
            }
            guard stored == PublicIdentity(identity) else { throw .publicKeyMismatch(path: publicKeyPath) }
        }
        return identity
    }

    /// Reads `config.json`; a missing file gives the defaults.
    public func loadConfig() throws(IdentityError) -> NodeConfig {
        guard try FileSystem.status(configPath) != nil else { return NodeConfig() }
        let bytes = try FileSystem.readFile(configPath)
        let config: NodeConfig
        do {
            config = try JSONDecoder().decode(NodeConfig.self, from: Data(bytes))
        } catch {
            throw .malformedConfig(path: configPath, reason: "\(error)")
        }
        do {
            try config.validate()
        } catch let .malformedConfig(_, reason) {
            throw .malformedConfig(path: configPath, reason: reason)
        } catch {
            throw .malformedConfig(path: configPath, reason: error.description)
        }
        return config
    }

    /// Writes `config.json` atomically (mode 0644), replacing any existing one.
    public func writeConfig(_ config: NodeConfig) throws(IdentityError) {
        try writeJSON(config, to: configPath)
    }

    private func writePublicFile(_ identity: NodeIdentity) throws(IdentityError) {
        try writeJSON(PublicIdentity(identity), to: publicKeyPath)
    }

    private func writeJSON(_ value: some Encodable, to path: String) throws(IdentityError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var bytes: [UInt8]
        do { bytes = try [UInt8](encoder.encode(value)) } catch { throw .malformedConfig(path: path, reason: "\(error)") }
        bytes.append(UInt8(ascii: "\n"))
        try FileSystem.writeAtomically(bytes, to: path, mode: 0o644)
    }
}

/// What `node.pub` holds: everything another node needs to reach and authenticate this one.
public struct PublicIdentity: Codable, Sendable, Equatable {
    /// The node id.
    public var nodeId: String
    /// The Ed25519 public key, hex.
    public var ed25519PublicKey: String
    /// The CurveZMQ (X25519) public key, Z85.
    public var curvePublicKey: String

    /// The public facts of `identity`.
    public init(_ identity: NodeIdentity) {
        nodeId = identity.nodeID.description
        ed25519PublicKey = Hex.encode(identity.signing.publicKey.bytes)
        curvePublicKey = identity.curve.publicKey.z85
    }
}
