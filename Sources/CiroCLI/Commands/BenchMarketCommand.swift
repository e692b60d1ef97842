import ArgumentParser
import Bench
import Foundation

struct BenchMarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Market throughput and latency on a local network of real nodes.",
        discussion: """
        Starts N `ciro node start` processes on loopback, submits --jobs jobs on the model \
        round-robin from every node (--in-flight at once, 2 attestations each) and follows each to \
        its settlement. Reports jobs per minute sustained, submit-to-settlement latency p50/p99, \
        the share of it spent proving, what the market adds on top of proving (p50), re-awards \
        and jobs lost (not settled). Run from the repository root (the model is read from \
        --model-dir).
        """
    )

    @Option(help: "Nodes in the network.") var nodes = 8
    @Option(help: "Jobs to run.") var jobs = 500
    @Option(name: .customLong("in-flight"), help: "Jobs open at once.") var inFlight = 4
    @Option(help: "The model (MODEL.onnx, MODEL.calib.json, MODEL.input.json in --model-dir).") var model = "digits_mlp"
    @Option(name: .customLong("model-dir"), help: "Where the model files are.") var modelDir = "Tests/ModelsTests/Fixtures/models"
    @Option(name: .customLong("bid-window-ms"), help: "The requesters' bid window.") var bidWindowMs: UInt64 = 100
    @Option(name: .customLong("weight-budget"), help: "The nodes' --weight-budget: off (default), enforce (rotate weight copies) or N.")
    var weightBudget = "off"
    @Flag(help: "Print the figures as one JSON object.") var json = false

    func validate() throws {
        guard (3...32).contains(nodes) else { throw ValidationError("--nodes must be between 3 and 32") }
        guard jobs >= 1, inFlight >= 1 else { throw ValidationError("--jobs and --in-flight must be positive") }
    }

    func run() async throws {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        let r: MarketBench.Result
        do {
            r = try MarketBench.run(executable: executable, nodes: nodes, jobs: jobs, inFlight: inFlight, model: model,
                                    modelDirectory: modelDir, bidWindowMs: bidWindowMs, weightBudget: weightBudget) { line in
                if !json { say(line) }
            }
        } catch {
            printError("ciro bench market: error: \(error)")
            throw CiroExit.runtimeFailure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            say(String(decoding: try encoder.encode(r), as: UTF8.self))
            return
        }
        say(String(format: "%d nodes, %@, %d jobs (%d in flight, bid window %d ms): %d settled, %d lost, %d re-award(s) in %.1f s",
                   r.nodes, r.model, r.jobs, r.inFlight, Int(r.bidWindowMs), r.settled, r.lost, r.reawards, r.seconds))
        say(String(format: "  %.1f jobs/min sustained; submit-to-settlement p50 %.0f ms, p99 %.0f ms", r.jobsPerMinute, r.latencyP50Ms, r.latencyP99Ms))
        say(String(format: "  proving p50 %.0f ms, market overhead p50 %.0f ms, proving share %.1f%%", r.provingP50Ms, r.marketOverheadP50Ms, r.provingShare * 100))
        say("  \(r.awardedAtOnce) of \(r.settled) settled jobs awarded at once (every expected bidder had bid)")
        for (name, ms) in r.stagesP50Ms.sorted(by: { $0.key < $1.key }) { say(String(format: "    p50 %@: %.0f ms", name, ms)) }
        say(String(format: "  load average %.1f before, %.1f after", r.loadAverageBefore, r.loadAverageAfter))
    }
}
