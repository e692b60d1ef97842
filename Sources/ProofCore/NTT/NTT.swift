import CProofKernels

/// Radix-2 number-theoretic transforms over Goldilocks for one power-of-two size, with precomputed
/// twiddles. Immutable after construction, so one plan may be shared across threads.
///
/// `forward` maps coefficients in natural order to evaluations at the powers of a primitive root ω
/// in bit-reversed order (decimation in frequency, no permutation pass): out[i] = f(ω^rev(i)).
/// `inverse` undoes it exactly. Values may be base or extension elements (twiddles are base).
///
/// Large transforms run the wide stages over the whole array, then finish each cache-sized block
/// independently (all remaining stages in L2), spreading blocks across cores.
public final class NTTPlan: Sendable {
    /// log2 of the transform size.
    public let logSize: Int
    /// The transform size.
    public let size: Int
    /// twiddles[h + k] = ω_{2h}^k for h a power of two below `size` and k < h.
    @usableFromInline let twiddles: [Goldilocks]
    /// Same layout with inverse roots.
    @usableFromInline let inverseTwiddles: [Goldilocks]
    /// 1 / size.
    @usableFromInline let sizeInverse: Goldilocks
    /// The kernels base-field transforms run: the vector stages of CProofKernels (`ciro_ntt_*_x8`,
    /// AVX-512F or AVX2) or the Swift code. Extension elements always take the Swift path. Every set
    /// gives the same words (NTTTests compare them).
    public let kernels: KernelSet

    /// Blocks of this many elements are finished in cache by one thread.
    @usableFromInline static let blockSize = 1 << 12

    /// Plans up to this size share the twiddle tables of `NTTPlan.shared` (computed once per process):
    /// entry h + k of a table does not depend on the plan's size, so a larger plan's tables serve
    /// every smaller size unchanged, and a small proof's per-commit and per-layer plans cost nothing.
    public static let sharedLogSize = 16

    /// The plan of 2^`sharedLogSize` whose tables smaller plans reuse (immutable).
    static let shared = NTTPlan(computingLogSize: sharedLogSize)

    /// The plan of 2^`logSize` entries, running `kernels` (by default the set serving the calling
    /// task, `ProofKernels.current`: the fastest the CPU runs outside `ProofKernels.with`). A set
    /// the CPU does not run is a programming error (`KernelSet.isSupported`).
    public convenience init(logSize: Int, kernels: KernelSet? = nil) {
        let kernels = kernels ?? ProofKernels.current
        precondition(kernels.isSupported, "this CPU does not run the \(kernels.label) kernels")
        if logSize <= NTTPlan.sharedLogSize && logSize >= 0 {
            let shared = NTTPlan.shared
            self.init(logSize: logSize, twiddles: shared.twiddles, inverseTwiddles: shared.inverseTwiddles, kernels: kernels)
        } else {
            self.init(computingLogSize: logSize, kernels: kernels)
        }
    }

    private init(logSize: Int, twiddles: [Goldilocks], inverseTwiddles: [Goldilocks], kernels: KernelSet) {
        self.logSize = logSize
        size = 1 << logSize
        self.twiddles = twiddles
        self.inverseTwiddles = inverseTwiddles
        sizeInverse = Goldilocks(UInt64(size)).inverse()!
        self.kernels = kernels
    }

