#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns a float `ModelGraph` into a `QuantizedModel` (see docs/QUANTIZATION.md).
///
/// Scales are per tensor, powers of two, chosen from calibration ranges so that the largest value
/// seen fits the activation bit width. Every product is followed by one rounding shift to the
/// output's exponent and one clamp to the activation range.
public enum Quantizer {
    /// Quantizes `graph` using calibration `samples` (each the model's inputs' flat vectors, concatenated
    /// in input order; see `CalibrationRanges.measure`).
    public static func quantize(_ graph: ModelGraph, samples: [[Float]], config: QuantizationConfig = QuantizationConfig()) throws(ModelError) -> QuantizedModel {
        guard (2...24).contains(config.weightBits), (2...24).contains(config.activationBits) else {
            throw .quantization("bit widths must be in 2...24 (weights \(config.weightBits), activations \(config.activationBits))")
        }
        let folded = BatchNormFolding.fold(graph)
        let ranges = try CalibrationRanges.measure(graph: folded, samples: samples)
        var builder = QuantizedModelBuilder(graph: folded, ranges: ranges, config: config)
        return try builder.build()
    }
}

/// Walks the graph once, emitting integer layers for each node.
struct QuantizedModelBuilder {
    let graph: ModelGraph
    let ranges: CalibrationRanges
    let config: QuantizationConfig
    var tensors: [QuantizedTensorInfo] = []
    var layers: [QuantizedLayer] = []
    /// ONNX value name -> tensor id holding it.
    var ids: [String: Int] = [:]
    /// Values produced by output post-processing (Softmax/ArgMax), and the tensor they post-process.
    var postProcessed: [String: (tensor: Int, steps: [PostProcessingStep])] = [:]

    init(graph: ModelGraph, ranges: CalibrationRanges, config: QuantizationConfig) {
        self.graph = graph
        self.ranges = ranges
        self.config = config
    }

    mutating func build() throws(ModelError) -> QuantizedModel {
        let a = config.activationMax
        for input in graph.inputs {
            let e = FixedPoint.exponent(maxAbs: ranges.maxAbs[input.name] ?? 1, limit: a)
            ids[input.name] = tensors.count
            tensors.append(QuantizedTensorInfo(name: input.name, shape: input.shape, exponent: e, bound: a))
        }
        for node in graph.nodes { try emit(node) }
        var outputs: [Int] = []
        var post: [PostProcessingStep] = []
        for (index, output) in graph.outputs.enumerated() {
            if let p = postProcessed[output.name] {
                guard graph.outputs.count == 1 || index == 0 else {
                    throw .quantization("Softmax/ArgMax post-processing is supported on a single output only")
                }
                outputs.append(p.tensor)
                post = p.steps
            } else if let id = ids[output.name] {
                outputs.append(id)
            } else {
                throw .quantization("graph output '\(output.name)' is a constant")
            }
        }
        return QuantizedModel(tensors: tensors, inputCount: graph.inputs.count, layers: layers, outputs: outputs, postProcessing: post, config: config)
    }

    // MARK: - Emitting layers

    /// Appends a layer and its output tensor; returns the new tensor id.
    @discardableResult
    mutating func append(_ op: QuantizedOp, inputs: [Int], name: String, shape: [Int], exponent: Int, node: String) throws(ModelError) -> Int {
        let bound = try LayerBounds.bound(of: op, inputs: inputs.map { tensors[$0].bound }, node: node)
        let id = tensors.count
        tensors.append(QuantizedTensorInfo(name: name, shape: shape, exponent: exponent, bound: bound))
        layers.append(QuantizedLayer(op: op, inputs: inputs, output: id, sourceNode: node))
        return id
    }

    /// Target exponent for a value from its calibrated range.
    func calibratedExponent(_ value: String) -> Int {
        FixedPoint.exponent(maxAbs: ranges.maxAbs[value] ?? 0, limit: config.activationMax)
    }

    /// Rescales tensor `id` (exponent `from`) down to the value's calibrated exponent (never up),
    /// then clamps to the activation range. Returns the final tensor id.
    mutating func requantize(_ id: Int, value: String, node: String) throws(ModelError) -> Int {
        let from = tensors[id].exponent
        let target = min(from, calibratedExponent(value))
        var current = id
        let shape = tensors[id].shape
        if from > target {
            current = try append(.rescale(shift: from - target), inputs: [current], name: "\(value)/rescale", shape: shape, exponent: target, node: node)
        }
        let a = config.activationMax
        if tensors[current].bound > a {
            current = try append(.clamp(lo: -a, hi: a), inputs: [current], name: "\(value)/clamp", shape: shape, exponent: target, node: node)
        }
        return current
    }

