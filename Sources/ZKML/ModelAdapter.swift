import Models
import ProofCore

/// Turns the Models module's `QuantizedModel` into a circuit and a committed `ProverModel`.
///
/// Supported: every op of the integer IR — dense / conv (any padding, stride, dilation) layers,
/// rescale, clamp and ReLU steps (merged into one requantize layer), max pooling (with padding and
/// dilation), reshapes to any shape and relayouts (Transpose: an index map), scaleUp / mulConst /
/// addConst (elementwise layers), sum pooling, sigmoid/tanh tables and LeakyRelu (lookup layers),
/// Add / Sub / Concat (combine layers, Concat along any axis, the batch axis included) — over a graph:
/// several inputs (the circuit input is their flat vectors, concatenated in order), several outputs
/// (the circuit output is their flat vectors, concatenated in order, as `IntegerEngine.run` lists
/// them) and tensors read by several layers. A dense layer over several rows (`[B, n]`, B > 1) is one
/// matrix product over `B` columns sharing the weights; conv and pooling take a batch of images
/// `[B, C, H, W]` (conv: one product over every image's columns).
public enum ModelAdapter {
    /// The circuit network for a quantized model (no commitment yet). Throws `unsupportedModel`
    /// naming the layer, its op and its ONNX node for anything the prover does not cover.
    public static func network(from model: QuantizedModel) throws(ZKMLError) -> QuantizedNetwork {
        guard model.inputCount >= 1, !model.outputs.isEmpty else {
            throw .unsupportedModel("a model needs an input and an output (this one has \(model.inputCount) and \(model.outputs.count))")
        }
        // A model whose first input has a leading dimension 1 (and rank ≥ 2) is read as batch 1: every
        // tensor's batch dimension 1 is dropped (a tensor whose leading dimension is not 1, after a
        // concatenation along the batch axis, keeps its shape whole). Otherwise shapes are taken
        // whole (a dense layer reads `[B, n]` as B rows; conv and pooling take [C, H, W] or [B, C, H, W]).
        let dropsBatch = model.tensors[0].shape.count >= 2 && model.tensors[0].shape[0] == 1
        /// A tensor's shape without its batch dimension when that is 1.
        func dims(_ id: Int, _ what: String) throws(ZKMLError) -> [Int] {
            let shape = model.tensors[id].shape
            guard dropsBatch, shape.count >= 2, shape[0] == 1 else { return shape }
            return Array(shape.dropFirst())
        }
        let inputShapes = try (0..<model.inputCount).map { k throws(ZKMLError) in try dims(k, "input \(k)") }
        let inputBound = (0..<model.inputCount).map { model.tensors[$0].bound }.max()!
        // How many layers (and outputs) read each tensor: a rescale/clamp/ReLU chain merges into one
        // requantize layer only through tensors nothing else reads.
        var readers = [Int](repeating: 0, count: model.tensors.count)
        for layer in model.layers { for i in layer.inputs where i < readers.count { readers[i] += 1 } }
        for o in model.outputs where o < readers.count { readers[o] += 1 }
        var layers: [NetworkLayer] = []
        var tensorOf: [Int: NetworkTensor] = [:]
        for k in 0..<model.inputCount { tensorOf[k] = .input(k) }
        var pending: (shift: Int, lo: Int64, hi: Int64)? = nil
        var current = 0  // the IR tensor at hand (the network's current tensor, then `pending`)
        func flush() {
            if let p = pending {
                layers.append(.requantize(shift: p.shift, lo: p.lo, hi: p.hi))
                tensorOf[current] = .layer(layers.count - 1)
            }
            pending = nil
        }
        func emit(_ layer: NetworkLayer, _ output: Int) {
            layers.append(layer)
            tensorOf[output] = .layer(layers.count - 1)
        }
        /// Appends the concatenation of tensors' flat vectors (network tensor, IR tensor id), in order:
        /// a free reshape of each to one dimension, then one concat along axis 0.
        func concatenateFlat(_ tensors: [(NetworkTensor, Int)]) {
            var parts: [NetworkTensor] = []
            for (t, id) in tensors {
                layers.append(.select(t))
                layers.append(.reshape(shape: [model.tensors[id].count]))
                parts.append(.layer(layers.count - 1))
            }
            layers.append(.concat(parts: parts, axis: 0))
        }
        for (index, layer) in model.layers.enumerated() {
            let name = "layer \(index) (\(layer.op.name), node '\(layer.sourceNode)')"
            func operand(_ id: Int) throws(ZKMLError) -> NetworkTensor {
                guard let t = tensorOf[id] else { throw .unsupportedModel("\(name) reads tensor \(id), which no earlier layer wrote") }
                return t
            }
            guard !layer.inputs.isEmpty, layer.inputs.allSatisfy({ $0 >= 0 && $0 < layer.output }) else {
                throw .unsupportedModel("\(name) reads no tensor or a later one")
            }
            let x = layer.inputs[0]
            let merges: Bool
            switch layer.op {
            case .clamp, .relu: merges = true
            default: merges = false
            }
            // Bring the first operand to hand: a tensor other than the current one (or one read by
            // another layer too, when it would merge) gets its own network tensor first.
            if x != current || (merges && readers[x] > 1) {
                flush()
                if x != current { layers.append(.select(try operand(x))) }
            }
            let unary: Bool
            switch layer.op {
            case .add, .sub, .concat: unary = false
            default: unary = true
            }
            guard !unary || layer.inputs.count == 1 else { throw .unsupportedModel("\(name) has \(layer.inputs.count) operands") }
            let outBound = model.tensors[layer.output].bound
            let output = layer.output
            switch layer.op {
            case .dense(let p):
                flush()
                let rows = (0..<p.outFeatures).map { o in Array(p.weights[(o * p.inFeatures)..<((o + 1) * p.inFeatures)]) }
                emit(.dense(weights: rows, bias: p.bias), output)
            case .conv(let p):
                flush()
                let g = p.geometry
                let expected = g.outputSize(height: p.inputSize[0], width: p.inputSize[1])
                guard [expected.height, expected.width] == p.outputSize else {
                    throw .unsupportedModel("\(name): output size \(p.outputSize) is not the floor of the window formula")
                }
                emit(.conv(weights: p.weights, bias: p.bias, outChannels: p.outChannels, kernel: g.kernel,
                           strides: g.strides, pads: g.pads, dilations: g.dilations), output)
            case .rescale(let shift):
                flush()
                pending = (shift, -outBound, outBound)
            case .clamp(let lo, let hi):
                if var p = pending {
                    p.lo = max(p.lo, lo); p.hi = min(p.hi, hi)
                    pending = p
                } else {
                    pending = (0, lo, hi)
                }
            case .relu:
                if var p = pending {
                    p.lo = max(p.lo, 0)
                    pending = p
                } else {
                    pending = (0, 0, outBound)
                }
            case .maxPool(let p):
                flush()
                let g = p.geometry
                emit(.maxPool(kernel: g.kernel, strides: g.strides, pads: g.pads, dilations: g.dilations, outputSize: p.outputSize), output)
            case .reshape:
                flush()
                emit(.reshape(shape: try dims(output, name)), output)
            case .gather(let map):
                flush()
                emit(.gather(indexMap: map, shape: try dims(output, name)), output)
            case .scaleUp(let shift):
                flush()
                emit(.scaleUp(shift: shift), output)
            case .mulConst(let values):
                flush()
                emit(.mulConst(values: values), output)
            case .addConst(let values):
                flush()
                emit(.addConst(values: values), output)
            case .sumPool(let p):
                flush()
                let g = p.geometry
                emit(.sumPool(kernel: g.kernel, strides: g.strides, pads: g.pads, dilations: g.dilations, outputSize: p.outputSize), output)
            case .table(let t):
                flush()
                emit(.table(start: t.inputOffset, values: t.values), output)
            case .leakyRelu(let multiplier, let shift):
                flush()
                emit(.leakyRelu(multiplier: multiplier, shift: shift), output)
            case .add, .sub:
                flush()
                guard layer.inputs.count == 2 else { throw .unsupportedModel("\(name) needs two operands, has \(layer.inputs.count)") }
                let other = try operand(layer.inputs[1])
                if case .add = layer.op { emit(.add(other), output) } else { emit(.sub(other), output) }
            case .concat(let axis):
                flush()
                if dropsBatch && axis == 0 {
                    // Along the batch axis (the outermost): the parts' flat vectors concatenated, then
                    // the output's shape.
                    concatenateFlat(try layer.inputs.map { id throws(ZKMLError) in (try operand(id), id) })
                    emit(.reshape(shape: try dims(output, name)), output)
                } else {
                    let parts = try layer.inputs.map { id throws(ZKMLError) in try operand(id) }
                    let shape = model.tensors[output].shape
                    let dropped = dropsBatch && shape.count >= 2 && shape[0] == 1
                    emit(.concat(parts: parts, axis: dropped ? axis - 1 : axis), output)
                }
            }
            current = output
        }
        flush()
        if model.outputs.count == 1 {
            if current != model.outputs[0] {
                guard let t = tensorOf[model.outputs[0]] else { throw .unsupportedModel("the output tensor is not written by any layer") }
                layers.append(.select(t))
            }
        } else {
            // Several outputs: the circuit output is their flat vectors concatenated in order (a
            // reshape of each to one dimension costs nothing, their concatenation is one combine).
            concatenateFlat(try model.outputs.enumerated().map { k, o throws(ZKMLError) in
                guard let t = tensorOf[o] else { throw .unsupportedModel("output \(k) (tensor \(o)) is not written by any layer") }
                return (t, o)
            })
        }
        return QuantizedNetwork(inputShape: inputShapes[0], inputMin: -inputBound, inputMax: inputBound, layers: layers,
                                additionalInputShapes: Array(inputShapes.dropFirst()))
    }

