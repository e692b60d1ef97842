import ArgumentParser

struct NodeStartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "start",
        abstract: "Run a node in the foreground."
    )

    func run() async throws {
        throw notYetAvailable("node start")
    }
}
