import ArgumentParser
import Bench

struct BenchInferenceCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inference",
        abstract: "Integer inference against onnxruntime.",
        discussion: """
        For digits_mlp, digits_cnn and wide_mlp: median time of the exact integer engine, of the
        same run producing the full witness trace, and of the float reference path, next to
        onnxruntime on the same model (timed through Python when onnxruntime is installed there;
        otherwise the recorded figures from the shared models README, labelled as such).
        """
    )

    @Option(help: "Folder with NAME.onnx, NAME.input.json and NAME.calib.json.")
    var models = "Tests/ModelsTests/Fixtures/models"

    @Option(help: "Timed runs per measurement.")
    var iterations = 2000

    @Option(help: "Python interpreter with onnxruntime and numpy.")
    var python = "python3"

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    func run() async throws {
        do {
            let rows = try InferenceBench.run(directory: models, iterations: iterations, python: python)
            print(json ? InferenceBench.json(rows, iterations: iterations) : InferenceBench.table(rows, iterations: iterations))
        } catch {
            printError("ciro bench inference: \(error)")
            throw CiroExit.badInput
        }
    }
}
