import Models
import Testing

@Suite("Quantized inference")
struct QuantizedInferenceTests {
    static func quantized(_ model: String) throws -> (ModelGraph, QuantizedModel) {
        let graph = try Fixtures.graph(model)
        let samples = try Fixtures.calibration(model, graph: graph)
        return (graph, try Quantizer.quantize(graph, samples: samples))
    }

    @Test("quantized outputs match onnxruntime within the documented bound, same argmax", arguments: Fixtures.modelNames)
    func matchesReference(model: String) throws {
        let (_, q) = try Self.quantized(model)
        let engine = IntegerEngine(model: q)
        let out = try engine.run(flatInput: try Fixtures.input(model))
        let reference = try Fixtures.reference(model)
        let scale = reference.output_data[0].map { abs($0) }.max()!
        var worst: Float = 0
        for (a, b) in zip(out, reference.output_data[0]) { worst = max(worst, abs(a - b)) }
        print("\(model): max |quantized - onnxruntime| = \(worst) (max |logit| \(scale))")
        #expect(worst <= QuantizationErrorBound.relativeLogitError * scale)
        #expect(argmax(out) == reference.argmax)
    }

    @Test("the trace's last tensor is the output, and layers chain by tensor id", arguments: Fixtures.modelNames)
    func traceIsConsistent(model: String) throws {
        let (_, q) = try Self.quantized(model)
        let engine = IntegerEngine(model: q)
        let input = q.quantizeInput(try Fixtures.input(model))
        let trace = try engine.trace(inputs: [input])
        #expect(trace.values.count == q.tensors.count)
        #expect(try engine.run(inputs: [input])[0] == trace.values[q.outputs[0]])
        for (i, layer) in q.layers.enumerated() {
            #expect(layer.output == q.inputCount + i)
            #expect(layer.inputs.allSatisfy { $0 < layer.output })
            let values = trace.values[layer.output]
            #expect(values.count == q.tensors[layer.output].count)
            #expect(values.allSatisfy { abs($0) <= q.tensors[layer.output].bound }, "layer \(i) \(layer.op.name) exceeds its bound")
        }
    }

    @Test("the integer engine rejects inputs of the wrong size or range")
    func rejectsBadInput() throws {
        let (_, q) = try Self.quantized("digits_mlp")
        let engine = IntegerEngine(model: q)
        #expect(throws: ModelError.self) { try engine.run(inputs: [[1, 2, 3]]) }
        #expect(throws: ModelError.self) { try engine.run(inputs: [[Int64](repeating: 1 << 40, count: 64)]) }
        #expect(throws: ModelError.self) { try engine.run(inputs: []) }
    }
}

@Suite("Accuracy on the digits test split")
struct AccuracyTests {
    @Test("quantized accuracy is within 1 percentage point of float over 450 images", arguments: Fixtures.modelNames)
    func accuracy(model: String) throws {
        let split = try Fixtures.testSplit()
        let (graph, q) = try QuantizedInferenceTests.quantized(model)
        let float = FloatEngine(graph: graph)
        let integer = IntegerEngine(model: q)
        var floatCorrect = 0, intCorrect = 0
        for (input, label) in zip(split.inputs, split.labels) {
            if argmax(try float.run(flatInput: input).data) == label { floatCorrect += 1 }
            if argmax(try integer.run(flatInput: input)) == label { intCorrect += 1 }
        }
        let n = Double(split.labels.count)
        let floatAccuracy = Double(floatCorrect) / n * 100, intAccuracy = Double(intCorrect) / n * 100
        print("\(model): float \(floatAccuracy) %, integer \(intAccuracy) % over \(split.labels.count) images")
        #expect(split.labels.count == 450)
        #expect(abs(floatAccuracy - intAccuracy) <= 1.0)
    }
}

@Suite("Fast kernels are exact")
struct FastKernelTests {
    @Test("packed Int16 kernels give the same trace as the reference loops", arguments: Fixtures.modelNames)
    func sameTrace(model: String) throws {
        let (_, q) = try QuantizedInferenceTests.quantized(model)
        let fast = IntegerEngine(model: q)
        let reference = IntegerEngine(model: q, fastKernels: false)
        let split = try Fixtures.testSplit()
        for input in split.inputs.prefix(5) {
            let x = [q.quantizeInput(input)]
            #expect(try fast.trace(inputs: x) == reference.trace(inputs: x))
        }
        // Extreme inputs: every element at the top or bottom of the range.
        let size = q.tensors[0].count
        for value in [q.config.activationMax, -q.config.activationMax] {
            let x = [[Int64](repeating: value, count: size)]
            #expect(try fast.trace(inputs: x) == reference.trace(inputs: x))
        }
    }
}
