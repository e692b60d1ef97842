/// The integer trace of one inference through a circuit: every value vector, the remainders of each
/// requantization, and how often each lookup-table entry was used.
///
/// This is the exact integer computation the proof speaks about; `values.last` is the output.
package struct CircuitWitness: Sendable {
    /// `values[0]` is the padded input, `values[l + 1]` the output of layer `l`.
    package var values: [[Int64]]
    /// Per layer: a requantize layer's helper columns [remainder, low, m, c] (empty for other layers).
    package var helpers: [[[Int64]]]
    /// Per table: the number of lookups of each entry.
    package var multiplicities: [[Int64]]

    /// Runs the circuit on a padded integer input.
    ///
    /// `tamper` (tests only: a deliberately wrong prover) may replace a layer's output before the next
    /// layer reads it.
    package init(architecture arch: CircuitArchitecture, weights: CircuitWeights, input: [Int64],
                 tamper: ((Int, [Int64]) -> [Int64])? = nil) throws(ZKMLError) {
        guard input.count == arch.inputSize else {
            throw .badInput("input has \(input.count) entries, the circuit takes \(arch.inputSize)")
        }
        values = [input]
        helpers = []
        multiplicities = arch.tables.map { [Int64](repeating: 0, count: 1 << $0.logSize) }
        var linearIndex = 0
        for (index, layer) in arch.layers.enumerated() {
            let x = values[index]
            var rem: [[Int64]] = []
            let y: [Int64]
            switch layer {
            case .linear(let shape):
                y = CircuitWitness.linear(shape, w: weights.matrices[linearIndex], b: weights.biases[linearIndex], x: x)
                linearIndex += 1
            case .requantize(let rq):
                var out = [Int64](repeating: 0, count: rq.size)
                var r = out, low = out, m = out, c = out
                guard case let .sign(start, bits) = arch.tables[rq.signTable] else {
                    throw .invalidArchitecture("layer \(index): table \(rq.signTable) is not a sign table")
                }
                let half: Int64 = rq.shift == 0 ? 0 : Int64(1) << Int64(rq.shift - 1)
                let signSize = Int64(1) << Int64(bits)
                let cap = rq.hi - rq.lo
                for t in 0..<rq.size {
                    let shifted = x[t] + half
                    let q = shifted >> Int64(rq.shift)  // arithmetic shift: floor division
                    let rest = q - rq.lo
                    let high = rest >> Int64(rq.lowBits)
                    let lowPart = rest - (high << Int64(rq.lowBits))
                    guard high - start >= 0 && high - start < signSize else {
                        if tamper != nil { continue }
                        throw .outOfRange("layer \(index) (requantize): value \(x[t]) at \(t) is outside the sign table's range")
                    }
                    out[t] = min(max(q, rq.lo), rq.hi)
                    r[t] = shifted - (q << Int64(rq.shift))
                    low[t] = lowPart
                    m[t] = min(lowPart, cap)
                    c[t] = high.signum()
                    multiplicities[rq.rangeTable][Int(r[t])] += 1
                    multiplicities[rq.minTable][Int(lowPart)] += 1
                    multiplicities[rq.signTable][Int(high - start)] += 1
                }
                rem = [r, low, m, c]
                y = out
            case .gather(let g):
                y = g.map.map { $0 < 0 ? 0 : x[Int($0)] }
            case .maxPool(let mp):
                let n = mp.maps[0].count
                var out = [Int64](repeating: 0, count: n)
                let rangeSize = Int64(1) << Int64(arch.tables[mp.rangeTable].logSize)
                for t in 0..<n {
                    var best = Int64.min
                    for m in mp.maps { best = max(best, m[t] < 0 ? 0 : x[Int(m[t])]) }
                    out[t] = best
                    for m in mp.maps {
                        let d = best - (m[t] < 0 ? 0 : x[Int(m[t])])
                        guard d < rangeSize else {
                            if tamper != nil { continue }
                            throw .outOfRange("layer \(index) (maxpool): window spread \(d) exceeds the range table")
                        }
                        multiplicities[mp.rangeTable][Int(d)] += 1
                    }
                }
                y = out
            }
            values.append(tamper?(index, y) ?? y)
            helpers.append(rem)
        }
    }

    /// acc[o][p] = b[o] + Σ_j W[o][j]·x[j][p].
    static func linear(_ s: LinearLayer, w: [Int64], b: [Int64], x: [Int64]) -> [Int64] {
        let rows = s.rows, inner = s.inner, cols = s.cols
        var out = [Int64](repeating: 0, count: rows * cols)
        w.withUnsafeBufferPointer { wp in
            x.withUnsafeBufferPointer { xp in
                out.withUnsafeMutableBufferPointer { op in
                    if cols == 1 {
                        for o in 0..<rows {
                            var acc = b[o]
                            let row = o * inner
                            for j in 0..<inner { acc &+= wp[row + j] &* xp[j] }
                            op[o] = acc
                        }
                    } else {
                        for o in 0..<rows {
                            let base = o * cols
                            for p in 0..<cols { op[base + p] = b[o] }
                            for j in 0..<inner {
                                let wv = wp[o * inner + j]
                                if wv == 0 { continue }
                                let xrow = j * cols
                                for p in 0..<cols { op[base + p] &+= wv &* xp[xrow + p] }
                            }
                        }
                    }
                }
            }
        }
        return out
    }
}
