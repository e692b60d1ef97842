import ArgumentParser

struct BenchLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Ledger appends and reads."
    )

    func run() async throws {
        throw notYetAvailable("bench ledger")
    }
}