    /// Brings tensor `id` to exponent `target` (rounding shift down or exact shift up).
    mutating func align(_ id: Int, to target: Int, node: String) throws(ModelError) -> Int {
        let e = tensors[id].exponent
        if e == target { return id }
        let info = tensors[id]
        let op: QuantizedOp = e > target ? .rescale(shift: e - target) : .scaleUp(shift: target - e)
        return try append(op, inputs: [id], name: "\(info.name)/align", shape: info.shape, exponent: target, node: node)
    }

    func runtime(_ name: String, node: GraphNode) throws(ModelError) -> Int {
        if postProcessed[name] != nil {
            throw .quantization("node '\(node.name)' reads '\(name)' after Softmax/ArgMax; those are supported only at the graph output")
        }
        guard let id = ids[name] else {
            throw .quantization("node '\(node.name)' (\(node.opType)): operand '\(name)' must be a runtime tensor here, not a constant")
        }
        return id
    }

    func constant(_ name: String, node: GraphNode) throws(ModelError) -> FloatTensor {
        guard let c = graph.constants[name] else {
            throw .unsupportedAttribute(opType: node.opType, node: node.name, detail: "operand '\(name)' must be a constant (initializer) for integer inference")
        }
        return c
    }

    func weightExponent(_ values: [Float]) -> Int {
        FixedPoint.exponent(maxAbs: values.reduce(0) { max($0, abs($1)) }, limit: config.weightMax)
    }

    func quantizeWeights(_ values: [Float], exponent: Int) -> [Int64] {
        values.map { FixedPoint.quantize($0, exponent: exponent, limit: config.weightMax) }
    }

    func quantizeAccumulator(_ values: [Float], exponent: Int) -> [Int64] {
        values.map { FixedPoint.quantize($0, exponent: exponent, limit: LayerBounds.limit >> 2) }
    }

