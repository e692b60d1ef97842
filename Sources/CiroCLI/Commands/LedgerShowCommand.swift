import ArgumentParser

struct LedgerShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print ledger history."
    )

    func run() async throws {
        throw notYetAvailable("ledger show")
    }
}
