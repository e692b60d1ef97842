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

    @Option(help: "Folder with NAME.onnx, NAME.input.json and NAME.calib.json.")
    var models = "Tests/ModelsTests/Fixtures/models"

    @Option(help: "Proofs per model (the median is reported).")
    var repetitions = 3

    @Option(help: "Only these models (repeat the option; default: digits_mlp, digits_cnn, wide_mlp).")
    var only: [String] = []

    @Flag(help: "Print the figures as one JSON object.")
    var json = false

    func run() async throws {
        do {
            let rows = try ProverBench.run(directory: models, repetitions: repetitions, models: only.isEmpty ? ProverBench.models : only)
            print(json ? ProverBench.json(rows, repetitions: repetitions) : ProverBench.table(rows, repetitions: repetitions))
        } catch {
            printError("ciro bench prover: \(error)")
            throw CiroExit.badInput
        }
    }
}
