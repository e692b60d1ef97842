/// Evaluates at `x` the polynomial of degree < values.count whose value at i is values[i]
/// (i = 0, 1, …, d), by the Lagrange formula on the integer nodes.
@inlinable
public func interpolateAtIntegerNodes<F: FieldElement>(_ values: [F], at x: F) -> F {
    let n = values.count
    if n == 0 { return .zero }
    if n == 1 { return values[0] }
    if n == 3 {
        // Degree 2 (every Basefold and product round): y0·(x−1)(x−2)/2 − y1·x(x−2) + y2·x(x−1)/2.
        let (a, b) = (x - F.one, x - F.one.doubled())
        let half = IntegerNodeWeights.half
        return (values[0] * (a * b) + values[2] * (x * a)) * half - values[1] * (x * b)
    }
    // Prefix and suffix products of (x - j), in temporary (stack) buffers.
    return withUnsafeTemporaryAllocation(of: F.self, capacity: 2 * (n + 1)) { buffer in
        let prefix = buffer.baseAddress!, suffix = prefix + (n + 1)
        var node = F.zero
        prefix.initialize(to: .one)
        for j in 0..<n {
            (prefix + j + 1).initialize(to: prefix[j] * (x - node))
            node += .one
        }
        (suffix + n).initialize(to: .one)
        for j in stride(from: n - 1, through: 0, by: -1) {
            node -= .one
            (suffix + j).initialize(to: suffix[j + 1] * (x - node))
        }
        // Weight of node i: 1 / Π_{j≠i} (i - j) = (-1)^(n-1-i) / (i! · (n-1-i)!), precomputed for small n.
        let inverses = n <= IntegerNodeWeights.maxNodes ? IntegerNodeWeights.table[n] : IntegerNodeWeights.weights(n)
        var acc = F.zero
        for i in 0..<n {
            acc += values[i] * (prefix[i] * suffix[i + 1] * inverses[i])
        }
        return acc   // F is a trivial type: the buffer needs no deinitialization
    }
}

/// The inverse Lagrange denominators on the integer nodes 0 … n−1 (`interpolateAtIntegerNodes`):
/// computed once for the round-polynomial sizes sumchecks use, instead of n field inversions per call.
@usableFromInline
enum IntegerNodeWeights {
    @usableFromInline static let maxNodes = 16
    /// 1/2 = (p + 1)/2.
    @usableFromInline static let half = Goldilocks(0x7FFF_FFFF_8000_0001)
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
