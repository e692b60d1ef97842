import ArgumentParser

struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Prove a quantized inference."
    )

    func run() async throws {
        throw notYetAvailable("prove")
    }
}