    mutating func emit(_ node: GraphNode) throws(ModelError) {
        let out = node.outputs[0]
        guard let outShape = graph.shapes[out] else { throw .invalidModel("no shape for '\(out)'") }
        switch node.op {
        case .identity, .dropout:
            if let p = postProcessed[node.inputs[0]] { postProcessed[out] = p } else { ids[out] = try runtime(node.inputs[0], node: node) }
        case .softmax(let axis, _):
            try postProcess(node, step: .softmax(axis: try ShapeInference.axis(axis, rank: outShape.count, node: node.name)))
        case .argMax(let axis, let keepDims, let last):
            let rank = graph.shapes[node.inputs[0]]?.count ?? 1
            try postProcess(node, step: .argMax(axis: try ShapeInference.axis(axis, rank: rank, node: node.name), keepDims: keepDims, selectLastIndex: last))
        case .gemm(let alpha, let beta, let transA, let transB):
            guard !transA else { throw .unsupportedAttribute(opType: "Gemm", node: node.name, detail: "transA = 1 is not supported for integer inference") }
            let x = try runtime(node.inputs[0], node: node)
            let b = try constant(node.inputs[1], node: node)
            let (k, n) = transB ? (b.shape[1], b.shape[0]) : (b.shape[0], b.shape[1])
            var w = [Float](repeating: 0, count: n * k)
            for o in 0..<n { for i in 0..<k { w[o * k + i] = alpha * (transB ? b.data[o * k + i] : b.data[i * n + o]) } }
            var bias = [Float](repeating: 0, count: n)
            if node.inputs.count > 2, !node.inputs[2].isEmpty {
                let c = try constant(node.inputs[2], node: node)
                guard c.count == n || c.count == 1 else {
                    throw .unsupportedAttribute(opType: "Gemm", node: node.name, detail: "bias C must be per output column (shape [\(n)] or [1, \(n)]), got \(c.shape)")
                }
                for o in 0..<n { bias[o] = beta * (c.count == 1 ? c.data[0] : c.data[o]) }
            }
            try emitDense(x: x, weights: w, bias: bias, inFeatures: k, outFeatures: n, outShape: outShape, node: node)
        case .matMul:
            let x = try runtime(node.inputs[0], node: node)
            let b = try constant(node.inputs[1], node: node)
            guard b.shape.count == 2 else {
                throw .unsupportedAttribute(opType: "MatMul", node: node.name, detail: "integer MatMul needs a 2-D constant right operand, got \(b.shape)")
            }
            let (k, n) = (b.shape[0], b.shape[1])
            var w = [Float](repeating: 0, count: n * k)
            for o in 0..<n { for i in 0..<k { w[o * k + i] = b.data[i * n + o] } }
            try emitDense(x: x, weights: w, bias: [Float](repeating: 0, count: n), inFeatures: k, outFeatures: n, outShape: outShape, node: node)
        case .conv(let g):
            let x = try runtime(node.inputs[0], node: node)
            let w = try constant(node.inputs[1], node: node)
            let bias = node.inputs.count > 2 && !node.inputs[2].isEmpty ? try constant(node.inputs[2], node: node).data : [Float](repeating: 0, count: w.shape[0])
            let xInfo = tensors[x]
            let ew = weightExponent(w.data)
            let eAcc = xInfo.exponent + ew
            let params = ConvParameters(
                inChannels: w.shape[1], outChannels: w.shape[0], inputSize: [xInfo.shape[2], xInfo.shape[3]],
                outputSize: [outShape[2], outShape[3]], geometry: g, weights: quantizeWeights(w.data, exponent: ew),
                bias: quantizeAccumulator(bias, exponent: eAcc), weightExponent: ew)
            let acc = try append(.conv(params), inputs: [x], name: "\(out)/acc", shape: outShape, exponent: eAcc, node: node.name)
            ids[out] = try requantize(acc, value: out, node: node.name)
        case .relu:
            let x = try runtime(node.inputs[0], node: node)
            ids[out] = try append(.relu, inputs: [x], name: out, shape: outShape, exponent: tensors[x].exponent, node: node.name)
        case .leakyRelu(let alpha):
            let x = try runtime(node.inputs[0], node: node)
            let s = config.constantShift
            let m = FixedPoint.quantize(alpha, exponent: s, limit: Int64(1) << 40)
            ids[out] = try append(.leakyRelu(multiplier: m, shift: s), inputs: [x], name: out, shape: outShape, exponent: tensors[x].exponent, node: node.name)
        case .sigmoid, .tanh:
            try emitTable(node, outShape: outShape)
        case .maxPool(let g, _):
            let x = try runtime(node.inputs[0], node: node)
            let xi = tensors[x]
            let p = PoolParameters(geometry: g, inputSize: [xi.shape[2], xi.shape[3]], outputSize: [outShape[2], outShape[3]])
            ids[out] = try append(.maxPool(p), inputs: [x], name: out, shape: outShape, exponent: xi.exponent, node: node.name)
        case .averagePool(let g, _, let countIncludePad):
            let x = try runtime(node.inputs[0], node: node)
            try emitAverage(x: x, geometry: g, countIncludePad: countIncludePad, outShape: outShape, node: node)
        case .globalAveragePool:
            let x = try runtime(node.inputs[0], node: node)
            let s = tensors[x].shape
            let g = WindowGeometry(kernel: [s[2], s[3]], strides: [1, 1], pads: [0, 0, 0, 0], dilations: [1, 1])
            try emitAverage(x: x, geometry: g, countIncludePad: false, outShape: outShape, node: node)
        case .flatten, .reshape:
            let x = try runtime(node.inputs[0], node: node)
            ids[out] = try append(.reshape(shape: outShape), inputs: [x], name: out, shape: outShape, exponent: tensors[x].exponent, node: node.name)
        case .transpose(let perm):
            let x = try runtime(node.inputs[0], node: node)
            let map = FloatKernels.transposeIndexMap(shape: tensors[x].shape, perm: perm)
            ids[out] = try append(.gather(indexMap: map), inputs: [x], name: out, shape: outShape, exponent: tensors[x].exponent, node: node.name)
        case .concat(let axis):
            var parts: [Int] = []
            for input in node.inputs {
                if graph.constants[input] != nil {
                    throw .unsupportedAttribute(opType: "Concat", node: node.name, detail: "constant operands are not supported for integer inference")
                }
                parts.append(try runtime(input, node: node))
            }
            let e = parts.map { tensors[$0].exponent }.min() ?? 0
            var aligned: [Int] = []
            for p in parts { aligned.append(try align(p, to: e, node: node.name)) }
            let a = try ShapeInference.axis(axis, rank: outShape.count, node: node.name)
            ids[out] = try append(.concat(axis: a), inputs: aligned, name: out, shape: outShape, exponent: e, node: node.name)
        case .add, .sub:
            try emitAddSub(node, outShape: outShape)
        case .mul:
            try emitMul(node, outShape: outShape)
        case .batchNormalization(let epsilon):
            let x = try runtime(node.inputs[0], node: node)
            let (scale, shift) = FloatKernels.batchNormAffine(
                try constant(node.inputs[1], node: node), try constant(node.inputs[2], node: node),
                try constant(node.inputs[3], node: node), try constant(node.inputs[4], node: node), epsilon: epsilon)
            let shape = tensors[x].shape
            let inner = elementCount(Array(shape.dropFirst(2)))
            let channels = shape[1]
            let expand: ([Float]) -> [Float] = { per in (0..<elementCount(shape)).map { per[($0 / inner) % channels] } }
            let es = weightExponent(scale)
            let product = try append(.mulConst(values: quantizeWeights(expand(scale), exponent: es)), inputs: [x], name: "\(out)/scaled", shape: shape, exponent: tensors[x].exponent + es, node: node.name)
            let eOut = min(tensors[product].exponent, calibratedExponent(out))
            let rescaled = try align(product, to: eOut, node: node.name)
            let shifted = try append(.addConst(values: quantizeAccumulator(expand(shift), exponent: eOut)), inputs: [rescaled], name: "\(out)/shifted", shape: shape, exponent: eOut, node: node.name)
            ids[out] = try requantize(shifted, value: out, node: node.name)
        }
    }

