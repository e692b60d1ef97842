import ArgumentParser

struct BenchProverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prover",
        abstract: "Prover and verifier against EZKL."
    )

    func run() async throws {
        throw notYetAvailable("bench prover")
    }
}
