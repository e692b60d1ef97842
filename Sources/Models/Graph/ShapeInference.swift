/// Static output shapes of every supported op.
package enum ShapeInference {
    /// NumPy broadcasting of two shapes.
    package static func broadcast(_ a: [Int], _ b: [Int], node: String) throws(ModelError) -> [Int] {
        let rank = max(a.count, b.count)
        var out = [Int](repeating: 1, count: rank)
        for i in 0..<rank {
            let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
            let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
            guard da == db || da == 1 || db == 1 else {
                throw .shapeMismatch(node: node, detail: "cannot broadcast \(a) with \(b)")
            }
            out[i] = da == 1 ? db : da
        }
        return out
    }

    /// Normalizes a possibly negative axis for a tensor of `rank` dimensions.
    package static func axis(_ axis: Int, rank: Int, node: String, inclusiveEnd: Bool = false) throws(ModelError) -> Int {
        let limit = inclusiveEnd ? rank + 1 : rank
        let a = axis < 0 ? axis + limit : axis
        guard a >= 0, a < limit else {
            throw .shapeMismatch(node: node, detail: "axis \(axis) out of range for rank \(rank)")
        }
        return a
    }

    /// Resolves a Reshape target (0 = copy, -1 = infer) against the input shape.
    package static func resolveReshape(_ target: [Int], input: [Int], allowZero: Bool, node: String) throws(ModelError) -> [Int] {
        var out = target
        var inferred: Int? = nil
        for (i, d) in target.enumerated() {
            if d == 0 && !allowZero {
                guard i < input.count else { throw .shapeMismatch(node: node, detail: "shape \(target): 0 at axis \(i) has no input axis to copy") }
                out[i] = input[i]
            } else if d == -1 {
                guard inferred == nil else { throw .shapeMismatch(node: node, detail: "shape \(target) has two -1 entries") }
                inferred = i
            } else if d < 0 {
                throw .shapeMismatch(node: node, detail: "shape \(target) has a negative entry")
            }
        }
        let total = elementCount(input)
        if let i = inferred {
            let known = out.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
            guard known > 0, total % known == 0 else {
                throw .shapeMismatch(node: node, detail: "cannot reshape \(input) to \(target)")
            }
            out[i] = total / known
        }
        guard elementCount(out) == total else {
            throw .shapeMismatch(node: node, detail: "cannot reshape \(input) (\(total) elements) to \(out)")
        }
        return out
    }

    /// The output shape of a node given its input shapes (an absent optional input has shape `[]`).
    package static func outputShape(of node: GraphNode, inputShapes s: [[Int]]) throws(ModelError) -> [Int] {
        let name = node.name
        switch node.op {
        case .gemm(_, _, let transA, let transB):
            guard s[0].count == 2, s[1].count == 2 else {
                throw .shapeMismatch(node: name, detail: "Gemm needs 2-D operands, got \(s[0]) and \(s[1])")
            }
            let (m, k) = transA ? (s[0][1], s[0][0]) : (s[0][0], s[0][1])
            let (k2, n) = transB ? (s[1][1], s[1][0]) : (s[1][0], s[1][1])
            guard k == k2 else { throw .shapeMismatch(node: name, detail: "Gemm inner dimensions \(k) and \(k2) differ") }
            if s.count == 3, !node.inputs[2].isEmpty {
                let c = try broadcast(s[2], [m, n], node: name)
                guard c == [m, n] else { throw .shapeMismatch(node: name, detail: "Gemm C \(s[2]) does not broadcast to [\(m), \(n)]") }
            }
            return [m, n]
        case .matMul:
            var a = s[0], b = s[1]
            guard !a.isEmpty, !b.isEmpty else { throw .shapeMismatch(node: name, detail: "MatMul of a scalar") }
            let aVector = a.count == 1, bVector = b.count == 1
            if aVector { a = [1] + a }
            if bVector { b = b + [1] }
            guard a[a.count - 1] == b[b.count - 2] else {
                throw .shapeMismatch(node: name, detail: "MatMul inner dimensions of \(s[0]) and \(s[1]) differ")
            }
            var out = try broadcast(Array(a.dropLast(2)), Array(b.dropLast(2)), node: name)
            if !aVector { out.append(a[a.count - 2]) }
            if !bVector { out.append(b[b.count - 1]) }
            return out
        case .add, .sub, .mul:
            return try broadcast(s[0], s[1], node: name)
        case .relu, .leakyRelu, .sigmoid, .tanh, .identity, .dropout, .softmax:
            return s[0]
        case .batchNormalization:
            guard s[0].count >= 2 else { throw .shapeMismatch(node: name, detail: "BatchNormalization input must have a channel axis") }
            for i in 1...4 where s[i] != [s[0][1]] {
                throw .shapeMismatch(node: name, detail: "BatchNormalization operand \(i) has shape \(s[i]), expected [\(s[0][1])]")
            }
            return s[0]
        case .conv(let g):
            let x = s[0], w = s[1]
            guard x[1] == w[1] else {
                throw .shapeMismatch(node: name, detail: "Conv input has \(x[1]) channels, weights expect \(w[1])")
            }
            if s.count == 3, !node.inputs[2].isEmpty, s[2] != [w[0]] {
                throw .shapeMismatch(node: name, detail: "Conv bias has shape \(s[2]), expected [\(w[0])]")
            }
            let o = g.outputSize(height: x[2], width: x[3])
            guard o.height > 0, o.width > 0 else { throw .shapeMismatch(node: name, detail: "Conv output would be empty") }
            return [x[0], w[0], o.height, o.width]
        case .maxPool(let g, let ceilMode), .averagePool(let g, let ceilMode, _):
            let x = s[0]
            let o = g.outputSize(height: x[2], width: x[3], ceilMode: ceilMode)
            guard o.height > 0, o.width > 0 else { throw .shapeMismatch(node: name, detail: "pooling output would be empty") }
            return [x[0], x[1], o.height, o.width]
        case .globalAveragePool:
            return [s[0][0], s[0][1], 1, 1]
        case .flatten(let axis):
            let a = try self.axis(axis, rank: s[0].count, node: name, inclusiveEnd: true)
            return [elementCount(Array(s[0][..<a])), elementCount(Array(s[0][a...]))]
        case .reshape(let shape):
            guard elementCount(shape) == elementCount(s[0]) else {
                throw .shapeMismatch(node: name, detail: "cannot reshape \(s[0]) to \(shape)")
            }
            return shape
        case .transpose(let perm):
            guard perm.count == s[0].count else { throw .shapeMismatch(node: name, detail: "perm \(perm) for rank \(s[0].count)") }
            return perm.map { s[0][$0] }
        case .concat(let axis):
            let rank = s[0].count
            let a = try self.axis(axis, rank: rank, node: name)
            var out = s[0]
            out[a] = 0
            for shape in s {
                guard shape.count == rank else { throw .shapeMismatch(node: name, detail: "Concat operands of different ranks") }
                for i in 0..<rank where i != a && shape[i] != s[0][i] {
                    throw .shapeMismatch(node: name, detail: "Concat operands \(s[0]) and \(shape) differ off the axis")
                }
                out[a] += shape[a]
            }
            return out
        case .argMax(let axis, let keepDims, _):
            let a = try self.axis(axis, rank: s[0].count, node: name)
            var out = s[0]
            if keepDims { out[a] = 1 } else { out.remove(at: a) }
            return out
        }
    }
}
