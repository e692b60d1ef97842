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

        The proof is zero-knowledge (the weights stay private) unless --no-zk. --private-input replaces
        the input by a hiding commitment in the proof; --private-output does the same for the output,
        which then goes only into a sealed box for --requester-key (written to --sealed-output).
        """
    )

    @Flag(help: "Keep the input private: verifiers see a hiding commitment to it.")
    var privateInput = false

    @Flag(help: "Keep the output private: verifiers see a hiding commitment; the output is sealed to --requester-key.")
    var privateOutput = false

    @Option(help: "The requester's X25519 public key (Z85, as in its node.pub; write --requester-key=KEY, a Z85 key may start with '-').")
    var requesterKey: String?

    @Option(help: "Where to write the sealed output and opening (default: PROOF.sealed).")
    var sealedOutput: String?

    @Flag(help: "Make the plain, non-zero-knowledge proof (for comparison; not with private input or output).")
    var noZk = false

    @Option(help: "DEBUGGING ONLY: hex seed for the prover's randomness (reproducible, not zero-knowledge).")
    var debugSeed: String?

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
        let privacy = Privacy(privateInput: privateInput, privateOutput: privateOutput)
        var requester: X25519PublicKey?
        do {
            if noZk && (privateInput || privateOutput) { throw ZKMLError.badInput("--no-zk cannot keep the input or output private") }
            if let requesterKey { requester = try X25519PublicKey(z85: requesterKey) }
            if privateOutput && requester == nil { throw ZKMLError.badInput("--private-output needs --requester-key (the output is sealed to it)") }
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.badInput
        }
        let seed = debugSeed.flatMap { Hex.decode($0) }
        if debugSeed != nil { printError("ciro prove: WARNING: --debug-seed makes a reproducible proof that is NOT zero-knowledge") }
        let options = ProofOptions(zeroKnowledge: !noZk, privacy: privacy, debugSeed: seed)
        let result: ZKMLProofResult
        do {
            let proveStart = ContinuousClock.now
            result = try ZKMLProver.proveWithOpening(model: loaded.prover, input: quantizedInput, options: options) { stage in
                printError("ciro prove: [\(ContinuousClock.now - proveStart)] \(stage)")
            }
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.runtimeFailure
        }
        // A private output never goes into the proof file; it goes sealed to the requester.
        let file = ProofFile.encode(modelID: loaded.prover.modelID, output: privateOutput ? [] : result.output, proof: result.proof)
        let floats = loaded.quantized.dequantize(result.output, tensor: loaded.quantized.outputs[0])
        let sealedPath = sealedOutput ?? proof + ".sealed"
        do {
            try Data(file).write(to: URL(fileURLWithPath: proof))
            if let requester, let openingSeed = result.ioOpeningSeed {
                let sealed = try PrivateOutputOpening(output: result.output, seed: openingSeed).seal(to: requester)
                try Data(sealed).write(to: URL(fileURLWithPath: sealedPath))
            }
            if let output {
                try Data(EZKLData.outputJSON([floats]).utf8).write(to: URL(fileURLWithPath: output))
            }
        } catch {
            printError("ciro prove: cannot write: \(error)")
            throw CiroExit.runtimeFailure
        }
        let elapsed = ContinuousClock.now - start
        print("model id: \(Hex.encode(loaded.prover.modelID))")
        print("mode: \(noZk ? "plain (not zero-knowledge)" : "zero-knowledge"), \(privacy)")
        if privateOutput {
            print("output: private (sealed to the requester: \(sealedPath))")
        } else {
            print("output: [" + floats.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
            print("argmax: \(floats.indices.max { floats[$0] < floats[$1] } ?? 0)")
        }
        print("proof: \(proof) (\(result.proof.count) bytes), \(elapsed)")
    }
}
