import ArgumentParser

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an inference proof."
    )

    func run() async throws {
        throw notYetAvailable("verify")
    }
}
