import ArgumentParser
import Bench
import Foundation

extension GossipBench.NodeKind: ExpressibleByArgument {}

struct BenchGossipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Gossip propagation on a local network.",
        discussion: """
        Starts real node processes on loopback (fresh keys, generated bootstrap list), publishes \
        PROBE messages through their control sockets and reports the time until every node has \
        each message (p50/p99), duplicates per node per message, and how many signed messages per \
        second one node validates when a peer blasts it. `--processes gossip` (default) runs \
        gossip-only node processes (this binary, the overlay and its control socket); \
        `--processes full` runs `ciro node start` (ledger and market engine too).
        """
    )

    @Option(parsing: .upToNextOption, help: "Network sizes (default: 8 16 32).")
    var nodes: [Int] = [8, 16, 32]

    @Option(help: "Messages to publish per network size.")
    var messages = 200

    @Option(name: .customLong("throughput-messages"), help: "Messages for the validation throughput run (0 skips it).")
    var throughputMessages = 60_000

    @Option(help: "What each node process runs: gossip (the overlay only) or full (ciro node start).")
    var processes: GossipBench.NodeKind = .gossip

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    @Flag(name: .customLong("node-process"), help: ArgumentHelp("Run one gossip-only benchmark node (used by the benchmark itself).", visibility: .hidden))
    var nodeProcess = false

    @Option(name: .customLong("data-dir"), help: ArgumentHelp("Data folder of the benchmark node.", visibility: .hidden))
    var dataDirectory: String?

    @Option(help: ArgumentHelp("Bootstrap list of the benchmark node.", visibility: .hidden))
    var bootstrap: String?

    @Option(name: .customLong("rate-limit"), help: ArgumentHelp("Per-connection rate limit of the benchmark node.", visibility: .hidden))
    var rateLimit: Double?

    func validate() throws {
        guard nodes.allSatisfy({ $0 >= 2 && $0 <= 64 }) else { throw ValidationError("--nodes must be between 2 and 64") }
        guard messages >= 1 else { throw ValidationError("--messages must be positive") }
    }

    struct Report: Codable {
        var propagation: [GossipBench.PropagationResult]
        var throughput: GossipBench.ThroughputResult?
    }

    func run() async throws {
        if nodeProcess {
            guard let dataDirectory, let bootstrap else {
                printError("ciro bench gossip --node-process: --data-dir and --bootstrap are required")
                throw CiroExit.badInput
            }
            do {
                try await GossipBench.runNode(dataDirectory: dataDirectory, bootstrapFile: bootstrap, rateLimitPerSecond: rateLimit)
            } catch {
                printError("ciro bench gossip --node-process: error: \(error)")
                throw CiroExit.runtimeFailure
            }
        }
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var report = Report(propagation: [], throughput: nil)
        do {
            for n in nodes {
                if !json { print("gossip propagation, \(n) \(processes == .gossip ? "gossip-only" : "full") node processes, \(messages) messages...") }
                let r = try GossipBench.propagation(nodes: n, messages: messages, executable: executable, kind: processes) { line in
                    if !json { print(line) }
                }
                report.propagation.append(r)
                if !json {
                    print(String(format: "  p50 %.2f ms  p99 %.2f ms  max %.2f ms  delivered %.2f%%  duplicates/node/msg %.2f (target degree %d, mean %.1f)  load %.1f -> %.1f",
                                 r.p50Ms, r.p99Ms, r.maxMs, r.deliveredFraction * 100, r.duplicatesPerNodePerMessage, r.targetDegree,
                                 r.meanPeers, r.loadBefore, r.loadAfter))
                    print(String(format: "  node CPU per message (all nodes together): %.2f ms", r.nodeCpuMsPerMessage))
                }
            }
            if throughputMessages > 0 {
                if !json { print("validation throughput, \(throughputMessages) signed messages into one node...") }
                let t = try GossipBench.throughput(messages: throughputMessages, executable: executable, kind: processes)
                report.throughput = t
                if !json {
                    print(String(format: "  %.0f validated messages/s (%.2f s); one core verifies %.0f/s right now; load average %.1f",
                                 t.validatedPerSecond, t.seconds, t.singleCoreVerifyPerSecond, t.loadAverage))
                    print(String(format: "  the node used %.2f CPU s: %.0f validated per CPU second (%.2f x one core's verify rate)",
                                 t.nodeCpuSeconds, t.validatedPerCpuSecond, t.validatedPerCpuSecond / t.singleCoreVerifyPerSecond))
                }
            }
        } catch {
            printError("ciro bench gossip: error: \(error)")
            throw CiroExit.runtimeFailure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
        }
    }
}
