import Foundation
import Models
import ProofCore
import Testing
import ZKML
import TestSupport

/// Several outputs, several ONNX inputs, dense layers over several rows and Concat along the batch
/// axis (issue 7's last gaps): each proven bit for bit against the integer engine in both modes, with
/// a changed value in any output, a swapped input and a wrong prover rejected.
@Suite struct GraphModelProofTests {
    static let graphs = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/graphs").path

    /// Proves `model` on its inputs in both modes: the output is every engine output, concatenated.
    /// Each output's values, changed one at a time, are rejected.
    @discardableResult
    func provesExactly(_ model: QuantizedModel, _ inputs: [[Int64]]) throws -> ProverModel {
        let prover = try ModelAdapter.proverModel(from: model)
        let outputs = try IntegerEngine(model: model).run(inputs: inputs)
        let input = inputs.flatMap { $0 }
        let key = prover.verifierKey()
        for options in [ProofOptions.default, .plain] {
            let (output, proof) = try ZKMLProver.prove(model: prover, input: input, options: options)
            #expect(output == outputs.flatMap { $0 })
            try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
            var offset = 0
            for part in outputs {
                for at in [offset, offset + part.count - 1] {
                    var wrong = output
                    wrong[at] += 1
                    #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: wrong, proof: proof) }
                }
                offset += part.count
            }
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: Array(output.dropLast()), proof: proof) }
        }
        return prover
    }

    /// A proof by a prover holding other weights (one weight of its first dense layer changed) does not
    /// verify against the model's key, with its own output or the honest one.
    func rejectsOtherWeights(_ model: QuantizedModel, _ inputs: [[Int64]]) throws {
        var other = model
        let index = try #require(other.layers.firstIndex { if case .dense = $0.op { true } else { false } })
        guard case .dense(var p) = other.layers[index].op else { return }
        p.weights[0] += p.weights[0] > 0 ? -1 : 1
        other.layers[index].op = .dense(p)
        let key = try ModelAdapter.proverModel(from: model).verifierKey()
        let wrong = try ModelAdapter.proverModel(from: other)
        let honest = try IntegerEngine(model: model).run(inputs: inputs).flatMap { $0 }
        let input = inputs.flatMap { $0 }
        for options in [ProofOptions.default, .plain] {
            let (output, proof) = try ZKMLProver.prove(model: wrong, input: input, options: options)
            for claimed in [output, honest] {
                #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: claimed, proof: proof) }
            }
        }
    }

    // MARK: hand-built IR models

    @Test func severalOutputsAreTheirConcatenationInOrder() throws {
        var b = IRBuilder(shape: [1, 6], bound: 20)
        let r = b.add(.relu, shape: [1, 6], bound: 20)
        let w = IRBuilder.values(4 * 6, -30...30, seed: 5)
        let acc = b.add(.dense(DenseParameters(inFeatures: 6, outFeatures: 4, weights: w, bias: [3, -1, 0, 7], weightExponent: 0)),
                        shape: [1, 4], bound: 20 * 30 * 6 + 7)
        b.add(.rescale(shift: 3), shape: [1, 4], bound: 500)
        var model = b.model()
        // Outputs out of creation order, one of them the model input, one read by a later layer.
        model.outputs = [b.last, 0, r, acc]
        let input = IRBuilder.values(6, -20...20, seed: 6)
        let prover = try provesExactly(model, [input])
        #expect(prover.architecture.outputLength == 4 + 6 + 6 + 4)
        try rejectsOtherWeights(model, [input])
    }

    @Test func denseOverSeveralRowsIsOneProductSharingTheWeights() throws {
        // [3, 6] read whole (no batch 1): three rows.
        var b = IRBuilder(shape: [3, 6], bound: 20)
        let w = IRBuilder.values(5 * 6, -40...40, seed: 7)
        b.add(.dense(DenseParameters(inFeatures: 6, outFeatures: 5, weights: w, bias: [1, 2, -3, 4, -5], weightExponent: 0)),
              shape: [3, 5], bound: 20 * 40 * 6 + 5)
        b.add(.rescale(shift: 4), shape: [3, 5], bound: 400)
        b.add(.clamp(lo: -127, hi: 127), shape: [3, 5], bound: 127)
        let input = IRBuilder.values(18, -20...20, seed: 8)
        let prover = try provesExactly(b.model(), [input])
        let linear = prover.architecture.layers.compactMap { if case .linear(let l) = $0 { l } else { nil } }
        #expect(linear.count == 1 && linear[0].logCols == 2, "one product over the 3 rows (4 padded columns)")
        #expect(prover.weights.matrices[0].count == 8 * 8, "the weights once, not once per row")
        try rejectsOtherWeights(b.model(), [input])

        // A batch-1 model whose [1, 12] is reshaped to [1, 2, 6]: two rows.
        var c = IRBuilder(shape: [1, 12], bound: 20)
        c.add(.reshape(shape: [1, 2, 6]), shape: [1, 2, 6], bound: 20)
        c.add(.dense(DenseParameters(inFeatures: 6, outFeatures: 5, weights: w, bias: [0, 0, 9, 0, 0], weightExponent: 0)),
              shape: [1, 2, 5], bound: 20 * 40 * 6 + 9)
        c.add(.relu, shape: [1, 2, 5], bound: 20 * 40 * 6 + 9)
        try provesExactly(c.model(), [IRBuilder.values(12, -20...20, seed: 9)])
    }

    @Test func concatAlongTheBatchAxisIsProven() throws {
        // [1, 4] and relu([1, 4]) concatenated along the batch axis: [2, 4], then a dense over the 2 rows.
        var b = IRBuilder(shape: [1, 4], bound: 10)
        let r = b.add(.relu, shape: [1, 4], bound: 10)
        b.add(.concat(axis: 0), shape: [2, 4], bound: 10, inputs: [0, r])
        let w = IRBuilder.values(3 * 4, -20...20, seed: 10)
        b.add(.dense(DenseParameters(inFeatures: 4, outFeatures: 3, weights: w, bias: [1, 0, -1], weightExponent: 0)),
              shape: [2, 3], bound: 10 * 20 * 4 + 1)
        let input = IRBuilder.values(4, -10...10, seed: 11)
        try provesExactly(b.model(), [input])
        try rejectsOtherWeights(b.model(), [input])

        // Along the batch axis straight to the output, with two inputs.
        var c = IRBuilder(inputs: [[1, 3], [2, 3]], bound: 10)
        c.add(.concat(axis: 0), shape: [3, 3], bound: 10, inputs: [1, 0])
        try provesExactly(c.model(), [IRBuilder.values(3, -10...10, seed: 12), IRBuilder.values(6, -10...10, seed: 13)])
    }

    @Test func convolutionAndPoolingOverSeveralImagesAreProven() throws {
        // [2, 1, 5, 5]: two images (no batch 1), conv 3x3 pad 1 → [2, 2, 5, 5], requantize, max pool 2x2
        // (ceil) → [2, 2, 3, 3], sum pool 2x2 stride 1 → [2, 2, 2, 2], flatten per image, dense over the 2 rows.
        var b = IRBuilder(shape: [2, 1, 5, 5], bound: 10)
        let w = IRBuilder.values(2 * 9, -30...30, seed: 14)
        let g = WindowGeometry(kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1], dilations: [1, 1])
        b.add(.conv(ConvParameters(inChannels: 1, outChannels: 2, inputSize: [5, 5], outputSize: [5, 5], geometry: g,
                                   weights: w, bias: [5, -5], weightExponent: 0)), shape: [2, 2, 5, 5], bound: 10 * 30 * 9 + 5)
        b.add(.rescale(shift: 2), shape: [2, 2, 5, 5], bound: 700)
        b.add(.clamp(lo: -127, hi: 127), shape: [2, 2, 5, 5], bound: 127)
        b.add(.maxPool(PoolParameters(geometry: WindowGeometry(kernel: [2, 2], strides: [2, 2], pads: [0, 0, 1, 1], dilations: [1, 1]),
                                      inputSize: [5, 5], outputSize: [3, 3])), shape: [2, 2, 3, 3], bound: 127)
        b.add(.sumPool(PoolParameters(geometry: WindowGeometry(kernel: [2, 2], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1]),
                                      inputSize: [3, 3], outputSize: [2, 2])), shape: [2, 2, 2, 2], bound: 4 * 127)
        b.add(.reshape(shape: [2, 8]), shape: [2, 8], bound: 4 * 127)
        let v = IRBuilder.values(3 * 8, -20...20, seed: 15)
        b.add(.dense(DenseParameters(inFeatures: 8, outFeatures: 3, weights: v, bias: [0, 1, 2], weightExponent: 0)),
              shape: [2, 3], bound: 4 * 127 * 20 * 8 + 2)
        let input = IRBuilder.values(50, -10...10, seed: 16)
        let prover = try provesExactly(b.model(), [input])
        let linear = prover.architecture.layers.compactMap { if case .linear(let l) = $0 { l } else { nil } }
        #expect(linear.map(\.logCols) == [6, 1], "the conv's columns are both images' 25 pixels (64 padded); the dense's the 2 rows")
        try rejectsOtherWeights(b.model(), [input])
    }

    // MARK: ONNX graphs through LoadedModel (import, calibration from the file, commitment)

    func fixture(_ name: String) throws -> (LoadedModel, QuantizationMetadata, [[Float]]) {
        let loaded = try LoadedModel(onnxPath: "\(Self.graphs)/\(name).onnx")
        let inputs = try EZKLData.inputs(path: "\(Self.graphs)/\(name).input.json")
        return (loaded, try QuantizationMetadata(loaded.prover.metadata), inputs)
    }

    @Test(arguments: ["multi_io", "batch_concat", "batch_gemm", "batch_cnn"])
    func onnxGraphProves(_ name: String) throws {
        let (loaded, metadata, floats) = try fixture(name)
        let inputs = floats.enumerated().map { loaded.quantized.quantizeInput($0.element, index: $0.offset) }
        #expect(try metadata.quantizeInputs(floats) == inputs.flatMap { $0 })
        try provesExactly(loaded.quantized, inputs)
        try rejectsOtherWeights(loaded.quantized, inputs)
        let outputs = try IntegerEngine(model: loaded.quantized).run(inputs: inputs)
        let dequantized = try metadata.dequantizeOutputs(outputs.flatMap { $0 })
        #expect(dequantized == zip(outputs, loaded.quantized.outputs).map { loaded.quantized.dequantize($0, tensor: $1) })
    }

    @Test func multiInputOnnxModelRejectsSwappedInputs() throws {
        let (loaded, metadata, floats) = try fixture("multi_io")
        #expect(loaded.quantized.inputCount == 2 && loaded.quantized.outputs.count == 2)
        #expect(metadata.inputs?.map(\.count) == [8, 8] && metadata.outputs?.map(\.count) == [3, 6])
        let input = try metadata.quantizeInputs(floats)
        let swapped = try metadata.quantizeInputs([floats[1], floats[0]])
        #expect(input != swapped)
        let key = loaded.prover.verifierKey()
        let (output, proof) = try ZKMLProver.prove(model: loaded.prover, input: input)
        try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: swapped, output: output, proof: proof) }
        // The swapped inputs give another output, with a proof of their own.
        let (other, otherProof) = try ZKMLProver.prove(model: loaded.prover, input: swapped)
        #expect(other != output)
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: other, proof: otherProof) }
        // One input, or the wrong sizes, are refused before proving.
        #expect(throws: ZKMLError.self) { try metadata.quantizeInputs([floats[0]]) }
        #expect(throws: ZKMLError.self) { try metadata.quantizeInputs([floats[0], Array(floats[1].dropLast())]) }
        #expect(throws: ZKMLError.self) { try metadata.dequantizeOutputs(Array(output.dropLast())) }
    }

    @Test func singleInputSingleOutputMetadataIsUnchanged() throws {
        let loaded = try LoadedModel(onnxPath: "\(Self.graphs)/batch_gemm.onnx")
        let bytes = loaded.prover.metadata
        #expect(bytes[4] == 1 && bytes.count == 5 + 7 * 8, "version 1 for one input and one output")
        let metadata = try QuantizationMetadata(bytes)
        #expect(metadata.inputs == nil && metadata.outputs == nil)
        let multi = try LoadedModel(onnxPath: "\(Self.graphs)/multi_io.onnx").prover.metadata
        #expect(multi[4] == 2)
        // Truncated, extended or wrongly counted version-2 metadata is refused.
        #expect(throws: ZKMLError.self) { try QuantizationMetadata(Array(multi.dropLast())) }
        #expect(throws: ZKMLError.self) { try QuantizationMetadata(multi + [0]) }
        var badCount = multi
        badCount[5 + 7 * 8] = 0
        #expect(throws: ZKMLError.self) { try QuantizationMetadata(badCount) }
    }
}
