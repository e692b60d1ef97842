/// Interval analysis: a bound on `|y|` for every layer given bounds on its inputs. The quantizer
/// refuses a model whose bounds exceed `LayerBounds.limit`, so Int64 arithmetic never overflows.
package enum LayerBounds {
    /// The largest magnitude any intermediate value may reach (2^62).
    package static let limit: Int64 = 1 << 62

    package static func bound(of op: QuantizedOp, inputs b: [Int64], node: String) throws(ModelError) -> Int64 {
        func mul(_ x: Int64, _ y: Int64) throws(ModelError) -> Int64 {
            let r = x.multipliedReportingOverflow(by: y)
            guard !r.overflow, r.partialValue <= limit else { throw overflow() }
            return r.partialValue
        }
        func add(_ x: Int64, _ y: Int64) throws(ModelError) -> Int64 {
            let r = x.addingReportingOverflow(y)
            guard !r.overflow, r.partialValue <= limit else { throw overflow() }
            return r.partialValue
        }
        func overflow() -> ModelError {
            .quantization("integer bound of a \(op.name) layer from node '\(node)' exceeds 2^62")
        }
        switch op {
        case .dense(let p):
            var worst: Int64 = 0
            for o in 0..<p.outFeatures {
                var s: Int64 = abs(p.bias[o])
                var weightSum: Int64 = 0
                for i in 0..<p.inFeatures { weightSum = try add(weightSum, abs(p.weights[o * p.inFeatures + i])) }
                s = try add(s, try mul(weightSum, b[0]))
                worst = max(worst, s)
            }
            return worst
        case .conv(let p):
            let per = p.inChannels * p.geometry.kernel[0] * p.geometry.kernel[1]
            var worst: Int64 = 0
            for o in 0..<p.outChannels {
                var weightSum: Int64 = 0
                for i in 0..<per { weightSum = try add(weightSum, abs(p.weights[o * per + i])) }
                worst = max(worst, try add(abs(p.bias[o]), try mul(weightSum, b[0])))
            }
            return worst
        case .rescale(let shift):
            return shift == 0 ? b[0] : (b[0] >> shift) + 1
        case .scaleUp(let shift):
            return try mul(b[0], Int64(1) << shift)
        case .clamp(let lo, let hi):
            return min(b[0], max(abs(lo), abs(hi)))
        case .relu:
            return b[0]
        case .leakyRelu(let m, let shift):
            return max(b[0], (try mul(b[0], abs(m)) >> shift) + 1)
        case .table(let t):
            return t.values.map { abs($0) }.max() ?? 0
        case .maxPool, .reshape, .gather:
            return b[0]
        case .sumPool(let p):
            return try mul(b[0], Int64(p.geometry.kernel[0] * p.geometry.kernel[1]))
        case .mulConst(let values):
            return try mul(b[0], values.map { abs($0) }.max() ?? 0)
        case .addConst(let values):
            return try add(b[0], values.map { abs($0) }.max() ?? 0)
        case .add, .sub:
            return try add(b[0], b[1])
        case .concat:
            return b.max() ?? 0
        }
    }
}
