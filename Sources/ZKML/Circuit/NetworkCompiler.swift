/// A quantized network in the terms a model importer speaks: integer layers over tensors of known
/// shape. `NetworkCompiler` turns it into a `CircuitArchitecture` plus `CircuitWeights`.
public struct QuantizedNetwork: Sendable, Equatable {
    /// Input shape: `[n]` for a vector or `[C, H, W]` for an image (batch dimension dropped).
    public var inputShape: [Int]
    /// Smallest and largest integer the input may hold (sizes the lookup tables).
    public var inputMin: Int64
    public var inputMax: Int64
    public var layers: [NetworkLayer]

    public init(inputShape: [Int], inputMin: Int64, inputMax: Int64, layers: [NetworkLayer]) {
        self.inputShape = inputShape
        self.inputMin = inputMin
        self.inputMax = inputMax
        self.layers = layers
    }
}

/// One integer layer of a `QuantizedNetwork`.
public enum NetworkLayer: Sendable, Equatable {
    /// `y[o] = bias[o] + Σ_i weights[o][i]·x[i]` (weights `[out][in]`).
    case dense(weights: [[Int64]], bias: [Int64])
    /// 2-D convolution, weights `[outC][inC][kH][kW]` flattened row-major, NCHW, no groups/dilation.
    case conv(weights: [Int64], bias: [Int64], outChannels: Int, kernel: [Int], strides: [Int], pads: [Int])
    /// `y = clamp(floor((x + 2^(shift-1)) / 2^shift), lo, hi)` (ReLU: lo = 0).
    case requantize(shift: Int, lo: Int64, hi: Int64)
    /// Max pooling without padding.
    case maxPool(kernel: [Int], strides: [Int])
    /// `[C, H, W]` to `[C·H·W]`.
    case flatten
}

/// Compiles a `QuantizedNetwork` to a circuit: convolutions become an im2col index map plus a matrix
/// product, flatten becomes an index map unless it is a pure relayout, and each requantization gets
/// lookup tables sized from worst-case bounds of its accumulator (computed from the weights).
public enum NetworkCompiler {
    /// A tensor's place in the circuit: logical shape and the padded layout `[C_pad][HW_pad]`.
    struct Layout {
        var shape: [Int]
        var lo: Int64
        var hi: Int64
        var isImage: Bool { shape.count == 3 }
        var channels: Int { isImage ? shape[0] : 1 }
        var spatial: Int { isImage ? shape[1] * shape[2] : shape[0] }
        var channelStride: Int { isImage ? nextPow2(spatial) : 0 }
        var paddedSize: Int { isImage ? nextPow2(channels) * channelStride : nextPow2(shape[0]) }
        func index(c: Int, h: Int, w: Int) -> Int { c * channelStride + h * shape[2] + w }
    }

    static func nextPow2(_ n: Int) -> Int { var p = 1; while p < n { p <<= 1 }; return p }
    static func log2(_ n: Int) -> Int { nextPow2(n).trailingZeroBitCount }
    static func bitsFor(_ count: Int64) -> Int { Limbs.bitsFor(count) }
    /// ⌊a / b⌋ for b > 0 (Swift's `/` truncates toward zero).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    public static func compile(_ net: QuantizedNetwork) throws(ZKMLError) -> (CircuitArchitecture, CircuitWeights) {
        guard net.inputShape.count == 1 || net.inputShape.count == 3, net.inputShape.allSatisfy({ $0 > 0 }) else {
            throw .unsupportedModel("input shape \(net.inputShape) (expected [n] or [C, H, W])")
        }
        var layers: [CircuitLayer] = []
        var tables: [LookupTable] = []
        var signTable: Int? = nil
        var highRange: (Int64, Int64) = (0, 0)
        var matrices: [[Int64]] = []
        var biases: [[Int64]] = []
        var cur = Layout(shape: net.inputShape, lo: min(net.inputMin, 0), hi: max(net.inputMax, 0))
        let inputLength = net.inputShape.reduce(1, *)
        let inputSize = nextPow2(inputLength)
        // The circuit input is the flat vector; re-layout an image whose rows are not a power of two.
        if cur.isImage && cur.paddedSize != inputSize || (cur.isImage && cur.spatial != cur.channelStride) {
            var map = [Int32](repeating: -1, count: cur.paddedSize)
            for c in 0..<cur.channels { for s in 0..<cur.spatial { map[c * cur.channelStride + s] = Int32(c * cur.spatial + s) } }
            layers.append(.gather(GatherLayer(map: map)))
        }

