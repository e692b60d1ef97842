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
                let logB = b.trailingZeroBitCount
                // Pairs (i, i + b) with bit b clear in i: index them by (block, offset), with shifts
                // (an integer division per element cost more than the field operation).
                Parallel.forEachChunk(count: n / 2) { range in
                    if subtract {
                        for k in range {
                            let i = ((k >> logB) << (logB + 1)) | (k & (b - 1))
                            base[i + b] = base[i + b] - base[i]
                        }
                    } else {
                        for k in range {
                            let i = ((k >> logB) << (logB + 1)) | (k & (b - 1))
                            base[i + b] = base[i + b] + base[i]
                        }
                    }
                }
                bit <<= 1
            }
        }
    }
}
