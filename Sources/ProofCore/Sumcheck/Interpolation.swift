/// Evaluates at `x` the polynomial of degree < values.count whose value at i is values[i]
/// (i = 0, 1, …, d), by the Lagrange formula on the integer nodes.
@inlinable
public func interpolateAtIntegerNodes<F: FieldElement>(_ values: [F], at x: F) -> F {
    let n = values.count
    if n == 0 { return .zero }
    if n == 1 { return values[0] }
    // Prefix and suffix products of (x - j).
    var prefix = [F](repeating: .one, count: n + 1)
    var suffix = [F](repeating: .one, count: n + 1)
    for j in 0..<n { prefix[j + 1] = prefix[j] * (x - F(integer: j)) }
    for j in stride(from: n - 1, through: 0, by: -1) { suffix[j] = suffix[j + 1] * (x - F(integer: j)) }
    // Weight of node i: 1 / Π_{j≠i} (i - j) = (-1)^(n-1-i) / (i! · (n-1-i)!), precomputed for small n.
    let inverses = n <= IntegerNodeWeights.maxNodes ? IntegerNodeWeights.table[n] : IntegerNodeWeights.weights(n)
    var acc = F.zero
    for i in 0..<n {
        acc += values[i] * (prefix[i] * suffix[i + 1] * inverses[i])
    }
    return acc
}

/// The inverse Lagrange denominators on the integer nodes 0 … n−1 (`interpolateAtIntegerNodes`):
/// computed once for the round-polynomial sizes sumchecks use, instead of n field inversions per call.
@usableFromInline
enum IntegerNodeWeights {
    @usableFromInline static let maxNodes = 16
    @usableFromInline static let table: [[Goldilocks]] = (0...maxNodes).map { weights($0) }

    /// 1 / Π_{j≠i} (i − j) for i < n.
    @usableFromInline
    static func weights(_ n: Int) -> [Goldilocks] {
        guard n > 0 else { return [] }
        var factorial = [Goldilocks](repeating: .one, count: n)
        for i in 1..<n { factorial[i] = factorial[i - 1] * Goldilocks(UInt64(i)) }
        return (0..<n).map { i in
            var denominator = factorial[i] * factorial[n - 1 - i]
            if (n - 1 - i) % 2 == 1 { denominator = -denominator }
            return denominator.inverse() ?? .zero
        }
    }
}
