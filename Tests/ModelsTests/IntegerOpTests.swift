import Models
import SwiftProtobuf
import Testing
import TestSupport

/// Builds ONNX models node by node in memory, for per-op tests of the integer path.
struct OnnxGraphBuilder {
    private var model = Onnx_ModelProto()
    private var valueShapes: [String: [Int64]] = [:]

    init(input: String = "x", shape: [Int64]) {
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        model.opsetImport = [opset]
        model.graph.name = "op_test"
        model.graph.input = [TinyModels.valueInfo(input, shape)]
    }

    /// Adds a float initializer.
    mutating func constant(_ name: String, shape: [Int64], values: [Float]) {
        var tensor = Onnx_TensorProto()
        tensor.name = name
        tensor.dims = shape
        tensor.dataType = 1
        tensor.floatData = values
        model.graph.initializer.append(tensor)
    }

    /// Adds a node; attributes are ints, int lists or floats.
    mutating func node(
        _ opType: String, _ inputs: [String], _ output: String,
        ints: [String: Int64] = [:], intLists: [String: [Int64]] = [:], floats: [String: Float] = [:]
    ) {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = "\(opType.lowercased())_\(model.graph.node.count)"
        node.input = inputs
        node.output = [output]
        for (name, value) in ints.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .int
            a.i = value
            node.attribute.append(a)
        }
        for (name, values) in intLists.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .ints
            a.ints = values
            node.attribute.append(a)
        }
        for (name, value) in floats.sorted(by: { $0.key < $1.key }) {
            var a = Onnx_AttributeProto()
            a.name = name
            a.type = .float
            a.f = value
            node.attribute.append(a)
        }
        model.graph.node.append(node)
    }

    /// Adds a further graph input (after the first).
    mutating func input(_ name: String, shape: [Int64]) {
        model.graph.input.append(TinyModels.valueInfo(name, shape))
    }

    /// The serialized model with `output` (of `shape`) as its graph output.
    func bytes(output: String, shape: [Int64]) throws -> [UInt8] {
        try bytes(outputs: [(output, shape)])
    }

    /// The serialized model with `outputs` (name, shape), in order, as its graph outputs.
    func bytes(outputs: [(String, [Int64])]) throws -> [UInt8] {
        var finished = model
        finished.graph.output = outputs.map { TinyModels.valueInfo($0.0, $0.1) }
        return try finished.serializedBytes()
    }
}


/// One op's integer path against the float path, on random inputs calibrated on themselves.
///
/// Each test states the error bound from `docs/QUANTIZATION.md` for its op, in output steps
/// (`2^-e_out`) and input steps (`2^-e_in`) of the quantized tensors, so a wrong shift, a lost
/// rounding or a mis-indexed relayout (errors of whole values) fails while honest rounding passes.
@Suite("Integer path, op by op")
struct IntegerOpTests {
    struct Comparison {
        var worst: Float
        var inputStep: Float
        var outputStep: Float
        var maxInput: Float
        var model: QuantizedModel
    }

    /// Quantizes the model on `samples` random inputs of `count` values in `range`, then compares
    /// integer and float outputs on each sample.
    static func compare(_ bytes: [UInt8], count: Int, range: ClosedRange<Float> = -2...2, samples: Int = 8) throws -> Comparison {
        let graph = try ONNXImporter.load(bytes: bytes)
        var generator = SplitMix64(seed: 0xC1A0)
        let inputs = (0..<samples).map { _ in (0..<count).map { _ in Float.random(in: range, using: &generator) } }
        let q = try Quantizer.quantize(graph, samples: inputs)
        let float = FloatEngine(graph: graph)
        let integer = IntegerEngine(model: q)
        var worst: Float = 0
        for input in inputs {
            let expected = try float.run(flatInput: input).data
            let got = try integer.run(flatInput: input)
            #expect(got.count == expected.count)
            for (a, b) in zip(got, expected) { worst = max(worst, abs(a - b)) }
        }
        func step(_ id: Int) -> Float { Float(1) / Float(1 << q.tensors[id].exponent) }
        let maxInput = inputs.flatMap { $0 }.map { abs($0) }.max() ?? 0
        return Comparison(worst: worst, inputStep: step(0), outputStep: step(q.outputs[0]), maxInput: maxInput, model: q)
    }

    static func opNames(_ q: QuantizedModel) -> [String] { q.layers.map(\.op.name) }