    /// Compiles and commits a quantized model (the one-time registration cost).
    public static func proverModel(from model: QuantizedModel) throws(ZKMLError) -> ProverModel {
        let (arch, weights) = try NetworkCompiler.compile(network(from: model))
        return try ProverModel(architecture: arch, weights: weights, metadata: metadata(model))
    }

    /// Canonical bytes of what a verifier needs to read inputs and outputs: the quantization config
    /// and the input and output exponents. A model with one input and one output writes version 1
    /// (its first input's and its output's exponent: the bytes, hence the model id, of such models are
    /// unchanged); a model with several inputs or outputs writes version 2, which adds every input's
    /// and every output's exponent and element count (`QuantizationMetadata`).
    public static func metadata(_ model: QuantizedModel) -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(Array("CZKQ".utf8))
        let several = model.inputCount > 1 || model.outputs.count > 1
        w.writeUInt8(several ? 2 : 1)
        let c = model.config
        for v in [c.weightBits, c.activationBits, c.tableInputBits, c.tableRange, c.constantShift,
                  model.tensors[0].exponent, model.tensors[model.outputs[0]].exponent] {
            w.writeUInt64(UInt64(bitPattern: Int64(v)))
        }
        if several {
            for ids in [Array(0..<model.inputCount), model.outputs] {
                w.writeUInt64(UInt64(ids.count))
                for id in ids {
                    w.writeUInt64(UInt64(bitPattern: Int64(model.tensors[id].exponent)))
                    w.writeUInt64(UInt64(model.tensors[id].count))
                }
            }
        }
        return w.bytes
    }
}
