import Foundation
import Market
import Node
import Testing

/// The market's proof backend with a model of two inputs and two outputs
/// (`Tests/ModelsTests/Fixtures/graphs/multi_io.onnx`): a job input holds one array per model input;
/// a proof verifies on that input and not on the swapped one; the output reads back per output.
@Suite struct ProofBackendGraphTests {
    static let graphs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/graphs").path

    @Test func twoInputTwoOutputJobIsProvenAndChecked() async throws {
        let directory = NSTemporaryDirectory() + "/ciro-graph-backend-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        // `off`: the job is proven against the registered commitment itself (copies: WeightBudgetTests).
        let backend = try ZKMLProofBackend(dataDirectory: directory, weightBudget: .off)
        func read(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: URL(fileURLWithPath: "\(Self.graphs)/\(name)"))) }
        let model = try await backend.register(onnx: try read("multi_io.onnx"), calibration: try read("multi_io.calib.json"))
        let input = try read("multi_io.input.json")
        try await backend.checkInput(modelID: model.id, input: input)
        let arrays = try JSONDecoder().decode([String: [[Double]]].self, from: Data(input))["input_data"]!
        func json(_ a: [[Double]]) -> [UInt8] { Array("{\"input_data\": \(a.map { "[" + $0.map { "\($0)" }.joined(separator: ", ") + "]" })}".utf8) }
        let swapped = json([arrays[1], arrays[0]])
        await #expect(throws: (any Error).self) { try await backend.checkInput(modelID: model.id, input: json([arrays[0]])) }
        await #expect(throws: (any Error).self) { try await backend.checkInput(modelID: model.id, input: json([arrays[0], Array(arrays[1].dropLast())])) }

        let proven = try await backend.prove(modelID: model.id, input: input, privateInputSeed: nil)
        #expect(proven.output.count == 3 + 6)
        try await backend.verify(modelID: model.id, input: .plain(input), output: proven.output, proof: proven.proof)
        await #expect(throws: (any Error).self) {
            try await backend.verify(modelID: model.id, input: .plain(swapped), output: proven.output, proof: proven.proof)
        }
        var wrong = proven.output
        wrong[5] += 1  // a value of the second output
        await #expect(throws: (any Error).self) {
            try await backend.verify(modelID: model.id, input: .plain(input), output: wrong, proof: proven.proof)
        }
        let values = try #require(await backend.outputValues(modelID: model.id, output: proven.output))
        #expect(values.count == 9)
    }
}
