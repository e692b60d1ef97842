import Testing
import Identity
import Sodium
import Foundation
import TestSupport

@Suite struct DataDirectoryTests {
    @Test func initializeCreatesFolderKeysAndConfig() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path + "/a/b/node/")
        #expect(dir.path == tmp.path + "/a/b/node")
        let identity = try dir.initialize(config: NodeConfig(listen: "tcp://127.0.0.1:7555"))
        #expect(try TemporaryDirectory.mode(of: dir.path) == 0o700)
        #expect(try TemporaryDirectory.mode(of: dir.secretKeyPath) == 0o600)
        #expect(try Data(contentsOf: URL(fileURLWithPath: dir.secretKeyPath)).count == 40)
        let loaded = try dir.loadIdentity()
        #expect(loaded.nodeID == identity.nodeID)
        #expect(loaded.curve.publicKey == identity.curve.publicKey)
        #expect(try dir.loadConfig().listen == "tcp://127.0.0.1:7555")
        let pub = try String(contentsOfFile: dir.publicKeyPath, encoding: .utf8)
        #expect(pub.contains(identity.nodeID.description))
        #expect(pub.contains(identity.curve.publicKey.z85.replacingOccurrences(of: "/", with: "/")))
        // Only the three files: no temporary files left behind.
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(names == ["config.json", "node.key", "node.pub"])
    }

    @Test func secondInitIsRefusedAndForceReplaces() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        let first = try dir.initialize()
        #expect(throws: IdentityError.keysAlreadyExist(path: dir.secretKeyPath)) { try dir.initialize() }
        #expect(try dir.loadIdentity().nodeID == first.nodeID, "the refused init changed nothing")
        let second = try dir.initialize(config: NodeConfig(listen: "tcp://127.0.0.1:9999"), force: true)
        #expect(second.nodeID != first.nodeID)
        #expect(try dir.loadIdentity().nodeID == second.nodeID)
        #expect(try dir.loadConfig().listen == "tcp://127.0.0.1:9999")
        #expect(try TemporaryDirectory.mode(of: dir.secretKeyPath) == 0o600)
    }

    @Test func aLonePublicFileAlsoBlocksInit() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        try dir.initialize()
        try FileManager.default.removeItem(atPath: dir.secretKeyPath)
        #expect(throws: IdentityError.keysAlreadyExist(path: dir.publicKeyPath)) { try dir.initialize() }
    }

    @Test(arguments: [0o644, 0o640, 0o604, 0o660, 0o666, 0o700 | 0o004])
    func secretKeyReadableByOthersIsRefused(mode: Int) throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        try dir.initialize()
        chmod(dir.secretKeyPath, mode_t(mode))
        let error = #expect(throws: IdentityError.permissionsTooOpen(path: dir.secretKeyPath, mode: UInt32(mode))) {
            try dir.loadIdentity()
        }
        let text = error?.description ?? ""
        #expect(text.contains("Permissions 0\(String(mode, radix: 8)) for '\(dir.secretKeyPath)' are too open."))
        #expect(text.contains("chmod 600 \(dir.secretKeyPath)"))
    }

    @Test func ownerOnlyModesAreAccepted() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        let identity = try dir.initialize()
        for mode in [0o400, 0o600] {
            chmod(dir.secretKeyPath, mode_t(mode))
            #expect(try dir.loadIdentity().nodeID == identity.nodeID)
        }
    }

    @Test func missingKeySaysHowToCreateOne() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path + "/none")
        let error = #expect(throws: IdentityError.keyFileMissing(path: dir.secretKeyPath, dataDirectory: dir.path)) {
            try dir.loadIdentity()
        }
        #expect(error?.description.contains("ciro init --data-dir \(dir.path)") == true)
    }

    @Test func malformedKeyFilesAreRejected() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        try dir.initialize()
        let original = try Data(contentsOf: URL(fileURLWithPath: dir.secretKeyPath))

        try write(Data(original.prefix(39)), to: dir.secretKeyPath)
        #expect(throws: IdentityError.malformedKeyFile(path: dir.secretKeyPath, reason: "expected 40 bytes, found 39")) {
            try dir.loadIdentity()
        }
        var wrongMagic = original
        wrongMagic[0] = UInt8(ascii: "X")
        try write(wrongMagic, to: dir.secretKeyPath)
        #expect(throws: IdentityError.malformedKeyFile(path: dir.secretKeyPath, reason: "unknown format (it does not start with 'ciro-sk1')")) {
            try dir.loadIdentity()
        }
        try FileManager.default.removeItem(atPath: dir.secretKeyPath)
        try FileManager.default.createDirectory(atPath: dir.secretKeyPath, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        #expect(throws: IdentityError.malformedKeyFile(path: dir.secretKeyPath, reason: "not a regular file")) {
            try dir.loadIdentity()
        }
    }

    @Test func publicFileMustMatchSecretKey() throws {
        let tmp = TemporaryDirectory()
        let a = DataDirectory(path: tmp.path + "/a")
        let b = DataDirectory(path: tmp.path + "/b")
        try a.initialize()
        try b.initialize()
        try FileManager.default.removeItem(atPath: a.publicKeyPath)
        try FileManager.default.copyItem(atPath: b.publicKeyPath, toPath: a.publicKeyPath)
        #expect(throws: IdentityError.publicKeyMismatch(path: a.publicKeyPath)) { try a.loadIdentity() }
        try write(Data("not json".utf8), to: a.publicKeyPath)
        #expect(throws: IdentityError.self) { try a.loadIdentity() }
        try FileManager.default.removeItem(atPath: a.publicKeyPath)
        _ = try a.loadIdentity()  // node.pub is optional
    }

    @Test func pathThatIsAFileIsNotADirectory() throws {
        let tmp = TemporaryDirectory()
        let file = tmp.path + "/file"
        try write(Data("x".utf8), to: file)
        #expect(throws: IdentityError.notADirectory(path: file)) { try DataDirectory(path: file).initialize() }
    }

    @Test func invalidListenEndpointIsRejectedBeforeAnythingIsWritten() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path + "/n")
        #expect(throws: IdentityError.self) { try dir.initialize(config: NodeConfig(listen: "udp://1.2.3.4:5")) }
        #expect(!FileManager.default.fileExists(atPath: dir.path))
    }

    @Test func resolvesPathsInsideTheFolder() {
        let dir = DataDirectory(path: "/srv/ciro")
        #expect(dir.resolve("bootstrap.json") == "/srv/ciro/bootstrap.json")
        #expect(dir.resolve("/etc/peers.json") == "/etc/peers.json")
        #expect(dir.configPath == "/srv/ciro/config.json")
    }

    private func write(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
        chmod(path, 0o600)
    }
}

