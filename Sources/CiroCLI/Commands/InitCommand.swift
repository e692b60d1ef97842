import ArgumentParser

struct InitCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a node data folder: key pair, default config."
    )

    func run() async throws {
        throw notYetAvailable("init")
    }
}