    mutating func postProcess(_ node: GraphNode, step: PostProcessingStep) throws(ModelError) {
        let input = node.inputs[0]
        if let p = postProcessed[input] {
            postProcessed[node.outputs[0]] = (p.tensor, p.steps + [step])
        } else {
            postProcessed[node.outputs[0]] = (try runtime(input, node: node), [step])
        }
    }

    mutating func emitDense(x: Int, weights: [Float], bias: [Float], inFeatures k: Int, outFeatures n: Int, outShape: [Int], node: GraphNode) throws(ModelError) {
        let xInfo = tensors[x]
        guard xInfo.shape.last == k else {
            throw .shapeMismatch(node: node.name, detail: "input \(xInfo.shape) does not end in \(k) features")
        }
        let ew = weightExponent(weights)
        let eAcc = xInfo.exponent + ew
        let params = DenseParameters(
            inFeatures: k, outFeatures: n, weights: quantizeWeights(weights, exponent: ew),
            bias: quantizeAccumulator(bias, exponent: eAcc), weightExponent: ew)
        let out = node.outputs[0]
        let acc = try append(.dense(params), inputs: [x], name: "\(out)/acc", shape: outShape, exponent: eAcc, node: node.name)
        ids[out] = try requantize(acc, value: out, node: node.name)
    }

    mutating func emitAverage(x: Int, geometry g: WindowGeometry, countIncludePad: Bool, outShape: [Int], node: GraphNode) throws(ModelError) {
        let xi = tensors[x]
        let (h, w) = (xi.shape[2], xi.shape[3])
        let (oh, ow) = (outShape[2], outShape[3])
        let p = PoolParameters(geometry: g, inputSize: [h, w], outputSize: [oh, ow])
        let out = node.outputs[0]
        let sum = try append(.sumPool(p), inputs: [x], name: "\(out)/sum", shape: outShape, exponent: xi.exponent, node: node.name)
        // Divisor per output position: window elements inside the input (plus padding if counted).
        var divisors = [Int](repeating: 0, count: oh * ow)
        for oy in 0..<oh {
            for ox in 0..<ow {
                var count = 0, padded = 0
                for ky in 0..<g.kernel[0] {
                    let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                    for kx in 0..<g.kernel[1] {
                        let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                        if iy >= 0 && iy < h && ix >= 0 && ix < w { count += 1 } else if iy < h + g.pads[2] && ix < w + g.pads[3] { padded += 1 }
                    }
                }
                divisors[oy * ow + ox] = countIncludePad ? count + padded : count
            }
        }
        if Set(divisors).count == 1, let d = divisors.first, d > 0, d & (d - 1) == 0 {
            let shift = d.trailingZeroBitCount
            let averaged = shift == 0 ? sum : try append(.rescale(shift: shift), inputs: [sum], name: "\(out)/avg", shape: outShape, exponent: xi.exponent, node: node.name)
            ids[out] = try requantize(averaged, value: out, node: node.name)
            return
        }
        let s = config.constantShift
        let planes = outShape[0] * outShape[1]
        var multipliers = [Int64](repeating: 0, count: planes * oh * ow)
        for plane in 0..<planes {
            for i in 0..<(oh * ow) {
                let d = Double(max(divisors[i], 1))
                multipliers[plane * oh * ow + i] = Int64((Double(Int64(1) << s) / d).rounded(.toNearestOrAwayFromZero))
            }
        }
        let scaled = try append(.mulConst(values: multipliers), inputs: [sum], name: "\(out)/scaled", shape: outShape, exponent: xi.exponent + s, node: node.name)
        ids[out] = try requantize(scaled, value: out, node: node.name)
    }

