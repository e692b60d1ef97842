import ArgumentParser

struct MarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Show the live capacity view of the market."
    )

    func run() async throws {
        throw notYetAvailable("market")
    }
}
