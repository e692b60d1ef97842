import ZKML

/// The built-in model a node proves once at start to measure its proving throughput (docs/MARKET.md,
/// "Capacity ads"): a fixed integer MLP of digits_mlp's shape (64 -> 128 -> ReLU -> 64 -> ReLU -> 10,
/// 17,024 multiply-accumulates), its weights drawn from a fixed seed so every node proves the same
/// work.
enum CalibrationModel {
    static let layerSizes = [64, 128, 64, 10]

    /// Multiply-accumulates of one inference: the units the throughput is measured in.
    static var macs: UInt64 {
        UInt64(zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 })
    }

    /// A deterministic generator (SplitMix64) for the weights and the input.
    struct Numbers {
        var state: UInt64
        mutating func next(_ range: ClosedRange<Int64>) -> Int64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            z ^= z >> 31
            let width = UInt64(range.upperBound - range.lowerBound + 1)
            return range.lowerBound + Int64(z % width)
        }
    }

    static func network() -> QuantizedNetwork {
        var numbers = Numbers(state: 0xC1A0_CA11_B4A7_E000)
        var layers: [NetworkLayer] = []
        for (index, (inputs, outputs)) in zip(layerSizes, layerSizes.dropFirst()).enumerated() {
            let weights = (0..<outputs).map { _ in (0..<inputs).map { _ in numbers.next(-16...16) } }
            layers.append(.dense(weights: weights, bias: (0..<outputs).map { _ in numbers.next(-64...64) }))
            let last = index == layerSizes.count - 2
            layers.append(.requantize(shift: 7, lo: last ? -128 : 0, hi: 127))
        }
        return QuantizedNetwork(inputShape: [layerSizes[0]], inputMin: 0, inputMax: 16, layers: layers)
    }

    static func input() -> [Int64] {
        var numbers = Numbers(state: 0x1A9B_0000_0000_0001)
        return (0..<layerSizes[0]).map { _ in numbers.next(0...16) }
    }
}
