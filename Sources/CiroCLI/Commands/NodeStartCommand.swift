import Foundation
import ArgumentParser
import Logging
import Market
import Node

struct NodeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run a node in the foreground.",
        discussion: """
        Loads the identity and config from the data folder, joins the network through the \
        bootstrap list and serves the local control socket (ipc://DIR/control.sock) that \
        `ciro node peers`, `ciro job ...` and `ciro market` talk to. The node sells proving \
        capacity on the market (bids on jobs it can run, proves them with ZKML), audits other \
        nodes' proofs, and records everything in its ledger (DIR/ledger). Logs go to standard error. SIGINT or SIGTERM stops the node \
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

    @Option(help: ArgumentHelp("Credits asked per 10^6 multiply-accumulates (overrides config.json's pricePerWorkUnit).", valueName: "credits"))
    var price: UInt64?

    @Flag(name: .customLong("no-sell"), help: "Do not bid on jobs (still audits and submits).")
    var noSell = false

    @Option(name: .customLong("bid-window-ms"), help: ArgumentHelp("Bid window of the jobs this node offers.", valueName: "ms"))
    var bidWindowMs: UInt64?

    @Option(name: .customLong("bid-grace-ms"), help: ArgumentHelp("Award at most this long after the first bid of a job this node offers (unless the window ends first).", valueName: "ms"))
    var bidGraceMs: UInt64?

    @Option(name: .customLong("ad-interval-ms"), help: ArgumentHelp("Capacity ad period (tests).", visibility: .hidden))
    var adIntervalMs: UInt64?

    @Option(name: .customLong("result-grace-ms"), help: ArgumentHelp("Grace after a winner's promised time (tests).", visibility: .hidden))
    var resultGraceMs: UInt64?

    @Option(name: .customLong("promised-ms"), help: ArgumentHelp("Promised time in bids before proving is measured, and the smallest after (tests).", visibility: .hidden))
    var promisedMs: UInt64?

    @Option(name: .customLong("audit-timeout-ms"), help: ArgumentHelp("Audit timeout before the next ranked auditor (tests).", visibility: .hidden))
    var auditTimeoutMs: UInt64?

    @Option(name: .customLong("prove-delay-ms"), help: ArgumentHelp("Wait before proving (tests: kill mid-proof).", visibility: .hidden))
    var proveDelayMs: UInt64?

    @Option(name: .customLong("weight-mask-budget-mb"),
            help: "Memory for zero-knowledge weight masks made ahead while idle (MiB; 0: make each inside its proof; default 256).")
    var weightMaskBudgetMB: Int?

    @Option(name: .customLong("weight-budget"),
            help: ArgumentHelp("Zero-knowledge proofs per weight commitment: 'enforce' (default: count them and refuse one beyond the model's weight privacy budget), 'off', or a number N (enforce, at most N per commitment).",
                               valueName: "enforce|off|N"))
    var weightBudget: String?

    @Option(name: .customLong("link-chain-bound"),
            help: ArgumentHelp("Weight copy links a result may name before the worker starts a new copy chain from the registered commitment (1...64, default 64, the verifiers' bound; lower it only for tests and small deployments).",
                               valueName: "n"))
    var linkChainBound: Int?

    @Option(name: .customLong("exit-with-parent"),
            help: ArgumentHelp("Stop when process PID is no longer this node's parent (local networks pass their own pid, so a crashed test, demo or benchmark leaves no node behind).",
                               valueName: "pid", visibility: .hidden))
    var exitWithParent: Int32?

    @Flag(name: .customLong("test-cheat"), help: ArgumentHelp("TEST ONLY: return a wrong output with a forged proof.", visibility: .private))
    var testCheat = false
    @Flag(name: .customLong("test-cheat-commitment"),
          help: ArgumentHelp("TEST ONLY: on private-input jobs, prove against a commitment of this node's own choosing.", visibility: .private))
    var testCheatCommitment = false
    @Option(name: .customLong("test-bid-delay-ms"), help: ArgumentHelp("TEST ONLY: wait this long before sending a bid.", visibility: .private))
    var testBidDelayMs: UInt64 = 0
    @Option(name: .customLong("test-link-delay-ms"),
            help: ArgumentHelp("TEST ONLY: serve a result's weight copy links this long after publishing it ('never': withhold them).", visibility: .private))
    var testLinkDelay: String?

    @Option(name: .customLong("link-fetch-attempts"),
            help: ArgumentHelp("Fetches of a result's weight copy links that may fail (the result is held meanwhile) before its proof counts as invalid (default 10).", valueName: "n"))
    var linkFetchAttempts: Int?

    @Option(name: .customLong("link-retry-ms"), help: ArgumentHelp("Wait after a failed weight copy link fetch before the next (default 500).", valueName: "ms"))
    var linkRetryMs: UInt64?

    func run() async throws {
        var options = NodeOptions(dataDirectory: data.directory.path, listen: listen, bootstrapFile: bootstrap)
        options.rateLimitPerSecond = rateLimit
        options.priceOverride = price
        options.market.sellsCapacity = !noSell
        if let bidWindowMs { options.market.bidWindowMs = bidWindowMs }
        if let bidGraceMs { options.market.bidGraceMs = bidGraceMs }
        if let adIntervalMs { options.market.adIntervalMs = adIntervalMs }
        if let resultGraceMs { options.market.resultGraceMs = resultGraceMs }
        if let promisedMs {
            options.market.minPromisedMs = promisedMs
            options.market.defaultPromisedMs = promisedMs
        }
        if let auditTimeoutMs { options.market.auditTimeoutMs = auditTimeoutMs }
        options.proveDelayMs = proveDelayMs ?? 0
        if let weightMaskBudgetMB {
            guard weightMaskBudgetMB >= 0 else {
                printError("ciro node start: --weight-mask-budget-mb must be 0 or more")
                throw CiroExit.badInput
            }
            options.weightMaskBudget = weightMaskBudgetMB << 20
        }
        switch weightBudget {
        case nil, "enforce": options.weightBudget = .modelBudget
        case "off": options.weightBudget = .off
        case let value?:
            guard let cap = Int(value), cap >= 0 else {
                printError("ciro node start: --weight-budget is 'enforce', 'off' or a number of proofs, not '\(value)'")
                throw CiroExit.badInput
            }
            options.weightBudget = .enforce(cap: cap)
        }
        if let linkChainBound {
            guard (1...MarketEngine.maxLinkChain).contains(linkChainBound) else {
                printError("ciro node start: --link-chain-bound must be 1...\(MarketEngine.maxLinkChain), not \(linkChainBound) (verifiers follow at most \(MarketEngine.maxLinkChain) links)")
                throw CiroExit.badInput
            }
            options.linkChainBound = linkChainBound
        }
        options.market.cheat = testCheat
        options.market.cheatCommitment = testCheatCommitment
        options.market.testBidDelayMs = testBidDelayMs
        if let linkFetchAttempts {
            guard linkFetchAttempts >= 1 else {
                printError("ciro node start: --link-fetch-attempts must be 1 or more, not \(linkFetchAttempts) (a result's links are fetched at least once before its proof can count as invalid)")
                throw CiroExit.badInput
            }
            options.market.linkFetchAttempts = linkFetchAttempts
        }
        if let linkRetryMs { options.market.linkRetryMs = linkRetryMs }
        if let testLinkDelay {
            guard let delay = testLinkDelay == "never" ? UInt64.max : UInt64(testLinkDelay) else {
                printError("ciro node start: --test-link-delay-ms is a number of ms or 'never'")
                throw CiroExit.badInput
            }
            options.market.testLinkDelayMs = delay
        }
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
        let parentWatch = exitWithParent.map { Self.watchParent($0, runtime: runtime) }
        await runtime.run()
        parentWatch?.cancel()
    }

    /// Asks the node to stop once `parent` is no longer its parent process: an orphan is
    /// re-parented (to init or a subreaper), so `getppid()` changes when the launcher dies,
    /// however it died. Polled, because Linux's parent-death signal cannot be set through
    /// Foundation's `Process`.
    static func watchParent(_ parent: Int32, runtime: NodeRuntime) -> Task<Void, Never> {
        Task.detached {
            while !Task.isCancelled {
                if getppid() != parent {
                    runtime.requestShutdown(reason: "parent process \(parent) exited")
                    return
                }
                try? await Task.sleep(for: .milliseconds(250))
            }
        }
    }
}
