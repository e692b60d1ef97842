import ArgumentParser

struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job",
        abstract: "Submit and inspect jobs.",
        subcommands: [JobSubmitCommand.self, JobShowCommand.self, JobListCommand.self]
    )
}
