import ArgumentParser

struct BenchGossipCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gossip",
        abstract: "Gossip propagation on a local network."
    )

    func run() async throws {
        throw notYetAvailable("bench gossip")
    }
}
