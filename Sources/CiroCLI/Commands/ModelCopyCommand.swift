import ArgumentParser
import Foundation
import Identity
import Sodium
import ZKML

struct ModelCopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Commit a linked copy of a model's weights (more zero-knowledge proofs).",
        discussion: """
        A registered commitment keeps the weights provably hidden for a budget of proofs (`ciro model
        register` prints it; docs/ZK.md §5.3). A copy commits the same weights under a fresh secret
        random blinding (a new commitment and model id), and a link proves in zero knowledge that the
        copy holds the weights of the model it is made from. Prove jobs against the copy with
        `ciro prove --copy SECRET`; verifiers check them with `ciro verify --link LINK`.

        Writes --secret (the copy's blinding seed, mode 0600; never overwritten: keep it private) and
        --link (public). With --from, the copy is linked from that earlier copy (a chain: verifiers
        pass every link in order). Prints the copy's model id. Exit 2 when an input cannot be read
        (every model's layout can be linked since protocol v20; docs/ZK.md §6 item 3).
        """
    )

    @Option(help: "The ONNX model file.")
    var model: String

    @Option(help: "Calibration samples in EZKL format (default: NAME.calib.json beside the model).")
    var calibration: String?

    @Option(help: "Link from this earlier copy's secret instead of the registered commitment.")
    var from: String?

    @Option(help: "Where to write the copy's secret (mode 0600; must not exist).")
    var secret: String

    @Option(help: "Where to write the link.")
    var link: String

    func run() async throws {
        let original: ProverModel, source: ProverModel
        do {
            original = try LoadedModel(onnxPath: model, calibrationPath: calibration).prover
            source = try from.map { path throws -> ProverModel in try CopySecret.load(path, of: original).model } ?? original
            if FileManager.default.fileExists(atPath: secret) { throw ZKMLError.storage("\(secret) exists (a copy's secret is never overwritten)") }
        } catch {
            printError("ciro model copy: \(error)")
            throw CiroExit.badInput
        }
        let copy: WeightCopy, proof: [UInt8]
        do {
            copy = try WeightCopy(of: original)
            proof = try WeightCopyLink.prove(from: source, to: copy.model)
        } catch ZKMLError.unsupportedModel(let reason) {
            printError("ciro model copy: \(reason)")
            throw CiroExit.badInput
        } catch {
            printError("ciro model copy: \(error)")
            throw CiroExit.runtimeFailure
        }
        // Created durably with mode 0600 from its creation, never over an existing name (a file, or a
        // link that appeared since the check above): the node writes its copies' seeds the same way.
        do {
            try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: original.modelID, copy: copy), at: secret, mode: 0o600)
        } catch .system(_, _, EEXIST, _) {
            printError("ciro model copy: \(secret) exists (a copy's secret is never overwritten)")
            throw CiroExit.badInput
        } catch {
            printError("ciro model copy: cannot write \(secret): \(error)")
            throw CiroExit.runtimeFailure
        }
        do {
            let file = WeightCopyFiles.encodeLink(fromModelID: source.modelID, copyCommitment: copy.model.commitment, link: proof)
            try Data(file).write(to: URL(fileURLWithPath: link))
        } catch {
            printError("ciro model copy: cannot write \(link): \(error)")
            throw CiroExit.runtimeFailure
        }
        print(Hex.encode(copy.model.modelID))
        printError("copy of \(Hex.encode(original.modelID)) linked from \(Hex.encode(source.modelID)): secret \(secret), link \(link) (\(proof.count) bytes)")
    }
}

/// A copy's secret file (`ciro model copy --secret`), checked against the model it copies.
enum CopySecret {
    static func load(_ path: String, of original: ProverModel) throws -> WeightCopy {
        guard let bytes = FileManager.default.contents(atPath: path) else { throw ZKMLError.badInput("cannot read \(path)") }
        let secret = try WeightCopyFiles.decodeSecret([UInt8](bytes))
        guard secret.modelID == original.modelID else { throw ZKMLError.badInput("\(path) is a copy of another model") }
        return try WeightCopy(of: original, blindingSeed: secret.blindingSeed)
    }
}
