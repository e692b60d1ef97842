import ArgumentParser
import Bench

struct BenchProverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prover",
        abstract: "Prover and verifier against EZKL.",
        discussion: """
        For digits_mlp, digits_cnn and wide_mlp: one-time commitment, prove and verify time, proof size,
        peak memory and the integer inference time, next to EZKL 23.0.5's figures recorded on this
        project's 2-core machine (shared/models/README.md; EZKL is not run live) and the ratios.
        Prove/verify/proof are the default zero-knowledge proof; a second table puts them next to the
        plain (not zero-knowledge) proof of the same input, with the ZK overhead ratios.
        """
    )

    @OptionGroup var options: ModelBenchOptions

    func run() async throws {
        do {
            let rows = try ProverBench.run(directory: options.models, repetitions: options.repetitions, models: options.names)
            print(options.json ? ProverBench.json(rows, repetitions: options.repetitions) : ProverBench.table(rows, repetitions: options.repetitions))
        } catch {
            printError("ciro bench prover: \(error)")
            throw CiroExit.badInput
        }
    }
}

/// The options of the per-model suites (`ciro bench prover`, `ciro bench link`).
struct ModelBenchOptions: ParsableArguments {
    @Option(help: "Folder with NAME.onnx, NAME.input.json and NAME.calib.json.")
    var models = "Tests/ModelsTests/Fixtures/models"

    @Option(help: "Runs per figure (the median is reported).")
    var repetitions = 3

    @Option(help: "Only these models (repeat the option; default: digits_mlp, digits_cnn, wide_mlp).")
    var only: [String] = []

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    /// The models to run: --only, or all three.
    var names: [String] { only.isEmpty ? ProverBench.models : only }
}