    private init(computingLogSize logSize: Int, kernels: KernelSet = .swift) {
        precondition(logSize >= 0 && logSize <= Goldilocks.twoAdicity, "NTT sizes go up to 2^32")
        self.logSize = logSize
        size = 1 << logSize
        // Only the top level (h = size/2, powers of ω = ω_size) is multiplied out, in eight
        // independent chains per chunk on every core; level h/2 is every other entry of level h
        // (ω_h = ω_2h^2), and ω_2h^-k = −ω_2h^(h−k) for 0 < k < h. The same elements as powering
        // each level's root and its inverse in turn, without the two sequential chains of `size`
        // multiplications each (~7 ms for 2^21, a plan per weight mask).
        let n = 1 << logSize, count = max(n, 1)
        let tw = [Goldilocks](unsafeUninitializedCapacity: count) { t, initialized in
            let table = t.baseAddress!
            table[0] = .one
            if n >= 2 {
                let top = n / 2
                let w = Goldilocks.rootOfUnity(logOrder: logSize)
                Parallel.forEachChunk(count: top, minimumChunk: 1 << 12) { range in
                    let lanes = 8
                    var x = [Goldilocks](repeating: .one, count: lanes)
                    var p = w.power(UInt64(range.lowerBound))
                    for i in 0..<lanes {
                        x[i] = p
                        p *= w
                    }
                    let step = w.power(UInt64(lanes))
                    var k = range.lowerBound
                    while k + lanes <= range.upperBound {
                        for i in 0..<lanes {
                            table[top + k + i] = x[i]
                            x[i] *= step
                        }
                        k += lanes
                    }
                    var i = 0
                    while k < range.upperBound {
                        table[top + k] = x[i]
                        k += 1
                        i += 1
                    }
                }
                var h = top / 2
                while h >= 1 {
                    for k in 0..<h { table[h + k] = table[2 * h + 2 * k] }
                    h /= 2
                }
            }
            initialized = count
        }
        let itw = [Goldilocks](unsafeUninitializedCapacity: count) { t, initialized in
            let table = t.baseAddress!
            table[0] = .one
            var h = 1
            while h < n {
                table[h] = .one
                for k in 1..<h { table[h + k] = -tw[2 * h - k] }
                h *= 2
            }
            initialized = count
        }
        twiddles = tw
        inverseTwiddles = itw
        sizeInverse = Goldilocks(UInt64(size)).inverse()!
        self.kernels = kernels
    }

    /// In-place forward transform: natural-order coefficients → bit-reversed evaluations.
    @inlinable
    public func forward<F: FieldElement>(_ values: inout [F]) {
        precondition(values.count == size, "NTT plan size mismatch")
        values.withUnsafeMutableBufferPointer { forward($0.baseAddress!) }
    }

    /// In-place inverse transform: bit-reversed evaluations → natural-order coefficients.
    @inlinable
    public func inverse<F: FieldElement>(_ values: inout [F]) {
        precondition(values.count == size, "NTT plan size mismatch")
        values.withUnsafeMutableBufferPointer { inverse($0.baseAddress!) }
    }

    /// Forward transform on `size` elements at `data`.
    @inlinable
    public func forward<F: FieldElement>(_ data: UnsafeMutablePointer<F>) {
        if size <= 1 { return }
        forwardWideStages(from: UnsafePointer(data), to: data, shift: nil)
        Parallel.forEachChunk(count: blockCount, minimumChunk: 1) { blockRange in
            for b in blockRange { forwardBlock(data, block: b) }
        }
    }

    /// Entries per cache block: the narrow stages finish each block of this many entries alone.
    @inlinable
    public var blockLength: Int { min(size, NTTPlan.blockSize) }

    /// Number of cache blocks.
    @inlinable
    public var blockCount: Int { size / blockLength }

