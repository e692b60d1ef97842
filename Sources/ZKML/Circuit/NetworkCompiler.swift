/// A quantized network in the terms a model importer speaks: integer layers over tensors of known
/// shape. `NetworkCompiler` turns it into a `CircuitArchitecture` plus `CircuitWeights`.
public struct QuantizedNetwork: Sendable, Equatable {
    /// Input shape: `[n]` for a vector, `[B, n]` for rows, `[C, H, W]` for an image (batch dimension 1
    /// dropped) or `[B, C, H, W]` for a batch of images; the circuit input is its row-major flat vector.
    public var inputShape: [Int]
    /// Smallest and largest integer the input may hold (sizes the lookup tables).
    public var inputMin: Int64
    public var inputMax: Int64
    public var layers: [NetworkLayer]
    /// Shapes of further model inputs (`NetworkTensor.input(1)`, …; same bounds). The circuit input is
    /// every input's flat vector, concatenated in order.
    public var additionalInputShapes: [[Int]]

    public init(inputShape: [Int], inputMin: Int64, inputMax: Int64, layers: [NetworkLayer], additionalInputShapes: [[Int]] = []) {
        self.inputShape = inputShape
        self.inputMin = inputMin
        self.inputMax = inputMax
        self.layers = layers
        self.additionalInputShapes = additionalInputShapes
    }
}

/// A tensor of a `QuantizedNetwork`: a model input or the output of a layer (by index).
public enum NetworkTensor: Sendable, Equatable {
    case input(Int)
    case layer(Int)
}

/// One integer layer of a `QuantizedNetwork`.
public enum NetworkLayer: Sendable, Equatable {
    /// `y[o] = bias[o] + Σ_i weights[o][i]·x[i]` (weights `[out][in]`; the input is read flat). An
    /// input of `B·in` elements (B > 1) is `B` rows: `y[r][o] = bias[o] + Σ_i weights[o][i]·x[r][i]`,
    /// output shape `[B, out]`.
    case dense(weights: [[Int64]], bias: [Int64])
    /// 2-D convolution over an image `[C, H, W]` or a batch `[B, C, H, W]` (output `[B, outC, H', W']`),
    /// weights `[outC][inC][kH][kW]` flattened row-major, NCHW, no groups; pads
    /// `[top, left, bottom, right]`, zero padding; dilations `[dH, dW]`.
    case conv(weights: [Int64], bias: [Int64], outChannels: Int, kernel: [Int], strides: [Int], pads: [Int], dilations: [Int] = [1, 1])
    /// `y = clamp(floor((x + 2^(shift-1)) / 2^shift), lo, hi)` (ReLU: lo = 0).
    case requantize(shift: Int, lo: Int64, hi: Int64)
    /// Max pooling (over every plane of `[C, H, W]` or `[B, C, H, W]`); padding positions are skipped (never part of the max), a window without any input
    /// position gives 0. `outputSize` `[H', W']` defaults to the floor formula (give it for ceil mode).
    case maxPool(kernel: [Int], strides: [Int], pads: [Int] = [0, 0, 0, 0], dilations: [Int] = [1, 1], outputSize: [Int]? = nil)
    /// `[C, H, W]` to `[C·H·W]`.
    case flatten
    /// Same elements (row-major), new shape.
    case reshape(shape: [Int])
    /// `y[i] = x[indexMap[i]]` (Transpose and other relayouts), output shape `shape`.
    case gather(indexMap: [Int], shape: [Int])
    /// `y = x·2^shift` (exact).
    case scaleUp(shift: Int)
    /// `y[i] = x[i]·values[i]` (values: one per element, row-major); committed with the weights.
    case mulConst(values: [Int64])
    /// `y[i] = x[i] + values[i]`; committed with the weights.
    case addConst(values: [Int64])
    /// Sum over each window (padding adds 0); geometry as `maxPool`.
    case sumPool(kernel: [Int], strides: [Int], pads: [Int] = [0, 0, 0, 0], dilations: [Int] = [1, 1], outputSize: [Int]? = nil)
    /// `y = values[clamp(x, start, start + values.count − 1) − start]` (sigmoid/tanh tables).
    case table(start: Int64, values: [Int64])
    /// `y = x >= 0 ? x : (x·multiplier + 2^(shift−1)) >> shift`.
    case leakyRelu(multiplier: Int64, shift: Int)
    /// Makes an earlier tensor the current one (a branch of the graph); its output is that tensor.
    case select(NetworkTensor)
    /// `y = x + other` elementwise (same element count).
    case add(NetworkTensor)
    /// `y = x − other` elementwise (same element count).
    case sub(NetworkTensor)
    /// Concatenation of `parts` along `axis` (batch dimension dropped); every other dimension agrees.
    case concat(parts: [NetworkTensor], axis: Int)
}

