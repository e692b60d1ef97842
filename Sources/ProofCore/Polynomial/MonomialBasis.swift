import CProofKernels

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

    /// Entries finished in cache by one thread before the strided passes over the whole table.
    @usableFromInline static let transformBlock = 1 << 12

    /// The monomial coefficients of an evaluation table as a new array: `evaluationsToCoefficients`
    /// with the copy fused into the first pass (each cache block is copied and transformed by one
    /// core), into a buffer that is not zeroed first.
    static func coefficients<F: FieldElement>(ofEvaluations table: [F]) -> [F] {
        let n = table.count
        return [F](unsafeUninitializedCapacity: n) { out, initialized in
            LargeBuffer.adviseHugePages(out.baseAddress!, count: n)
            table.withUnsafeBufferPointer { src in
                transform(from: src.baseAddress!, to: out.baseAddress!, count: n, subtract: true)
            }
            initialized = n
        }
    }

    @inlinable
    static func transform<F: FieldElement>(_ table: inout [F], subtract: Bool) {
        let n = table.count
        table.withUnsafeMutableBufferPointer { t in
            transform(from: nil, to: t.baseAddress!, count: n, subtract: subtract)
        }
    }

    /// For every bit b of the index: t[i + 2^b] ∓= t[i] where bit b of i is clear, on the `count`
    /// entries at `base` (copied from `source` first when given). The bits commute, so they are
    /// taken two at a time (four entries loaded once, four updates, one store each): first every
    /// bit below `transformBlock` inside each cache-sized block, then the higher bit pairs in
    /// strided passes over the table (four streams each), every pass split across cores.
    @inlinable
    static func transform<F: FieldElement>(from source: UnsafePointer<F>?, to base: UnsafeMutablePointer<F>, count n: Int, subtract: Bool) {
        precondition(n > 0 && n & (n - 1) == 0)
        let logN = n.trailingZeroBitCount
        let block = min(n, transformBlock)
        let logBlock = block.trailingZeroBitCount
        // Base-field tables of 8 entries or more run the vector kernels of the calling task's set
        // (`ciro_mobius_*_x8`, AVX-512F or AVX2 lanes; the same words as the Swift passes).
        let vector = F.self == Goldilocks.self && block >= 8 ? ProofKernels.current.code : nil
        Parallel.forEachChunk(count: n / block, minimumChunk: max(1, Parallel.minimumParallelLength / block)) { range in
            for b in range {
                let start = base + b * block
                if let source { start.initialize(from: source + b * block, count: block) }
                if let vector {
                    ciro_mobius_block_x8(vector, NTTPlan.words(start), block, subtract ? 1 : 0)
                    continue
                }
                var bit = 0
                while bit < logBlock {
                    transformPass(start, count: block, bit: bit, bits: min(2, logBlock - bit), subtract: subtract)
                    bit += 2
                }
            }
        }
        var bit = logBlock
        while bit < logN {
            let bits = min(2, logN - bit)
            let groups = n >> bits
            let b = bit
            Parallel.forEachChunk(count: groups) { range in
                if let vector {
                    ciro_mobius_pass_x8(vector, NTTPlan.words(base), range.lowerBound, range.upperBound, UInt32(b), UInt32(bits), subtract ? 1 : 0)
                } else {
                    transformPass(base, groups: range, bit: b, bits: bits, subtract: subtract)
                }
            }
            bit += 2
        }
    }

    /// Bits `bit` (and `bit + 1` when `bits` is 2) over all `count` entries at `start`.
    @inlinable @inline(__always)
    static func transformPass<F: FieldElement>(_ start: UnsafeMutablePointer<F>, count: Int, bit: Int, bits: Int, subtract: Bool) {
        transformPass(start, groups: 0..<(count >> bits), bit: bit, bits: bits, subtract: subtract)
    }

    /// Bits `bit` (and `bit + 1` when `bits` is 2) for the groups in `groups`: group k is the
    /// 2^bits entries whose index has k's low `bit` bits, those bits zero, then k's remaining bits.
    @inlinable @inline(__always)
    static func transformPass<F: FieldElement>(_ start: UnsafeMutablePointer<F>, groups: Range<Int>, bit: Int, bits: Int, subtract: Bool) {
        let stride = 1 << bit
        let low = stride - 1
        if bits == 2 {
            for k in groups {
                let p = start + (((k >> bit) << (bit + 2)) | (k & low))
                let a = p[0], b = p[stride], c = p[2 * stride], d = p[3 * stride]
                if subtract {
                    let b1 = b - a
                    p[stride] = b1
                    p[2 * stride] = c - a
                    p[3 * stride] = (d - c) - b1
                } else {
                    let b1 = b + a
                    p[stride] = b1
                    p[2 * stride] = c + a
                    p[3 * stride] = (d + c) + b1
                }
            }
        } else {
            for k in groups {
                let p = start + (((k >> bit) << (bit + 1)) | (k & low))
                p[stride] = subtract ? p[stride] - p[0] : p[stride] + p[0]
            }
        }
    }
}
