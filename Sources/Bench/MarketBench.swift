import Foundation
import Node
import Sodium
import Wire

/// `ciro bench market`: an N-node local network of real node processes; jobs on one model are
/// submitted round-robin from every node, a fixed number in flight at once, and each is followed
/// until it settles or expires. The nodes run with `--weight-budget off` unless `weightBudget` says
/// otherwise (`enforce`: workers rotate weight copies, docs/MARKET.md "Weight privacy budget and
/// weight copies"; off keeps the figures comparable with earlier sessions).
public enum MarketBench {
    public struct Result: Codable, Sendable {
        public var nodes: Int
        public var model: String
        public var jobs: Int
        public var inFlight: Int
        public var bidWindowMs: UInt64
        public var settled: Int
        /// Jobs that did not settle (expired, or still open at the end).
        public var lost: Int
        public var seconds: Double
        public var jobsPerMinute: Double
        /// Submit (offer created) to settlement, on the requester's clock.
        public var latencyP50Ms: Double
        public var latencyP99Ms: Double
        /// Of the latency, the worker's proving time (median over jobs).
        public var provingP50Ms: Double
        /// Median of (latency - proving): what the market adds on top of proving.
        public var marketOverheadP50Ms: Double
        /// Sum of proving time / sum of latency.
        public var provingShare: Double
        public var reawards: Int
        /// Settled jobs awarded at once, every expected bidder having bid (the others waited for
        /// the bid grace or the window).
        public var awardedAtOnce: Int
        /// Medians of the steps of a settled job on the requester's clock: offer to award (split: to
        /// the first bid sent, from the last bid sent; bids carry the worker's clock), award to
        /// result received less proving ("result (less proving)"), result to the requester's own
        /// verification, verification to settlement (waiting for attestations).
        public var stagesP50Ms: [String: Double]
        public var loadAverageBefore: Double
        public var loadAverageAfter: Double
    }

    public struct Failure: Error, CustomStringConvertible { public let description: String }

    static func loadAverage() -> Double {
        var values = [Double](repeating: 0, count: 3)
        return getloadavg(&values, 1) == 1 ? values[0] : -1
    }

