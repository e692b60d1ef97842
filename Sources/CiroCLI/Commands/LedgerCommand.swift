import ArgumentParser

struct LedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Check and show the node's ledger.",
        subcommands: [LedgerVerifyCommand.self, LedgerShowCommand.self, LedgerStressAppendCommand.self]
    )
}
