import ArgumentParser
import Foundation
import Sodium
import Wire

struct JobShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one job as a running node sees it.",
        discussion: """
        Prints the job's state, bids, awards, result and verified output, attestations, settlement, \
        faults and every event with its time since the offer. ID is the job id in hex or a unique \
        prefix of it. Exit codes: 2 bad id; 3 no node answered, or it does not know the job.
        """
    )

    @Argument(help: ArgumentHelp("The job id (hex, or a unique prefix).", valueName: "id"))
    var id: String

    @OptionGroup var target: NodeEndpointOptions

    @Flag(help: "Print the raw protobuf text.")
    var raw = false

    func run() async throws {
        let prefix = id.lowercased()
        guard !prefix.isEmpty, prefix.allSatisfy({ $0.isHexDigit }) else {
            printError("ciro job show: error: '\(id)' is not a hex job id")
            throw CiroExit.badInput
        }
        var request = Ciro_V1_ControlRequest()
        var query = Ciro_V1_JobRequest()
        query.jobIDPrefix = prefix
        request.job = query
        let client = MarketClient(endpoint: target.endpoint, command: "job show")
        guard case let .job(answer) = try client.call(request).response else { throw client.unexpected() }
        say(raw ? answer.job.textFormatString() : MarketText.job(answer.job))
    }
}
