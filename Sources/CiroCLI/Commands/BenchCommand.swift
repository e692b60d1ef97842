import ArgumentParser

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run a benchmark suite and print its figures.",
        subcommands: [BenchCoreCommand.self, BenchInferenceCommand.self, BenchProverCommand.self, BenchLedgerCommand.self, BenchGossipCommand.self, BenchMarketCommand.self, BenchLinkCommand.self]
    )
}
