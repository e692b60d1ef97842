import ArgumentParser
import Identity

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a node data folder: key pair, default config.",
        discussion: """
        Creates the folder (mode 0700) with node.key (the Ed25519 secret key, mode 0600), node.pub \
        (node id and public keys) and config.json (default settings). Refuses to replace an existing \
        key unless --force is given. Exit codes: 1 a key already exists; 2 bad option or folder; \
        3 a file could not be written.
        """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Flag(help: "Replace existing keys and config. The old node identity is lost.")
    var force = false

    @Option(
        help: ArgumentHelp("The endpoint the node listens on.", valueName: "tcp://host:port"))
    var listen: String = NodeConfig.defaultListen

    func validate() throws {
        do {
            try Endpoint.validate(listen)
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() async throws {
        let directory = data.directory
        let identity: NodeIdentity
        do {
            identity = try directory.initialize(config: NodeConfig(listen: listen), force: force)
        } catch {
            throw report(error, command: "init")
        }
        let config = (try? directory.loadConfig()) ?? NodeConfig(listen: listen)
        print("""
        Initialised node data folder \(directory.path)
          node id:          \(identity.nodeID)
          curve public key: \(identity.curve.publicKey.z85)
          secret key:       \(directory.secretKeyPath) (mode 0600: back it up, never share it)
          config:           \(directory.configPath) (listen \(config.listen))
        """)
    }
}