/// Compiles a `QuantizedNetwork` to a circuit: convolutions become an im2col index map plus a matrix
/// product, reshapes and relayouts become index maps (folded into the next layer's map when it has
/// one), and each requantization gets lookup tables sized from worst-case bounds of its accumulator
/// (computed from the weights).
public enum NetworkCompiler {
    /// A tensor's place in the circuit: its logical shape, where each logical element (row-major)
    /// sits in the circuit value, and bounds that hold for every entry of the value (padding included).
    struct Layout {
        var shape: [Int]
        var lo: Int64
        var hi: Int64
        /// Circuit index of each logical element, in row-major order of `shape`.
        var positions: [Int]
        /// Padded length of the circuit value (a power of two).
        var size: Int
        /// True when every entry outside `positions` is zero.
        var clean: Bool
        /// The circuit value holding the tensor (0 = the input, l = layer l − 1's output).
        var value = 0

        var count: Int { positions.count }
        /// An image `[C, H, W]` or a batch of images `[B, C, H, W]`.
        var isImage: Bool { shape.count == 3 || shape.count == 4 }
        /// Planes of an image tensor: `C`, or `B·C` for a batch.
        var planes: Int { shape.dropLast(2).reduce(1, *) }
        /// Circuit index of image element (c, h, w), `c` a plane (`b·C + c` in a batch).
        func index(c: Int, h: Int, w: Int) -> Int { positions[(c * shape[shape.count - 2] + h) * shape[shape.count - 1] + w] }
        /// True when the logical elements sit at 0..<count of a value of the smallest padded size.
        var isFlat: Bool { size == nextPow2(count) && positions.enumerated().allSatisfy { $0.offset == $0.element } }

        /// A vector laid out in order, zero-padded.
        static func flat(_ shape: [Int], lo: Int64, hi: Int64) -> Layout {
            let n = shape.reduce(1, *)
            return Layout(shape: shape, lo: lo, hi: hi, positions: Array(0..<n), size: nextPow2(n), clean: true)
        }

        /// An image `[C, H, W]` laid out `[C_pad][HW_pad]`.
        static func image(_ shape: [Int], lo: Int64, hi: Int64, clean: Bool) -> Layout {
            let (c, hw) = (shape[0], shape[1] * shape[2])
            let stride = nextPow2(hw)
            var positions = [Int]()
            positions.reserveCapacity(c * hw)
            for ch in 0..<c { for s in 0..<hw { positions.append(ch * stride + s) } }
            return Layout(shape: shape, lo: lo, hi: hi, positions: positions, size: nextPow2(c) * stride, clean: clean)
        }

        /// The index map that lays this tensor out flat (see `isFlat`).
        var flatteningMap: [Int32] {
            var map = [Int32](repeating: -1, count: nextPow2(count))
            for (i, p) in positions.enumerated() { map[i] = Int32(p) }
            return map
        }
    }

    /// The most entries of a function table (a lookup layer's input range).
    static let maxFunctionTableBits = 20

    /// The most window elements one max-pool layer takes (its zero-check has degree window + 1).
    static let maxPoolWindow = 7

    static func nextPow2(_ n: Int) -> Int { var p = 1; while p < n { p <<= 1 }; return p }
    static func log2(_ n: Int) -> Int { nextPow2(n).trailingZeroBitCount }
    static func bitsFor(_ count: Int64) -> Int { Limbs.bitsFor(count) }
    /// ⌊a / b⌋ for b > 0 (Swift's `/` truncates toward zero).
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 { a >= 0 ? a / b : -((-a + b - 1) / b) }

