#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Float32 reference implementations of every supported op (the accuracy baseline, and the
/// engine used for constant folding at import).
package enum FloatKernels {
    /// Evaluates one node on float operands (`nil` for an absent optional input).
    package static func evaluate(_ node: GraphNode, inputs x: [FloatTensor?], outputShape: [Int]) throws(ModelError) -> FloatTensor {
        func operand(_ i: Int) throws(ModelError) -> FloatTensor {
            guard i < x.count, let t = x[i] else { throw .invalidModel("node '\(node.name)' is missing operand \(i)") }
            return t
        }
        switch node.op {
        case .gemm(let alpha, let beta, let transA, let transB):
            return gemm(try operand(0), try operand(1), x.count > 2 ? x[2] : nil, alpha: alpha, beta: beta, transA: transA, transB: transB, outputShape: outputShape)
        case .matMul:
            return matMul(try operand(0), try operand(1), outputShape: outputShape)
        case .add: return binary(try operand(0), try operand(1), outputShape, +)
        case .sub: return binary(try operand(0), try operand(1), outputShape, -)
        case .mul: return binary(try operand(0), try operand(1), outputShape, *)
        case .relu: return map(try operand(0)) { max($0, 0) }
        case .leakyRelu(let alpha): return map(try operand(0)) { $0 >= 0 ? $0 : $0 * alpha }
        case .sigmoid: return map(try operand(0)) { 1 / (1 + expf(-$0)) }
        case .tanh: return map(try operand(0)) { tanhf($0) }
        case .identity, .dropout: return try operand(0)
        case .flatten, .reshape: return FloatTensor(shape: outputShape, data: try operand(0).data)
        case .transpose(let perm): return transpose(try operand(0), perm: perm)
        case .concat(let axis): return try concat(x.map { $0! }, axis: axis, outputShape: outputShape, node: node.name)
        case .batchNormalization(let epsilon):
            let (scale, shift) = batchNormAffine(try operand(1), try operand(2), try operand(3), try operand(4), epsilon: epsilon)
            return channelAffine(try operand(0), scale: scale, shift: shift)
        case .conv(let g):
            return conv(try operand(0), weights: try operand(1), bias: x.count > 2 ? x[2] : nil, geometry: g, outputShape: outputShape)
        case .maxPool(let g, _):
            return pool(try operand(0), geometry: g, outputShape: outputShape, isMax: true, countIncludePad: false)
        case .averagePool(let g, _, let countIncludePad):
            return pool(try operand(0), geometry: g, outputShape: outputShape, isMax: false, countIncludePad: countIncludePad)
        case .globalAveragePool:
            let t = try operand(0)
            let plane = t.shape[2] * t.shape[3]
            var out = [Float](repeating: 0, count: t.shape[0] * t.shape[1])
            for c in 0..<out.count {
                var sum: Float = 0
                for i in 0..<plane { sum += t.data[c * plane + i] }
                out[c] = sum / Float(plane)
            }
            return FloatTensor(shape: outputShape, data: out)
        case .softmax(let axis, let legacy):
            return softmax(try operand(0), axis: try ShapeInference.axis(axis, rank: outputShape.count, node: node.name), legacy: legacy)
        case .argMax(let axis, _, let selectLast):
            return argMax(try operand(0), axis: try ShapeInference.axis(axis, rank: try operand(0).shape.count, node: node.name), selectLast: selectLast, outputShape: outputShape)
        }
    }

    /// Scale and shift per channel equivalent to inference-mode batch normalization.
    package static func batchNormAffine(_ gamma: FloatTensor, _ beta: FloatTensor, _ mean: FloatTensor, _ variance: FloatTensor, epsilon: Float) -> (scale: [Float], shift: [Float]) {
        var scale = [Float](repeating: 0, count: gamma.count)
        var shift = scale
        for c in 0..<gamma.count {
            scale[c] = gamma.data[c] / (variance.data[c] + epsilon).squareRoot()
            shift[c] = beta.data[c] - mean.data[c] * scale[c]
        }
        return (scale, shift)
    }

    static func channelAffine(_ t: FloatTensor, scale: [Float], shift: [Float]) -> FloatTensor {
        let channels = t.shape[1]
        let inner = elementCount(Array(t.shape.dropFirst(2)))
        var out = t.data
        for i in 0..<out.count {
            let c = (i / inner) % channels
            out[i] = out[i] * scale[c] + shift[c]
        }
        return FloatTensor(shape: t.shape, data: out)
    }

    static func map(_ t: FloatTensor, _ f: (Float) -> Float) -> FloatTensor {
        FloatTensor(shape: t.shape, data: t.data.map(f))
    }

    /// Index of each output element's operand element under broadcasting.
    package static func broadcastIndices(from shape: [Int], to outputShape: [Int]) -> [Int] {
        let rank = outputShape.count
        let padded = [Int](repeating: 1, count: rank - shape.count) + shape
        let strides = rowMajorStrides(padded)
        let count = elementCount(outputShape)
        var indices = [Int](repeating: 0, count: count)
        var coordinate = [Int](repeating: 0, count: rank)
        for i in 0..<count {
            var offset = 0
            for a in 0..<rank where padded[a] != 1 { offset += coordinate[a] * strides[a] }
            indices[i] = offset
            var a = rank - 1
            while a >= 0 {
                coordinate[a] += 1
                if coordinate[a] < outputShape[a] { break }
                coordinate[a] = 0
                a -= 1
            }
        }
        return indices
    }

    static func binary(_ a: FloatTensor, _ b: FloatTensor, _ outputShape: [Int], _ f: (Float, Float) -> Float) -> FloatTensor {
        if a.shape == outputShape && b.shape == outputShape {
            var out = [Float](repeating: 0, count: a.count)
            for i in 0..<out.count { out[i] = f(a.data[i], b.data[i]) }
            return FloatTensor(shape: outputShape, data: out)
        }
        let ia = broadcastIndices(from: a.shape, to: outputShape)
        let ib = broadcastIndices(from: b.shape, to: outputShape)
        var out = [Float](repeating: 0, count: ia.count)
        for i in 0..<out.count { out[i] = f(a.data[ia[i]], b.data[ib[i]]) }
        return FloatTensor(shape: outputShape, data: out)
    }

    static func gemm(_ a: FloatTensor, _ b: FloatTensor, _ c: FloatTensor?, alpha: Float, beta: Float, transA: Bool, transB: Bool, outputShape: [Int]) -> FloatTensor {
        let m = outputShape[0], n = outputShape[1]
        let k = transA ? a.shape[0] : a.shape[1]
        let cIndex = c.map { broadcastIndices(from: $0.shape, to: outputShape) }
        var out = [Float](repeating: 0, count: m * n)
        for i in 0..<m {
            for j in 0..<n {
                var sum: Float = 0
                for p in 0..<k {
                    let av = transA ? a.data[p * m + i] : a.data[i * k + p]
                    let bv = transB ? b.data[j * k + p] : b.data[p * n + j]
                    sum += av * bv
                }
                var v = alpha * sum
                if let c, let cIndex { v += beta * c.data[cIndex[i * n + j]] }
                out[i * n + j] = v
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }

    static func matMul(_ a: FloatTensor, _ b: FloatTensor, outputShape: [Int]) -> FloatTensor {
        var aShape = a.shape, bShape = b.shape
        if aShape.count == 1 { aShape = [1] + aShape }
        if bShape.count == 1 { bShape = bShape + [1] }
        let m = aShape[aShape.count - 2], k = aShape[aShape.count - 1], n = bShape[bShape.count - 1]
        let batchShape = try! ShapeInference.broadcast(Array(aShape.dropLast(2)), Array(bShape.dropLast(2)), node: "")
        let batches = elementCount(batchShape)
        let aBatch = broadcastIndices(from: Array(aShape.dropLast(2)), to: batchShape)
        let bBatch = broadcastIndices(from: Array(bShape.dropLast(2)), to: batchShape)
        var out = [Float](repeating: 0, count: batches * m * n)
        for batch in 0..<batches {
            let ao = aBatch[batch] * m * k, bo = bBatch[batch] * k * n, oo = batch * m * n
            for i in 0..<m {
                for p in 0..<k {
                    let av = a.data[ao + i * k + p]
                    for j in 0..<n { out[oo + i * n + j] += av * b.data[bo + p * n + j] }
                }
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }

    package static func transpose(_ t: FloatTensor, perm: [Int]) -> FloatTensor {
        let map = transposeIndexMap(shape: t.shape, perm: perm)
        return FloatTensor(shape: perm.map { t.shape[$0] }, data: map.map { t.data[$0] })
    }

    /// For each output element of a transpose, the index of the input element it copies.
    package static func transposeIndexMap(shape: [Int], perm: [Int]) -> [Int] {
        let outShape = perm.map { shape[$0] }
        let inStrides = rowMajorStrides(shape)
        let count = elementCount(shape)
        var map = [Int](repeating: 0, count: count)
        var coordinate = [Int](repeating: 0, count: outShape.count)
        for i in 0..<count {
            var offset = 0
            for a in 0..<outShape.count { offset += coordinate[a] * inStrides[perm[a]] }
            map[i] = offset
            var a = outShape.count - 1
            while a >= 0 {
                coordinate[a] += 1
                if coordinate[a] < outShape[a] { break }
                coordinate[a] = 0
                a -= 1
            }
        }
        return map
    }

    static func concat(_ parts: [FloatTensor], axis: Int, outputShape: [Int], node: String) throws(ModelError) -> FloatTensor {
        let a = try ShapeInference.axis(axis, rank: outputShape.count, node: node)
        let outer = elementCount(Array(outputShape[..<a]))
        var out: [Float] = []
        out.reserveCapacity(elementCount(outputShape))
        for o in 0..<outer {
            for part in parts {
                let block = elementCount(Array(part.shape[a...]))
                out.append(contentsOf: part.data[(o * block)..<((o + 1) * block)])
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }

    static func conv(_ x: FloatTensor, weights w: FloatTensor, bias: FloatTensor?, geometry g: WindowGeometry, outputShape: [Int]) -> FloatTensor {
        let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
        let (m, oh, ow) = (outputShape[1], outputShape[2], outputShape[3])
        let (kh, kw) = (g.kernel[0], g.kernel[1])
        var out = [Float](repeating: 0, count: n * m * oh * ow)
        for b in 0..<n {
            for oc in 0..<m {
                let base = bias?.data[oc] ?? 0
                for oy in 0..<oh {
                    for ox in 0..<ow {
                        var sum: Float = base
                        for ic in 0..<c {
                            for ky in 0..<kh {
                                let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                                if iy < 0 || iy >= h { continue }
                                for kx in 0..<kw {
                                    let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                                    if ix < 0 || ix >= wd { continue }
                                    sum += x.data[((b * c + ic) * h + iy) * wd + ix] * w.data[((oc * c + ic) * kh + ky) * kw + kx]
                                }
                            }
                        }
                        out[((b * m + oc) * oh + oy) * ow + ox] = sum
                    }
                }
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }

    static func pool(_ x: FloatTensor, geometry g: WindowGeometry, outputShape: [Int], isMax: Bool, countIncludePad: Bool) -> FloatTensor {
        let (planes, h, w) = (x.shape[0] * x.shape[1], x.shape[2], x.shape[3])
        let (oh, ow) = (outputShape[2], outputShape[3])
        var out = [Float](repeating: 0, count: planes * oh * ow)
        for p in 0..<planes {
            for oy in 0..<oh {
                for ox in 0..<ow {
                    var best = -Float.infinity, sum: Float = 0, count = 0, padded = 0
                    for ky in 0..<g.kernel[0] {
                        let iy = oy * g.strides[0] - g.pads[0] + ky * g.dilations[0]
                        for kx in 0..<g.kernel[1] {
                            let ix = ox * g.strides[1] - g.pads[1] + kx * g.dilations[1]
                            if iy < 0 || iy >= h || ix < 0 || ix >= w {
                                // Padding counts only inside the padded extent (not ceil-mode overhang).
                                if iy < h + g.pads[2] && ix < w + g.pads[3] { padded += 1 }
                                continue
                            }
                            let v = x.data[(p * h + iy) * w + ix]
                            best = max(best, v)
                            sum += v
                            count += 1
                        }
                    }
                    out[(p * oh + oy) * ow + ox] = isMax ? best : sum / Float(countIncludePad ? count + padded : count)
                }
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }

    static func softmax(_ x: FloatTensor, axis: Int, legacy: Bool) -> FloatTensor {
        let shape = x.shape
        let outer: Int, length: Int, inner: Int
        if legacy {
            outer = elementCount(Array(shape[..<axis])); length = elementCount(Array(shape[axis...])); inner = 1
        } else {
            outer = elementCount(Array(shape[..<axis])); length = shape[axis]; inner = elementCount(Array(shape[(axis + 1)...]))
        }
        var out = x.data
        for o in 0..<outer {
            for i in 0..<inner {
                let base = o * length * inner + i
                var maxValue = -Float.infinity
                for j in 0..<length { maxValue = max(maxValue, x.data[base + j * inner]) }
                var sum: Float = 0
                for j in 0..<length {
                    let e = expf(x.data[base + j * inner] - maxValue)
                    out[base + j * inner] = e
                    sum += e
                }
                for j in 0..<length { out[base + j * inner] /= sum }
            }
        }
        return FloatTensor(shape: shape, data: out)
    }

    static func argMax(_ x: FloatTensor, axis: Int, selectLast: Bool, outputShape: [Int]) -> FloatTensor {
        let outer = elementCount(Array(x.shape[..<axis])), length = x.shape[axis]
        let inner = elementCount(Array(x.shape[(axis + 1)...]))
        var out = [Float](repeating: 0, count: outer * inner)
        for o in 0..<outer {
            for i in 0..<inner {
                var best = 0
                for j in 1..<max(length, 1) {
                    let v = x.data[(o * length + j) * inner + i], b = x.data[(o * length + best) * inner + i]
                    if v > b || (selectLast && v == b) { best = j }
                }
                out[o * inner + i] = Float(best)
            }
        }
        return FloatTensor(shape: outputShape, data: out)
    }
}
