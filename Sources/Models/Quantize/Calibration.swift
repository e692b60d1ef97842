/// Per-value ranges observed by running the float graph on sample inputs.
public struct CalibrationRanges: Sendable {
    /// The largest magnitude seen for each value name.
    public var maxAbs: [String: Float]
    /// Number of samples used.
    public var sampleCount: Int

    /// Runs the float engine on each sample and records the largest magnitude of every value. A
    /// sample is the flat vector of the model's input or, for a model with several inputs, every
    /// input's flat vector concatenated in input order.
    public static func measure(graph: ModelGraph, samples: [[Float]]) throws(ModelError) -> CalibrationRanges {
        guard !graph.inputs.isEmpty else { throw .quantization("calibration needs a model with an input") }
        guard !samples.isEmpty else { throw .quantization("no calibration samples") }
        let engine = FloatEngine(graph: graph)
        var ranges: [String: Float] = [:]
        let sizes = graph.inputs.map { elementCount($0.shape) }
        let total = sizes.reduce(0, +)
        for sample in samples {
            guard sample.count == total else {
                let names = graph.inputs.map { "'\($0.name)'" }.joined(separator: " + ")
                throw .badInput("calibration sample has \(sample.count) values, input \(names) needs \(total)")
            }
            var feeds: [String: FloatTensor] = [:]
            var offset = 0
            for (input, size) in zip(graph.inputs, sizes) {
                feeds[input.name] = FloatTensor(shape: input.shape, data: Array(sample[offset..<(offset + size)]))
                offset += size
            }
            let values = try engine.runAll(feeds)
            for (name, tensor) in values where graph.constants[name] == nil {
                var m: Float = 0
                for v in tensor.data where v.isFinite { m = max(m, abs(v)) }
                ranges[name] = max(ranges[name] ?? 0, m)
            }
        }
        return CalibrationRanges(maxAbs: ranges, sampleCount: samples.count)
    }

    /// Samples from the arrays of an EZKL calibration file (`input_data`) for a model whose inputs
    /// have `inputSizes` elements each: array `j` holds values of input `j mod inputSizes.count`
    /// (one array per input, or one per input and sample, in input order); each input's values,
    /// back to back, are split into samples of its size, and sample `s` is every input's sample `s`
    /// concatenated in input order. Every input must give the same number of samples.
    public static func samples(fromArrays arrays: [[Float]], inputSizes: [Int]) throws(ModelError) -> [[Float]] {
        let k = inputSizes.count
        guard k > 0, !arrays.isEmpty, arrays.count % k == 0 else {
            throw .badInput("calibration data has \(arrays.count) arrays, not a multiple of the \(k) model inputs")
        }
        var perInput: [[[Float]]] = []
        for (i, size) in inputSizes.enumerated() {
            let values = stride(from: i, to: arrays.count, by: k).flatMap { arrays[$0] }
            perInput.append(try splitSamples(values, sampleSize: size))
        }
        let count = perInput[0].count
        guard perInput.allSatisfy({ $0.count == count }) else {
            throw .badInput("calibration data gives \(perInput.map(\.count)) samples for the \(k) inputs (must agree)")
        }
        return (0..<count).map { s in perInput.flatMap { $0[s] } }
    }

    /// Splits a flat array holding several samples back to back (EZKL calibration files) into
    /// samples of `sampleSize` values.
    public static func splitSamples(_ flat: [Float], sampleSize: Int) throws(ModelError) -> [[Float]] {
        guard sampleSize > 0, !flat.isEmpty, flat.count % sampleSize == 0 else {
            throw .badInput("calibration data has \(flat.count) values, not a multiple of the input size \(sampleSize)")
        }
        return stride(from: 0, to: flat.count, by: sampleSize).map { Array(flat[$0..<($0 + sampleSize)]) }
    }
}

/// Chooses power-of-two exponents.
package enum FixedPoint {
    /// The largest exponent `e` with `maxAbs * 2^e <= limit` (so values fit in the bit width).
    package static func exponent(maxAbs: Float, limit: Int64) -> Int {
        guard maxAbs > 0, maxAbs.isFinite else { return 0 }
        var e = Int((Float(limit) / maxAbs).exponent)  // floor(log2(limit / maxAbs))
        while e > -60 && maxAbs * pow2(e) > Float(limit) { e -= 1 }
        while e < 60 && maxAbs * pow2(e + 1) <= Float(limit) { e += 1 }
        return max(-60, min(60, e))
    }

    package static func pow2(_ e: Int) -> Float { Float(sign: .plus, exponent: e, significand: 1) }

    /// `round(x * 2^e)` (half away from zero), saturated to `[-limit, limit]`.
    package static func quantize(_ x: Float, exponent e: Int, limit: Int64) -> Int64 {
        let r = (Double(x) * Double(sign: .plus, exponent: e, significand: 1)).rounded(.toNearestOrAwayFromZero)
        if r >= Double(limit) { return limit }
        if r <= Double(-limit) { return -limit }
        return Int64(r)
    }
}