    /// Output height or width of a window op: ⌊(size + pads − dilation·(kernel − 1) − 1) / stride⌋ + 1.
    static func windowOutput(_ size: Int, kernel: Int, stride: Int, padBefore: Int, padAfter: Int, dilation: Int) -> Int {
        let span = size + padBefore + padAfter - (dilation * (kernel - 1) + 1)
        return span < 0 ? 0 : span / stride + 1
    }

    /// Checks a 2-D window geometry (kernel, strides, pads `[t, l, b, r]`, dilations).
    static func checkWindow(_ index: Int, _ what: String, kernel: [Int], strides: [Int], pads: [Int], dilations: [Int]) throws(ZKMLError) {
        guard kernel.count == 2, strides.count == 2, pads.count == 4, dilations.count == 2,
              kernel.allSatisfy({ $0 > 0 }), strides.allSatisfy({ $0 > 0 }), dilations.allSatisfy({ $0 > 0 }),
              pads.allSatisfy({ $0 >= 0 }) else {
            throw .unsupportedModel("layer \(index) (\(what)): needs 2-D kernel, strides, dilations and 4 pads (got kernel \(kernel), strides \(strides), pads \(pads), dilations \(dilations))")
        }
    }

    public static func compile(_ net: QuantizedNetwork) throws(ZKMLError) -> (CircuitArchitecture, CircuitWeights) {
        let inputShapes = [net.inputShape] + net.additionalInputShapes
        // A scalar input (shape []) is one element.
        guard inputShapes.allSatisfy({ $0.allSatisfy { $0 > 0 } }) else {
            throw .unsupportedModel("input shapes \(inputShapes) (every dimension must be positive)")
        }
        var layers: [CircuitLayer] = []
        var tables: [LookupTable] = []
        var signTable: Int? = nil
        var highRange: (Int64, Int64) = (0, 0)
        var matrices: [[Int64]] = []
        var biases: [[Int64]] = []
        var constants: [[Int64]] = []
        // The circuit input is the inputs' flat vectors, concatenated; later index maps read each
        // through `positions`.
        var inputs: [Layout] = []
        var inputLength = 0
        for shape in inputShapes {
            var layout = Layout.flat(shape, lo: min(net.inputMin, 0), hi: max(net.inputMax, 0))
            layout.positions = layout.positions.map { $0 + inputLength }
            inputLength += layout.count
            inputs.append(layout)
        }
        let inputSize = nextPow2(inputLength)
        for k in inputs.indices { inputs[k].size = inputSize }
        var cur = inputs[0]
        var outputs: [Layout] = []

        func tableIndex(_ t: LookupTable) -> Int {
            if let i = tables.firstIndex(of: t) { return i }
            tables.append(t)
            return tables.count - 1
        }
        /// Rounding shift then clamp of the current tensor (one requantize layer).
        func requantize(_ index: Int, shift: Int, lo: Int64, hi: Int64) throws(ZKMLError) {
            guard shift >= 0 && shift <= 40, lo <= 0, hi >= 0 else {
                throw .unsupportedModel("layer \(index) (requantize): needs 0 <= shift <= 40 and lo <= 0 <= hi")
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
            let rq = RequantizeLayer(size: cur.size, shift: shift, lo: lo, hi: hi, signTable: signTable!)
            for w in rq.rangeWidths { _ = tableIndex(.range(bits: w)) }
            layers.append(.requantize(rq))
            cur.lo = lo
            cur.hi = hi
        }
        /// A lookup layer applying `f` to every entry (the table covers the current bounds).
        func lookup(_ index: Int, _ what: String, _ f: (Int64) -> Int64) throws(ZKMLError) {
            let bits = bitsFor(cur.hi - cur.lo + 1)
            guard bits <= maxFunctionTableBits else {
                throw .unsupportedModel("layer \(index) (\(what)): input range [\(cur.lo), \(cur.hi)] needs a table of 2^\(bits) entries (at most 2^\(maxFunctionTableBits))")
            }
            let entries = (0..<(Int64(1) << Int64(bits))).map { f(cur.lo + $0) }
            let t = tableIndex(.function(start: cur.lo, values: entries))
            layers.append(.lookup(LookupLayer(size: cur.size, table: t)))
            cur.clean = cur.clean && f(0) == 0
            cur.lo = min(entries.min()!, 0)
            cur.hi = max(entries.max()!, 0)
        }
        /// The input positions of every output window of a pooling op (nil: a padding position).
        func windows(_ index: Int, _ what: String, kernel: [Int], strides: [Int], pads: [Int], dilations: [Int],
                     outputSize: [Int]?) throws(ZKMLError) -> (Layout, [[Int32?]]) {
            try checkWindow(index, what, kernel: kernel, strides: strides, pads: pads, dilations: dilations)
            guard cur.isImage else { throw .unsupportedModel("layer \(index) (\(what)): needs an image input [C, H, W] or [B, C, H, W], got \(cur.shape)") }
            // A batch of images is pooled as its B·C planes.
            let (C, H, W) = (cur.planes, cur.shape[cur.shape.count - 2], cur.shape[cur.shape.count - 1])
            let oh = outputSize?.first ?? windowOutput(H, kernel: kernel[0], stride: strides[0], padBefore: pads[0], padAfter: pads[2], dilation: dilations[0])
            let ow = outputSize?.last ?? windowOutput(W, kernel: kernel[1], stride: strides[1], padBefore: pads[1], padAfter: pads[3], dilation: dilations[1])
            guard oh > 0, ow > 0, outputSize.map({ $0.count == 2 }) ?? true else {
                throw .unsupportedModel("layer \(index) (\(what)): empty or malformed output size")
            }
            var out = Layout.image([C, oh, ow], lo: cur.lo, hi: cur.hi, clean: true)
            var result = [[Int32?]](repeating: [], count: out.size)
            for c in 0..<C {
                for y in 0..<oh {
                    for x in 0..<ow {
                        var inside: [Int32?] = []
                        for dy in 0..<kernel[0] {
                            for dx in 0..<kernel[1] {
                                let iy = y * strides[0] - pads[0] + dy * dilations[0], ix = x * strides[1] - pads[1] + dx * dilations[1]
                                inside.append(iy >= 0 && iy < H && ix >= 0 && ix < W ? Int32(cur.index(c: c, h: iy, w: ix)) : nil)
                            }
                        }
                        result[out.index(c: c, h: y, w: x)] = inside
                    }
                }
            }
            out.shape = cur.shape.dropLast(2) + [oh, ow]
            return (out, result)
        }
        /// Appends a linear layer over `columns` (a power of two) columns of `inner` entries, the last
        /// value laid out `[inner_pad][columns]` (padding reads zeros), with weights `weight(o, j)` and
        /// `bias` (committed, padded to powers of two); returns bounds of every accumulator entry
        /// (padded columns hold the bias).
        func columnsMatrix(outputs: Int, inner: Int, bias b: [Int64], columns: Int, weight: (Int, Int) -> Int64) -> (Int64, Int64) {
            let rows = nextPow2(outputs), jPad = nextPow2(inner)
            var m = [Int64](repeating: 0, count: rows * jPad)
            var (lo, hi) = (Int64(0), Int64(0))
            let xlo = min(cur.lo, 0), xhi = max(cur.hi, 0)
            for o in 0..<outputs {
                var (rlo, rhi) = (b[o], b[o])
                for j in 0..<inner {
                    let v = weight(o, j)
                    m[o * jPad + j] = v
                    let a = v * xlo, c = v * xhi
                    rlo += min(a, c); rhi += max(a, c)
                }
                lo = min(lo, rlo, b[o]); hi = max(hi, rhi, b[o])
            }
            matrices.append(m)
            biases.append(b + [Int64](repeating: 0, count: rows - outputs))
            layers.append(.linear(LinearLayer(logRows: log2(rows), logInner: log2(jPad), logCols: log2(columns))))
            return (lo, hi)
        }
        /// Appends the index map `map` over the current tensor's value: a gather of the last value, a
        /// one-term combine of an earlier one.
        func relayout(_ map: [Int32]) {
            if cur.value == layers.count {
                layers.append(.gather(GatherLayer(map: map)))
            } else {
                layers.append(.combine(CombineLayer(sources: [cur.value], coefficients: [1], maps: [map])))
            }
        }
        /// Lays the current tensor out flat as the last value (one index map) unless it already is.
        func flatten() {
            guard !cur.isFlat || cur.value != layers.count else { return }
            relayout(cur.flatteningMap)
            cur = Layout.flat(cur.shape, lo: min(cur.lo, 0), hi: max(cur.hi, 0))
            cur.value = layers.count
        }
        /// Makes the current tensor the last value (layers other than index maps read the last value).
        func ensureLast() {
            if cur.value != layers.count { flatten() }
        }
        func tensor(_ index: Int, _ t: NetworkTensor) throws(ZKMLError) -> Layout {
            switch t {
            case .input(let k) where k >= 0 && k < inputs.count: return inputs[k]
            case .layer(let i) where i >= 0 && i < index: return outputs[i]
            default: throw .unsupportedModel("layer \(index): reads \(t), which is not an input or an earlier layer")
            }
        }
        /// A combine layer of `terms` (tensor, coefficient, map from the output's flat index to the
        /// tensor's logical index or -1), output laid out flat with shape `shape`.
        func combine(_ terms: [(Layout, Int64, [Int])], shape: [Int], lo: Int64, hi: Int64) {
            let n = shape.reduce(1, *)
            let maps = terms.map { (layout, _, logical) in
                (0..<nextPow2(n)).map { i in i < n && logical[i] >= 0 ? Int32(layout.positions[logical[i]]) : -1 }
            }
            layers.append(.combine(CombineLayer(sources: terms.map(\.0.value), coefficients: terms.map(\.1), maps: maps)))
            cur = Layout.flat(shape, lo: min(lo, 0), hi: max(hi, 0))
            cur.value = layers.count
        }

        for (index, layer) in net.layers.enumerated() {
            let before = layers.count
            switch layer {
            case .flatten, .reshape, .gather, .select, .add, .sub, .concat:
                break
            default:
                ensureLast()
            }
            switch layer {
            case let .dense(w, b) where !w.isEmpty && w[0].count > 0 && cur.count != w[0].count:
                // Several rows: `[B, n]` times the weights is one matrix product over B columns,
                // `acc[o][p] = b[o] + Σ_j W[o][j]·x[p][j]`: a gather lays the rows out as the columns
                // `[j][p]` (as conv's im2col), the linear layer makes one pass over the weights, and the
                // output `[B, out]` is read through its positions `o·P + p`.
                let n = w[0].count, rows = cur.count / n
                guard cur.count % n == 0, w.allSatisfy({ $0.count == n }), b.count == w.count else {
                    throw .unsupportedModel("layer \(index) (dense): weights of \(n) inputs do not match input \(cur.shape)")
                }
                let jPad = nextPow2(n), pPad = nextPow2(rows)
                var map = [Int32](repeating: -1, count: jPad * pPad)
                for p in 0..<rows { for j in 0..<n { map[j * pPad + p] = Int32(cur.positions[p * n + j]) } }
                relayout(map)
                let outRows = nextPow2(w.count)
                let (lo, hi) = columnsMatrix(outputs: w.count, inner: n, bias: b, columns: pPad) { w[$0][$1] }
                // Padded columns hold the bias: not clean.
                var positions = [Int]()
                positions.reserveCapacity(rows * w.count)
                for p in 0..<rows { for o in 0..<w.count { positions.append(o * pPad + p) } }
                cur = Layout(shape: [rows, w.count], lo: lo, hi: hi, positions: positions, size: outRows * pPad, clean: false)

            case let .dense(w, b):
                let n = cur.count
                guard w.allSatisfy({ $0.count == n }), b.count == w.count, !w.isEmpty else {
                    throw .unsupportedModel("layer \(index) (dense): weights do not match input \(cur.shape)")
                }
                flatten()
                let rows = nextPow2(w.count), inner = cur.size
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
                cur = Layout.flat([w.count], lo: lo, hi: hi)

            case let .conv(w, b, outC, kernel, strides, pads, dilations):
                try checkWindow(index, "conv", kernel: kernel, strides: strides, pads: pads, dilations: dilations)
                guard cur.isImage else { throw .unsupportedModel("layer \(index) (conv): needs an image input [C, H, W] or [B, C, H, W], got \(cur.shape)") }
                // A batch of B images: the im2col columns of every image side by side (image b's output
                // pixel (y, x) is column b·H'·W' + y·W' + x), so one linear layer reads the weights once.
                let batch = cur.shape.count == 4 ? cur.shape[0] : 1
                let (inC, H, W) = (cur.shape[cur.shape.count - 3], cur.shape[cur.shape.count - 2], cur.shape[cur.shape.count - 1])
                let (kh, kw) = (kernel[0], kernel[1])
                guard w.count == outC * inC * kh * kw, b.count == outC, outC > 0 else {
                    throw .unsupportedModel("layer \(index) (conv): weights do not match the shape")
                }
                let oh = windowOutput(H, kernel: kh, stride: strides[0], padBefore: pads[0], padAfter: pads[2], dilation: dilations[0])
                let ow = windowOutput(W, kernel: kw, stride: strides[1], padBefore: pads[1], padAfter: pads[3], dilation: dilations[1])
                guard oh > 0, ow > 0 else { throw .unsupportedModel("layer \(index) (conv): empty output") }
                let J = inC * kh * kw, jPad = nextPow2(J), pixels = oh * ow, pPad = nextPow2(batch * pixels)
                var map = [Int32](repeating: -1, count: jPad * pPad)
                for n in 0..<batch {
                    for ic in 0..<inC {
                        for dy in 0..<kh {
                            for dx in 0..<kw {
                                let j = (ic * kh + dy) * kw + dx
                                for y in 0..<oh {
                                    for x in 0..<ow {
                                        let iy = y * strides[0] - pads[0] + dy * dilations[0], ix = x * strides[1] - pads[1] + dx * dilations[1]
                                        if iy >= 0 && iy < H && ix >= 0 && ix < W {
                                            map[j * pPad + n * pixels + y * ow + x] = Int32(cur.index(c: n * inC + ic, h: iy, w: ix))
                                        }
                                    }
                                }
                            }
                        }
                    }
                }
                layers.append(.gather(GatherLayer(map: map)))
                let rows = nextPow2(outC)
                let (lo, hi) = columnsMatrix(outputs: outC, inner: J, bias: b, columns: pPad) { w[$0 * J + $1] }
                // Padded columns hold the bias: not clean. Output (n, o, y, x) sits at o·P + n·H'·W' + y·W' + x.
                if batch == 1 && cur.shape.count == 3 {
                    cur = Layout.image([outC, oh, ow], lo: lo, hi: hi, clean: false)
                } else {
                    var positions = [Int]()
                    positions.reserveCapacity(batch * outC * pixels)
                    for n in 0..<batch { for o in 0..<outC { for t in 0..<pixels { positions.append(o * pPad + n * pixels + t) } } }
                    cur = Layout(shape: [batch, outC, oh, ow], lo: lo, hi: hi, positions: positions, size: rows * pPad, clean: false)
                }

            case let .requantize(shift, lo, hi):
                try requantize(index, shift: shift, lo: lo, hi: hi)

            case let .maxPool(kernel, strides, pads, dilations, outputSize):
                let (out, raw) = try windows(index, "maxpool", kernel: kernel, strides: strides, pads: pads, dilations: dilations, outputSize: outputSize)
                let window = kernel[0] * kernel[1]
                // A padding position repeats the first input position of its window, which leaves the
                // max unchanged (padding never wins, as in the engine). A window without any input
                // position gives 0 (every map -1), as in the engine.
                let windows: [[Int32]] = raw.map { inside in
                    guard let first = inside.compactMap({ $0 }).first else { return [] }
                    return inside.map { $0 ?? first }
                }
                let spread = cur.hi - min(cur.lo, 0) + 1
                func addPool(_ maps: [[Int32]]) {
                    let pool = MaxPoolLayer(maps: maps, spreadBits: bitsFor(spread))
                    for w in pool.spreadLimbs { _ = tableIndex(.range(bits: w)) }
                    layers.append(.maxPool(pool))
                }
                // A window of more than `maxPoolWindow` elements (degree of the zero-check) is split into
                // groups: the first layer takes each group's max (group g at g·size + t), the second the
                // max of the groups.
                let groups = (window + maxPoolWindow - 1) / maxPoolWindow
                let per = (window + groups - 1) / groups
                if groups == 1 {
                    addPool((0..<window).map { i in windows.map { $0.isEmpty ? -1 : $0[i] } })
                } else {
                    var first = [[Int32]](repeating: [Int32](repeating: -1, count: nextPow2(groups) * out.size), count: per)
                    var second = [[Int32]](repeating: [Int32](repeating: -1, count: out.size), count: groups)
                    for (t, win) in windows.enumerated() where !win.isEmpty {
                        for g in 0..<groups {
                            let members = Array(win[(g * per)..<min(window, (g + 1) * per)])
                            for i in 0..<per { first[i][g * out.size + t] = i < members.count ? members[i] : members[0] }
                            second[g][t] = Int32(g * out.size + t)
                        }
                    }
                    addPool(first)
                    addPool(second)
                }
                cur = out
                cur.lo = min(cur.lo, 0)
                cur.hi = max(cur.hi, 0)

            case .flatten:
                cur.shape = [cur.count]

            case .reshape(let shape):
                guard shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == cur.count else {
                    throw .unsupportedModel("layer \(index) (reshape): \(cur.shape) has \(cur.count) elements, \(shape) does not")
                }
                cur.shape = shape

            case let .gather(indexMap, shape):
                guard !shape.isEmpty, shape.allSatisfy({ $0 > 0 }), shape.reduce(1, *) == indexMap.count,
                      indexMap.allSatisfy({ $0 >= 0 && $0 < cur.count }) else {
                    throw .unsupportedModel("layer \(index) (gather): index map of \(indexMap.count) entries into \(cur.count) does not fit shape \(shape)")
                }
                let permutes = indexMap.count == cur.count && Set(indexMap).count == cur.count
                cur.positions = indexMap.map { cur.positions[$0] }
                cur.shape = shape
                cur.clean = cur.clean && permutes

            case .scaleUp(let shift):
                let bound = max(cur.hi.magnitude, cur.lo.magnitude)
                guard shift >= 0, shift <= 40, bound < UInt64(1) << UInt64(62 - shift) else {
                    throw .unsupportedModel("layer \(index) (scaleUp): shift \(shift) of values up to \(bound) overflows")
                }
                layers.append(.elementwise(ElementwiseLayer(size: cur.size, scale: Int64(1) << Int64(shift), multiplier: false, addend: false)))
                cur.lo <<= Int64(shift)
                cur.hi <<= Int64(shift)

            case .mulConst(let values), .addConst(let values):
                let isMul: Bool
                if case .mulConst = layer { isMul = true } else { isMul = false }
                let what = isMul ? "mulConst" : "addConst"
                guard values.count == cur.count, values.allSatisfy({ $0.magnitude < 1 << 40 }) else {
                    throw .unsupportedModel("layer \(index) (\(what)): \(values.count) constants for \(cur.count) elements (or one beyond 2^40)")
                }
                // One constant per circuit entry: a relayout that repeats entries is laid out flat first.
                if Set(cur.positions).count != cur.count { flatten() }
                var vector = [Int64](repeating: 0, count: cur.size)
                for (i, p) in cur.positions.enumerated() { vector[p] = values[i] }
                let (vlo, vhi) = (min(values.min()!, 0), max(values.max()!, 0))
                if isMul {
                    let products = [vlo * cur.lo, vlo * cur.hi, vhi * cur.lo, vhi * cur.hi]
                    cur.lo = min(products.min()!, 0)
                    cur.hi = max(products.max()!, 0)
                    cur.clean = true  // the multiplier is 0 on padding
                } else {
                    cur.lo += vlo
                    cur.hi += vhi
                }
                constants.append(vector)
                layers.append(.elementwise(ElementwiseLayer(size: cur.size, scale: 1, multiplier: isMul, addend: !isMul)))

            case let .sumPool(kernel, strides, pads, dilations, outputSize):
                let (out, raw) = try windows(index, "sumpool", kernel: kernel, strides: strides, pads: pads, dilations: dilations, outputSize: outputSize)
                let window = kernel[0] * kernel[1]
                // Padding adds 0: its map entry is -1.
                let maps = (0..<window).map { i in raw.map { $0.isEmpty ? Int32(-1) : ($0[i] ?? -1) } }
                layers.append(.sumPool(SumPoolLayer(maps: maps)))
                let (lo, hi) = (min(cur.lo, 0) * Int64(window), max(cur.hi, 0) * Int64(window))
                cur = out
                cur.lo = lo
                cur.hi = hi

            case let .table(start, values):
                guard !values.isEmpty, values.count <= 1 << maxFunctionTableBits else {
                    throw .unsupportedModel("layer \(index) (table): \(values.count) entries")
                }
                let last = start + Int64(values.count) - 1
                // A wide input is clamped to the table's range first (one requantize layer), so the
                // function table stays the size of the tabulated range.
                if cur.hi - cur.lo + 1 > 2 * Int64(values.count) && start <= 0 && last >= 0 {
                    try requantize(index, shift: 0, lo: start, hi: last)
                }
                try lookup(index, "table") { values[Int(min(max($0, start), last) - start)] }

            case let .leakyRelu(multiplier, shift):
                guard shift >= 0, shift <= 40, multiplier.magnitude < 1 << 40 else {
                    throw .unsupportedModel("layer \(index) (leakyRelu): shift \(shift) or multiplier \(multiplier) out of range")
                }
                let half: Int64 = shift > 0 ? 1 << Int64(shift - 1) : 0
                try lookup(index, "leakyRelu") { $0 >= 0 ? $0 : ($0 * multiplier + half) >> Int64(shift) }

            case .select(let t):
                cur = try tensor(index, t)

            case .add(let t), .sub(let t):
                let isSub: Bool
                if case .sub = layer { isSub = true } else { isSub = false }
                let other = try tensor(index, t)
                guard other.count == cur.count else {
                    throw .unsupportedModel("layer \(index) (\(isSub ? "sub" : "add")): \(cur.shape) and \(other.shape) differ in size")
                }
                let identity = Array(0..<cur.count)
                let (lo, hi) = isSub ? (cur.lo - other.hi, cur.hi - other.lo) : (cur.lo + other.lo, cur.hi + other.hi)
                combine([(cur, 1, identity), (other, isSub ? -1 : 1, identity)], shape: cur.shape, lo: lo, hi: hi)

            case let .concat(parts, axis):
                let layouts = try parts.map { t throws(ZKMLError) in try tensor(index, t) }
                guard let first = layouts.first, axis >= 0, axis < first.shape.count,
                      layouts.allSatisfy({ part in part.shape.count == first.shape.count
                          && part.shape.indices.allSatisfy { d in d == axis || part.shape[d] == first.shape[d] } }) else {
                    throw .unsupportedModel("layer \(index) (concat): shapes \(layouts.map(\.shape)) do not concatenate along axis \(axis)")
                }
                var shape = first.shape
                shape[axis] = layouts.map { $0.shape[axis] }.reduce(0, +)
                let outer = shape[..<axis].reduce(1, *)
                let n = shape.reduce(1, *)
                var logical = layouts.map { _ in [Int](repeating: -1, count: n) }
                var i = 0
                for o in 0..<outer {
                    for (p, part) in layouts.enumerated() {
                        let block = part.count / outer
                        for r in 0..<block { logical[p][i] = o * block + r; i += 1 }
                    }
                }
                combine(layouts.indices.map { (layouts[$0], 1, logical[$0]) }, shape: shape,
                        lo: layouts.map(\.lo).min()!, hi: layouts.map(\.hi).max()!)
            }
            if layers.count != before { cur.value = layers.count }
            outputs.append(cur)
        }
        // Size the sign table from the high parts every requantize layer may produce.
        if let i = signTable {
            let bits = bitsFor(highRange.1 - highRange.0 + 1)
            guard bits <= 22 else { throw .unsupportedModel("requantize accumulators too wide (sign table 2^\(bits))") }
            tables[i] = .sign(start: highRange.0, bits: bits)
        }
        // The output is the flat vector with zero padding, as the last value.
        if !(cur.isFlat && cur.clean) || layers.isEmpty || cur.value != layers.count {
            relayout(cur.flatteningMap)
        }
        let arch = CircuitArchitecture(inputSize: inputSize, inputLength: inputLength, outputLength: cur.count,
                                       layers: layers, tables: tables)
        _ = try CircuitPlan(arch)
        return (arch, CircuitWeights(matrices: matrices, biases: biases, constants: constants))
    }
}
