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

    /// Every node model of the fixtures whose ops the IR has: single-input ones, and Add / Sub /
    /// Concat of two runtime inputs (any axis, the leading one included).
    static let names = ["test_averagepool_2d_ceil", "test_averagepool_2d_default", "test_averagepool_2d_dilations",
        "test_averagepool_2d_pads", "test_averagepool_2d_pads_count_include_pad", "test_averagepool_2d_precomputed_same_upper",
        "test_averagepool_2d_same_lower", "test_averagepool_2d_strides", "test_globalaveragepool", "test_maxpool_2d_ceil",
        "test_maxpool_2d_dilations", "test_maxpool_2d_pads", "test_maxpool_2d_precomputed_same_upper", "test_maxpool_2d_same_lower",
        "test_maxpool_2d_strides", "test_sigmoid", "test_sigmoid_example", "test_tanh", "test_tanh_example", "test_leakyrelu",
        "test_leakyrelu_default", "test_leakyrelu_example", "test_transpose_all_permutations_3", "test_transpose_default",
        "test_flatten_axis2", "test_relu", "test_identity", "test_add", "test_sub", "test_concat_1d_axis_0",
        "test_concat_2d_axis_0", "test_concat_2d_axis_1", "test_concat_3d_axis_0", "test_concat_3d_axis_2",
        "test_concat_3d_axis_negative_3"]

    @Test(arguments: names)
    func nodeModelProves(_ name: String) throws {
        let graph = try ONNXImporter.load(path: "\(Self.fixtures)/\(name)/model.onnx")
        // A sample is every input's flat vector, concatenated in input order.
        let sizes = graph.inputs.map { $0.shape.reduce(1, *) }
        var rng = SplitMix64(seed: 0xC1A0)
        let samples = (0..<4).map { _ in (0..<sizes.reduce(0, +)).map { _ in Float.random(in: -2...2, using: &rng) } }
        let quantized = try Quantizer.quantize(graph, samples: samples)
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