    static func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count - 1) * p).rounded()))]
    }

    /// The steps of one settled job, from the requester's event list (see `Result.stagesP50Ms`),
    /// and stage 2 split from the worker's (`workerView`; the nodes share the machine's clock).
    static func stageTimes(_ view: Ciro_V1_JobInfo, provingMs: Double, workerView: Ciro_V1_JobInfo? = nil) -> [(String, Double)] {
        func at(_ prefix: String) -> Double? { view.events.last { $0.text.hasPrefix(prefix) }.map { Double($0.timeMs) } }
        var split: [(String, Double)] = []
        if let worker = workerView, let award = view.awards.last.map({ Double($0.awardedMs) }), let arrived = at("result arrived"),
           let journaled = at("result round") {
            func w(_ prefix: String) -> Double? { worker.events.last { $0.text.hasPrefix(prefix) }.map { Double($0.timeMs) } }
            if let proving = w("proving round"), let ready = w("proof ready"), let published = w("result published") {
                split = [("2a award to worker proving", proving - award), ("2b proving start to proof ready, less proving", ready - proving - provingMs),
                         ("2c proof ready to result published", published - ready), ("2d result published to arrived", arrived - published),
                         ("2e result arrived to journaled by the requester", journaled - arrived)]
            }
        }
        let created = Double(view.offer.createdMs), settledAt = Double(view.settlement.settledMs)
        guard let award = view.awards.last.map({ Double($0.awardedMs) }), let result = at("result round"),
              let verified = at("requester verified") else { return [] }
        let firstBid = view.bids.map { Double($0.createdMs) }.min() ?? award
        let lastBid = view.bids.map { Double($0.createdMs) }.max() ?? award
        return [("1 offer to award", award - created), ("1a offer to first bid sent", firstBid - created),
                ("1b last bid sent to award", award - lastBid), ("2 award to result, less proving", result - award - provingMs),
                ("3 result to requester verified", verified - result), ("4 verified to settled", settledAt - verified)] + split
    }

    /// Runs the benchmark. `modelDirectory` holds `MODEL.onnx`, `MODEL.calib.json`, `MODEL.input.json`.
    public static func run(executable: String, nodes: Int, jobs: Int, inFlight: Int, model: String, modelDirectory: String,
                           bidWindowMs: UInt64, weightBudget: String = "off", progress: (String) -> Void) throws -> Result {
        func read(_ suffix: String) throws -> Data {
            guard let data = FileManager.default.contents(atPath: "\(modelDirectory)/\(model)\(suffix)") else {
                throw Failure(description: "cannot read \(modelDirectory)/\(model)\(suffix) (run from the repository root or pass --model-dir)")
            }
            return data
        }
        let onnx = try read(".onnx"), calibration = try read(".calib.json"), input = try read(".input.json")
        var template = Array((NSTemporaryDirectory() + "/ciro-bench-market-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw Failure(description: "cannot create a temporary folder") }
        let root = String(cString: made)
        let network = LocalNetwork(executable: executable, root: root)
        defer {
            network.stop()
            try? FileManager.default.removeItem(atPath: root)
        }
        let loadBefore = loadAverage()
        progress("starting \(nodes) nodes in \(root)")
        try network.start(count: nodes, extraArguments: { _ in ["--bid-window-ms", "\(bidWindowMs)", "--log-level", "warning", "--weight-budget", weightBudget] })
        let controls = network.members.map(\.control)
        var request = Ciro_V1_ControlRequest()
        request.market = Ciro_V1_MarketRequest()
        let ready = Date().addingTimeInterval(60)
        for control in controls {
            while true {
                if let r = try? ControlClient(endpoint: control).call(request), case let .market(m) = r.response, m.ads.count >= nodes { break }
                if Date() > ready { throw Failure(description: "the network did not form within 60 s (logs in \(root))") }
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        // The first job of each requester carries the model file (registering it there); later
        // jobs name the model by id.
        var modelID: Data?
        var registered = Set<Int>()
        func submit(from node: Int) throws -> [UInt8] {
            var s = Ciro_V1_SubmitJobRequest()
            if let modelID, registered.contains(node) {
                s.modelID = modelID
            } else {
                s.onnx = onnx
                s.calibration = calibration
            }
            s.input = input
            s.attestations = 2
            s.maxPrice = 1000
            s.deadlineMs = 300_000
            var r = Ciro_V1_ControlRequest()
            r.submitJob = s
            let response = try ControlClient(endpoint: controls[node], timeoutMs: 180_000).call(r)
            guard response.error.isEmpty, case let .submitJob(answer) = response.response else {
                throw Failure(description: "submit on node \(node + 1) refused: \(response.error)")
            }
            modelID = answer.modelID
            registered.insert(node)
            return Array(answer.jobID)
        }
        progress("running \(jobs) jobs, \(inFlight) in flight")
        struct Open { let id: [UInt8]; let node: Int }
        var open: [Open] = []
        var submitted = 0
        var latencies: [Double] = [], provings: [Double] = [], overheads: [Double] = []
        var settled = 0, lost = 0, reawards = 0, atOnce = 0
        var stages: [String: [Double]] = [:]
        var totalLatency = 0.0, totalProving = 0.0
        let started = Date()
        var lastReport = Date()
        while submitted < jobs || !open.isEmpty {
            while open.count < inFlight && submitted < jobs {
                let node = submitted % nodes
                open.append(Open(id: try submit(from: node), node: node))
                submitted += 1
            }
            Thread.sleep(forTimeInterval: 0.05)
            var still: [Open] = []
            for job in open {
                guard let view = try? MarketChecks.job(controls[job.node], job.id, timeoutMs: 20_000) else { still.append(job); continue }
                if !view.terminal {
                    if Date().timeIntervalSince1970 * 1000 > Double(view.offer.deadlineMs) + 30_000 { lost += 1 } else { still.append(job) }
                    continue
                }
                reawards += max(0, view.awards.count - 1)
                if view.phase == "settled" {
                    settled += 1
                    if view.events.contains(where: { $0.text.hasPrefix("every expected bidder") }) { atOnce += 1 }
                    let latency = Double(view.settlement.settledMs &- view.offer.createdMs)
                    let proving = Double(view.result.provingUs) / 1000
                    latencies.append(latency)
                    provings.append(proving)
                    overheads.append(latency - proving)
                    totalLatency += latency
                    totalProving += proving
                    let worker = network.members.first { Data($0.publicKey) == view.settlement.worker }
                    let workerView = worker.flatMap { try? MarketChecks.job(controls[$0.index], job.id, timeoutMs: 20_000) }
                    for (name, ms) in stageTimes(view, provingMs: proving, workerView: workerView) { stages[name, default: []].append(ms) }
                } else {
                    lost += 1
                }
            }
            open = still
            if Date().timeIntervalSince(lastReport) > 10 {
                lastReport = Date()
                progress("  \(settled + lost)/\(jobs) done, \(settled) settled, \(lost) lost, \(String(format: "%.1f", Double(settled) / Date().timeIntervalSince(started) * 60)) jobs/min")
            }
        }
        let seconds = Date().timeIntervalSince(started)
        latencies.sort()
        provings.sort()
        overheads.sort()
        return Result(nodes: nodes, model: model, jobs: jobs, inFlight: inFlight, bidWindowMs: bidWindowMs, settled: settled, lost: lost,
                      seconds: seconds, jobsPerMinute: Double(settled) / seconds * 60,
                      latencyP50Ms: percentile(latencies, 0.5), latencyP99Ms: percentile(latencies, 0.99),
                      provingP50Ms: percentile(provings, 0.5), marketOverheadP50Ms: percentile(overheads, 0.5),
                      provingShare: totalLatency > 0 ? totalProving / totalLatency : 0, reawards: reawards, awardedAtOnce: atOnce,
                      stagesP50Ms: stages.mapValues { percentile($0.sorted(), 0.5) },
                      loadAverageBefore: loadBefore, loadAverageAfter: loadAverage())
    }
}
