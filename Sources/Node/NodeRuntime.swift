import Foundation
import Gossip
import Identity
import Ledger
import Logging
import Market
import Sodium
import Wire
import ZKML

/// How to start a node: the data folder plus command-line overrides of its config.
public struct NodeOptions: Sendable {
    public var dataDirectory: String
    /// Overrides `config.json`'s `listen`.
    public var listen: String?
    /// Overrides `config.json`'s `bootstrapFile` (a path; relative paths are taken from the
    /// current folder, as a user types them).
    public var bootstrapFile: String?
    /// Overrides the per-connection rate limit (messages per second); benchmarks raise it.
    public var rateLimitPerSecond: Double?
    public var agent = "ciro/0.1.0"
    /// The market's terms and timers. `pricePerMegaMac` is taken from `config.json`'s
    /// `pricePerWorkUnit` unless `priceOverride` is set.
    public var market = MarketSettings()
    public var priceOverride: UInt64?
    /// Test only: the prover waits this long before proving (so a test can kill it mid-proof).
    public var proveDelayMs: UInt64 = 0
    /// Bytes of zero-knowledge weight masks the prover may prepare while idle
    /// (`ZKMLProofBackend.weightMasks`; 0: every proof makes its own; docs/ZK.md §9).
    public var weightMaskBudget = WeightMaskSupply.defaultByteBudget
    /// Whether zero-knowledge proofs are counted per weight commitment and refused once its hiding
    /// budget is spent (docs/MARKET.md "Weight privacy budget"; default: enforced).
    public var weightBudget = WeightBudgetPolicy.modelBudget
    /// The most links a result of this worker names before its copy chain restarts from the
    /// registered commitment (`ZKMLProofBackend.linkChainBound`, 1 ... `MarketEngine.maxLinkChain`;
    /// lower only for tests and small deployments: docs/MARKET.md "Link bound").
    public var linkChainBound = MarketEngine.maxLinkChain

    public init(dataDirectory: String, listen: String? = nil, bootstrapFile: String? = nil) {
        self.dataDirectory = dataDirectory
        self.listen = listen
        self.bootstrapFile = bootstrapFile
        market.adIntervalMs = 2000
    }
}

/// Why a node could not start.
public enum NodeError: Error, CustomStringConvertible {
    case identity(IdentityError)
    case bootstrap(path: String, reason: String)
    case startFailed(String)

    public var description: String {
        switch self {
        case let .identity(error): "\(error)"
        case let .bootstrap(path, reason): "bootstrap list \(path): \(reason)"
        case let .startFailed(reason): reason
        }
    }
}

/// A running node: identity, gossip overlay, ledger, market engine and control socket, with a
/// clean shutdown.
public final class NodeRuntime: Sendable {
    public let identity: NodeIdentity
    public let config: NodeConfig
    public let gossip: GossipNode
    public let control: ControlServer
    public let ledger: Ledger
    public let market: MarketEngine
    public let backend: ZKMLProofBackend
    public let logger: Logger
    private let pumps: [Task<Void, Never>]
    private let shutdownStream: AsyncStream<String>
    private let shutdownContinuation: AsyncStream<String>.Continuation