    /// The first half of a forward transform of the coset values src_i · shift^i (src_i when `shift`
    /// is nil), written to `dst` (which may equal `src`): every stage whose butterflies span more
    /// than one block, in one pass over memory. Seen as a matrix of 2^wide rows of `blockLength`
    /// entries, these stages pair whole rows, so each stripe of `stripeWidth` adjacent columns is
    /// read once (the coset shift applied as it is read) into a contiguous scratch, run through all
    /// wide stages there in cache (radix 4, a radix-2 stage first when their count is odd) and
    /// written once; stripes are spread across cores. Then `forwardBlock(dst, block:)` for every
    /// block finishes the transform. (Until 2026-12-04 each radix-4 pair of stages was its own pass
    /// over memory; the butterflies and so the results are the same.)
    @inlinable
    public func forwardWideStages<F: FieldElement>(from src: UnsafePointer<F>, to dst: UnsafeMutablePointer<F>, shift: Goldilocks?) {
        let n = size
        let block = blockLength
        let wide = logSize - block.trailingZeroBitCount
        if wide == 0 {
            // No wide stage: the shifted copy is the whole first pass.
            if shift != nil || src != UnsafePointer(dst) {
                Parallel.forEachChunk(count: n) { range in
                    guard let shift else {
                        for i in range { dst[i] = src[i] }
                        return
                    }
                    var s = shift.power(UInt64(range.lowerBound))
                    for i in range {
                        dst[i] = src[i] * s
                        s *= shift
                    }
                }
            }
            return
        }
        let rows = 1 << wide
        let stripe = NTTPlan.stripeWidth(rows: rows, block: block)
        let rowShift = shift?.power(UInt64(block))
        let shift8 = shift?.power(8) ?? .one
        let vector = F.self == Goldilocks.self ? kernels.code : nil
        twiddles.withUnsafeBufferPointer { twBuffer in
            let tw = twBuffer.baseAddress!
            Parallel.forEachChunk(count: block / stripe, minimumChunk: max(1, (1 << 13) / (rows * stripe))) { range in
                let scratch = UnsafeMutablePointer<F>.allocate(capacity: rows * stripe)
                defer { scratch.deallocate() }
                for st in range {
                    let column = st * stripe
                    // Read the stripe (row r, columns column ..< column + stripe), shifted.
                    if let shift, let rowShift, let vector {
                        // Eight powers per row, stepped by shift^8 in the kernel.
                        var rowStart = shift.power(UInt64(column))
                        var powers = [Goldilocks](repeating: .one, count: 8)
                        for r in 0..<rows {
                            var s = rowStart
                            for i in 0..<8 {
                                powers[i] = s
                                s *= shift
                            }
                            powers.withUnsafeBufferPointer { p in
                                ciro_goldilocks_scale_powers_x8(vector, NTTPlan.words(scratch + r * stripe), NTTPlan.words(src + r * block + column),
                                                                stripe, NTTPlan.words(p.baseAddress!), shift8.value)
                            }
                            rowStart *= rowShift
                        }
                    } else if let shift, let rowShift {
                        var rowStart = shift.power(UInt64(column))
                        for r in 0..<rows {
                            let from = src + r * block + column, to = scratch + r * stripe
                            var s = rowStart
                            for j in 0..<stripe {
                                to[j] = from[j] * s
                                s *= shift
                            }
                            rowStart *= rowShift
                        }
                    } else {
                        for r in 0..<rows {
                            (scratch + r * stripe).update(from: src + r * block + column, count: stripe)
                        }
                    }
                    if let vector {
                        ciro_ntt_wide_stripe_x8(vector, NTTPlan.words(scratch), rows, stripe, block, column, NTTPlan.words(tw))
                    } else {
                        NTTPlan.wideStages(scratch, rows: rows, stripe: stripe, block: block, column: column, twiddles: tw)
                    }
                    for r in 0..<rows {
                        (dst + r * block + column).update(from: scratch + r * stripe, count: stripe)
                    }
                }
            }
        }
    }

    /// Columns per stripe of the wide stages: the stripe (rows × width entries) stays within
    /// ~256 KiB (L2), rows are at least 64 bytes (a cache line) and at most 512 bytes long.
    @inlinable
    static func stripeWidth(rows: Int, block: Int) -> Int {
        min(block, max(8, min(64, (1 << 15) / rows)))
    }

    /// Every wide stage on one stripe held contiguously at `data`: row r (of `rows`) holds columns
    /// `column` ..< `column + stripe` of row r of the full matrix (rows of `block` entries). A stage
    /// of half h = H·block pairs rows r and r + H; entry (r, j) is full index r·block + column + j,
    /// so its twiddle is tw[h + (r mod H)·block + column + j].
    @inlinable
    static func wideStages<F: FieldElement>(_ data: UnsafeMutablePointer<F>, rows: Int, stripe: Int, block: Int, column: Int,
                                            twiddles tw: UnsafePointer<Goldilocks>) {
        var halfRows = rows / 2
        if rows.trailingZeroBitCount % 2 == 1 {
            // One radix-2 stage first (half rows/2 rows).
            let h = halfRows * block
            for r in 0..<halfRows {
                let a = data + r * stripe, b = data + (r + halfRows) * stripe
                let t = tw + h + r * block + column
                for j in 0..<stripe {
                    let u = a[j], v = b[j]
                    a[j] = u + v
                    b[j] = (u - v) * t[j]
                }
            }
            halfRows /= 2
        }
        while halfRows >= 2 {
            let quarterRows = halfRows / 2
            let h = halfRows * block, q = h / 2
            var group = 0
            while group < rows {
                for r in 0..<quarterRows {
                    let a = data + (group + r) * stripe, b = a + quarterRows * stripe
                    let c = a + halfRows * stripe, d = c + quarterRows * stripe
                    let k = r * block + column
                    let t1 = tw + h + k, t2 = tw + h + k + q, w = tw + q + k
                    for j in 0..<stripe {
                        (a[j], b[j], c[j], d[j]) = NTTPlan.difRadix4(a[j], b[j], c[j], d[j], t1[j], t2[j], w[j])
                    }
                }
                group += 2 * halfRows
            }
            halfRows /= 4
        }
    }

