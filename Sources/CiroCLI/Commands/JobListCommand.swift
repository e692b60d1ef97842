import ArgumentParser
import Wire

struct JobListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List the jobs a running node knows, newest first.",
        discussion: "Jobs it offered (marked 'mine') and jobs it saw on the network. Exit code 3: no node answered."
    )

    @OptionGroup var target: NodeEndpointOptions

    @Option(help: "Show at most this many jobs (0: all).")
    var limit: UInt32 = 50

    func run() async throws {
        var request = Ciro_V1_ControlRequest()
        var query = Ciro_V1_JobListRequest()
        query.limit = limit
        request.jobList = query
        let client = MarketClient(endpoint: target.endpoint, command: "job list")
        guard case let .jobList(answer) = try client.call(request).response else { throw client.unexpected() }
        say("\(answer.jobs.count) job(s)")
        for job in answer.jobs { say(MarketText.row(job)) }
    }
}
