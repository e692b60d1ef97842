import ArgumentParser

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect and register ONNX models.",
        subcommands: [ModelInspectCommand.self, ModelRegisterCommand.self]
    )
}
