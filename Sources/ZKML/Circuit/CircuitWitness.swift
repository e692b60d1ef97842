/// The integer trace of one inference through a circuit: every value vector, the remainders of each
/// requantization, and how often each lookup-table entry was used.
///
/// This is the exact integer computation the proof speaks about; `values.last` is the output.
package struct CircuitWitness: Sendable {
    /// `values[0]` is the padded input, `values[l + 1]` the output of layer `l`.
    package var values: [[Int64]]
    /// Per layer: the committed helper columns (requantize: remainder limbs, low limbs, cap − low limbs,
    /// c; max-pool: the limbs of y − x_i per window element; empty for other layers).
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
        var constantIndex = 0
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
                guard case let .sign(start, bits) = arch.tables[rq.signTable] else {
                    throw .invalidArchitecture("layer \(index): table \(rq.signTable) is not a sign table")
                }
                let half: Int64 = rq.shift == 0 ? 0 : Int64(1) << Int64(rq.shift - 1)
                let signSize = Int64(1) << Int64(bits)
                let divisor = rq.cap + 1
                let groups = [rq.remainderLimbs, rq.lowLimbs, rq.capLimbs]
                let tableOf = try groups.map { ws throws(ZKMLError) in try ws.map { w throws(ZKMLError) in try arch.rangeTable(bits: w) } }
                var columns = [[Int64]](repeating: [Int64](repeating: 0, count: rq.size), count: rq.helperCount)
                for t in 0..<rq.size {
                    let shifted = x[t] + half
                    let q = shifted >> Int64(rq.shift)  // arithmetic shift: floor division
                    let rest = q - rq.lo
                    let high = NetworkCompiler.floorDiv(rest, divisor)
                    let lowPart = rest - high * divisor
                    guard high - start >= 0 && high - start < signSize else {
                        if tamper != nil { continue }
                        throw .outOfRange("layer \(index) (requantize): value \(x[t]) at \(t) is outside the sign table's range")
                    }
                    out[t] = min(max(q, rq.lo), rq.hi)
                    let parts = [shifted - (q << Int64(rq.shift)), lowPart, rq.cap - lowPart]
                    var column = 0
                    for g in 0..<3 {
                        for (j, limb) in Limbs.split(parts[g], widths: groups[g]).enumerated() {
                            columns[column][t] = limb
                            multiplicities[tableOf[g][j]][Int(limb)] += 1
                            column += 1
                        }
                    }
                    columns[column][t] = high.signum()
                    multiplicities[rq.signTable][Int(high - start)] += 1
                }
                rem = columns
                y = out
            case .gather(let g):
                y = g.map.map { $0 < 0 ? 0 : x[Int($0)] }
            case .elementwise(let e):
                var out = x.map { $0 &* e.scale }
                if e.multiplier {
                    let m = weights.constants[constantIndex]
                    constantIndex += 1
                    for t in out.indices { out[t] = out[t] &* m[t] }
                }
                if e.addend {
                    let a = weights.constants[constantIndex]
                    constantIndex += 1
                    for t in out.indices { out[t] = out[t] &+ a[t] }
                }
                y = out
            case .sumPool(let p):
                var out = [Int64](repeating: 0, count: p.maps[0].count)
                for map in p.maps {
                    for (t, a) in map.enumerated() where a >= 0 { out[t] &+= x[Int(a)] }
                }
                y = out
            case .combine(let c):
                var out = [Int64](repeating: 0, count: c.maps[0].count)
                for (k, map) in c.maps.enumerated() {
                    let source = values[c.sources[k]]
                    for (t, a) in map.enumerated() where a >= 0 { out[t] &+= c.coefficients[k] &* source[Int(a)] }
                }
                y = out
            case .lookup(let f):
                guard case let .function(start, values) = arch.tables[f.table] else {
                    throw .invalidArchitecture("layer \(index): table \(f.table) is not a function table")
                }
                var out = [Int64](repeating: 0, count: f.size)
                for t in 0..<f.size {
                    let j = x[t] &- start
                    guard j >= 0 && j < Int64(values.count) else {
                        if tamper != nil { continue }
                        throw .outOfRange("layer \(index) (lookup): input \(x[t]) at \(t) is outside the table [\(start), \(start + Int64(values.count) - 1)]")
                    }
                    out[t] = values[Int(j)]
                    multiplicities[f.table][Int(j)] += 1
                }
                y = out
            case .maxPool(let mp):
                let n = mp.maps[0].count
                var out = [Int64](repeating: 0, count: n)
                let widths = mp.spreadLimbs
                let tableOf = try widths.map { w throws(ZKMLError) in try arch.rangeTable(bits: w) }
                var columns = [[Int64]](repeating: [Int64](repeating: 0, count: n), count: mp.helperCount)
                for t in 0..<n {
                    var best = Int64.min
                    for m in mp.maps { best = max(best, m[t] < 0 ? 0 : x[Int(m[t])]) }
                    out[t] = best
                    for (i, m) in mp.maps.enumerated() {
                        let d = best - (m[t] < 0 ? 0 : x[Int(m[t])])
                        guard d < Int64(1) << Int64(mp.spreadBits) else {
                            if tamper != nil { continue }
                            throw .outOfRange("layer \(index) (maxpool): window spread \(d) exceeds \(mp.spreadBits) bits")
                        }
                        for (j, limb) in Limbs.split(d, widths: widths).enumerated() {
                            columns[i * widths.count + j][t] = limb
                            multiplicities[tableOf[j]][Int(limb)] += 1
                        }
                    }
                }
                rem = columns
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
