import ArgumentParser
import Bench
import Foundation

struct BenchGossipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Gossip propagation on a local network.",
        discussion: """
        Starts real `ciro node start` processes on loopback (fresh keys, generated bootstrap list), \
        publishes PROBE messages through their control sockets and reports the time until every \
        node has each message (p50/p99), duplicates per node per message, and how many signed \
        messages per second one node validates when a peer blasts it.
        """
    )

    @Option(parsing: .upToNextOption, help: "Network sizes (default: 8 16 32).")
    var nodes: [Int] = [8, 16, 32]

    @Option(help: "Messages to publish per network size.")
    var messages = 200

    @Option(name: .customLong("throughput-messages"), help: "Messages for the validation throughput run (0 skips it).")
    var throughputMessages = 60_000

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    func validate() throws {
        guard nodes.allSatisfy({ $0 >= 2 && $0 <= 64 }) else { throw ValidationError("--nodes must be between 2 and 64") }
        guard messages >= 1 else { throw ValidationError("--messages must be positive") }
    }

    struct Report: Codable {
        var propagation: [GossipBench.PropagationResult]
        var throughput: GossipBench.ThroughputResult?
    }

    func run() async throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        var report = Report(propagation: [], throughput: nil)
        do {
            for n in nodes {
                if !json { print("gossip propagation, \(n) nodes, \(messages) messages...") }
                let r = try GossipBench.propagation(nodes: n, messages: messages, executable: executable) { line in
                    if !json { print(line) }
                }
                report.propagation.append(r)
                if !json {
                    print(String(format: "  p50 %.2f ms  p99 %.2f ms  max %.2f ms  delivered %.2f%%  duplicates/node/msg %.2f (target degree %d)",
                                 r.p50Ms, r.p99Ms, r.maxMs, r.deliveredFraction * 100, r.duplicatesPerNodePerMessage, r.targetDegree))
                }
            }
            if throughputMessages > 0 {
                if !json { print("validation throughput, \(throughputMessages) signed messages into one node...") }
                let t = try GossipBench.throughput(messages: throughputMessages, executable: executable)
                report.throughput = t
                if !json {
                    print(String(format: "  %.0f validated messages/s (%.2f s); one core verifies %.0f/s right now; load average %.1f",
                                 t.validatedPerSecond, t.seconds, t.singleCoreVerifyPerSecond, t.loadAverage))
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
