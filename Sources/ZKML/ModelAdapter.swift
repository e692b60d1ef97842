import Models
import ProofCore

/// Turns the Models module's `QuantizedModel` into a circuit and a committed `ProverModel`.
///
/// Supported: a chain of dense / conv (any padding, stride, dilation) layers, rescale, clamp and ReLU
/// steps (merged into one requantize layer), max pooling (with padding and dilation), reshapes to any
/// shape and relayouts (Transpose: an index map), scaleUp / mulConst / addConst (elementwise layers),
/// sum pooling, sigmoid/tanh tables and LeakyRelu (lookup layers). Not yet: add, sub, concat, several
/// inputs or a tensor read by two layers.
public enum ModelAdapter {
    /// The circuit network for a quantized model (no commitment yet). Throws `unsupportedModel`
    /// naming the layer, its op and its ONNX node for anything the prover does not cover.
    public static func network(from model: QuantizedModel) throws(ZKMLError) -> QuantizedNetwork {
        guard model.inputCount == 1, model.outputs.count == 1 else {
            throw .unsupportedModel("only single-input, single-output models are proven")
        }
        /// A tensor's shape without its batch dimension (which must be 1).
        func dims(_ id: Int, _ what: String) throws(ZKMLError) -> [Int] {
            let shape = model.tensors[id].shape
            guard shape.count >= 2, shape[0] == 1 else {
                throw .unsupportedModel("\(what): shape \(shape) (expected batch 1: [1, ...])")
            }
            return Array(shape.dropFirst())
        }
        let input = model.tensors[0]
        let inputShape = try dims(0, "input")
        var layers: [NetworkLayer] = []
        var pending: (shift: Int, lo: Int64, hi: Int64)? = nil
        var current = 0
        func flush() {
            if let p = pending { layers.append(.requantize(shift: p.shift, lo: p.lo, hi: p.hi)) }
            pending = nil
        }
        for (index, layer) in model.layers.enumerated() {
            let name = "layer \(index) (\(layer.op.name), node '\(layer.sourceNode)')"
            guard layer.inputs == [current] else {
                throw .unsupportedModel("\(name) does not read the previous layer's output alone (several inputs or a branching graph are not proven yet)")
            }
            let outBound = model.tensors[layer.output].bound
            switch layer.op {
            case .dense(let p):
                flush()
                let rows = (0..<p.outFeatures).map { o in Array(p.weights[(o * p.inFeatures)..<((o + 1) * p.inFeatures)]) }
                layers.append(.dense(weights: rows, bias: p.bias))
            case .conv(let p):
                flush()
                let g = p.geometry
                let expected = g.outputSize(height: p.inputSize[0], width: p.inputSize[1])
                guard [expected.height, expected.width] == p.outputSize else {
                    throw .unsupportedModel("\(name): output size \(p.outputSize) is not the floor of the window formula")
                }
                layers.append(.conv(weights: p.weights, bias: p.bias, outChannels: p.outChannels, kernel: g.kernel,
                                    strides: g.strides, pads: g.pads, dilations: g.dilations))
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
                layers.append(.maxPool(kernel: g.kernel, strides: g.strides, pads: g.pads, dilations: g.dilations, outputSize: p.outputSize))
            case .reshape:
                flush()
                layers.append(.reshape(shape: try dims(layer.output, name)))
            case .gather(let map):
                flush()
                layers.append(.gather(indexMap: map, shape: try dims(layer.output, name)))
            case .scaleUp(let shift):
                flush()
                layers.append(.scaleUp(shift: shift))
            case .mulConst(let values):
                flush()
                layers.append(.mulConst(values: values))
            case .addConst(let values):
                flush()
                layers.append(.addConst(values: values))
            case .sumPool(let p):
                flush()
                let g = p.geometry
                layers.append(.sumPool(kernel: g.kernel, strides: g.strides, pads: g.pads, dilations: g.dilations, outputSize: p.outputSize))
            case .table(let t):
                flush()
                layers.append(.table(start: t.inputOffset, values: t.values))
            case .leakyRelu(let multiplier, let shift):
                flush()
                layers.append(.leakyRelu(multiplier: multiplier, shift: shift))
            case .add, .sub, .concat:
                throw .unsupportedModel("\(name) is not proven yet")
            }
            current = layer.output
        }
        flush()
        guard current == model.outputs[0] else { throw .unsupportedModel("the output is not the last layer's") }
        return QuantizedNetwork(inputShape: inputShape, inputMin: -input.bound, inputMax: input.bound, layers: layers)
    }

    /// Compiles and commits a quantized model (the one-time registration cost).
    public static func proverModel(from model: QuantizedModel) throws(ZKMLError) -> ProverModel {
        let (arch, weights) = try NetworkCompiler.compile(network(from: model))
        return try ProverModel(architecture: arch, weights: weights, metadata: metadata(model))
    }

    /// Canonical bytes of what a verifier needs to read inputs and outputs: the quantization config
    /// and the input and output exponents.
    public static func metadata(_ model: QuantizedModel) -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(Array("CZKQ".utf8))
        w.writeUInt8(1)
        let c = model.config
        for v in [c.weightBits, c.activationBits, c.tableInputBits, c.tableRange, c.constantShift,
                  model.tensors[0].exponent, model.tensors[model.outputs[0]].exponent] {
            w.writeUInt64(UInt64(bitPattern: Int64(v)))
        }
        return w.bytes
    }
}
