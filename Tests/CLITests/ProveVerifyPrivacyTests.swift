import Foundation
import Testing
import TestSupport

/// `ciro prove` / `ciro verify` with --private-input / --private-output and the requester's sealed
/// output (issue 8).
@Suite struct ProveVerifyPrivacyTests {
    var models: String { FileManager.default.currentDirectoryPath + "/Tests/ModelsTests/Fixtures/models" }

    @Test func privateProofVerifiesAndTheRequesterOpensItsOutput() throws {
        let scratch = TemporaryDirectory()
        let requester = scratch.path + "/requester"
        #expect(try CiroProcess.run(["init", "--data-dir", requester]).status == 0)
        let id = try CiroProcess.run(["id", "--data-dir", requester])
        let key = try #require(id.stdout.split(separator: "\n").first { $0.hasPrefix("curve public key:") }?
            .split(separator: " ").last.map(String.init))
        let model = models + "/digits_mlp.onnx", input = models + "/digits_mlp.input.json"
        let proof = scratch.path + "/p.proof"

        let prove = try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof,
                                         // `=` form: a Z85 key may start with '-'.
                                         "--private-input", "--private-output", "--requester-key=\(key)"], timeout: 300)
        #expect(prove.status == 0, "\(prove)")
        #expect(prove.stdout.contains("output: private"))
        #expect(FileManager.default.fileExists(atPath: proof + ".sealed"))

        // Any verifier: no input, no output, only the commitments in the proof.
        let verify = try CiroProcess.run(["verify", "--model", model, "--proof", proof, "--private-input", "--private-output"], timeout: 300)
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.contains("VALID") && verify.stdout.contains("output: private"))

        // The requester opens the sealed output with its node key and checks it against the proof.
        let mine = try CiroProcess.run(["verify", "--model", model, "--proof", proof, "--input", input, "--private-input",
                                        "--private-output", "--sealed-output", proof + ".sealed", "--data-dir", requester], timeout: 300)
        #expect(mine.status == 0, "\(mine)")
        #expect(mine.stdout.contains("sealed output opens the proof's commitment"))

        // Stating the wrong privacy mode, or a tampered sealed box, fails.
        let publicMode = try CiroProcess.run(["verify", "--model", model, "--proof", proof, "--input", input], timeout: 300)
        #expect(publicMode.status == 1, "\(publicMode)")
        var sealed = try Data(contentsOf: URL(fileURLWithPath: proof + ".sealed"))
        sealed[sealed.count / 2] ^= 1
        try sealed.write(to: URL(fileURLWithPath: proof + ".bad"))
        let tampered = try CiroProcess.run(["verify", "--model", model, "--proof", proof, "--private-input", "--private-output",
                                            "--sealed-output", proof + ".bad", "--data-dir", requester], timeout: 300)
        #expect(tampered.status != 0, "\(tampered)")
        // A private output without a requester key is refused.
        let noKey = try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof, "--private-output"], timeout: 300)
        #expect(noKey.status == 2, "\(noKey)")
    }
}