    /// Finishes block `block` of a transform whose wide stages are done (`forwardWideStages`): every
    /// remaining stage on its `blockLength` entries, in cache.
    @inlinable
    public func forwardBlock<F: FieldElement>(_ data: UnsafeMutablePointer<F>, block: Int) {
        let length = blockLength
        twiddles.withUnsafeBufferPointer { tw in
            if F.self == Goldilocks.self, let code = kernels.code {
                ciro_ntt_block_x8(code, NTTPlan.words(data + block * length), length, NTTPlan.words(tw.baseAddress!))
            } else {
                NTTPlan.forwardBlock(data + block * length, count: length, twiddles: tw.baseAddress!)
            }
        }
    }

    /// The words of Goldilocks elements (one canonical UInt64 each) for the C kernels; only called
    /// when F is Goldilocks.
    @inlinable @inline(__always)
    static func words<F>(_ pointer: UnsafeMutablePointer<F>) -> UnsafeMutablePointer<UInt64> {
        UnsafeMutableRawPointer(pointer).assumingMemoryBound(to: UInt64.self)
    }

    @inlinable @inline(__always)
    static func words<F>(_ pointer: UnsafePointer<F>) -> UnsafePointer<UInt64> {
        UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt64.self)
    }

    /// Every stage with half below `count` (a power of two) on the `count` entries at `base`, in
    /// cache: radix-4 passes (two stages per pass over the block), then the last one or two stages
    /// with their trivial twiddles (1, and ω_4 once per four entries) left out.
    @inlinable @inline(__always)
    static func forwardBlock<F: FieldElement>(_ base: UnsafeMutablePointer<F>, count: Int, twiddles tw: UnsafePointer<Goldilocks>) {
        var h = count / 2
        while h >= 4 {
            var j = 0
            while j < count {
                for k in 0..<(h / 2) { NTTPlan.difRadix4(base + j, half: h, k: k, twiddles: tw) }
                j += 2 * h
            }
            h /= 4
        }
        if h == 2 {
            // Half 2 (twiddles 1 and ω_4 = tw[3]), then half 1 (twiddle 1).
            let w4 = tw[3]
            var j = 0
            while j < count {
                let a = base[j], b = base[j + 1], c = base[j + 2], d = base[j + 3]
                let a1 = a + c, c1 = a - c, b1 = b + d, d1 = (b - d) * w4
                base[j] = a1 + b1
                base[j + 1] = a1 - b1
                base[j + 2] = c1 + d1
                base[j + 3] = c1 - d1
                j += 4
            }
        } else if h == 1 {
            var j = 0
            while j < count {
                let u = base[j], v = base[j + 1]
                base[j] = u + v
                base[j + 1] = u - v
                j += 2
            }
        }
    }

    /// Inverse transform on `size` elements at `data`.
    @inlinable
    public func inverse<F: FieldElement>(_ data: UnsafeMutablePointer<F>) {
        let n = size
        if n <= 1 { return }
        let block = min(n, NTTPlan.blockSize)
        let scale = sizeInverse
        inverseTwiddles.withUnsafeBufferPointer { twBuffer in
            let tw = twBuffer.baseAddress!
            Parallel.forEachChunk(count: n / block, minimumChunk: 1) { blockRange in
                for b in blockRange {
                    let base = data + b * block
                    var hh = 1
                    while hh < block {
                        var j = 0
                        while j < block {
                            NTTPlan.ditButterflies(base + j, half: hh, range: 0..<hh, twiddles: tw + hh)
                            j += 2 * hh
                        }
                        hh *= 2
                    }
                }
            }
            var h = block
            while h < n {
                let hh = h
                let blocks = n / (2 * hh)
                for j in 0..<blocks {
                    let base = data + j * 2 * hh
                    Parallel.forEachChunk(count: hh, minimumChunk: 1 << 13) { range in
                        NTTPlan.ditButterflies(base, half: hh, range: range, twiddles: tw + hh)
                    }
                }
                h *= 2
            }
            Parallel.forEachChunk(count: n) { range in
                for i in range { data[i] = data[i] * scale }
            }
        }
    }

    /// Two decimation-in-frequency stages (half h, then h/2) on the four entries k, k + h/2, k + h,
    /// k + 3h/2 of a block of 2h (k < h/2): the same result as two radix-2 passes.
    @inlinable @inline(__always)
    static func difRadix4<F: FieldElement>(_ base: UnsafeMutablePointer<F>, half h: Int, k: Int, twiddles tw: UnsafePointer<Goldilocks>) {
        let q = h / 2
        (base[k], base[k + q], base[k + h], base[k + h + q]) =
            difRadix4(base[k], base[k + q], base[k + h], base[k + h + q], tw[h + k], tw[h + k + q], tw[q + k])
    }

    /// The two stages of a radix-4 butterfly on a, b, c, d (entries k, k + h/2, k + h, k + 3h/2):
    /// (a, c) and (b, d) with twiddles t1 = ω_2h^k and t2 = ω_2h^(k + h/2), then both halves with
    /// w = ω_h^k.
    @inlinable @inline(__always)
    static func difRadix4<F: FieldElement>(_ a: F, _ b: F, _ c: F, _ d: F, _ t1: Goldilocks, _ t2: Goldilocks,
                                           _ w: Goldilocks) -> (F, F, F, F) {
        let a1 = a + c, c1 = (a - c) * t1
        let b1 = b + d, d1 = (b - d) * t2
        return (a1 + b1, (a1 - b1) * w, c1 + d1, (c1 - d1) * w)
    }

    /// (u, v) → (u + v·w^-k, u − v·w^-k) for k in range.
    @inlinable @inline(__always)
    static func ditButterflies<F: FieldElement>(_ base: UnsafeMutablePointer<F>, half: Int, range: Range<Int>, twiddles: UnsafePointer<Goldilocks>) {
        for k in range {
            let u = base[k]
            let v = base[k + half] * twiddles[k]
            base[k] = u + v
            base[k + half] = u - v
        }
    }

    /// Reorders `values` between natural and bit-reversed order (an involution).
    @inlinable
    public static func bitReverse<F>(_ values: inout [F]) {
        let n = values.count
        precondition(n & (n - 1) == 0)
        let bits = n.trailingZeroBitCount
        if bits == 0 { return }
        for i in 0..<n {
            let j = Int(UInt64(i).bitReversedLow(bits))
            if i < j { values.swapAt(i, j) }
        }
    }
}

extension UInt64 {
    /// The low `bits` bits of `self`, reversed.
    @inlinable @inline(__always)
    func bitReversedLow(_ bits: Int) -> UInt64 {
        bits == 0 ? 0 : (bitReversed() >> UInt64(64 - bits))
    }

    @inlinable @inline(__always)
    func bitReversed() -> UInt64 {
        var v = self
        v = ((v >> 1) & 0x5555_5555_5555_5555) | ((v & 0x5555_5555_5555_5555) << 1)
        v = ((v >> 2) & 0x3333_3333_3333_3333) | ((v & 0x3333_3333_3333_3333) << 2)
        v = ((v >> 4) & 0x0F0F_0F0F_0F0F_0F0F) | ((v & 0x0F0F_0F0F_0F0F_0F0F) << 4)
        return v.byteSwapped
    }
}

/// Bit-reversal of the low `bits` bits of an index.
@inlinable @inline(__always)
public func reverseBits(_ index: Int, bits: Int) -> Int {
    Int(UInt64(index).bitReversedLow(bits))
}
