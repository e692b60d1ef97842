extension MLE {
    /// Converts an evaluation table over {0,1}^n into the multilinear monomial coefficients (same
    /// index convention: coefficient i multiplies Π_{bits j of i} x_{n-j}), in place (Möbius transform).
    @inlinable
    public static func evaluationsToCoefficients<F: FieldElement>(_ table: inout [F]) {
        transform(&table, subtract: true)
    }

    /// The inverse of `evaluationsToCoefficients`.
    @inlinable
    public static func coefficientsToEvaluations<F: FieldElement>(_ table: inout [F]) {
        transform(&table, subtract: false)
    }

    @inlinable
    static func transform<F: FieldElement>(_ table: inout [F], subtract: Bool) {
        let n = table.count
        precondition(n > 0 && n & (n - 1) == 0)
        table.withUnsafeMutableBufferPointer { t in
            let base = t.baseAddress!
            var bit = 1
            while bit < n {
                let b = bit
                // Pairs (i, i + b) with bit b clear in i: index them by (block, offset).
                Parallel.forEachChunk(count: n / 2) { range in
                    for k in range {
                        let i = (k / b) * 2 * b + (k % b)
                        base[i + b] = subtract ? base[i + b] - base[i] : base[i + b] + base[i]
                    }
                }
                bit <<= 1
            }
        }
    }
}
