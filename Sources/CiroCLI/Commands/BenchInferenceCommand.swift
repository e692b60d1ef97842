import ArgumentParser

struct BenchInferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Integer inference against onnxruntime."
    )

    func run() async throws {
        throw notYetAvailable("bench inference")
    }
}
