/// Reed-Solomon encoding over the multiplicative subgroups of Goldilocks.
///
/// A message of N = 2^n coefficients (natural order) is evaluated on the subgroup of order
/// M = N · 2^rateLog (rate 2^-rateLog). The codeword is in bit-reversed order: entry i is
/// f(ω_M^rev(i)), so entries 2i and 2i+1 are f(x) and f(−x), and 2^k consecutive entries are the
/// fibre of x ↦ x^(2^k): exactly what a folding step reads.
public enum ReedSolomon {
    /// Encodes `coefficients` at rate 2^-rateLog. `plan` must have the message size.
    ///
    /// The codeword is built as 2^rateLog cosets of the message-size subgroup, one NTT each
    /// (block b is the NTT of c_i · s_b^i with s_b = ω_M^rev(b)), so no transform runs on zeros.
    @inlinable
    public static func encode<F: FieldElement>(_ coefficients: [F], rateLog: Int, plan: NTTPlan) -> [F] {
        let n = coefficients.count
        precondition(n == plan.size, "plan size must equal the message length")
        let blocks = 1 << rateLog
        // Every entry is written below, so the buffer is not zeroed first (tens of MB for big models).
        return [F](unsafeUninitializedCapacity: n * blocks) { out, initialized in
            let dst = out.baseAddress!
            coefficients.withUnsafeBufferPointer { src in
                for b in 0..<blocks {
                    let block = dst + b * n
                    plan.forwardWideStages(from: src.baseAddress!, to: block, shift: cosetShift(b, rateLog: rateLog, logSize: plan.logSize))
                    Parallel.forEachChunk(count: plan.blockCount, minimumChunk: 1) { range in
                        for i in range { plan.forwardBlock(block, block: i) }
                    }
                }
            }
            initialized = n * blocks
        }
    }

    /// The shift s_b = ω_M^rev(b) of coset block b (M = 2^(logSize + rateLog)); nil for block 0 (s = 1).
    @inlinable
    static func cosetShift(_ b: Int, rateLog: Int, logSize: Int) -> Goldilocks? {
        b == 0 ? nil : Goldilocks.rootOfUnity(logOrder: logSize + rateLog).power(UInt64(reverseBits(b, bits: rateLog)))
    }

    /// The evaluation point of codeword entry `position` for a codeword of length 2^logLength.
    @inlinable
    public static func domainPoint(logLength: Int, position: Int) -> Goldilocks {
        Goldilocks.rootOfUnity(logOrder: logLength).power(UInt64(reverseBits(position, bits: logLength)))
    }
}
