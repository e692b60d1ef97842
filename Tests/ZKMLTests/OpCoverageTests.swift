import Models
import Testing
import ZKML
import TestSupport

/// Builds small `QuantizedModel`s op by op (the Models module's integer IR), as the quantizer would.
struct IRBuilder {
    var tensors: [QuantizedTensorInfo]
    var layers: [QuantizedLayer] = []

    init(shape: [Int], bound: Int64) {
        tensors = [QuantizedTensorInfo(name: "x", shape: shape, exponent: 0, bound: bound)]
    }

    var last: Int { tensors.count - 1 }

    /// Appends `op` reading `inputs` (default: the last tensor); returns the new tensor id.
    @discardableResult
    mutating func add(_ op: QuantizedOp, shape: [Int], bound: Int64, inputs: [Int]? = nil) -> Int {
        let id = tensors.count
        let read = inputs ?? [last]
        tensors.append(QuantizedTensorInfo(name: "t\(id)", shape: shape, exponent: 0, bound: bound))
        layers.append(QuantizedLayer(op: op, inputs: read, output: id, sourceNode: "n\(layers.count)"))
        return id
    }

    func model() -> QuantizedModel {
        QuantizedModel(tensors: tensors, inputCount: 1, layers: layers, outputs: [last], postProcessing: [], config: QuantizationConfig())
    }

    /// `y[i] = x[map[i]]` for a transpose of `shape` by `perm`.
    static func transposeMap(_ shape: [Int], _ perm: [Int]) -> [Int] {
        let out = perm.map { shape[$0] }
        var strides = [Int](repeating: 1, count: shape.count)
        for i in stride(from: shape.count - 2, through: 0, by: -1) { strides[i] = strides[i + 1] * shape[i + 1] }
        let n = shape.reduce(1, *)
        return (0..<n).map { flat in
            var rest = flat, src = 0
            for axis in stride(from: out.count - 1, through: 0, by: -1) {
                src += (rest % out[axis]) * strides[perm[axis]]
                rest /= out[axis]
            }
            return src
        }
    }

    static func values(_ count: Int, _ range: ClosedRange<Int64>, seed: UInt64) -> [Int64] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in Int64.random(in: range, using: &rng) }
    }
}

/// Every op the integer IR has is either proven bit for bit (plain and zero-knowledge) with a wrong
/// prover rejected, or refused with an error naming the layer and the op (issue 7, deliverable 2).
@Suite struct OpCoverageTests {
    /// Proves `model` on `input` in both modes; the output must be the integer engine's.
    @discardableResult
    func provesExactly(_ model: QuantizedModel, _ input: [Int64]) throws -> ProverModel {
        let prover = try ModelAdapter.proverModel(from: model)
        let engine = try IntegerEngine(model: model).run(inputs: [input])[0]
        let key = prover.verifierKey()
        for options in [ProofOptions.default, .plain] {
            let (output, proof) = try ZKMLProver.prove(model: prover, input: input, options: options)
            #expect(output == engine)
            try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
        }
        return prover
    }

