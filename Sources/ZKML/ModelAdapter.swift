import Models
import ProofCore

/// Turns the Models module's `QuantizedModel` into a circuit and a committed `ProverModel`.
///
/// Supported: a chain of dense / conv layers, each followed by rescale, clamp and ReLU steps (merged
/// into one requantize layer), max pooling without padding, and reshapes to a vector (flatten).
public enum ModelAdapter {
    /// The circuit network for a quantized model (no commitment yet).
    public static func network(from model: QuantizedModel) throws(ZKMLError) -> QuantizedNetwork {
        guard model.inputCount == 1, model.outputs.count == 1 else {
            throw .unsupportedModel("only single-input, single-output models are proven")
        }
        let input = model.tensors[0]
        guard let batch = input.shape.first, batch == 1, input.shape.count == 2 || input.shape.count == 4 else {
            throw .unsupportedModel("input shape \(input.shape) (expected [1, n] or [1, C, H, W])")
        }
        var layers: [NetworkLayer] = []
        var pending: (shift: Int, lo: Int64, hi: Int64)? = nil
        var current = 0
        func flush() {
            if let p = pending { layers.append(.requantize(shift: p.shift, lo: p.lo, hi: p.hi)) }
            pending = nil
        }
        for (index, layer) in model.layers.enumerated() {
            guard layer.inputs == [current] else {
                throw .unsupportedModel("layer \(index) (\(layer.op.name), node '\(layer.sourceNode)') does not read the previous layer's output")
            }
            let outBound = model.tensors[layer.output].bound
            switch layer.op {
            case .dense(let p):
                flush()
                let rows = (0..<p.outFeatures).map { o in Array(p.weights[(o * p.inFeatures)..<((o + 1) * p.inFeatures)]) }
                layers.append(.dense(weights: rows, bias: p.bias))
            case .conv(let p):
                flush()
                guard p.geometry.dilations.allSatisfy({ $0 == 1 }) else {
                    throw .unsupportedModel("layer \(index): dilated convolution")
                }
                layers.append(.conv(weights: p.weights, bias: p.bias, outChannels: p.outChannels, kernel: p.geometry.kernel,
                                    strides: p.geometry.strides, pads: p.geometry.pads))
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
                guard p.geometry.pads.allSatisfy({ $0 == 0 }), p.geometry.dilations.allSatisfy({ $0 == 1 }) else {
                    throw .unsupportedModel("layer \(index): max pooling with padding or dilation")
                }
                layers.append(.maxPool(kernel: p.geometry.kernel, strides: p.geometry.strides))
            case .reshape(let shape):
                flush()
                guard shape.first == 1, shape.dropFirst().count == 1 else {
                    throw .unsupportedModel("layer \(index): reshape to \(shape) (only flatten to [1, n] is proven)")
                }
                layers.append(.flatten)
            default:
                throw .unsupportedModel("layer \(index): op \(layer.op.name) (node '\(layer.sourceNode)') is not proven yet")
            }
            current = layer.output
        }
        flush()
        guard current == model.outputs[0] else { throw .unsupportedModel("the output is not the last layer's") }
        let shape = Array(input.shape.dropFirst())
        return QuantizedNetwork(inputShape: shape, inputMin: -input.bound, inputMax: input.bound, layers: layers)
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