    @Test("LeakyRelu: 1-Lipschitz, plus the multiplier's rounding (2^-16 relative) and one rescale")
    func leakyRelu() throws {
        var b = OnnxGraphBuilder(shape: [1, 32])
        b.node("LeakyRelu", ["x"], "y", floats: ["alpha": 0.1])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 32]), count: 32)
        let bound = r.inputStep / 2 + r.maxInput * 0x1p-17 + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains("leakyRelu"))
    }

    @Test("Sigmoid and Tanh tables: slope times the table's input step, half an output step, the tail cut-off", arguments: [("Sigmoid", Float(0.25), Float(3.4e-4)), ("Tanh", Float(1), Float(1e-6))])
    func tables(op: String, slope: Float, tail: Float) throws {
        var b = OnnxGraphBuilder(shape: [1, 64])
        b.node(op, ["x"], "y")
        // Inputs beyond the table's [-8, 8] exercise the clamped ends.
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 64]), count: 64, range: -10...10)
        let tableStep: Float = 0x1p-8
        let bound = slope * (r.inputStep / 2 + tableStep / 2) + r.outputStep / 2 + tail + r.outputStep
        #expect(r.worst <= bound, "\(op): worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains("table"))
    }

    @Test("AveragePool with a power-of-two window: an exact sum and one rescale")
    func averagePoolPowerOfTwo() throws {
        var b = OnnxGraphBuilder(shape: [1, 2, 6, 6])
        b.node("AveragePool", ["x"], "y", intLists: ["kernel_shape": [2, 2], "strides": [2, 2]])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 2, 3, 3]), count: 72)
        let bound = r.inputStep / 2 + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains("sumPool"))
    }

    @Test("AveragePool 3x3 with padding, count_include_pad = 0: divisors 4, 6 and 9 per position")
    func averagePoolPadded() throws {
        var b = OnnxGraphBuilder(shape: [1, 1, 5, 5])
        b.node("AveragePool", ["x"], "y", ints: ["count_include_pad": 0],
               intLists: ["kernel_shape": [3, 3], "strides": [1, 1], "pads": [1, 1, 1, 1]])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 1, 5, 5]), count: 25)
        // 1/n is rounded to 16 bits: relative error 2^-17 of the window sum (|sum| <= n * max|x|).
        let bound = r.inputStep / 2 + 9 * r.maxInput * 0x1p-17 + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
    }

    @Test("GlobalAveragePool over 5x5 (divisor 25, not a power of two)")
    func globalAveragePool() throws {
        var b = OnnxGraphBuilder(shape: [1, 3, 5, 5])
        b.node("GlobalAveragePool", ["x"], "y")
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 3, 1, 1]), count: 75)
        let bound = r.inputStep / 2 + 25 * r.maxInput * 0x1p-17 + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
    }

    @Test("Add, Sub and Mul by a broadcast constant", arguments: ["Add", "Sub", "Mul"])
    func constantOperand(op: String) throws {
        var b = OnnxGraphBuilder(shape: [1, 4, 3])
        b.constant("c", shape: [3], values: [0.75, -1.5, 0.3])
        b.node(op, ["x", "c"], "y")
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 4, 3]), count: 12)
        // Constants are rounded to 8 bits at their own exponent (|dc| <= 2^-(e_c+1), e_c = 7 for 1.5).
        let constantError: Float = op == "Mul" ? r.maxInput * 0x1p-8 : 0x1p-8
        let lipschitz: Float = op == "Mul" ? 1.5 : 1
        let bound = lipschitz * r.inputStep / 2 + constantError + r.outputStep
        #expect(r.worst <= bound, "\(op): worst \(r.worst) > bound \(bound)")
    }

    @Test("Add and Sub of two runtime tensors are aligned to one exponent", arguments: ["Add", "Sub"])
    func twoTensors(op: String) throws {
        var b = OnnxGraphBuilder(shape: [1, 16])
        b.node("Relu", ["x"], "a")
        b.node("LeakyRelu", ["x"], "l", floats: ["alpha": 0.5])
        b.node(op, ["a", "l"], "y")
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 16]), count: 16)
        let bound = 2 * (r.inputStep / 2 + r.maxInput * 0x1p-17) + 2 * r.outputStep
        #expect(r.worst <= bound, "\(op): worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains(op.lowercased()))
    }

    @Test("Concat of two branches along the channel axis")
    func concat() throws {
        var b = OnnxGraphBuilder(shape: [1, 2, 3])
        b.node("Relu", ["x"], "a")
        b.node("LeakyRelu", ["x"], "l", floats: ["alpha": 0.25])
        b.node("Concat", ["a", "l"], "y", ints: ["axis": 1])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 4, 3]), count: 6)
        let bound = r.inputStep / 2 + r.maxInput * 0x1p-17 + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains("concat"))
    }

    @Test("Transpose is an exact relayout")
    func transpose() throws {
        var b = OnnxGraphBuilder(shape: [1, 2, 3, 4])
        b.node("Transpose", ["x"], "y", intLists: ["perm": [0, 2, 3, 1]])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 3, 4, 2]), count: 24)
        // Only the input's rounding: a wrong index map would err by whole values.
        #expect(r.worst <= r.inputStep / 2, "worst \(r.worst) > half an input step \(r.inputStep / 2)")
        #expect(Self.opNames(r.model).contains("gather"))
    }

    @Test("BatchNormalization on its own (not after a Conv): a per-channel affine map")
    func batchNormUnfolded() throws {
        var b = OnnxGraphBuilder(shape: [1, 3, 2, 2])
        b.constant("scale", shape: [3], values: [1.5, 0.5, -0.8])
        b.constant("bias", shape: [3], values: [0.1, -0.2, 0.3])
        b.constant("mean", shape: [3], values: [0.05, -0.1, 0.2])
        b.constant("var", shape: [3], values: [0.9, 1.2, 0.4])
        b.node("BatchNormalization", ["x", "scale", "bias", "mean", "var"], "y", floats: ["epsilon": 1e-5])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 3, 2, 2]), count: 12)
        // Largest effective scale is 0.8 / sqrt(0.4) = 1.26, rounded to 8 bits at exponent 6.
        let bound = 1.27 * r.inputStep / 2 + r.maxInput * 0x1p-7 + 2 * r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
        #expect(Self.opNames(r.model).contains("mulConst"))
    }

    @Test("BatchNormalization after a Conv is folded into the Conv's weights")
    func batchNormFolded() throws {
        var b = OnnxGraphBuilder(shape: [1, 1, 4, 4])
        b.constant("w", shape: [2, 1, 3, 3], values: (0..<18).map { Float($0 % 5) * 0.1 - 0.2 })
        b.constant("scale", shape: [2], values: [1.2, 0.7])
        b.constant("bias", shape: [2], values: [0.1, -0.1])
        b.constant("mean", shape: [2], values: [0.0, 0.1])
        b.constant("var", shape: [2], values: [1.0, 0.5])
        b.node("Conv", ["x", "w"], "c", intLists: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]])
        b.node("BatchNormalization", ["c", "scale", "bias", "mean", "var"], "y", floats: ["epsilon": 1e-5])
        let r = try Self.compare(try b.bytes(output: "y", shape: [1, 2, 4, 4]), count: 16)
        // Folded at quantization: a conv and its requantization, no separate affine layers.
        #expect(!Self.opNames(r.model).contains("mulConst"), "BatchNormalization was not folded: \(Self.opNames(r.model))")
        #expect(!Self.opNames(r.model).contains("addConst"))
        // 9 products of folded weights (<= 0.2 * 1.2 / sqrt(0.5) ~ 0.34, 8-bit) with 2-bounded inputs.
        let bound = 9 * (0.34 * r.inputStep / 2 + 2 * 0x1p-9) + r.outputStep
        #expect(r.worst <= bound, "worst \(r.worst) > bound \(bound)")
    }

    @Test("the bounds catch a wrong integer layer: a LeakyRelu multiplier off by one step of 1/16")
    func boundsCatchAWrongLayer() throws {
        var b = OnnxGraphBuilder(shape: [1, 32])
        b.node("LeakyRelu", ["x"], "y", floats: ["alpha": 0.1])
        let bytes = try b.bytes(output: "y", shape: [1, 32])
        let r = try Self.compare(bytes, count: 32)
        var broken = r.model
        let index = try #require(broken.layers.firstIndex { $0.op.name == "leakyRelu" })
        guard case .leakyRelu(let m, let s) = broken.layers[index].op else { return }
        broken.layers[index].op = .leakyRelu(multiplier: m + (Int64(1) << (s - 4)), shift: s)
        let graph = try ONNXImporter.load(bytes: bytes)
        var generator = SplitMix64(seed: 7)
        let input = (0..<32).map { _ in Float.random(in: -2...2, using: &generator) }
        let expected = try FloatEngine(graph: graph).run(flatInput: input).data
        let got = try IntegerEngine(model: broken).run(flatInput: input)
        let worst = zip(got, expected).map { abs($0 - $1) }.max() ?? 0
        #expect(worst > r.inputStep / 2 + r.maxInput * 0x1p-17 + r.outputStep)
    }
}
