import ArgumentParser

struct LedgerVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk and check the hash-chained log."
    )

    func run() async throws {
        throw notYetAvailable("ledger verify")
    }
}
