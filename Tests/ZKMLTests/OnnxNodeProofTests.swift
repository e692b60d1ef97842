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

    /// Every single-input node model of the fixtures whose ops the IR has (the Quantizer calibrates
    /// single-input graphs only; Add/Sub/Concat/Mul graphs are covered by OpCoverageTests).
    static let names = ["test_averagepool_2d_ceil", "test_averagepool_2d_default", "test_averagepool_2d_dilations",
        "test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad", "test_averagepool_2d_precomputed_same_upper",
        "test_averagepool_2d_same_lower", "test_averagepool_2d_strides", "test_globalaveragepool", "test_maxpool_2d_ceil",
        "test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_same_lower",
        "test_maxpool_2d_strides", "test_sigmoid", "test_sigmoid_example", "test_tanh", "test_tanh_example", "test_leakyrelu",
        "test_leakyrelu_default", "test_leakyrelu_example", "test_transpose_all_permutations_3", "test_transpose_default",
        "test_flatten_axis2", "test_relu", "test_identity"]

    @Test(arguments: names)
    func nodeModelProves(_ name: String) throws {
        let graph = try ONNXImporter.load(path: "\(Self.fixtures)/\(name)/model.onnx")
        let count = graph.inputs[0].shape.reduce(1, *)
        var rng = SplitMix64(seed: 0xC1A0)
        let samples = (0..<4).map { _ in (0..<count).map { _ in Float.random(in: -2...2, using: &rng) } }
        let quantized = try Quantizer.quantize(graph, samples: samples)
        let prover = try ModelAdapter.proverModel(from: quantized)
        let key = prover.verifierKey()
        for sample in samples.prefix(2) {
            let input = quantized.quantizeInput(sample)
            let (output, proof) = try ZKMLProver.prove(model: prover, input: input)
            #expect(output == (try IntegerEngine(model: quantized).run(inputs: [input])[0]))
            try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
            var wrong = output
            wrong[wrong.count / 2] += 1
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: wrong, proof: proof) }
        }
    }
}