    mutating func emitTable(_ node: GraphNode, outShape: [Int]) throws(ModelError) {
        let x = try runtime(node.inputs[0], node: node)
        let out = node.outputs[0]
        let isSigmoid = node.op == .sigmoid
        let ti = min(tensors[x].exponent, config.tableInputBits)
        let input = try align(x, to: ti, node: node.name)
        let range = Int64(config.tableRange) << max(ti, 0)
        let eOut = config.activationBits - 2
        var values: [Int64] = []
        values.reserveCapacity(Int(2 * range + 1))
        for q in -range...range {
            let real = Double(q) / Double(sign: .plus, exponent: ti, significand: 1)
            let y = isSigmoid ? 1 / (1 + exp(-real)) : tanh(real)
            values.append(Int64((y * Double(Int64(1) << eOut)).rounded(.toNearestOrAwayFromZero)))
        }
        let table = TableParameters(function: isSigmoid ? "sigmoid" : "tanh", inputOffset: -range, values: values)
        ids[out] = try append(.table(table), inputs: [input], name: out, shape: outShape, exponent: eOut, node: node.name)
    }

    mutating func emitAddSub(_ node: GraphNode, outShape: [Int]) throws(ModelError) {
        let out = node.outputs[0]
        let isSub = node.op == .sub
        let aConst = graph.constants[node.inputs[0]], bConst = graph.constants[node.inputs[1]]
        if aConst == nil && bConst == nil {
            var a = try runtime(node.inputs[0], node: node)
            var b = try runtime(node.inputs[1], node: node)
            guard tensors[a].shape == outShape, tensors[b].shape == outShape else {
                throw .unsupportedAttribute(opType: node.opType, node: node.name, detail: "integer \(node.opType) of two runtime tensors needs equal shapes, got \(tensors[a].shape) and \(tensors[b].shape)")
            }
            let e = max(tensors[a].exponent, tensors[b].exponent)
            a = try align(a, to: e, node: node.name)
            b = try align(b, to: e, node: node.name)
            let sum = try append(isSub ? .sub : .add, inputs: [a, b], name: "\(out)/raw", shape: outShape, exponent: e, node: node.name)
            ids[out] = try requantize(sum, value: out, node: node.name)
            return
        }
        guard let c = aConst ?? bConst else { return }
        let x = try runtime(aConst == nil ? node.inputs[0] : node.inputs[1], node: node)
        guard tensors[x].shape == outShape else {
            throw .unsupportedAttribute(opType: node.opType, node: node.name, detail: "the runtime operand \(tensors[x].shape) must have the output shape \(outShape)")
        }
        let e = tensors[x].exponent
        let index = FloatKernels.broadcastIndices(from: c.shape, to: outShape)
        var constant = quantizeAccumulator(index.map { c.data[$0] }, exponent: e)
        var input = x
        if isSub {
            if aConst == nil {
                constant = constant.map { -$0 }  // x - c = x + (-c)
            } else {
                // c - x = (-1 * x) + c
                input = try append(.mulConst(values: [Int64](repeating: -1, count: elementCount(outShape))), inputs: [x], name: "\(out)/neg", shape: outShape, exponent: e, node: node.name)
            }
        }
        let sum = try append(.addConst(values: constant), inputs: [input], name: "\(out)/raw", shape: outShape, exponent: e, node: node.name)
        ids[out] = try requantize(sum, value: out, node: node.name)
    }

    mutating func emitMul(_ node: GraphNode, outShape: [Int]) throws(ModelError) {
        let out = node.outputs[0]
        let aConst = graph.constants[node.inputs[0]], bConst = graph.constants[node.inputs[1]]
        guard let c = aConst ?? bConst, aConst == nil || bConst == nil else {
            throw .unsupportedAttribute(opType: "Mul", node: node.name, detail: "integer Mul needs one constant operand (Mul by constant)")
        }
        let x = try runtime(aConst == nil ? node.inputs[0] : node.inputs[1], node: node)
        guard tensors[x].shape == outShape else {
            throw .unsupportedAttribute(opType: "Mul", node: node.name, detail: "the runtime operand \(tensors[x].shape) must have the output shape \(outShape)")
        }
        let index = FloatKernels.broadcastIndices(from: c.shape, to: outShape)
        let expanded = index.map { c.data[$0] }
        let ec = weightExponent(expanded)
        let product = try append(.mulConst(values: quantizeWeights(expanded, exponent: ec)), inputs: [x], name: "\(out)/raw", shape: outShape, exponent: tensors[x].exponent + ec, node: node.name)
        ids[out] = try requantize(product, value: out, node: node.name)
    }
}
