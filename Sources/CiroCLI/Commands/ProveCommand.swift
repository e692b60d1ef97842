import ArgumentParser
import Foundation
import Models
import ProofCore
import Sodium
import ZKML

struct ProveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Prove a quantized inference.",
        discussion: """
        Quantizes the model (calibrated on --calibration, default NAME.calib.json beside NAME.onnx),
        runs the exact integer engine on the input (EZKL JSON format: one flat array per model input,
        in input order) and writes a proof file holding the integer output (every output's flat vector,
        concatenated in order) and the proof; --output writes one array per model output. Progress goes to standard error. Exit 2 on unreadable input.

        With --copy, the proof is made against that copy of the weights (`ciro model copy`): its model id
        is the copy's, and verifiers pass the copy's link (`ciro verify --link`).

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

    @Option(help: "Kernel set for hashing and transforms: avx512, avx2 or swift (default: the fastest this CPU runs; the proof is the same).")
    var kernels: String?

    @Option(help: "The ONNX model file.")
    var model: String

    @Option(help: "Input JSON in EZKL format ({\"input_data\": [[...]]}; one array per model input, in order).")
    var input: String

    @Option(help: "Where to write the proof file.")
    var proof: String

    @Option(help: "Also write the output as EZKL-format JSON here.")
    var output: String?

    @Option(help: "Calibration samples in EZKL format (default: NAME.calib.json beside the model).")
    var calibration: String?

    @Option(help: "Prove against a linked copy of the model's weights: the secret written by `ciro model copy`.")
    var copy: String?

    func validate() throws {
        if let kernels {
            do { _ = try ProofKernels.named(kernels) } catch { throw ValidationError("--kernels: \(error)") }
        }
    }

    func run() async throws {
        let kernelSet = try kernels.map(ProofKernels.named) ?? ProofKernels.best
        let start = ContinuousClock.now
        let loaded: LoadedModel
        let prover: ProverModel
        let metadata: QuantizationMetadata
        let quantizedInput: [Int64]
        do {
            printError("ciro prove: loading and committing \(model)")
            loaded = try ProofKernels.with(kernelSet) { try LoadedModel(onnxPath: model, calibrationPath: calibration) }
            prover = try copy.map { try CopySecret.load($0, of: loaded.prover).model } ?? loaded.prover
            metadata = try QuantizationMetadata(loaded.prover.metadata)
            quantizedInput = try metadata.quantizeInputs(try EZKLData.inputs(path: input))
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.badInput
        }
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
            result = try ProofKernels.with(kernelSet) {
                try ZKMLProver.proveWithOpening(model: prover, input: quantizedInput, options: options) { stage in
                    printError("ciro prove: [\(ContinuousClock.now - proveStart)] \(stage)")
                }
            }
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.runtimeFailure
        }
        // A private output never goes into the proof file; it goes sealed to the requester.
        let file = ProofFile.encode(modelID: prover.modelID, output: privateOutput ? [] : result.output, proof: result.proof)
        let outputs: [[Float]]
        do {
            outputs = try metadata.dequantizeOutputs(result.output)
        } catch {
            printError("ciro prove: \(error)")
            throw CiroExit.runtimeFailure
        }
        let sealedPath = sealedOutput ?? proof + ".sealed"
        do {
            try Data(file).write(to: URL(fileURLWithPath: proof))
            if let requester, let openingSeed = result.ioOpeningSeed {
                let sealed = try PrivateOutputOpening(output: result.output, seed: openingSeed).seal(to: requester)
                try Data(sealed).write(to: URL(fileURLWithPath: sealedPath))
            }
            if let output {
                try Data(EZKLData.outputJSON(outputs).utf8).write(to: URL(fileURLWithPath: output))
            }
        } catch {
            printError("ciro prove: cannot write: \(error)")
            throw CiroExit.runtimeFailure
        }
        let elapsed = ContinuousClock.now - start
        print("model id: \(Hex.encode(prover.modelID))")
        print("mode: \(noZk ? "plain (not zero-knowledge)" : "zero-knowledge"), \(privacy)")
        if privateOutput {
            print("output: private (sealed to the requester: \(sealedPath))")
        } else {
            for line in OutputLines.lines(outputs, argmax: true) { print(line) }
        }
        print("proof: \(proof) (\(result.proof.count) bytes), \(elapsed)")
    }
}

/// The printed form of a model's outputs: `output: [...]` for one output, `output k: [...]` per
/// output for several; with `argmax`, the index of each output's largest value.
enum OutputLines {
    static func lines(_ outputs: [[Float]], argmax: Bool) -> [String] {
        var lines: [String] = []
        for (k, floats) in outputs.enumerated() {
            let label = outputs.count == 1 ? "" : " \(k)"
            lines.append("output\(label): [" + floats.map(EZKLData.formatNumber).joined(separator: ", ") + "]")
            if argmax { lines.append("argmax\(label): \(floats.indices.max { floats[$0] < floats[$1] } ?? 0)") }
        }
        return lines
    }
}
