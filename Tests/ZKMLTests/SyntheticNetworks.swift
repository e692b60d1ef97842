import ZKML
import TestSupport

/// Small random integer networks for protocol tests (deterministic from a seed).
enum SyntheticNetworks {
    static func values(_ count: Int, _ range: ClosedRange<Int64>, _ rng: inout SplitMix64) -> [Int64] {
        (0..<count).map { _ in Int64.random(in: range, using: &rng) }
    }

    /// 12 -> `hidden` (20) -> ReLU -> 6 (output 6 of a padded 8).
    static func mlp(seed: UInt64 = 1, hidden: Int = 20) -> QuantizedNetwork {
        var rng = SplitMix64(seed: seed)
        let w1 = (0..<hidden).map { _ in values(12, -64...64, &rng) }
        let w2 = (0..<6).map { _ in values(hidden, -64...64, &rng) }
        return QuantizedNetwork(inputShape: [12], inputMin: 0, inputMax: 16, layers: [
            .dense(weights: w1, bias: values(hidden, -200...200, &rng)),
            .requantize(shift: 5, lo: 0, hi: 127),
            .dense(weights: w2, bias: values(6, -200...200, &rng)),
        ])
    }

    /// 12 -> 128 -> ReLU -> 6: its weight vector (2^12) has the zero-knowledge witness's size
    /// (protocol v13: the masked witness is opened as a size class of its own next to the weights).
    static func mlpSharingTheWitnessSize() -> QuantizedNetwork { mlp(seed: 3, hidden: 128) }

    /// 1x6x6 -> conv 3x3 pad 1 (3 ch) -> ReLU -> maxpool 2x2 -> flatten -> 5.
    static func cnn(seed: UInt64 = 2) -> QuantizedNetwork {
        var rng = SplitMix64(seed: seed)
        return QuantizedNetwork(inputShape: [1, 6, 6], inputMin: 0, inputMax: 16, layers: [
            .conv(weights: values(3 * 9, -64...64, &rng), bias: values(3, -100...100, &rng), outChannels: 3,
                  kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1]),
            .requantize(shift: 4, lo: 0, hi: 127),
            .maxPool(kernel: [2, 2], strides: [2, 2]),
            .flatten,
            .dense(weights: (0..<5).map { _ in values(27, -64...64, &rng) }, bias: values(5, -100...100, &rng)),
            .requantize(shift: 6, lo: -128, hi: 127),
        ])
    }

    /// 1x6x6 -> conv 3x3 pad 1 (6 ch) -> ReLU -> maxpool 2x2 -> flatten (54) -> 48: its weight vector and
    /// zero-knowledge witness are both 2^13 entries and the weights end (4,320) below the witness's
    /// columns (5,568), so both are opened by one merged folded opening (protocol v21, docs/ZK.md §6
    /// item 4, point 3).
    static func cnnMergingTheOpenings(seed: UInt64 = 5) -> QuantizedNetwork {
        var rng = SplitMix64(seed: seed)
        return QuantizedNetwork(inputShape: [1, 6, 6], inputMin: 0, inputMax: 16, layers: [
            .conv(weights: values(6 * 9, -64...64, &rng), bias: values(6, -100...100, &rng), outChannels: 6,
                  kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1]),
            .requantize(shift: 4, lo: 0, hi: 127),
            .maxPool(kernel: [2, 2], strides: [2, 2]),
            .flatten,
            .dense(weights: (0..<48).map { _ in values(54, -64...64, &rng) }, bias: values(48, -100...100, &rng)),
            .requantize(shift: 6, lo: -128, hi: 127),
        ])
    }

    static func input(_ count: Int, seed: UInt64 = 7) -> [Int64] {
        var rng = SplitMix64(seed: seed)
        return values(count, 0...16, &rng)
    }
}
