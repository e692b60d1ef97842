import ArgumentParser

struct ModelRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Commit to a model and store its prover data."
    )

    func run() async throws {
        throw notYetAvailable("model register")
    }
}
