import Foundation
import Testing
import TestSupport

/// `ciro prove` / `ciro verify` / `ciro model register` / `ciro infer` on a model with two inputs and two outputs
/// (`Tests/ModelsTests/Fixtures/graphs/multi_io.onnx`): one input array per model input, every output
/// printed and written, swapped inputs and a missing input rejected.
@Suite struct ProveVerifyGraphTests {
    var graphs: String { FileManager.default.currentDirectoryPath + "/Tests/ModelsTests/Fixtures/graphs" }

    @Test func twoInputTwoOutputModelProvesAndVerifies() throws {
        let scratch = TemporaryDirectory()
        let model = graphs + "/multi_io.onnx", input = graphs + "/multi_io.input.json"
        let proof = scratch.path + "/p.proof", output = scratch.path + "/out.json"
        let prove = try CiroProcess.run(["prove", "--model", model, "--input", input, "--proof", proof, "--output", output], timeout: 300)
        #expect(prove.status == 0, "\(prove)")
        #expect(prove.stdout.contains("output 0: [") && prove.stdout.contains("output 1: ["), "\(prove.stdout)")
        struct Outputs: Decodable { let output_data: [[Double]] }
        let written = try JSONDecoder().decode(Outputs.self, from: Data(contentsOf: URL(fileURLWithPath: output)))
        #expect(written.output_data.map(\.count) == [3, 6])

        // `ciro infer` (the integer engine, same calibration) prints the same two outputs.
        let infer = try CiroProcess.run(["infer", "--model", model, "--input", input, "--calibration", graphs + "/multi_io.calib.json", "--json"], timeout: 300)
        #expect(infer.status == 0, "\(infer)")
        let inferred = try JSONDecoder().decode(Outputs.self, from: Data(infer.stdout.utf8))
        #expect(inferred.output_data == written.output_data)

        let verify = try CiroProcess.run(["verify", "--model", model, "--input", input, "--proof", proof], timeout: 300)
        #expect(verify.status == 0 && verify.stdout.contains("VALID"), "\(verify)")
        #expect(verify.stdout.contains("output 1: ["))

        // The same model registered and named by its id.
        let data = scratch.path + "/node"
        #expect(try CiroProcess.run(["init", "--data-dir", data]).status == 0)
        let register = try CiroProcess.run(["model", "register", model, "--data-dir", data], timeout: 300)
        #expect(register.status == 0, "\(register)")
        #expect(register.stderr.contains("inputs: a [1, 8], b [1, 8]; outputs: [1, 3], [1, 6]"), "\(register.stderr)")
        let id = register.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let byID = try CiroProcess.run(["verify", "--model", id, "--input", input, "--proof", proof, "--data-dir", data], timeout: 300)
        #expect(byID.status == 0 && byID.stdout.contains("VALID"), "\(byID)")

        // Swapped inputs: the proof does not verify (exit 1); one input for two: unreadable (exit 2).
        let text = try String(contentsOfFile: input, encoding: .utf8)
        struct Inputs: Codable { let input_data: [[Double]] }
        let inputs = try JSONDecoder().decode(Inputs.self, from: Data(text.utf8)).input_data
        let swapped = scratch.path + "/swapped.json", single = scratch.path + "/single.json"
        try JSONEncoder().encode(Inputs(input_data: [inputs[1], inputs[0]])).write(to: URL(fileURLWithPath: swapped))
        try JSONEncoder().encode(Inputs(input_data: [inputs[0]])).write(to: URL(fileURLWithPath: single))
        let wrong = try CiroProcess.run(["verify", "--model", model, "--input", swapped, "--proof", proof], timeout: 300)
        #expect(wrong.status == 1 && wrong.stdout.contains("INVALID"), "\(wrong)")
        for command in ["prove", "verify", "infer"] {
            let target = ["prove": ["--proof", scratch.path + "/q.proof"], "verify": ["--proof", proof], "infer": []][command]!
            let missing = try CiroProcess.run([command, "--model", model, "--input", single] + target, timeout: 300)
            #expect(missing.status == 2, "\(command): \(missing)")
        }
    }
}
