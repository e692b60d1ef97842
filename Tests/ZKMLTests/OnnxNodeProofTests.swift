import Foundation
import Models
import Testing
import ZKML
import TestSupport

/// ONNX node models (the Models tests' fixtures) through the whole path: import, quantize on random
/// samples, compile, prove (zero knowledge), verify; the output is the integer engine's.
@Suite struct OnnxNodeProofTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/onnx-node").path

    /// Every node model of the fixtures. The ones the Models layer accepts (imports and quantizes) must
    /// all be proven: pooling, tables, relayouts, Add / Sub / Concat of two runtime inputs (any axis,
    /// the leading one included), a model with an unused scalar input (Dropout's ratio), ArgMax and
    /// Softmax heads (post-processing outside the proof). The others are refused by the Models layer
    /// (docs/ONNX_CONFORMANCE.md).
    static let names: [String] = (try? FileManager.default.contentsOfDirectory(atPath: fixtures).sorted()) ?? []

    /// The fixture's graph, quantized on 4 random samples (each every input's flat vector,
    /// concatenated), or nil when the Models layer refuses it (import or quantization error).
    static func accepted(_ name: String) -> (QuantizedModel, [[Float]], [Int])? {
        do {
            let graph = try ONNXImporter.load(path: "\(fixtures)/\(name)/model.onnx")
            let sizes = graph.inputs.map { $0.shape.reduce(1, *) }
            var rng = SplitMix64(seed: 0xC1A0)
            let samples = (0..<4).map { _ in (0..<sizes.reduce(0, +)).map { _ in Float.random(in: -2...2, using: &rng) } }
            return (try Quantizer.quantize(graph, samples: samples), samples, sizes)
        } catch {
            return nil
        }
    }

    @Test func theModelsLayerAcceptsMostNodeModels() {
        #expect(Self.names.count == 142)
        let accepted = Self.names.filter { Self.accepted($0) != nil }
        #expect(accepted.count == 92, "every accepted model is proven by nodeModelProves")
    }

    @Test(arguments: names)
    func nodeModelProves(_ name: String) throws {
        guard let (quantized, samples, sizes) = Self.accepted(name) else { return }  // refused by the Models layer
        let prover = try ModelAdapter.proverModel(from: quantized)
        let key = prover.verifierKey()
        for sample in samples.prefix(2) {
            var parts: [[Int64]] = []
            var rest = sample[...]
            for (k, n) in sizes.enumerated() { parts.append(quantized.quantizeInput(Array(rest.prefix(n)), index: k)); rest = rest.dropFirst(n) }
            let input = parts.flatMap { $0 }
            let (output, proof) = try ZKMLProver.prove(model: prover, input: input)
            #expect(output == (try IntegerEngine(model: quantized).run(inputs: parts).flatMap { $0 }))
            try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
            var wrong = output
            wrong[wrong.count / 2] += 1
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: wrong, proof: proof) }
        }
    }
}
