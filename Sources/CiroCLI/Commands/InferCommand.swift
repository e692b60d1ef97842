import ArgumentParser

struct InferCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infer",
        abstract: "Run a model on an input with the quantized integer engine."
    )

    func run() async throws {
        throw notYetAvailable("infer")
    }
}
