import Dispatch

/// A dense (or unfolded convolution) weight matrix packed for the fast integer dot product:
/// Int16 rows padded to a multiple of 16, summed in Int32 lanes over blocks short enough that
/// the Int32 partial sums provably cannot overflow, then widened to Int64.
/// Used only when every weight and every input is within Int16 (checked from static bounds),
/// so its result is exactly the Int64 sum of the reference semantics.
struct PackedMatrix: Sendable {
    let rows: Int
    let columns: Int
    /// Columns rounded up to a multiple of 16.
    let stride: Int
    let weights: [Int16]
    /// Number of 16-wide chunks summed in Int32 before widening.
    let chunksPerBlock: Int

    /// Packs `weights` (`rows x columns`, row-major) for inputs bounded by `inputBound`; nil when
    /// the values do not fit Int16.
    init?(weights source: [Int64], rows: Int, columns: Int, inputBound: Int64) {
        let weightBound = source.reduce(Int64(0)) { max($0, abs($1)) }
        guard inputBound <= Int64(Int16.max), weightBound <= Int64(Int16.max) else { return nil }
        self.rows = rows
        self.columns = columns
        self.stride = (columns + 15) & ~15
        var packed = [Int16](repeating: 0, count: rows * stride)
        for r in 0..<rows { for c in 0..<columns { packed[r * stride + c] = Int16(source[r * columns + c]) } }
        self.weights = packed
        // Sum of 16 lanes x chunks products must stay below 2^31.
        let product = max(weightBound * inputBound, 1)
        self.chunksPerBlock = max(1, Int((Int64(Int32.max) / product) / 16))
    }

    /// `out[r * outStride + outOffset] = bias[r] + dot(row r, x)` for `r` in `rowRange`.
    /// `x` points at `stride` Int16 values (zero-padded).
    @inline(__always)
    func multiply(x: UnsafePointer<Int16>, bias: UnsafePointer<Int64>, out: UnsafeMutablePointer<Int64>, outStride: Int, rowRange: Range<Int>) {
        weights.withUnsafeBufferPointer { wb in
            let w = UnsafeRawPointer(wb.baseAddress!)
            let xr = UnsafeRawPointer(x)
            let chunks = stride / 16
            for r in rowRange {
                let row = w + r * stride * 2
                var total = bias[r]
                var chunk = 0
                while chunk < chunks {
                    let end = min(chunks, chunk + chunksPerBlock)
                    var acc = SIMD16<Int32>()
                    while chunk < end {
                        let wv = SIMD16<Int32>(truncatingIfNeeded: row.loadUnaligned(fromByteOffset: chunk * 32, as: SIMD16<Int16>.self))
                        let xv = SIMD16<Int32>(truncatingIfNeeded: xr.loadUnaligned(fromByteOffset: chunk * 32, as: SIMD16<Int16>.self))
                        acc &+= wv &* xv
                        chunk += 1
                    }
                    total &+= Int64(acc.wrappedSum())
                }
                out[r * outStride] = total
            }
        }
    }
}

/// Splits `count` items over the machine's cores when the work is large enough to pay.
@inline(__always)
func parallelChunks(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let threshold = 150_000
    if work < threshold || count < 2 {
        body(0..<count)
        return
    }
    nonisolated(unsafe) let run = body
    let parts = 2
    let per = (count + parts - 1) / parts
    DispatchQueue.concurrentPerform(iterations: parts) { p in
        let start = p * per
        let end = min(count, start + per)
        if start < end { run(start..<end) }
    }
}
