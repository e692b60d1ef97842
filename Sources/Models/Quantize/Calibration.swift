/// Per-value ranges observed by running the float graph on sample inputs.
public struct CalibrationRanges: Sendable {
    /// The largest magnitude seen for each value name.
    public var maxAbs: [String: Float]
    /// Number of samples used.
    public var sampleCount: Int

    /// Runs the float engine on each sample (flat inputs for the model's single input) and
    /// records the largest magnitude of every value.
    public static func measure(graph: ModelGraph, samples: [[Float]]) throws(ModelError) -> CalibrationRanges {
        guard graph.inputs.count == 1 else {
            throw .quantization("calibration needs a single-input model; this one has \(graph.inputs.count) inputs")
        }
        guard !samples.isEmpty else { throw .quantization("no calibration samples") }
        let engine = FloatEngine(graph: graph)
        var ranges: [String: Float] = [:]
        let input = graph.inputs[0]
        for sample in samples {
            guard sample.count == elementCount(input.shape) else {
                throw .badInput("calibration sample has \(sample.count) values, input '\(input.name)' needs \(elementCount(input.shape))")
            }
            let values = try engine.runAll([input.name: FloatTensor(shape: input.shape, data: sample)])
            for (name, tensor) in values where graph.constants[name] == nil {
                var m: Float = 0
                for v in tensor.data where v.isFinite { m = max(m, abs(v)) }
                ranges[name] = max(ranges[name] ?? 0, m)
            }
        }
        return CalibrationRanges(maxAbs: ranges, sampleCount: samples.count)
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
