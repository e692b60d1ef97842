/// The sparse part of a combination claim (`EvaluationClaim.sparse`): unit-vector terms inside ONE
/// block of the polynomial's table, kept as (indices, coefficients) instead of one Boolean point per
/// term. With g_t = `block`·2^`blockVariables` + `indices[t]` it stands for
/// Σ_t coefficients[t]·f(g_t) = Σ_t coefficients[t]·f(bits(g_t)), i.e. the weight
/// Σ_t coefficients[t]·eq(bits(g_t), ·); ZKML's mask-pool claim has 1,000–2,000 such terms (docs/ZK.md §3).
/// The verifier evaluates the whole weight at a point in O(terms + 2^(m/2)) for m varying coordinates
/// (`evaluate(at:)`, `contract(inner:outer:)`) instead of one n-variable eq product per term, and the
/// block is one range of the table (`range`), so checking where the weight lies is one comparison.
/// The transcript absorbs each entry exactly as a `ClaimTerm` at the Boolean point of g_t would be
/// absorbed, so a claim written either way gives the same proof.
public struct SparseWeight: Sendable, Equatable {
    /// The block's index: its entries are `block`·2^`blockVariables` ..< (`block` + 1)·2^`blockVariables`
    /// (the leading n − `blockVariables` Boolean coordinates of every term's point, as an integer).
    public var block: Int
    /// log2 of the block's size: the number of trailing coordinates the indices span.
    public var blockVariables: Int
    /// Entry indices inside the block, strictly increasing, each below 2^`blockVariables`.
    public var indices: [Int]
    /// One coefficient per index.
    public var coefficients: [GoldilocksExt2]

    public init(block: Int, blockVariables: Int, indices: [Int], coefficients: [GoldilocksExt2]) {
        self.block = block
        self.blockVariables = blockVariables
        self.indices = indices
        self.coefficients = coefficients
    }

    /// Number of terms.
    public var count: Int { indices.count }

    /// The table entries the block covers (every term's index lies in it).
    public var range: Range<Int> { (block << blockVariables)..<((block + 1) << blockVariables) }

    /// The table index of term `t`.
    @inlinable
    public func globalIndex(_ t: Int) -> Int { block << blockVariables | indices[t] }

    /// Nil when the weight is well formed on a table of 2^`n` entries; otherwise why not: the block
    /// must lie in the table, there must be at least one term, one coefficient per index, and the
    /// indices must be strictly increasing (no duplicates) and inside the block.
    public func malformation(numVariables n: Int) -> String? {
        guard blockVariables >= 0, blockVariables <= n, block >= 0, block < 1 << (n - blockVariables) else {
            return "sparse weight: block \(block) of 2^\(blockVariables) entries is not in a table of 2^\(n)"
        }
        guard !indices.isEmpty, indices.count == coefficients.count else {
            return "sparse weight: \(indices.count) indices and \(coefficients.count) coefficients"
        }
        var previous = -1
        for i in indices {
            guard i > previous else { return "sparse weight: index \(i) after \(previous) (indices must increase)" }
            guard i < 1 << blockVariables else { return "sparse weight: index \(i) outside a block of 2^\(blockVariables)" }
            previous = i
        }
        return nil
    }

    /// Σ_t c_t·eq(bits(g_t), `point`) for a point of n coordinates (first coordinate on the top bit):
    /// the prefix's eq factor once, then `contract` over the block's coordinates.
    public func evaluate(at point: [GoldilocksExt2]) -> GoldilocksExt2 {
        let n = point.count, b = blockVariables
        precondition(b <= n, "a point of the table's size")
        var prefix = GoldilocksExt2.one
        for j in 0..<(n - b) {
            let p = point[j]
            prefix *= (block >> (n - b - 1 - j)) & 1 == 1 ? p : GoldilocksExt2.one - p
        }
        return prefix * contract(inner: Array(point[(n - b)...])) { _ in .one }
    }