    /// Loads the data folder and starts gossip and the control socket.
    public static func start(_ options: NodeOptions, logger: Logger) async throws -> NodeRuntime {
        let directory = DataDirectory(path: options.dataDirectory)
        let identity: NodeIdentity
        var config: NodeConfig
        do {
            identity = try directory.loadIdentity()
            config = try directory.loadConfig()
        } catch {
            throw NodeError.identity(error)
        }
        if let listen = options.listen { config.listen = listen }
        let bootstrapPath = options.bootstrapFile ?? directory.resolve(config.bootstrapFile)
        let bootstrap = try loadBootstrap(bootstrapPath, required: options.bootstrapFile != nil)

        var gossipConfig = GossipConfig(listen: config.listen)
        gossipConfig.advertise = config.advertise
        gossipConfig.targetDegree = config.targetPeers
        gossipConfig.lowWater = max(1, config.targetPeers * 2 / 3)
        gossipConfig.highWater = config.targetPeers * 2
        gossipConfig.agent = options.agent
        gossipConfig.peerStatePath = directory.path + "/peers.json"
        if let rate = options.rateLimitPerSecond {
            gossipConfig.rateLimitPerSecond = rate
            gossipConfig.rateLimitBurst = rate * 2
            gossipConfig.signerRatePerSecond = rate
            gossipConfig.signerRateBurst = rate * 2
        }
        let gossip = try GossipNode(signer: identity.signing, config: gossipConfig, bootstrap: bootstrap, logger: logger)

        // The market: the LMDB ledger as its journal, ZKML as its prover, gossip as its network.
        let ledger: Ledger
        let backend: ZKMLProofBackend
        let journal: LedgerMarketJournal
        do {
            ledger = try Ledger(dataDirectory: directory.path)
            backend = try ZKMLProofBackend(dataDirectory: directory.path, proveDelayMs: options.proveDelayMs,
                                           weightMaskBudget: options.weightMaskBudget, weightBudget: options.weightBudget,
                                           linkChainBound: options.linkChainBound)
            journal = try LedgerMarketJournal(ledger: ledger, dataDirectory: directory.path)
        } catch {
            throw NodeError.startFailed("cannot open the ledger or model store in \(directory.path): \(error)")
        }
        var settings = options.market
        settings.pricePerMegaMac = options.priceOverride ?? config.pricePerWorkUnit
        var marketLogger = logger
        marketLogger[metadataKey: "component"] = "market"
        let reader = ledger.reader
        await gossip.setBlobProvider { _, id in try? reader.proof(Data(id)) }

        let control = ControlServer(endpoint: ControlServer.endpoint(dataDirectory: directory.path),
                                    modules: [GossipControlModule(gossip: gossip, agent: options.agent)], logger: logger)
        let market: MarketEngine
        let pumps: [Task<Void, Never>]
        do {
            let endpoint = try await gossip.start()
            market = try MarketEngine(keys: identity.signing, endpoint: endpoint, settings: settings,
                                      capacity: Capacity.measure(), network: GossipMarketNetwork(gossip: gossip),
                                      backend: backend, journal: journal, logger: marketLogger)
            pumps = await GossipMarketNetwork.pump(gossip, into: market)
            try await market.start()
            try await control.start()
        } catch {
            await gossip.stop()
            throw NodeError.startFailed("\(error)")
        }
        let runtime = NodeRuntime(identity: identity, config: config, gossip: gossip, control: control, ledger: ledger,
                                  market: market, backend: backend, pumps: pumps, logger: logger)
        control.add(ShutdownControlModule(runtime: runtime))
        control.add(MarketControlModule(engine: market, backend: backend))
        let endpoint = await gossip.endpoint
        logger.info("node started", metadata: [
            "node": "\(identity.nodeID)", "endpoint": "\(endpoint)",
            "control": "\(control.endpoint)", "bootstrapPeers": "\(bootstrap.count)",
        ])
        return runtime
    }

    private init(identity: NodeIdentity, config: NodeConfig, gossip: GossipNode, control: ControlServer, ledger: Ledger,
                 market: MarketEngine, backend: ZKMLProofBackend, pumps: [Task<Void, Never>], logger: Logger) {
        self.identity = identity
        self.config = config
        self.gossip = gossip
        self.control = control
        self.ledger = ledger
        self.market = market
        self.backend = backend
        self.pumps = pumps
        self.logger = logger
        (shutdownStream, shutdownContinuation) = AsyncStream.makeStream(of: String.self)
    }

    static func loadBootstrap(_ path: String, required: Bool) throws -> [PeerAddress] {
        guard let data = FileManager.default.contents(atPath: path) else {
            if required { throw NodeError.bootstrap(path: path, reason: "cannot read the file") }
            return []
        }
        do {
            return try BootstrapList.parse(Array(data)) { text in
                (try? NodeID(parsing: text))?.publicKey
            }
        } catch {
            throw NodeError.bootstrap(path: path, reason: error.description)
        }
    }

    /// Asks the node to stop (`run()` returns).
    public func requestShutdown(reason: String) {
        shutdownContinuation.yield(reason)
    }

    /// Runs until SIGINT, SIGTERM or a control shutdown request, then stops cleanly.
    public func run() async {
        let signals = ShutdownSignals { [self] name in requestShutdown(reason: name) }
        var reason = "stream ended"
        for await r in shutdownStream {
            reason = r
            break
        }
        logger.notice("shutting down", metadata: ["reason": "\(reason)"])
        signals.cancel()
        await stop()
    }

    /// Stops the market, gossip and the control socket.
    public func stop() async {
        control.stop()
        await market.stop()
        for pump in pumps { pump.cancel() }
        await gossip.stop()
        logger.notice("node stopped")
    }
}

/// Handles `ShutdownRequest`.
struct ShutdownControlModule: ControlModule {
    let runtime: NodeRuntime
    func handle(_ request: Ciro_V1_ControlRequest) async -> Ciro_V1_ControlResponse? {
        guard case .shutdown = request.request else { return nil }
        runtime.requestShutdown(reason: "control request")
        var response = Ciro_V1_ControlResponse()
        response.shutdown = Ciro_V1_ShutdownResponse()
        return response
    }
}

/// SIGINT / SIGTERM through DispatchSource (the default handlers are disabled while it lives).
/// `@unchecked`: the sources are set once in `init`; `cancel()` is thread-safe in Dispatch.
final class ShutdownSignals: @unchecked Sendable {
    private let sources: [any DispatchSourceSignal]

    init(_ onSignal: @escaping @Sendable (String) -> Void) {
        var sources: [any DispatchSourceSignal] = []
        for (number, name) in [(SIGINT, "SIGINT"), (SIGTERM, "SIGTERM")] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { onSignal(name) }
            source.resume()
            sources.append(source)
        }
        self.sources = sources
    }

    func cancel() {
        for source in sources { source.cancel() }
    }
}
