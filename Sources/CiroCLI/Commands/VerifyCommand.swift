import ArgumentParser
import Foundation
import Identity
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

        --private-input / --private-output verify a proof that commits to the input / output instead
        of showing it (no --input needed with --private-input). The requester of a private output adds
        --sealed-output: the box is opened with the node key of --data-dir, and the output inside is
        checked against the proof's commitment (and the input, given with --input).

        --link FILE (repeatable, in chain order) accepts a proof made against a copy of the weights
        (`ciro model copy`, `ciro prove --copy`): each link must come from the model (then from the
        previous copy) and verify; the proof is then checked against the last copy's commitment. An
        invalid link is INVALID (exit 1).
        """
    )

    @Flag(help: "The proof keeps the input private (verify against its commitment).")
    var privateInput = false

    @Flag(help: "The proof keeps the output private (verify against its commitment).")
    var privateOutput = false

    @Option(help: "Requester only: the sealed output written by `ciro prove`, opened with the --data-dir node key.")
    var sealedOutput: String?

    @Option(help: "The ONNX model file, or a registered model id (64 hex digits).")
    var model: String

    @Option(help: "Input JSON in EZKL format, one array per model input (optional with --private-input).")
    var input: String?

    @Option(help: "The proof file written by `ciro prove`.")
    var proof: String

    @Option(help: "Calibration samples (when --model is an ONNX file).")
    var calibration: String?

    @Option(help: "A link file of `ciro model copy` (repeat for a chain, in order).")
    var link: [String] = []

    @OptionGroup var data: DataDirectoryOptions

    func run() async throws {
        var key: VerifierKey
        var links: [(fromModelID: [UInt8], copyCommitment: [UInt8], link: [UInt8])] = []
        let metadata: QuantizationMetadata
        var quantizedInput: [Int64]?
        let file: (modelID: [UInt8], output: [Int64], proof: [UInt8])
        var opening: PrivateOutputOpening?
        do {
            if let id = Hex.decode(model), id.count == 32, !FileManager.default.fileExists(atPath: model) {
                key = try ModelStore(dataDirectory: data.directory.path).verifierKey(id: id)
            } else {
                key = try LoadedModel(onnxPath: model, calibrationPath: calibration).prover.verifierKey()
            }
            metadata = try QuantizationMetadata(key.metadata)
            for path in link {
                guard let bytes = FileManager.default.contents(atPath: path) else { throw ZKMLError.badInput("cannot read \(path)") }
                links.append(try WeightCopyFiles.decodeLink([UInt8](bytes)))
            }
            if let input {
                quantizedInput = try metadata.quantizeInputs(try EZKLData.inputs(path: input))
            } else if !privateInput {
                throw ZKMLError.badInput("--input is required unless --private-input")
            }
            guard let bytes = FileManager.default.contents(atPath: proof) else { throw ZKMLError.badInput("cannot read \(proof)") }
            file = try ProofFile.decode([UInt8](bytes))
            if let sealedOutput {
                guard let sealed = FileManager.default.contents(atPath: sealedOutput) else { throw ZKMLError.badInput("cannot read \(sealedOutput)") }
                let identity = try data.directory.loadIdentity()
                opening = try PrivateOutputOpening.open([UInt8](sealed), with: identity.curve)
            }
        } catch {
            printError("ciro verify: \(error)")
            throw CiroExit.badInput
        }
        for (i, l) in links.enumerated() {
            do {
                guard l.fromModelID == key.modelID else { throw ZKMLError.wrongStatement("the link is not from model \(Hex.encode(key.modelID))") }
                key = try WeightCopyLink.verify(l.link, from: key, toCommitment: l.copyCommitment)
                print("link \(i + 1): copy \(Hex.encode(key.modelID)) holds the weights of \(Hex.encode(l.fromModelID))")
            } catch {
                print("INVALID: link \(link[i]): \(error)")
                throw CiroExit.checkFailed
            }
        }
        print("model id: \(Hex.encode(key.modelID))")
        let shownOutput = privateOutput ? opening?.output : file.output
        if let shownOutput {
            // An output of the wrong length is printed whole; the proof check below rejects it.
            let outputs = (try? metadata.dequantizeOutputs(shownOutput)) ?? [metadata.dequantizeOutput(shownOutput)]
            for line in OutputLines.lines(outputs, argmax: false) { print(line) }
        } else {
            print("output: private (committed in the proof)")
        }
        do {
            let header = try ZKMLVerifier.verify(key: key, publicInput: privateInput ? nil : quantizedInput,
                                                 publicOutput: privateOutput ? nil : file.output, proof: file.proof)
            print("mode: \(header.zeroKnowledge ? "zero-knowledge" : "plain (not zero-knowledge)"), \(header.privacy)")
            if let opening {
                try opening.check(key: key, proof: file.proof, input: quantizedInput)
                print("sealed output opens the proof's commitment")
            }
        } catch {
            print("INVALID: \(error)")
            throw CiroExit.checkFailed
        }
        print("VALID")
    }
}