        func tableIndex(_ t: LookupTable) -> Int {
            if let i = tables.firstIndex(of: t) { return i }
            tables.append(t)
            return tables.count - 1
        }

        for (index, layer) in net.layers.enumerated() {
            switch layer {
            case let .dense(w, b):
                guard !cur.isImage else { throw .unsupportedModel("layer \(index): dense on an image (flatten first)") }
                let n = cur.shape[0]
                guard w.allSatisfy({ $0.count == n }), b.count == w.count, !w.isEmpty else {
                    throw .unsupportedModel("layer \(index): dense weights do not match input \(n)")
                }
                let rows = nextPow2(w.count), inner = cur.paddedSize
                var m = [Int64](repeating: 0, count: rows * inner)
                var (lo, hi) = (Int64.max, Int64.min)
                for o in 0..<w.count {
                    var (rlo, rhi) = (b[o], b[o])
                    for i in 0..<n {
                        m[o * inner + i] = w[o][i]
                        let a = w[o][i] * cur.lo, c = w[o][i] * cur.hi
                        rlo += min(a, c); rhi += max(a, c)
                    }
                    lo = min(lo, rlo); hi = max(hi, rhi)
                }
                if rows > w.count { lo = min(lo, 0); hi = max(hi, 0) }
                matrices.append(m)
                biases.append(b + [Int64](repeating: 0, count: rows - b.count))
                layers.append(.linear(LinearLayer(logRows: log2(rows), logInner: log2(inner), logCols: 0)))
                cur = Layout(shape: [w.count], lo: lo, hi: hi)

            case let .conv(w, b, outC, kernel, strides, pads):
                guard cur.isImage, kernel.count == 2, strides.count == 2, pads.count == 4, strides.allSatisfy({ $0 > 0 }) else {
                    throw .unsupportedModel("layer \(index): conv needs an image input and 2-D kernel/strides/pads")
                }
                let (inC, H, W) = (cur.shape[0], cur.shape[1], cur.shape[2])
                let (kh, kw) = (kernel[0], kernel[1])
                guard w.count == outC * inC * kh * kw, b.count == outC else {
                    throw .unsupportedModel("layer \(index): conv weights do not match the shape")
                }
                let oh = (H + pads[0] + pads[2] - kh) / strides[0] + 1
                let ow = (W + pads[1] + pads[3] - kw) / strides[1] + 1
                guard oh > 0, ow > 0 else { throw .unsupportedModel("layer \(index): empty conv output") }
                let J = inC * kh * kw, jPad = nextPow2(J), pPad = nextPow2(oh * ow)
                var map = [Int32](repeating: -1, count: jPad * pPad)
                for ic in 0..<inC {
                    for dy in 0..<kh {
                        for dx in 0..<kw {
                            let j = (ic * kh + dy) * kw + dx
                            for y in 0..<oh {
                                for x in 0..<ow {
                                    let iy = y * strides[0] - pads[0] + dy, ix = x * strides[1] - pads[1] + dx
                                    if iy >= 0 && iy < H && ix >= 0 && ix < W {
                                        map[j * pPad + y * ow + x] = Int32(cur.index(c: ic, h: iy, w: ix))
                                    }
                                }
                            }
                        }
                    }
                }
                layers.append(.gather(GatherLayer(map: map)))
                let rows = nextPow2(outC)
                var m = [Int64](repeating: 0, count: rows * jPad)
                var (lo, hi) = (Int64(0), Int64(0))
                let xlo = min(cur.lo, 0), xhi = max(cur.hi, 0)  // padding reads zeros
                for o in 0..<outC {
                    var (rlo, rhi) = (b[o], b[o])
                    for j in 0..<J {
                        let v = w[o * J + j]
                        m[o * jPad + j] = v
                        let a = v * xlo, c = v * xhi
                        rlo += min(a, c); rhi += max(a, c)
                    }
                    lo = min(lo, rlo, b[o]); hi = max(hi, rhi, b[o])
                }
                matrices.append(m)
                biases.append(b + [Int64](repeating: 0, count: rows - outC))
                layers.append(.linear(LinearLayer(logRows: log2(rows), logInner: log2(jPad), logCols: log2(pPad))))
                cur = Layout(shape: [outC, oh, ow], lo: lo, hi: hi)

            case let .requantize(shift, lo, hi):
                guard shift >= 0 && shift <= 40, lo <= 0, hi >= 0 else {
                    throw .unsupportedModel("layer \(index): requantize needs 0 <= shift <= 40 and lo <= 0 <= hi")
                }
                let half: Int64 = shift == 0 ? 0 : 1 << Int64(shift - 1)
                let qlo = (cur.lo + half) >> Int64(shift), qhi = (cur.hi + half) >> Int64(shift)
                let divisor = hi - lo + 1
                let hlo = floorDiv(qlo - lo, divisor), hhi = floorDiv(qhi - lo, divisor)
                // One sign table for every layer: its range grows to cover each layer's high parts.
                if let _ = signTable {
                    highRange = (min(highRange.0, hlo), max(highRange.1, hhi))
                } else {
                    tables.append(.sign(start: 0, bits: 0))
                    signTable = tables.count - 1
                    highRange = (min(hlo, -1), max(hhi, 1))
                }
                let rq = RequantizeLayer(size: cur.paddedSize, shift: shift, lo: lo, hi: hi, signTable: signTable!)
                for w in rq.rangeWidths { _ = tableIndex(.range(bits: w)) }
                layers.append(.requantize(rq))
                cur.lo = lo
                cur.hi = hi

            case let .maxPool(kernel, strides):
                guard cur.isImage, kernel.count == 2, strides.count == 2, strides.allSatisfy({ $0 > 0 }) else {
                    throw .unsupportedModel("layer \(index): maxpool needs an image and 2-D kernel/strides")
                }
                let (C, H, W) = (cur.shape[0], cur.shape[1], cur.shape[2])
                let oh = (H - kernel[0]) / strides[0] + 1, ow = (W - kernel[1]) / strides[1] + 1
                guard oh > 0, ow > 0 else { throw .unsupportedModel("layer \(index): empty pooling output") }
                let out = Layout(shape: [C, oh, ow], lo: cur.lo, hi: cur.hi)
                var maps: [[Int32]] = []
                for dy in 0..<kernel[0] {
                    for dx in 0..<kernel[1] {
                        var map = [Int32](repeating: -1, count: out.paddedSize)
                        for c in 0..<C {
                            for y in 0..<oh {
                                for x in 0..<ow {
                                    map[out.index(c: c, h: y, w: x)] = Int32(cur.index(c: c, h: y * strides[0] + dy, w: x * strides[1] + dx))
                                }
                            }
                        }
                        maps.append(map)
                    }
                }
                let spread = cur.hi - min(cur.lo, 0) + 1
                let pool = MaxPoolLayer(maps: maps, spreadBits: bitsFor(spread))
                for w in pool.spreadLimbs { _ = tableIndex(.range(bits: w)) }
                layers.append(.maxPool(pool))
                cur = Layout(shape: out.shape, lo: min(cur.lo, 0), hi: max(cur.hi, 0))

            case .flatten:
                guard cur.isImage else { continue }
                let n = cur.shape.reduce(1, *)
                if cur.spatial != cur.channelStride || nextPow2(n) != cur.paddedSize {
                    var map = [Int32](repeating: -1, count: nextPow2(n))
                    for c in 0..<cur.channels { for s in 0..<cur.spatial { map[c * cur.spatial + s] = Int32(c * cur.channelStride + s) } }
                    layers.append(.gather(GatherLayer(map: map)))
                }
                cur = Layout(shape: [n], lo: cur.lo, hi: cur.hi)
            }
        }
        // Size the sign table from the high parts every requantize layer may produce.
        if let i = signTable {
            let bits = bitsFor(highRange.1 - highRange.0 + 1)
            guard bits <= 22 else { throw .unsupportedModel("requantize accumulators too wide (sign table 2^\(bits))") }
            tables[i] = .sign(start: highRange.0, bits: bits)
        }
        guard !cur.isImage else { throw .unsupportedModel("the output must be a vector (flatten it)") }
        let arch = CircuitArchitecture(inputSize: inputSize, inputLength: inputLength, outputLength: cur.shape[0],
                                       layers: layers, tables: tables)
        _ = try CircuitPlan(arch)
        return (arch, CircuitWeights(matrices: matrices, biases: biases))
    }
}
