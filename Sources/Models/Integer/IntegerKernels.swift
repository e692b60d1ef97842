/// Integer kernels for the engine. Each has a plain reference loop; dense and conv use the packed
/// Int16 kernel when the layer's static bounds allow it (same result, faster).
enum IntegerKernels {
    /// `(x + 2^(shift-1)) >> shift`, arithmetic.
    static func rescale(_ x: [Int64], shift: Int) -> [Int64] {
        guard shift > 0 else { return x }
        let half = Int64(1) << (shift - 1)
        let s = Int64(shift)
        var out = x
        out.withUnsafeMutableBufferPointer { o in
            for i in 0..<o.count { o[i] = (o[i] &+ half) >> s }
        }
        return out
    }

    static func dense(_ x: [Int64], _ p: DenseParameters, packed: PackedMatrix?) -> [Int64] {
        let rows = x.count / p.inFeatures
        var out = [Int64](repeating: 0, count: rows * p.outFeatures)
        if let packed {
            var xs = [Int16](repeating: 0, count: packed.stride)
            for r in 0..<rows {
                for i in 0..<p.inFeatures { xs[i] = Int16(truncatingIfNeeded: x[r * p.inFeatures + i]) }
                xs.withUnsafeBufferPointer { xb in
                    p.bias.withUnsafeBufferPointer { bias in
                        out.withUnsafeMutableBufferPointer { ob in
                            let base = ob.baseAddress! + r * p.outFeatures
                            let xPtr = xb.baseAddress!, biasPtr = bias.baseAddress!
                            parallelChunks(p.outFeatures, work: p.outFeatures * p.inFeatures) { range in
                                packed.multiply(x: xPtr, bias: biasPtr, out: base, outStride: 1, rowRange: range)
                            }
                        }
                    }
                }
            }
            return out
        }
        p.weights.withUnsafeBufferPointer { w in
            for r in 0..<rows {
                for o in 0..<p.outFeatures {
                    var acc = p.bias[o]
                    for i in 0..<p.inFeatures { acc &+= w[o * p.inFeatures + i] &* x[r * p.inFeatures + i] }
                    out[r * p.outFeatures + o] = acc
                }
            }
        }
        return out
    }

    /// For each (position, padded column) of the unfolded input, the input index within one image,
    /// or -1 for padding and for the zero columns past `columns`.
    static func unfoldMap(_ p: ConvParameters, stride: Int) -> [Int32] {
        let (c, h, w) = (p.inChannels, p.inputSize[0], p.inputSize[1])
        let (oh, ow) = (p.outputSize[0], p.outputSize[1])
        let (kh, kw) = (p.geometry.kernel[0], p.geometry.kernel[1])
        let g = p.geometry
        var map = [Int32](repeating: -1, count: oh * ow * stride)
        for oy in 0..<oh {
            for ox in 0..<ow {
                var col = (oy * ow + ox) * stride
                for ic in 0..<c {
                    for ky in 0..<kh {
                        let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                        for kx in 0..<kw {
                            let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                            if iy >= 0 && iy < h && ix >= 0 && ix < w { map[col] = Int32((ic * h + iy) * w + ix) }
                            col += 1
                        }
                    }
                }
            }
        }
        return map
    }

    static func conv(_ x: [Int64], _ p: ConvParameters, batch: Int, packed: PackedMatrix?, unfoldMap: [Int32]?) -> [Int64] {
        let (c, h, w) = (p.inChannels, p.inputSize[0], p.inputSize[1])
        let (oh, ow) = (p.outputSize[0], p.outputSize[1])
        let (kh, kw) = (p.geometry.kernel[0], p.geometry.kernel[1])
        let g = p.geometry
        let positions = oh * ow
        var out = [Int64](repeating: 0, count: batch * p.outChannels * positions)
        for n in 0..<batch {
            let xBase = n * c * h * w
            if let packed, let unfoldMap {
                // Unfold with the precomputed gather map: one zero-padded Int16 row per position.
                var unfolded = [Int16](repeating: 0, count: positions * packed.stride)
                unfolded.withUnsafeMutableBufferPointer { ub in
                    unfoldMap.withUnsafeBufferPointer { map in
                        x.withUnsafeBufferPointer { xb in
                            let xp = xb.baseAddress! + xBase
                            for i in 0..<map.count {
                                let j = Int(map[i])
                                if j >= 0 { ub[i] = Int16(truncatingIfNeeded: xp[j]) }
                            }
                        }
                    }
                }
                unfolded.withUnsafeBufferPointer { ub in
                    p.bias.withUnsafeBufferPointer { bias in
                        out.withUnsafeMutableBufferPointer { ob in
                            let outBase = ob.baseAddress! + n * p.outChannels * positions
                            for pos in 0..<positions {
                                packed.multiply(x: ub.baseAddress! + pos * packed.stride, bias: bias.baseAddress!, out: outBase + pos, outStride: positions, rowRange: 0..<p.outChannels)
                            }
                        }
                    }
                }
                continue
            }
            for m in 0..<p.outChannels {
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var acc = p.bias[m]
                        for ic in 0..<c {
                            for ky in 0..<kh {
                                let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<kw {
                                    let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                                    if ix < 0 || ix >= w { continue }
                                    acc &+= p.weights[((m * c + ic) * kh + ky) * kw + kx] &* x[xBase + (ic * h + iy) * w + ix]
                                }
                            }
                        }
                        out[((n * p.outChannels + m) * oh + oy) * ow + ox] = acc
                    }
                }
            }
        }
        return out
    }

    static func pool(_ x: [Int64], _ p: PoolParameters, planes: Int, isMax: Bool) -> [Int64] {
        let (h, w) = (p.inputSize[0], p.inputSize[1])
        let (oh, ow) = (p.outputSize[0], p.outputSize[1])
        let g = p.geometry
        var out = [Int64](repeating: 0, count: planes * oh * ow)
        for plane in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = Int64.min, sum: Int64 = 0
                    for ky in 0..<g.kernel[0] {
                        let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                        if iy < 0 || iy >= h { continue }
                        for kx in 0..<g.kernel[1] {
                            let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                            if ix < 0 || ix >= w { continue }
                            let v = x[(plane * h + iy) * w + ix]
                            best = max(best, v)
                            sum &+= v
                        }
                    }
                    out[(plane * oh + oy) * ow + ox] = isMax ? (best == Int64.min ? 0 : best) : sum
                }
            }
        }
        return out
    }
}
