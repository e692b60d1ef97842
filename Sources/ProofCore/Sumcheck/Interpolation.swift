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
    // Denominator for node i: Π_{j≠i} (i - j) = i! · (-1)^(n-1-i) · (n-1-i)!.
    var factorial = [Goldilocks](repeating: .one, count: n)
    for i in 1..<n { factorial[i] = factorial[i - 1] * Goldilocks(UInt64(i)) }
    var acc = F.zero
    for i in 0..<n {
        var denominator = factorial[i] * factorial[n - 1 - i]
        if (n - 1 - i) % 2 == 1 { denominator = -denominator }
        let weight = prefix[i] * suffix[i + 1] * (denominator.inverse() ?? .zero)
        acc += values[i] * weight
    }
    return acc
}
