import ArgumentParser

struct BenchCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Proof core: field, NTT, sumcheck, commitments."
    )

    func run() async throws {
        throw notYetAvailable("bench core")
    }
}
