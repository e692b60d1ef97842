import ArgumentParser
import Foundation
import Sodium
import ZKML

struct ModelRegisterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Commit to a model and store its prover data.",
        discussion: """
        Quantizes FILE.onnx (calibrated on --calibration, default NAME.calib.json beside it), commits
        to its weights and stores the commitment, architecture and weights in DATA_DIR/models/<id>/.
        Prints the model id that proofs bind. Exit 2 when the model cannot be read or is not supported.
        """
    )

    @Argument(help: "The ONNX model file.")
    var file: String

    @Option(help: "Calibration samples in EZKL format.")
    var calibration: String?

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let start = ContinuousClock.now
        let loaded: LoadedModel
        do {
            loaded = try LoadedModel(onnxPath: file, calibrationPath: calibration)
        } catch {
            printError("ciro model register: \(error)")
            throw CiroExit.badInput
        }
        let elapsed = ContinuousClock.now - start
        let directory: String
        do {
            directory = try ModelStore(dataDirectory: data.directory.path).save(loaded.prover)
        } catch {
            printError("ciro model register: \(error)")
            throw CiroExit.runtimeFailure
        }
        print(Hex.encode(loaded.prover.modelID))
        printError("stored in \(directory) (import, quantization and commitment: \(elapsed))")
        let q = loaded.quantized
        let inputs = (0..<q.inputCount).map { "\(q.tensors[$0].name) \(q.tensors[$0].shape)" }.joined(separator: ", ")
        printError("inputs: \(inputs); outputs: " + q.outputs.map { "\(q.tensors[$0].shape)" }.joined(separator: ", ")
                   + (q.inputCount > 1 || q.outputs.count > 1 ? " (a proof's input and output: their flat vectors, concatenated in this order)" : ""))
        let budget = loaded.prover.weightPrivacyBudget
        printError("zero knowledge: the weights stay provably hidden for \(budget.proofs) proof\(budget.proofs == 1 ? "" : "s") of this commitment "
                   + "(blinding \(budget.blindingEntries) entries, random top \(budget.randomTopEntries) entries; docs/ZK.md §5.3)")
    }
}