@Suite struct NodeConfigTests {
    @Test func missingFieldsTakeDefaultsAndUnknownOnesAreIgnored() throws {
        let json = #"{"listen": "tcp://10.0.0.1:7000", "somethingFromTheFuture": 3}"#
        let config = try JSONDecoder().decode(NodeConfig.self, from: Data(json.utf8))
        #expect(config.listen == "tcp://10.0.0.1:7000")
        #expect(config.version == NodeConfig.currentVersion)
        #expect(config.bootstrapFile == NodeConfig().bootstrapFile)
        #expect(config.targetPeers == 6)
    }

    @Test func roundTripsThroughTheDataDirectory() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        var config = NodeConfig(listen: "tcp://0.0.0.0:7400", advertise: "tcp://node.example:7400")
        config.pricePerWorkUnit = 17
        try dir.create()
        try dir.writeConfig(config)
        #expect(try dir.loadConfig() == config)
    }

    @Test func missingConfigGivesDefaults() throws {
        let tmp = TemporaryDirectory()
        #expect(try DataDirectory(path: tmp.path).loadConfig() == NodeConfig())
    }

    @Test func malformedConfigIsRejectedWithThePath() throws {
        let tmp = TemporaryDirectory()
        let dir = DataDirectory(path: tmp.path)
        for bad in [#"{"listen": 5}"#, "not json", #"{"listen": "tcp://h:0"}"#, #"{"version": 99}"#] {
            try Data(bad.utf8).write(to: URL(fileURLWithPath: dir.configPath))
            #expect(throws: IdentityError.self, "\(bad)") { try dir.loadConfig() }
            do {
                _ = try dir.loadConfig()
            } catch let .malformedConfig(path, _) {
                #expect(path == dir.configPath)
            }
        }
    }

    @Test(arguments: ["tcp://127.0.0.1:7400", "tcp://*:1", "tcp://node-1.example.com:65535", "tcp://[::1]:7400"])
    func validEndpoints(_ text: String) throws {
        try Endpoint.validate(text)
    }

    @Test(arguments: ["127.0.0.1:7400", "tcp://127.0.0.1", "tcp://:7400", "tcp://h:0", "tcp://h:65536", "tcp://h:+80", "tcp://h:port", "ipc:///tmp/x", "tcp://a b:1"])
    func invalidEndpoints(_ text: String) {
        #expect(throws: IdentityError.self) { try Endpoint.validate(text) }
    }
}
