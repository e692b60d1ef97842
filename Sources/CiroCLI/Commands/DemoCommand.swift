import ArgumentParser

struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Start a local network and run a real proven job end to end."
    )

    func run() async throws {
        throw notYetAvailable("demo")
    }
}
