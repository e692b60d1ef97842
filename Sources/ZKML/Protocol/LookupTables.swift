import ProofCore

/// The random linear combination that turns a lookup tuple (tag, a, b) into one field element:
/// β − (a + γ·b + δ·tag). Distinct tuples collide only with probability ~1/|E| over γ, δ.
struct LookupChallenges {
    let beta: Ext
    let gamma: Ext
    let delta: Ext

    func denominator(tag: Int, a: Ext, b: Ext) -> Ext {
        beta - (a + gamma * b + delta * Ext(Goldilocks(UInt64(tag))))
    }

    /// The denominators β − (j + δ·tag) of every entry j of a range table of 2^bits entries.
    func rangeDenominators(tag: Int, bits: Int) -> [Ext] {
        let base = beta - delta * Goldilocks(UInt64(tag))
        return (0..<(1 << bits)).map { base - Ext(Goldilocks(UInt64($0))) }
    }
}

extension LookupTable {
    /// The tag that separates this table's entries from every other table's (table index + 1).
    static func tag(_ index: Int) -> Int { index + 1 }

    /// Entry j as integers (a, b).
    func entry(_ j: Int) -> (Int64, Int64) {
        switch self {
        case .range: (Int64(j), 0)
        case let .sign(start, _): (start + Int64(j), (start + Int64(j)).signum())
        case let .function(start, values): (start + Int64(j), values[j])
        }
    }

    /// The extensions of the a and b columns at `point` (logSize coordinates). The verifier's cost is
    /// O(logSize) for range tables and O(2^logSize) for sign and function tables.
    func evaluateColumns(at point: [Ext]) -> (Ext, Ext) {
        let index = PointMath.indexValue(point)
        switch self {
        case .range:
            return (index, .zero)
        case let .sign(start, bits):
            let eq = MLE.eqTable(point)
            var b = Ext.zero
            for j in 0..<(1 << bits) {
                let v = start + Int64(j)
                if v > 0 { b += eq[j] } else if v < 0 { b -= eq[j] }
            }
            return (index + PointMath.field(start), b)
        case let .function(start, values):
            return (index + PointMath.field(start), PointMath.evaluate(values, at: point))
        }
    }
}

/// The clamp relation of a requantize layer: y = lo + (1 − c²)·m + (c² + c)/2·(hi − lo), where m is
/// the low part (the sum of its limbs).
enum RequantizeRelation {
    /// eq·(y − lo − m + c²·m − h·c² − h·c) with h = (hi − lo)/2, over tables [eq, y, m, c].
    static func combination(_ rq: RequantizeLayer) -> SumOfProducts<Ext> {
        let h = halfSpan(rq)
        return SumOfProducts(terms: [
            ProductTerm(factors: [0, 1]),
            ProductTerm(coefficient: -PointMath.field(rq.lo), factors: [0]),
            ProductTerm(coefficient: -Ext.one, factors: [0, 2]),
            ProductTerm(factors: [0, 3, 3, 2]),
            ProductTerm(coefficient: -h, factors: [0, 3, 3]),
            ProductTerm(coefficient: -h, factors: [0, 3]),
        ], tableCount: 4)
    }

    static func halfSpan(_ rq: RequantizeLayer) -> Ext {
        PointMath.field(rq.hi - rq.lo) * Goldilocks(2).inverse()!
    }

    /// The relation's value (without eq) at y, m, c.
    static func residual(_ rq: RequantizeLayer, y: Ext, m: Ext, c: Ext) -> Ext {
        let c2 = c * c
        return y - PointMath.field(rq.lo) - m + c2 * m - halfSpan(rq) * (c2 + c)
    }

    /// The high part (q − lo − low)/(hi − lo + 1) with q = (acc + 2^(shift−1) − r)/2^shift, in the field.
    static func high(_ rq: RequantizeLayer, acc: Ext, r: Ext, low: Ext) -> Ext {
        let half: Int64 = rq.shift == 0 ? 0 : 1 << Int64(rq.shift - 1)
        let invShift = Goldilocks(UInt64(1) << UInt64(rq.shift)).inverse()!
        let invLow = Goldilocks(UInt64(rq.cap + 1)).inverse()!
        let q = (acc + PointMath.field(half) - r) * invShift
        return (q - PointMath.field(rq.lo) - low) * invLow
    }
}

/// Recombines limbs: Σ_j 2^(8j)·limb_j (over integers, field elements or extension elements).
enum LimbSum {
    /// The weight 2^(bits·j) of limb j.
    static func weight(_ j: Int) -> Ext {
        var w = Ext.one
        for _ in 0..<j { w = w * Goldilocks(UInt64(1) << UInt64(Limbs.bits)) }
        return w
    }

    static func ext(_ limbs: ArraySlice<Ext>) -> Ext {
        var acc = Ext.zero
        for v in limbs.reversed() { acc = acc * Goldilocks(UInt64(1) << UInt64(Limbs.bits)) + v }
        return acc
    }

    static func integers(_ columns: ArraySlice<[Int64]>, at t: Int) -> Int64 {
        var acc: Int64 = 0
        for c in columns.reversed() { acc = (acc << Int64(Limbs.bits)) + c[t] }
        return acc
    }

    /// The first `limbs` columns of `columns` recombined at t.
    static func integers(_ columns: ArraySlice<[Int64]>, limbs: Int, at t: Int) -> Int64 {
        integers(columns.prefix(limbs), at: t)
    }
}
