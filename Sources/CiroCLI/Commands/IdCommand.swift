import ArgumentParser

struct IdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Print the node id and its CurveZMQ public key."
    )

    func run() async throws {
        throw notYetAvailable("id")
    }
}
