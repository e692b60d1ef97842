import ArgumentParser
import Foundation
import Sodium
import Wire
import ZKML

struct JobSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to the market through a running node.",
        discussion: """
        The node becomes the job's requester: it registers the model (an ONNX file is imported, \
        quantized and committed; a model id must be registered on the node already), gossips the \
        offer, collects bids for its bid window, awards the best one, verifies the worker's proof, \
        waits for K attestations and settles. Prints the job id; with --wait, follows the job and \
        prints each stage (bids, award, proving, attestations, settlement) and the verified output.
        Exit codes: 0 submitted (with --wait: settled); 2 unreadable model or input; 3 the node \
        could not be reached, refused the job, or (with --wait) the job expired or timed out.
        """
    )

    @OptionGroup var target: NodeEndpointOptions

    @Option(help: ArgumentHelp("The model: an ONNX file, or the id of a model registered on the node.", valueName: "file.onnx|id"))
    var model: String

    @Option(help: ArgumentHelp("Calibration samples for an ONNX model (default: NAME.calib.json beside it).", valueName: "file"))
    var calibration: String?

    @Option(help: ArgumentHelp("The input, EZKL JSON ({\"input_data\": [[...]]}).", valueName: "file.json"))
    var input: String

    @Option(name: .customLong("max-price"), help: ArgumentHelp("The most credits the job may cost (default 1000).", valueName: "credits"))
    var maxPrice: UInt64?

    @Option(help: ArgumentHelp("Attestations required from independent auditors.", valueName: "K"))
    var attestations: UInt32 = 2

    @Option(help: ArgumentHelp("Seconds until the job expires if not settled (default 120).", valueName: "seconds"))
    var deadline: UInt64?

    @Flag(name: .customLong("private-input"), help: "Send the input only to the winner, sealed to its key; auditors check the proof against a hiding commitment to it.")
    var privateInput = false

    @Flag(help: "Follow the job until it settles or expires, printing each stage.")
    var wait = false

    func run() async throws {
        var submit = Ciro_V1_SubmitJobRequest()
        do {
            if let id = Hex.decode(model), id.count == 32, !FileManager.default.fileExists(atPath: model) {
                submit.modelID = Data(id)
            } else {
                submit.onnx = try read(model, "model")
                let calibrationPath = calibration ?? LoadedModel.defaultCalibrationPath(model)
                submit.calibration = try read(calibrationPath, "calibration samples (pass --calibration FILE)")
            }
            submit.input = try read(input, "input")
        } catch let message as String {
            printError("ciro job submit: error: \(message)")
            throw CiroExit.badInput
        }
        submit.maxPrice = maxPrice ?? 0
        submit.attestations = attestations
        submit.deadlineMs = (deadline ?? 0) * 1000
        submit.privateInput = privateInput
        var request = Ciro_V1_ControlRequest()
        request.submitJob = submit
        let client = MarketClient(endpoint: target.endpoint, command: "job submit")
        // A quick status first: the submit itself may take long (model registration), so a node
        // that is not there must be reported at once, not after the submit's timeout.
        var ping = Ciro_V1_ControlRequest()
        ping.status = Ciro_V1_StatusRequest()
        _ = try client.call(ping, timeoutMs: 5000)
        guard case let .submitJob(answer) = try client.call(request, timeoutMs: 180_000).response else { throw client.unexpected() }
        let id = Array(answer.jobID)
        say("job \(Hex.encode(id))")
        say("  model \(Hex.encode(Array(answer.modelID))) (\(answer.macs) MACs)")
        guard wait else { return }
        let timeout = TimeInterval(deadline ?? 120) + 30
        guard let job = try JobWatcher(client: client, jobID: id).follow(timeout: timeout) else {
            printError("ciro job submit: error: the job did not finish within \(Int(timeout)) s")
            throw CiroExit.runtimeFailure
        }
        guard job.phase == "settled" else {
            printError("ciro job submit: error: job \(job.phaseDetail)")
            throw CiroExit.runtimeFailure
        }
        say("verified output: \(MarketText.output(job.output)) (argmax \(MarketText.argmax(job.output)))")
        say("settled: \(job.settlement.price) credits to \(MarketText.short(job.settlement.worker)), proof \(job.result.proofSize) bytes verified by the requester and \(job.settlement.attestationIds.count) auditor(s)")
    }

    func read(_ path: String, _ what: String) throws -> Data {
        guard let data = FileManager.default.contents(atPath: path) else { throw "cannot read the \(what) at \(path)" }
        return data
    }
}

extension String: @retroactive Error {}
