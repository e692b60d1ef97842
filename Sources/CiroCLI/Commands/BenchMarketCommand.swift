import ArgumentParser

struct BenchMarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Jobs per minute on a local network."
    )

    func run() async throws {
        throw notYetAvailable("bench market")
    }
}
