import ArgumentParser

struct NodePeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "List a running node's peers and their scores."
    )

    func run() async throws {
        throw notYetAvailable("node peers")
    }
}
