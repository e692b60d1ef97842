/// Folds inference-mode BatchNormalization into the Conv or Gemm that feeds it, when that
/// Conv/Gemm output is read by nothing else: `w' = w * s`, `b' = b * s + t` per output channel,
/// with `s = gamma / sqrt(var + eps)` and `t = beta - mean * s`.
package enum BatchNormFolding {
    package static func fold(_ graph: ModelGraph) -> ModelGraph {
        var g = graph
        var readers: [String: Int] = [:]
        for node in g.nodes { for input in node.inputs { readers[input, default: 0] += 1 } }
        for output in g.outputs { readers[output.name, default: 0] += 1 }
        var removed = Set<Int>()
        for (index, node) in g.nodes.enumerated() {
            guard case .batchNormalization(let epsilon) = node.op else { continue }
            let x = node.inputs[0]
            guard readers[x] == 1,
                  let producerIndex = g.nodes.firstIndex(where: { $0.outputs.first == x }),
                  let gamma = g.constants[node.inputs[1]], let beta = g.constants[node.inputs[2]],
                  let mean = g.constants[node.inputs[3]], let variance = g.constants[node.inputs[4]]
            else { continue }
            var producer = g.nodes[producerIndex]
            let (scale, shift) = FloatKernels.batchNormAffine(gamma, beta, mean, variance, epsilon: epsilon)
            let channels = scale.count
            guard producer.inputs.count >= 2, var weights = g.constants[producer.inputs[1]] else { continue }
            var bias = FloatTensor(zeros: [channels])
            if producer.inputs.count > 2, !producer.inputs[2].isEmpty {
                guard let b = g.constants[producer.inputs[2]], b.count == channels || b.count == 1 else { continue }
                bias.data = b.count == channels ? b.data : [Float](repeating: b.data[0], count: channels)
            }
            switch producer.op {
            case .conv:
                guard weights.shape[0] == channels else { continue }
                let per = weights.count / channels
                for c in 0..<channels { for i in 0..<per { weights.data[c * per + i] *= scale[c] } }
            case .gemm(let alpha, let betaCoefficient, let transA, let transB):
                guard !transA, let shape = g.shapes[x], shape.count == 2, shape[1] == channels else { continue }
                let k = weights.count / channels
                for o in 0..<channels {
                    for i in 0..<k {
                        let index = transB ? o * k + i : i * channels + o
                        weights.data[index] *= scale[o] * alpha
                    }
                    bias.data[o] *= betaCoefficient
                }
                producer.op = .gemm(alpha: 1, beta: 1, transA: false, transB: transB)
            default:
                continue
            }
            for c in 0..<channels { bias.data[c] = bias.data[c] * scale[c] + shift[c] }
            let weightName = "\(producer.name)__folded_weights"
            let biasName = "\(producer.name)__folded_bias"
            g.constants[weightName] = weights
            g.constants[biasName] = bias
            g.shapes[weightName] = weights.shape
            g.shapes[biasName] = bias.shape
            producer.inputs = [producer.inputs[0], weightName, biasName]
            producer.outputs = [node.outputs[0]]
            g.nodes[producerIndex] = producer
            removed.insert(index)
        }
        g.nodes = g.nodes.enumerated().filter { !removed.contains($0.offset) }.map(\.element)
        return g
    }
}
