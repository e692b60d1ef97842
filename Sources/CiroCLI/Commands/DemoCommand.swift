import ArgumentParser
import Foundation
import Ledger
import Models
import Node
import Sodium
import Wire

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the market end to end on a local network of real node processes.",
        discussion: """
        Starts N `ciro node start` processes on loopback (fresh keys in a temporary folder), \
        waits until the first node sees every node's signed capacity ad, submits a real job from \
        it (the bundled digits_cnn model on one handwritten digit) and prints each stage as it \
        happens: bids, award, proving, the requester's own verification, attestations, settlement \
        and the verified output. Then it checks that every node agrees on the job and that every \
        node's ledger verifies, and shuts the nodes down. Exits 0 only if every stage succeeded; \
        3 (with the failing stage and the node logs' path) otherwise.
        """
    )

    @Option(help: "How many nodes to start (at least 3: a requester, a worker and an auditor).")
    var nodes: Int = 5

    @Option(help: ArgumentHelp("Attestations required (default: 2, fewer on a 3-node network).", valueName: "K"))
    var attestations: UInt32?

    @Flag(help: "Keep the nodes' data folders (logs, ledgers) after the demo.")
    var keep = false

    func validate() throws {
        guard (3...32).contains(nodes) else { throw ValidationError("--nodes must be between 3 and 32") }
    }

    func run() async throws {
        let started = Date()
        var template = Array((NSTemporaryDirectory() + "/ciro-demo-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else {
            printError("ciro demo: error: cannot create a temporary folder")
            throw CiroExit.runtimeFailure
        }
        let root = String(cString: made)
        let network = LocalNetwork(executable: Self.executablePath(), root: root)
        var failed = true
        defer {
            say("")
            say("stopping the nodes ...")
            let unclean = network.stop()
            say(unclean.isEmpty ? "  every node stopped cleanly" : "  node(s) \(unclean.map { "\($0 + 1)" }.joined(separator: ", ")) did not stop cleanly")
            if keep || failed { say("  data folders and logs kept in \(root)") } else { try? FileManager.default.removeItem(atPath: root) }
        }
        do {
            try runStages(network, root: root, started: started)
            failed = false
        } catch let failure as DemoFailure {
            printError("")
            printError("DEMO FAILED at stage '\(failure.stage)': \(failure.reason)")
            printError("node logs: \(root)/nN/node.log")
            throw CiroExit.runtimeFailure
        }
        say("")
        say("DEMO OK: a real job on \(nodes) nodes was bid on, awarded, proven, verified, attested and settled in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }

    struct DemoFailure: Error {
        let stage: String
        let reason: String
    }

    func stage<T>(_ name: String, _ body: () throws -> T) throws -> T {
        do { return try body() } catch let f as DemoFailure { throw f } catch {
            throw DemoFailure(stage: name, reason: "\(error)")
        }
    }

    func runStages(_ network: LocalNetwork, root: String, started: Date) throws {
        // Node labels; filled once the nodes exist.
        var names: [Data: String] = [:]
        func name(_ id: Data) -> String { "\(names[id] ?? "?") (\(MarketText.short(id)))" }
        let k = attestations ?? UInt32(min(2, nodes - 2))
        say("ciro demo: a local market of \(nodes) real node processes on loopback (data in \(root))")
        say("")
        say("[1/7] starting \(nodes) nodes")
        try stage("start nodes") { try network.start(count: nodes) }
        for m in network.members {
            names[Data(m.publicKey)] = "node \(m.index + 1)"
            say("  node \(m.index + 1): \(m.nodeID)")
        }

        say("")
        say("[2/7] capacity ads (signed, gossiped): waiting until node 1 sees every node")
        let requester = network.members[0]
        let client = MarketClient(endpoint: requester.control, command: "demo")
        let market = try stage("capacity ads") { () -> Ciro_V1_MarketResponse in
            let deadline = Date().addingTimeInterval(60)
            while true {
                if let m = try? MarketClient.quiet(requester.control).market(), m.ads.count >= nodes { return m }
                if Date() > deadline { throw DemoFailure(stage: "capacity ads", reason: "node 1 did not see \(nodes) live nodes within 60 s") }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
        for ad in market.ads {
            let gpus = ad.gpus.isEmpty ? "no GPU" : "\(ad.gpus.count) GPU(s)"
            say("  ad from \(name(ad.nodeID)): \(ad.cpuCores) cores, \(ad.memoryBytes >> 20) MiB, \(gpus), \(ad.pricePerMegaMac) credit(s) per 10^6 MACs")
        }

        say("")
        say("[3/7] node 1 submits a job: digits_cnn (bundled ONNX) on one handwritten digit, \(k) attestation(s) required")
        var submit = Ciro_V1_SubmitJobRequest()
        submit.onnx = DemoAssets.onnx
        submit.calibration = DemoAssets.calibration
        submit.input = DemoAssets.input
        submit.attestations = k
        submit.maxPrice = 100
        var request = Ciro_V1_ControlRequest()
        request.submitJob = submit
        let answer = try stage("submit") { () -> Ciro_V1_SubmitJobResponse in
            guard case let .submitJob(a) = try MarketClient.quiet(requester.control).call(request, timeoutMs: 180_000).response else {
                throw DemoFailure(stage: "submit", reason: "unexpected answer")
            }
            return a
        }
        let id = Array(answer.jobID)
        say("  job offered by \(name(Data(network.members[0].publicKey)))")
        say("  model id \(Hex.encode(Array(answer.modelID))) (\(answer.macs) MACs), job \(Hex.encode(id))")
        say("  live events on node 1:")
        let job = try stage("follow the job") { () -> Ciro_V1_JobInfo in
            guard let job = try JobWatcher(client: client, jobID: id, indent: "    ").follow(timeout: 180) else {
                throw DemoFailure(stage: "follow the job", reason: "not finished within 180 s")
            }
            return job
        }
        guard job.phase == "settled" else { throw DemoFailure(stage: "settlement", reason: "the job ended \(job.phaseDetail); faults: \(job.faults)") }

        say("")
        say("[4/7] bids and award")
        say("  \(job.bids.count) bid(s): " + job.bids.map { "\(name($0.worker)) \($0.price) cr / \($0.promisedMs) ms" }.joined(separator: ", "))
        guard !job.bids.isEmpty else { throw DemoFailure(stage: "bids", reason: "no bid recorded") }
        for a in job.awards { say("  award round \(a.round): \(name(a.worker)) at \(a.price) credit(s)") }
        for f in job.faults { say("  fault: \(f)") }

        say("")
        say("[5/7] proof")
        let r = job.result
        say("  worker \(name(r.worker)) ran the integer inference and proved it: proof \(r.proofSize) bytes (\(String(format: "%.1f", Double(r.proofSize) / 1024)) KiB), proving \(r.provingUs / 1000) ms")
        guard job.requesterVerified else { throw DemoFailure(stage: "proof", reason: "the requester did not verify the proof") }
        say("  node 1 (requester) fetched the proof by id and verified it: VALID")

        say("")
        say("[6/7] attestations and settlement")
        for a in job.attestations {
            say("  auditor \(name(a.auditor)): \(a.verdict == .valid ? "VALID" : "INVALID (\(a.reason))"), verified in \(a.verifyUs / 1000) ms")
        }
        let valid = job.attestations.filter { $0.verdict == .valid }.count
        guard valid >= Int(k) else { throw DemoFailure(stage: "attestations", reason: "\(valid) valid attestation(s), \(k) required") }
        let s = job.settlement
        say("  settlement signed by node 1: \(s.price) credit(s) from \(name(s.requester)) to \(name(s.worker)), \(s.attestationIds.count) attestation(s) cited")

        say("")
        say("[7/7] every node agrees, every ledger verifies")
        try stage("agreement") { try MarketChecks.agree(network.members.map(\.control), job: id, reference: job) }
        var histories: [String] = []
        for m in network.members {
            let (report, history) = try stage("ledger verify") { try MarketChecks.verifyLedger(dataDirectory: m.directory, job: id) }
            guard let history else { throw DemoFailure(stage: "ledger", reason: "node \(m.index + 1)'s ledger has no record of the job") }
            histories.append(MarketChecks.agreedHistory(history))
            let balance = try stage("ledger") { try LedgerReader(dataDirectory: m.directory).balance(s.worker) }
            say("  node \(m.index + 1): ledger intact (\(report.entries) entries, \(report.signaturesChecked) peer signatures re-checked), job settled, worker balance \(balance)")
        }
        guard Set(histories).count == 1 else { throw DemoFailure(stage: "ledger", reason: "the nodes' ledgers disagree on the job's history") }

        let reference = try stage("reference output") { try EZKLData.outputs(json: [UInt8](DemoAssets.referenceOutput))[0] }
        say("")
        say("verified output (dequantized logits): \(MarketText.output(job.output))")
        say("predicted digit: \(MarketText.argmax(job.output)) (float reference, onnxruntime: \(MarketText.argmax(reference)))")
        guard MarketText.argmax(job.output) == MarketText.argmax(reference) else {
            throw DemoFailure(stage: "output", reason: "the proven output's argmax differs from the float reference")
        }
    }

    /// The running `ciro` binary.
    static func executablePath() -> String {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return path }
        return URL(fileURLWithPath: CommandLine.arguments[0]).standardizedFileURL.path
    }
}
