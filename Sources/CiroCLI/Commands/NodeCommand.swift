import ArgumentParser

struct NodeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "node",
        abstract: "Run a node and talk to a running one.",
        subcommands: [NodeStartCommand.self, NodePeersCommand.self]
    )
}
