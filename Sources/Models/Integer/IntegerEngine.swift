/// Runs a `QuantizedModel` exactly: every layer computes its documented integer semantics
/// (see `QuantizedOp`), so the outputs and the trace are what the proof system proves.
///
/// Construction packs weights for the fast kernels once; `run` and `trace` then allocate only
/// one array per layer. The engine is a value type and safe to share across threads.
public struct IntegerEngine: Sendable {
    public let model: QuantizedModel
    /// Per layer: packed weights for dense/conv layers whose bounds fit the Int16 kernel.
    let packed: [PackedMatrix?]
    /// Per conv layer using the packed kernel: the unfold gather map.
    let unfoldMaps: [[Int32]?]

    public init(model: QuantizedModel) {
        self.init(model: model, fastKernels: true)
    }

    /// `fastKernels: false` runs every layer with the plain reference loops (for testing that
    /// the fast kernels compute exactly the same integers).
    package init(model: QuantizedModel, fastKernels: Bool) {
        self.model = model
        var packed: [PackedMatrix?] = []
        for layer in model.layers where !fastKernels {
            _ = layer
            packed.append(nil)
        }
        for layer in model.layers where fastKernels {
            let inputBound = layer.inputs.first.map { model.tensors[$0].bound } ?? 0
            switch layer.op {
            case .dense(let p):
                packed.append(PackedMatrix(weights: p.weights, rows: p.outFeatures, columns: p.inFeatures, inputBound: inputBound))
            case .conv(let p):
                let columns = p.inChannels * p.geometry.kernel[0] * p.geometry.kernel[1]
                packed.append(PackedMatrix(weights: p.weights, rows: p.outChannels, columns: columns, inputBound: inputBound))
            default:
                packed.append(nil)
            }
        }
        self.packed = packed
        self.unfoldMaps = zip(model.layers, packed).map { layer, packed in
            guard case .conv(let p) = layer.op, let packed else { return nil }
            return IntegerKernels.unfoldMap(p, stride: packed.stride)
        }
    }

    /// Runs on quantized inputs (one array per model input) and returns every tensor.
    public func trace(inputs: [[Int64]]) throws(ModelError) -> IntegerTrace {
        var values = try checkedInputs(inputs)
        values.reserveCapacity(model.tensors.count)
        for (index, layer) in model.layers.enumerated() {
            values.append(evaluate(index, layer, values))
        }
        return IntegerTrace(values: values)
    }

    /// Runs on quantized inputs and returns the integer outputs (one array per model output).
    public func run(inputs: [[Int64]]) throws(ModelError) -> [[Int64]] {
        let trace = try trace(inputs: inputs)
        return model.outputs.map { trace.values[$0] }
    }

    /// Quantizes a real input, runs, and dequantizes the first output (post-processing not applied).
    public func run(flatInput: [Float]) throws(ModelError) -> [Float] {
        let q = model.quantizeInput(flatInput)
        let out = try run(inputs: [q])
        return model.dequantize(out[0], tensor: model.outputs[0])
    }

    func checkedInputs(_ inputs: [[Int64]]) throws(ModelError) -> [[Int64]] {
        guard inputs.count == model.inputCount else {
            throw .badInput("the model takes \(model.inputCount) inputs, got \(inputs.count)")
        }
        for (i, input) in inputs.enumerated() {
            let info = model.tensors[i]
            guard input.count == info.count else {
                throw .badInput("input '\(info.name)' needs \(info.count) values \(info.shape), got \(input.count)")
            }
            if let bad = input.firstIndex(where: { abs($0) > info.bound }) {
                throw .badInput("input '\(info.name)' element \(bad) = \(input[bad]) is outside the quantized range +-\(info.bound)")
            }
        }
        return inputs
    }

    /// Evaluates layer `index` on the values computed so far.
    func evaluate(_ index: Int, _ layer: QuantizedLayer, _ values: [[Int64]]) -> [Int64] {
        let x = values[layer.inputs[0]]
        let outInfo = model.tensors[layer.output]
        switch layer.op {
        case .dense(let p):
            return IntegerKernels.dense(x, p, packed: packed[index])
        case .conv(let p):
            return IntegerKernels.conv(x, p, batch: outInfo.shape[0], packed: packed[index], unfoldMap: unfoldMaps[index])
        case .rescale(let shift):
            return IntegerKernels.rescale(x, shift: shift)
        case .scaleUp(let shift):
            return x.map { $0 &<< Int64(shift) }
        case .clamp(let lo, let hi):
            return x.map { min(max($0, lo), hi) }
        case .relu:
            return x.map { max($0, 0) }
        case .leakyRelu(let m, let shift):
            let half: Int64 = shift > 0 ? 1 << (shift - 1) : 0
            return x.map { $0 >= 0 ? $0 : ($0 &* m &+ half) >> Int64(shift) }
        case .table(let t):
            let last = t.inputOffset + Int64(t.values.count) - 1
            return x.map { t.values[Int(min(max($0, t.inputOffset), last) - t.inputOffset)] }
        case .maxPool(let p):
            return IntegerKernels.pool(x, p, planes: outInfo.shape[0] * outInfo.shape[1], isMax: true)
        case .sumPool(let p):
            return IntegerKernels.pool(x, p, planes: outInfo.shape[0] * outInfo.shape[1], isMax: false)
        case .mulConst(let c):
            var out = x
            for i in 0..<out.count { out[i] = x[i] &* c[i] }
            return out
        case .addConst(let c):
            var out = x
            for i in 0..<out.count { out[i] = x[i] &+ c[i] }
            return out
        case .add:
            let y = values[layer.inputs[1]]
            var out = x
            for i in 0..<out.count { out[i] = x[i] &+ y[i] }
            return out
        case .sub:
            let y = values[layer.inputs[1]]
            var out = x
            for i in 0..<out.count { out[i] = x[i] &- y[i] }
            return out
        case .reshape:
            return x
        case .gather(let map):
            return map.map { x[$0] }
        case .concat(let axis):
            let shape = outInfo.shape
            let outer = elementCount(Array(shape[..<axis]))
            var out: [Int64] = []
            out.reserveCapacity(outInfo.count)
            for o in 0..<outer {
                for id in layer.inputs {
                    let part = values[id]
                    let block = part.count / outer
                    out.append(contentsOf: part[(o * block)..<((o + 1) * block)])
                }
            }
            return out
        }
    }
}
