import ArgumentParser
import Foundation
import Models
import Sodium
import ZKML

struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Prove a quantized inference.",
        discussion: """
        Quantizes the model (calibrated on --calibration, default NAME.calib.json beside NAME.onnx),
        runs the exact integer engine on the input (EZKL JSON format) and writes a proof file holding
        the integer output and the proof. Progress goes to standard error. Exit 2 on unreadable input.
        """
    )

    @Option(help: "The ONNX model file.")
    var model: String

    @Option(help: "Input JSON in EZKL format ({\"input_data\": [[...]]}).")
    var input: String

    @Option(help: "Where to write the proof file.")
    var proof: String

    @Option(help: "Also write the output as EZKL-format JSON here.")
    var output: String?

    @Option(help: "Calibration samples in EZKL format (default: NAME.calib.json beside the model).")
    var calibration: String?

    func run() async throws {
        let start = ContinuousClock.now
        let loaded: LoadedModel
        let values: [Float]
        do {
            printError("ciro prove: loading and committing \(model)")
            loaded = try LoadedModel(onnxPath: model, calibrationPath: calibration)
            let inputs = try EZKLData.inputs(path: input)
            guard inputs.count == 1 else { throw ZKMLError.badInput("\(input) holds \(inputs.count) inputs; one is proven") }
            values = inputs[0]
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.badInput
        }
        let quantizedInput = loaded.quantized.quantizeInput(values)
        let result: (output: [Int64], proof: [UInt8])
        do {
            let proveStart = ContinuousClock.now
            result = try ZKMLProver.prove(model: loaded.prover, input: quantizedInput) { stage in
                printError("ciro prove: [\(ContinuousClock.now - proveStart)] \(stage)")
            }
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.runtimeFailure
        }
        let file = ProofFile.encode(modelID: loaded.prover.modelID, output: result.output, proof: result.proof)
        let floats = loaded.quantized.dequantize(result.output, tensor: loaded.quantized.outputs[0])
        do {
            try Data(file).write(to: URL(fileURLWithPath: proof))
            if let output {
                try Data(EZKLData.outputJSON([floats]).utf8).write(to: URL(fileURLWithPath: output))
            }
        } catch {
            printError("ciro prove: cannot write: \(error)")
            throw CiroExit.runtimeFailure
        }
        let elapsed = ContinuousClock.now - start
        print("model id: \(Hex.encode(loaded.prover.modelID))")
        print("output: [" + floats.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
        print("argmax: \(floats.indices.max { floats[$0] < floats[$1] } ?? 0)")
        print("proof: \(proof) (\(result.proof.count) bytes), \(elapsed)")
    }
}
