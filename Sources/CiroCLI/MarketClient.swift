import ArgumentParser
import Foundation
import Node
import Sodium
import Wire

/// `--node`, shared by the commands that talk to a running node's control socket.
struct NodeEndpointOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The node to talk to: its control endpoint (ipc://DIR/control.sock, tcp://...) or its data folder.",
        discussion: "Defaults to the control socket of --data-dir.", valueName: "endpoint"))
    var node: String?

    @OptionGroup var data: DataDirectoryOptions

    /// The control endpoint chosen by `--node` or `--data-dir`.
    var endpoint: String {
        guard let node else { return ControlServer.endpoint(dataDirectory: data.directory.path) }
        return node.contains("://") ? node : ControlServer.endpoint(dataDirectory: node)
    }
}

/// Calls a node's control socket, turning failures into `ciro COMMAND: error: ...` and exit 3.
struct MarketClient {
    let endpoint: String
    let command: String
    /// Throw `ControlError` instead of printing and exiting (for callers that report themselves).
    var quiet = false

    static func quiet(_ endpoint: String) -> MarketClient { MarketClient(endpoint: endpoint, command: "", quiet: true) }

    func call(_ request: Ciro_V1_ControlRequest, timeoutMs: Int32 = 5000) throws -> Ciro_V1_ControlResponse {
        let response: Ciro_V1_ControlResponse
        if quiet {
            let answer = try ControlClient(endpoint: endpoint, timeoutMs: timeoutMs).call(request)
            guard answer.error.isEmpty else { throw ControlError.failed(answer.error) }
            return answer
        }
        do {
            response = try ControlClient(endpoint: endpoint, timeoutMs: timeoutMs).call(request)
        } catch {
            printError("ciro \(command): error: \(error)")
            throw CiroExit.runtimeFailure
        }
        guard response.error.isEmpty else {
            printError("ciro \(command): error: \(response.error)")
            throw CiroExit.runtimeFailure
        }
        return response
    }

    func job(_ id: [UInt8]) throws -> Ciro_V1_JobInfo {
        var request = Ciro_V1_ControlRequest()
        var query = Ciro_V1_JobRequest()
        query.jobID = Data(id)
        request.job = query
        guard case let .job(answer) = try call(request).response else { throw unexpected() }
        return answer.job
    }

    func market() throws -> Ciro_V1_MarketResponse {
        var request = Ciro_V1_ControlRequest()
        request.market = Ciro_V1_MarketRequest()
        guard case let .market(answer) = try call(request).response else { throw unexpected() }
        return answer
    }

    func unexpected() -> ExitCode {
        printError("ciro \(command): error: the node sent an unexpected answer")
        return CiroExit.runtimeFailure
    }
}

/// Writes a line to standard output and flushes it (progress must show even when piped).
func say(_ line: String) {
    var text = line + "\n"
    text.withUTF8 { buffer in
        var offset = 0
        while offset < buffer.count {
            let n = write(1, buffer.baseAddress! + offset, buffer.count - offset)
            if n <= 0 { break }
            offset += n
        }
    }
}

/// Text renderings of market objects.
enum MarketText {
    static func short(_ id: Data) -> String { Hex.encode(Array(id.prefix(6))) }

    static func time(_ ms: UInt64, since start: UInt64) -> String {
        let delta = Double(Int64(bitPattern: ms &- start)) / 1000
        return String(format: "%+7.2fs", delta)
    }

    static func output(_ values: [Float]) -> String {
        "[" + values.map { String(format: "%.4f", $0) }.joined(separator: ", ") + "]"
    }

    static func argmax(_ values: [Float]) -> Int { values.indices.max { values[$0] < values[$1] } ?? 0 }

    /// The whole job, as `ciro job show` prints it.
    static func job(_ j: Ciro_V1_JobInfo) -> String {
        var lines: [String] = []
        let o = j.offer
        lines.append("job \(Hex.encode(Array(o.jobID)))")
        lines.append("  state:        \(j.phaseDetail)")
        lines.append("  requester:    \(short(o.requester))\(j.isRequester ? " (this node)" : "")")
        lines.append("  model:        \(Hex.encode(Array(o.modelID))) (\(o.macs) MACs)")
        lines.append("  max price:    \(o.maxPrice) credits, \(o.attestationsRequired) attestation(s), input \(o.inputPrivacy == .private ? "private" : "public")")
        lines.append("  bids:         \(j.bids.count)")
        for b in j.bids { lines.append("    \(short(b.worker))  \(b.price) credits, promised \(b.promisedMs) ms") }
        for a in j.awards { lines.append("  award r\(a.round):     \(short(a.worker)) at \(a.price) credits, due in \(Int64(bitPattern: a.resultDueMs &- a.awardedMs)) ms") }
        if j.hasResult {
            let r = j.result
            lines.append("  result r\(r.round):    by \(short(r.worker)), proof \(short(r.proofID)) (\(r.proofSize) bytes), proved in \(r.provingUs / 1000) ms")
            if !j.output.isEmpty { lines.append("  output:       \(output(j.output)) (argmax \(argmax(j.output)))") }
            lines.append("  verified by requester: \(j.requesterVerified ? "yes" : "not yet")")
        }
        for a in j.attestations { lines.append("  attestation:  \(short(a.auditor)) \(a.verdict == .valid ? "VALID" : "INVALID: \(a.reason)") (verified in \(a.verifyUs / 1000) ms)") }
        if j.hasSettlement { lines.append("  settlement:   \(j.settlement.price) credits to \(short(j.settlement.worker)), \(j.settlement.attestationIds.count) attestation(s)") }
        for f in j.faults { lines.append("  fault:        \(f)") }
        lines.append("  events:")
        let start = o.createdMs
        for e in j.events { lines.append("    \(time(e.timeMs, since: start))  \(e.text)") }
        return lines.joined(separator: "\n")
    }

    /// One line per job, as `ciro job list` prints them.
    static func row(_ j: Ciro_V1_JobInfo) -> String {
        let id = Hex.encode(Array(j.offer.jobID.prefix(8)))
        let when = Date(timeIntervalSince1970: Double(j.offer.createdMs) / 1000)
        let formatter = ISO8601DateFormatter()
        let price = j.hasSettlement ? "\(j.settlement.price) cr" : "-"
        return "\(id)  \(formatter.string(from: when))  \(j.isRequester ? "mine " : "     ")  \(j.phaseDetail.padding(toLength: 28, withPad: " ", startingAt: 0))  \(price)"
    }
}
