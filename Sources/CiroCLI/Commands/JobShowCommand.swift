import ArgumentParser

struct JobShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show one job with its history."
    )

    func run() async throws {
        throw notYetAvailable("job show")
    }
}
