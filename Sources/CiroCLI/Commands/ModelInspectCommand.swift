import ArgumentParser

struct ModelInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's ops, shapes and costs."
    )

    func run() async throws {
        throw notYetAvailable("model inspect")
    }
}
