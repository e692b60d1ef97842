import ArgumentParser

struct JobListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List jobs."
    )

    func run() async throws {
        throw notYetAvailable("job list")
    }
}
