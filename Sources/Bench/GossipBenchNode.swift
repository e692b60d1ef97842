import Foundation
import Gossip
import Identity
import Logging
import Node

extension GossipBench {
    /// Which processes a benchmark network runs.
    public enum NodeKind: String, Codable, Sendable, CaseIterable {
        /// `ciro bench gossip --node-process`: the gossip overlay (CurveZMQ sockets, checks,
        /// scoring, lazy pull, heartbeats) and the control socket, nothing else.
        case gossip
        /// `ciro node start`: a full node (gossip, ledger, market engine with its timers and
        /// capacity ads every 2 s).
        case full
    }

    /// The body of `ciro bench gossip --node-process`: a gossip-only node on a data folder made
    /// by `ciro init`, configured like `ciro node start` configures its overlay, answering status,
    /// publish and receipts on its control socket. Runs until the process is killed.
    public static func runNode(dataDirectory: String, bootstrapFile: String, rateLimitPerSecond: Double?) async throws -> Never {
        let directory = DataDirectory(path: dataDirectory)
        let identity = try directory.loadIdentity()
        let config = try directory.loadConfig()
        let bootstrap = try BootstrapList.parse(Array(FileManager.default.contents(atPath: bootstrapFile) ?? Data())) { text in
            (try? NodeID(parsing: text))?.publicKey
        }
        var gossipConfig = GossipConfig(listen: config.listen)
        gossipConfig.advertise = config.advertise
        gossipConfig.targetDegree = config.targetPeers
        gossipConfig.lowWater = max(1, config.targetPeers * 2 / 3)
        gossipConfig.highWater = config.targetPeers * 2
        if let rate = rateLimitPerSecond {
            gossipConfig.rateLimitPerSecond = rate
            gossipConfig.rateLimitBurst = rate * 2
            gossipConfig.signerRatePerSecond = rate
            gossipConfig.signerRateBurst = rate * 2
        }
        var logger = Logger(label: "ciro.bench.node")
        logger.logLevel = .warning
        let gossip = try GossipNode(signer: identity.signing, config: gossipConfig, bootstrap: bootstrap, logger: logger)
        try await gossip.start()
        let control = ControlServer(endpoint: ControlServer.endpoint(dataDirectory: dataDirectory),
                                    modules: [GossipControlModule(gossip: gossip, agent: "ciro-bench")], logger: logger)
        try await control.start()
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
