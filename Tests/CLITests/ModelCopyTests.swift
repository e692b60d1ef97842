import Foundation
import Testing
import TestSupport

/// `ciro model copy`, `ciro prove --copy` and `ciro verify --link` (docs/ZK.md §6 item 3), run as the
/// real `ciro` process.
@Suite struct ModelCopyTests {
    var models: String { FileManager.default.currentDirectoryPath + "/Tests/ModelsTests/Fixtures/models" }

    @Test func aProofAgainstALinkedCopyVerifiesWithItsLinks() throws {
        let scratch = TemporaryDirectory()
        let model = models + "/digits_mlp.onnx", input = models + "/digits_mlp.input.json"
        let (secret, link) = (scratch.path + "/c1.secret", scratch.path + "/c1.link")
        let copy = try CiroProcess.run(["model", "copy", "--model", model, "--secret", secret, "--link", link], timeout: 300)
        #expect(copy.status == 0, "\(copy)")
        let copyID = copy.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(copyID.count == 64)
        let mode = try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        // The secret is never overwritten.
        let again = try CiroProcess.run(["model", "copy", "--model", model, "--secret", secret, "--link", link + "2"], timeout: 300)
        #expect(again.status == 2, "\(again)")

        let proof = scratch.path + "/p.proof"
        let prove = try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof, "--copy", secret], timeout: 300)
        #expect(prove.status == 0, "\(prove)")
        #expect(prove.stdout.contains("model id: \(copyID)"))
        let verify = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof, "--link", link], timeout: 300)
        #expect(verify.status == 0, "\(verify)")
        #expect(verify.stdout.contains("VALID") && verify.stdout.contains("link 1: copy \(copyID)"))
        // Without the link the proof is against an unknown commitment.
        let bare = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof], timeout: 300)
        #expect(bare.status == 1, "\(bare)")

        // A chain: a copy of the copy, verified through both links in order (and not out of order).
        let (secret2, link2) = (scratch.path + "/c2.secret", scratch.path + "/c2.link")
        let chained = try CiroProcess.run(["model", "copy", "--model", model, "--from", secret, "--secret", secret2, "--link", link2],
                                          timeout: 300)
        #expect(chained.status == 0, "\(chained)")
        let proof2 = scratch.path + "/p2.proof"
        #expect(try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof2, "--copy", secret2],
                                    timeout: 300).status == 0)
        let both = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof2, "--link", link, "--link", link2],
                                       timeout: 300)
        #expect(both.status == 0, "\(both)")
        let skipped = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof2, "--link", link2], timeout: 300)
        #expect(skipped.status == 1, "\(skipped)")

        // A tampered link is INVALID; an unreadable one is bad input.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: link))
        bytes[bytes.count - 100] ^= 1
        try bytes.write(to: URL(fileURLWithPath: link + ".bad"))
        let tampered = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof, "--link", link + ".bad"],
                                           timeout: 300)
        #expect(tampered.status == 1 && tampered.stdout.contains("INVALID"), "\(tampered)")
        let missing = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof, "--link", link + ".none"],
                                          timeout: 300)
        #expect(missing.status == 2, "\(missing)")
    }

    /// The secret is created with mode 0600 from the start (Identity's durable create, as the node's
    /// copy seeds) and never over an existing name: a file, or a dangling symbolic link that the
    /// existence check before proving does not see (the create itself refuses it).
    @Test func theSecretIsCreated0600AndNeverWrittenOverAnExistingName() throws {
        let scratch = TemporaryDirectory()
        let model = models + "/digits_mlp.onnx"
        let fresh = scratch.path + "/fresh.secret"
        let made = try CiroProcess.run(["model", "copy", "--model", model, "--secret", fresh, "--link", scratch.path + "/fresh.link"], timeout: 300)
        #expect(made.status == 0, "\(made)")
        #expect(try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).sorted() == ["fresh.link", "fresh.secret"])

        // An existing file keeps its bytes; nothing else is written.
        let existing = scratch.path + "/existing.secret"
        try Data("keep".utf8).write(to: URL(fileURLWithPath: existing))
        let refused = try CiroProcess.run(["model", "copy", "--model", model, "--secret", existing, "--link", scratch.path + "/e.link"], timeout: 300)
        #expect(refused.status == 2, "\(refused)")
        #expect(refused.stderr.contains("exists (a copy's secret is never overwritten)"), "\(refused)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: existing)) == Data("keep".utf8))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/e.link"))

        // A dangling link: the secret is not written through it to its target.
        let (dangling, target) = (scratch.path + "/dangling.secret", scratch.path + "/elsewhere")
        try FileManager.default.createSymbolicLink(atPath: dangling, withDestinationPath: target)
        let linked = try CiroProcess.run(["model", "copy", "--model", model, "--secret", dangling, "--link", scratch.path + "/d.link"], timeout: 300)
        #expect(linked.status == 2, "\(linked)")
        #expect(linked.stderr.contains("exists (a copy's secret is never overwritten)"), "\(linked)")
        #expect(!FileManager.default.fileExists(atPath: target))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: dangling) == target)
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/d.link"))
        // No temporary file is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).allSatisfy { !$0.contains(".tmp-") })
    }

    /// Protocol v20: digits_cnn (an 8-entry weight segment, padded to its 16-block) links too.
    @Test func digitsCNNLinks() throws {
        let scratch = TemporaryDirectory()
        let (secret, link) = (scratch.path + "/s", scratch.path + "/l")
        let run = try CiroProcess.run(["model", "copy", "--model", models + "/digits_cnn.onnx", "--secret", secret,
                                       "--link", link], timeout: 300)
        #expect(run.status == 0 && FileManager.default.fileExists(atPath: link), "\(run)")
        let (model, input, proof) = (models + "/digits_cnn.onnx", models + "/digits_cnn.input.json", scratch.path + "/p")
        let prove = try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof, "--copy", secret], timeout: 300)
        #expect(prove.status == 0, "\(prove)")
        let verify = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof, "--link", link], timeout: 300)
        #expect(verify.status == 0 && verify.stdout.contains("VALID"), "\(verify)")
        let help = try CiroProcess.run(["model", "copy", "--help"])
        #expect(help.stdout.contains("--secret") && help.stdout.contains("--from"))
    }

    @Test func benchLinkReportsSizesOfEveryModel() throws {
        let run = try CiroProcess.run(["bench", "link", "--models", models, "--only", "digits_mlp", "--only", "digits_cnn",
                                       "--repetitions", "1", "--json"], timeout: 300)
        #expect(run.status == 0, "\(run)")
        #expect(run.stdout.components(separatedBy: "\"link_bytes\": ").count == 3 && !run.stdout.contains("\"unsupported\": "),
                "\(run.stdout)")
    }
}
