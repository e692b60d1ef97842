import ArgumentParser

struct ModelCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Inspect, register and copy ONNX models.",
        subcommands: [ModelInspectCommand.self, ModelRegisterCommand.self, ModelCopyCommand.self]
    )
}