    /// A prover that replaces circuit layer `layer`'s output is rejected, in both modes, whether it
    /// states its own (wrong) output or the honest one.
    func rejectsTampered(_ prover: ProverModel, _ input: [Int64], layer: Int, _ change: @escaping ([Int64]) -> [Int64]) throws {
        let arch = prover.architecture
        let padded = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
        let honest = try CircuitWitness(architecture: arch, weights: prover.weights, input: padded)
        let witness = try CircuitWitness(architecture: arch, weights: prover.weights, input: padded) { l, y in l == layer ? change(y) : y }
        #expect(witness.values[layer + 1] != honest.values[layer + 1], "the tamper must change the layer")
        let honestOutput = Array(honest.values[arch.layers.count][0..<arch.outputLength])
        for options in [ProofOptions.default, .plain] {
            let (output, proof) = ZKMLProver.prove(model: prover, witness: witness, options: options)
            for claimed in [output, honestOutput] {
                #expect(throws: ZKMLError.self) {
                    try ZKMLVerifier.verify(key: prover.verifierKey(), input: input, output: claimed, proof: proof)
                }
            }
        }
    }

    func layerIndex(_ prover: ProverModel, _ nth: Int = 0, where match: (CircuitLayer) -> Bool) throws -> Int {
        let found = prover.architecture.layers.indices.filter { match(prover.architecture.layers[$0]) }
        return try #require(found.dropFirst(nth).first)
    }

    // MARK: reshape and relayout (Transpose)

    /// [1, 12] → reshape [1, 3, 4] → transpose → [1, 4, 3] → reshape [1, 2, 6] → transpose → [1, 6, 2]
    /// → dense → rescale + clamp.
    func relayoutModel() -> QuantizedModel {
        var b = IRBuilder(shape: [1, 12], bound: 20)
        b.add(.reshape(shape: [1, 3, 4]), shape: [1, 3, 4], bound: 20)
        b.add(.gather(indexMap: IRBuilder.transposeMap([1, 3, 4], [0, 2, 1])), shape: [1, 4, 3], bound: 20)
        b.add(.reshape(shape: [1, 2, 6]), shape: [1, 2, 6], bound: 20)
        b.add(.gather(indexMap: IRBuilder.transposeMap([1, 2, 6], [0, 2, 1])), shape: [1, 6, 2], bound: 20)
        b.add(.reshape(shape: [1, 12]), shape: [1, 12], bound: 20)
        let w = IRBuilder.values(5 * 12, -50...50, seed: 3)
        b.add(.dense(DenseParameters(inFeatures: 12, outFeatures: 5, weights: w, bias: [1, -2, 3, -4, 5], weightExponent: 0)),
              shape: [1, 5], bound: 20 * 50 * 12 + 5)
        b.add(.rescale(shift: 4), shape: [1, 5], bound: 800)
        b.add(.clamp(lo: -127, hi: 127), shape: [1, 5], bound: 127)
        return b.model()
    }

    @Test func reshapeAndTransposeAreProven() throws {
        let input = IRBuilder.values(12, -20...20, seed: 11)
        let prover = try provesExactly(relayoutModel(), input)
        // The two transposes fold into the dense layer's input map: one gather.
        let gather = try layerIndex(prover) { if case .gather = $0 { true } else { false } }
        // Wrong prover: no transpose (the identity relayout).
        let honest = try CircuitWitness(architecture: prover.architecture, weights: prover.weights,
                                        input: input + [Int64](repeating: 0, count: prover.architecture.inputSize - 12))
        try rejectsTampered(prover, input, layer: gather) { _ in honest.values[gather] + [] }
    }

    /// An image output (no flatten) is laid out flat by a final index map.
    @Test func transposedImageOutputIsProven() throws {
        var b = IRBuilder(shape: [1, 2, 3, 3], bound: 30)
        b.add(.gather(indexMap: IRBuilder.transposeMap([1, 2, 3, 3], [0, 1, 3, 2])), shape: [1, 2, 3, 3], bound: 30)
        b.add(.relu, shape: [1, 2, 3, 3], bound: 30)
        b.add(.reshape(shape: [1, 3, 6]), shape: [1, 3, 6], bound: 30)
        try provesExactly(b.model(), IRBuilder.values(18, -30...30, seed: 5))
    }

    // MARK: dilated convolution

    func dilatedConvModel() -> QuantizedModel {
        var b = IRBuilder(shape: [1, 2, 6, 5], bound: 16)
        let g = WindowGeometry(kernel: [3, 2], strides: [1, 2], pads: [2, 1, 1, 0], dilations: [2, 3])
        let out = g.outputSize(height: 6, width: 5)
        let conv = ConvParameters(inChannels: 2, outChannels: 3, inputSize: [6, 5], outputSize: [out.height, out.width], geometry: g,
                                  weights: IRBuilder.values(3 * 2 * 3 * 2, -60...60, seed: 21), bias: [7, -9, 4], weightExponent: 0)
        b.add(.conv(conv), shape: [1, 3, out.height, out.width], bound: 16 * 60 * 12 + 9)
        b.add(.rescale(shift: 3), shape: [1, 3, out.height, out.width], bound: 1500)
        b.add(.relu, shape: [1, 3, out.height, out.width], bound: 1500)
        b.add(.reshape(shape: [1, 3 * out.height * out.width]), shape: [1, 3 * out.height * out.width], bound: 1500)
        return b.model()
    }

    @Test func dilatedConvolutionIsProven() throws {
        let model = dilatedConvModel()
        let input = IRBuilder.values(60, -16...16, seed: 12)
        let prover = try provesExactly(model, input)
        // Wrong prover: the im2col of the same geometry without dilation (neighbouring pixels instead
        // of every second or third one). The input is laid out flat: (c, h, w) at c·30 + h·5 + w.
        let gather = try layerIndex(prover) { if case .gather = $0 { true } else { false } }
        guard case .conv(let p) = model.layers[0].op else { return }
        let (oh, ow) = (p.outputSize[0], p.outputSize[1])
        let pPad = 16
        let padded = input + [Int64](repeating: 0, count: 64 - input.count)
        try rejectsTampered(prover, input, layer: gather) { y in
            var wrong = [Int64](repeating: 0, count: y.count)
            for c in 0..<2 {
                for dy in 0..<3 {
                    for dx in 0..<2 {
                        let j = (c * 3 + dy) * 2 + dx
                        for oy in 0..<oh {
                            for ox in 0..<ow {
                                let iy = oy - 2 + dy, ix = ox * 2 - 1 + dx
                                if iy >= 0 && iy < 6 && ix >= 0 && ix < 5 { wrong[j * pPad + oy * ow + ox] = padded[c * 30 + iy * 5 + ix] }
                            }
                        }
                    }
                }
            }
            return wrong
        }
    }

    // MARK: max pooling with padding

    /// All inputs negative: a padding position read as 0 would win every border window.
    func paddedPoolModel(ceil: Bool) -> QuantizedModel {
        var b = IRBuilder(shape: [1, 2, 5, 5], bound: 40)
        let g = WindowGeometry(kernel: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], dilations: [1, 1])
        let out = g.outputSize(height: 5, width: 5, ceilMode: ceil)
        b.add(.maxPool(PoolParameters(geometry: g, inputSize: [5, 5], outputSize: [out.height, out.width])),
              shape: [1, 2, out.height, out.width], bound: 40)
        b.add(.reshape(shape: [1, 2 * out.height * out.width]), shape: [1, 2 * out.height * out.width], bound: 40)
        return b.model()
    }

    @Test(arguments: [false, true])
    func paddedMaxPoolIsProven(ceil: Bool) throws {
        let input = IRBuilder.values(50, -40 ... -1, seed: 13)
        let prover = try provesExactly(paddedPoolModel(ceil: ceil), input)
        // Wrong prover: padding counted as a 0 entry (the max of a border window becomes 0).
        let pool = try layerIndex(prover) { if case .maxPool = $0 { true } else { false } }
        try rejectsTampered(prover, input, layer: pool) { y in y.map { _ in 0 } }
    }

    @Test func dilatedPaddedMaxPoolIsProven() throws {
        var b = IRBuilder(shape: [1, 1, 6, 6], bound: 40)
        let g = WindowGeometry(kernel: [2, 2], strides: [1, 1], pads: [1, 0, 1, 1], dilations: [2, 2])
        let out = g.outputSize(height: 6, width: 6)
        b.add(.maxPool(PoolParameters(geometry: g, inputSize: [6, 6], outputSize: [out.height, out.width])),
              shape: [1, 1, out.height, out.width], bound: 40)
        try provesExactly(b.model(), IRBuilder.values(36, -40...40, seed: 14))
    }

    // MARK: what is still refused

    @Test func unsupportedOpsNameTheLayerAndOp() throws {
        var b = IRBuilder(shape: [1, 4], bound: 10)
        b.add(.relu, shape: [1, 4], bound: 10)
        b.add(.add, shape: [1, 4], bound: 20, inputs: [0, 1])
        #expect(throws: ZKMLError.unsupportedModel("layer 1 (add, node 'n1') does not read the previous layer's output alone (several inputs or a branching graph are not proven yet)")) {
            try ModelAdapter.network(from: b.model())
        }
        var c = IRBuilder(shape: [1, 4], bound: 10)
        c.add(.reshape(shape: [2, 2]), shape: [2, 2], bound: 10)
        #expect(throws: ZKMLError.unsupportedModel("layer 0 (reshape, node 'n0'): shape [2, 2] (expected batch 1: [1, ...])")) {
            try ModelAdapter.network(from: c.model())
        }
        // A malformed relayout (index out of range) is refused by the compiler, naming the layer.
        #expect(throws: ZKMLError.self) {
            try NetworkCompiler.compile(QuantizedNetwork(inputShape: [4], inputMin: 0, inputMax: 1,
                                                         layers: [.gather(indexMap: [0, 1, 2, 4], shape: [4])]))
        }
    }
}
