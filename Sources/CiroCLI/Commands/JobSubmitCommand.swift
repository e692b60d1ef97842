import ArgumentParser

struct JobSubmitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "submit",
        abstract: "Submit a job to the market."
    )

    func run() async throws {
        throw notYetAvailable("job submit")
    }
}