    /// Σ_t c_t·outer(g_t >> m)·eq(low m bits of g_t, `inner`) for m = `inner.count` (point order: the
    /// first coordinate pairs with bit m − 1). eq(·, inner) is the product of two tables of ~2^(m/2)
    /// entries (high and low halves of the m bits); terms whose g_t share the high bits share one
    /// multiplication by the high table and by `outer`: about one multiplication per term.
    public func contract(inner: [GoldilocksExt2], outer: (Int) -> GoldilocksExt2) -> GoldilocksExt2 {
        let m = inner.count
        let hiCount = m / 2, loBits = m - hiCount
        let hiTable = MLE.eqTable(Array(inner[..<hiCount]))
        let loTable = MLE.eqTable(Array(inner[hiCount...]))
        let loMask = (1 << loBits) - 1, hiMask = (1 << hiCount) - 1
        var total = GoldilocksExt2.zero, run = GoldilocksExt2.zero
        var current = -1
        for t in indices.indices {
            let g = globalIndex(t)
            let h = g >> loBits
            if h != current {
                if current >= 0 { total += run * hiTable[current & hiMask] * outer(current >> hiCount) }
                current = h
                run = .zero
            }
            run += coefficients[t] * loTable[g & loMask]
        }
        if current >= 0 { total += run * hiTable[current & hiMask] * outer(current >> hiCount) }
        return total
    }

    /// Several weights on one table of 2^`n` entries as ONE weight with the same value on every
    /// polynomial: Σ_w Σ_t c_wt·f(g_wt). Its block is the smallest aligned block holding every weight's
    /// block (their common block when they share one), so its range contains each part's range and a
    /// range check on it (ZKML's free-region check) implies the check on every part; its indices are
    /// the union of the parts' entries, increasing, the coefficients of terms on one entry added
    /// (overlapping weights are allowed: the sum weighs that entry once with the summed coefficient).
    /// Nil when `weights` is empty or one of them is malformed (`malformation(numVariables: n)`).
    /// One linear merge per weight.
    public static func merged(_ weights: [SparseWeight], numVariables n: Int) -> SparseWeight? {
        guard let first = weights.first, weights.allSatisfy({ $0.malformation(numVariables: n) == nil }) else { return nil }
        if weights.count == 1 { return first }
        var lo = first.range.lowerBound, hi = first.range.upperBound - 1
        for w in weights.dropFirst() {
            lo = Swift.min(lo, w.range.lowerBound)
            hi = Swift.max(hi, w.range.upperBound - 1)
        }
        var b = 0
        while lo >> b != hi >> b { b += 1 }
        let base = (lo >> b) << b
        var indices = (0..<first.count).map { first.globalIndex($0) - base }
        var coefficients = first.coefficients
        for w in weights.dropFirst() {
            var mergedIndices = [Int](), mergedCoefficients = [GoldilocksExt2]()
            mergedIndices.reserveCapacity(indices.count + w.count)
            mergedCoefficients.reserveCapacity(indices.count + w.count)
            var i = 0, j = 0
            while i < indices.count || j < w.count {
                let a = i < indices.count ? indices[i] : Int.max
                let c = j < w.count ? w.globalIndex(j) - base : Int.max
                if a < c {
                    mergedIndices.append(a)
                    mergedCoefficients.append(coefficients[i])
                    i += 1
                } else if c < a {
                    mergedIndices.append(c)
                    mergedCoefficients.append(w.coefficients[j])
                    j += 1
                } else {
                    mergedIndices.append(a)
                    mergedCoefficients.append(coefficients[i] + w.coefficients[j])
                    i += 1
                    j += 1
                }
            }
            indices = mergedIndices
            coefficients = mergedCoefficients
        }
        return SparseWeight(block: lo >> b, blockVariables: b, indices: indices, coefficients: coefficients)
    }
}
