import ArgumentParser
import Logging
import Node

struct NodeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run a node in the foreground.",
        discussion: """
        Loads the identity and config from the data folder, joins the network through the \
        bootstrap list and serves the local control socket (ipc://DIR/control.sock) that \
        `ciro node peers` talks to. Logs go to standard error. SIGINT or SIGTERM stops the node \
        cleanly. Exit codes: 2 bad data folder, config or bootstrap list; 3 the node could not start \
        (endpoint in use, ...).
        """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(help: ArgumentHelp("The endpoint to listen on (overrides config.json).", valueName: "tcp://host:port"))
    var listen: String?

    @Option(help: ArgumentHelp("The bootstrap peer list (see Bootstrap/README.md).", valueName: "file"))
    var bootstrap: String?

    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error (overrides config.json).")
    var logLevel: String?

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("Per-connection message rate limit (benchmarks).", visibility: .hidden))
    var rateLimit: Double?

    func run() async throws {
        var options = NodeOptions(dataDirectory: data.directory.path, listen: listen, bootstrapFile: bootstrap)
        options.rateLimitPerSecond = rateLimit
        let configured = (try? data.directory.loadConfig())?.logLevel ?? "info"
        let level = Logger.Level(rawValue: logLevel ?? configured) ?? .info
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "ciro.node")
        let runtime: NodeRuntime
        do {
            runtime = try await NodeRuntime.start(options, logger: logger)
        } catch let error as NodeError {
            printError("ciro node start: error: \(error)")
            switch error {
            case .identity, .bootstrap: throw CiroExit.badInput
            case .startFailed: throw CiroExit.runtimeFailure
            }
        }
        await runtime.run()
    }
}
