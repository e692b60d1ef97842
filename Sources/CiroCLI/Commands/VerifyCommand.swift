import ArgumentParser
import Foundation
import Models
import Sodium
import ZKML

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an inference proof.",
        discussion: """
        --model is an ONNX file (quantized and committed here, calibrated like `ciro prove`) or the
        hex id of a model registered with `ciro model register` in --data-dir. Prints the output and
        VALID (exit 0), or why the proof is invalid (exit 1). Exit 2 when an input cannot be read.
        """
    )

    @Option(help: "The ONNX model file, or a registered model id (64 hex digits).")
    var model: String

    @Option(help: "Input JSON in EZKL format.")
    var input: String

    @Option(help: "The proof file written by `ciro prove`.")
    var proof: String

    @Option(help: "Calibration samples (when --model is an ONNX file).")
    var calibration: String?

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        let key: VerifierKey
        let metadata: QuantizationMetadata
        let values: [Float]
        let file: (modelID: [UInt8], output: [Int64], proof: [UInt8])
        do {
            if let id = Hex.decode(model), id.count == 32, !FileManager.default.fileExists(atPath: model) {
                key = try ModelStore(dataDirectory: data.directory.path).verifierKey(id: id)
            } else {
                key = try LoadedModel(onnxPath: model, calibrationPath: calibration).prover.verifierKey()
            }
            metadata = try QuantizationMetadata(key.metadata)
            let inputs = try EZKLData.inputs(path: input)
            guard inputs.count == 1 else { throw ZKMLError.badInput("\(input) holds \(inputs.count) inputs") }
            values = inputs[0]
            guard let bytes = FileManager.default.contents(atPath: proof) else { throw ZKMLError.badInput("cannot read \(proof)") }
            file = try ProofFile.decode([UInt8](bytes))
        } catch {
            printError("ciro verify: \(error)")
            throw CiroExit.badInput
        }
        let floats = metadata.dequantizeOutput(file.output)
        print("model id: \(Hex.encode(key.modelID))")
        print("output: [" + floats.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
        do {
            try ZKMLVerifier.verify(key: key, input: metadata.quantizeInput(values), output: file.output, proof: file.proof)
        } catch {
            print("INVALID: \(error)")
            throw CiroExit.checkFailed
        }
        print("VALID")
    }
}

