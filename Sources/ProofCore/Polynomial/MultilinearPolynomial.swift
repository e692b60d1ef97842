/// A multilinear polynomial in `numVariables` variables, stored as its evaluations on {0,1}^n.
///
/// Index convention: evaluation `i` is at the point whose FIRST variable is the most significant bit
/// of `i` (x1 = bit n-1, …, xn = bit 0). So fixing the first variable folds the first half of the
/// table against the second half, and a row-major matrix W[i][j] is the MLE W(row bits, column bits):
/// fixing the row variables at r leaves the table of W(r, ·).
public struct MultilinearPolynomial<F: FieldElement>: Sendable, Equatable {
    /// The 2^numVariables evaluations.
    public var evaluations: [F]

    /// Wraps a table whose length is a power of two (1 for a constant).
    @inlinable
    public init(evaluations: [F]) {
        precondition(evaluations.count > 0 && evaluations.count & (evaluations.count - 1) == 0,
                     "a multilinear table needs a power-of-two length")
        self.evaluations = evaluations
    }

    /// Pads `values` with zeros to the next power of two. A table padded from 2^m to 2^n entries is the
    /// MLE g(hi, lo) = eq(hi, 0)·f(lo), so f(z) = g((0, …, 0) ‖ z).
    @inlinable
    public init(padding values: [F]) {
        var v = values
        var n = 1
        while n < v.count { n <<= 1 }
        v.append(contentsOf: repeatElement(F.zero, count: n - v.count))
        self.init(evaluations: v)
    }

    @inlinable
    public var numVariables: Int { evaluations.count.trailingZeroBitCount }

    /// The sum over the Boolean hypercube.
    @inlinable
    public func sum() -> F { MLE.sum(evaluations) }

    /// Binds the first variable to `r` in place (the table halves).
    @inlinable
    public mutating func fixFirstVariable(_ r: F) {
        MLE.fixFirstVariable(&evaluations, r)
    }

    /// Binds the first variable to `r` in an extension field, returning the folded table there.
    @inlinable
    public func fixingFirstVariable<E: FieldElement>(_ r: E) -> MultilinearPolynomial<E> where F == Goldilocks {
        MultilinearPolynomial<E>(evaluations: MLE.fixFirstVariable(evaluations, lifting: r))
    }

    /// The value at `point` (which has `numVariables` coordinates, first variable first).
    @inlinable
    public func evaluate(at point: [F]) -> F {
        MLE.evaluate(evaluations, at: point)
    }

    /// The value at a point in an extension field (for a base-field polynomial).
    @inlinable
    public func evaluate<E: FieldElement>(at point: [E]) -> E where F == Goldilocks {
        MLE.evaluate(evaluations, at: point)
    }

    /// The table of eq(point, x) for every x in {0,1}^n: eq(a, b) = Π (a_k b_k + (1 - a_k)(1 - b_k)).
    @inlinable
    public static func eq(_ point: [F]) -> MultilinearPolynomial<F> {
        MultilinearPolynomial(evaluations: MLE.eqTable(point))
    }
}

/// Table-level routines on multilinear evaluation tables (same index convention as
/// `MultilinearPolynomial`). They work in place where they can and use both cores for large tables.
public enum MLE {
    /// Σ table.
    @inlinable
    public static func sum<F: FieldElement>(_ table: [F]) -> F {
        let parts = table.withUnsafeBufferPointer { t in
            Parallel.mapChunks(count: t.count) { range -> F in
                var acc = F.zero
                for i in range { acc += t[i] }
                return acc
            }
        }
        return parts.reduce(F.zero, +)
    }

    /// Σ a[i]·b[i].
    @inlinable
    public static func innerProduct<F: FieldElement>(_ a: [F], _ b: [F]) -> F {
        precondition(a.count == b.count)
        let parts = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                Parallel.mapChunks(count: x.count) { range -> F in
                    var acc = F.zero
                    for i in range { acc += x[i] * y[i] }
                    return acc
                }
            }
        }
        return parts.reduce(F.zero, +)
    }

    /// Binds the first variable to `r` in place: t[i] ← t[i] + r·(t[i + half] − t[i]); the table halves.
    @inlinable
    public static func fixFirstVariable<F: FieldElement>(_ table: inout [F], _ r: F) {
        let half = table.count / 2
        precondition(half >= 1, "no variable left to fix")
        table.withUnsafeMutableBufferPointer { t in
            let base = t.baseAddress!
            Parallel.forEachChunk(count: half) { range in
                for i in range {
                    let lo = base[i]
                    base[i] = lo + r * (base[i + half] - lo)
                }
            }
        }
        table.removeLast(half)
    }

    /// Binds the first variable of a base-field table to an extension-field `r`.
    @inlinable
    public static func fixFirstVariable<E: FieldElement>(_ table: [Goldilocks], lifting r: E) -> [E] {
        let half = table.count / 2
        precondition(half >= 1, "no variable left to fix")
        var out = [E](repeating: .zero, count: half)
        table.withUnsafeBufferPointer { t in
            out.withUnsafeMutableBufferPointer { o in
                let dst = o.baseAddress!
                Parallel.forEachChunk(count: half) { range in
                    for i in range {
                        let lo = t[i]
                        dst[i] = r * (t[i + half] - lo) + E(lo)
                    }
                }
            }
        }
        return out
    }

    /// f(point) for the table f.
    @inlinable
    public static func evaluate<F: FieldElement>(_ table: [F], at point: [F]) -> F {
        precondition(table.count == 1 << point.count, "point has the wrong number of coordinates")
        var t = table
        for r in point { fixFirstVariable(&t, r) }
        return t[0]
    }

    /// f(point) for a base-field table at a base-field point.
    @inlinable
    public static func evaluate(_ table: [Goldilocks], at point: [Goldilocks]) -> Goldilocks {
        precondition(table.count == 1 << point.count, "point has the wrong number of coordinates")
        var t = table
        for r in point { fixFirstVariable(&t, r) }
        return t[0]
    }

    /// f(point) for a base-field table at an extension-field point.
    @inlinable
    public static func evaluate<E: FieldElement>(_ table: [Goldilocks], at point: [E]) -> E {
        precondition(table.count == 1 << point.count, "point has the wrong number of coordinates")
        guard let first = point.first else { return E(table[0]) }
        var t = fixFirstVariable(table, lifting: first)
        for r in point.dropFirst() { fixFirstVariable(&t, r) }
        return t[0]
    }

    /// The table of eq(point, x) over {0,1}^n, built in place with one multiplication per entry.
    @inlinable
    public static func eqTable<F: FieldElement>(_ point: [F], scaledBy scale: F = .one) -> [F] {
        // Not zeroed: level j reads entries below 2^j (all written) and writes entries below 2^(j+1).
        let count = 1 << point.count
        var table = [F](unsafeUninitializedCapacity: count) { _, n in n = count }
        table[0] = scale
        table.withUnsafeMutableBufferPointer { t in
            let base = t.baseAddress!
            var size = 1
            // The last coordinate is processed first and lands on bit 0; the first lands on the top bit.
            for r in point.reversed() {
                Parallel.forEachChunk(count: size) { range in
                    for i in range {
                        let v = base[i]
                        let hi = v * r
                        base[i + size] = hi
                        base[i] = v - hi
                    }
                }
                size *= 2
            }
        }
        return table
    }

    /// eq(a, b) = Π (a_k b_k + (1 − a_k)(1 − b_k)) for two points of the same length.
    @inlinable
    public static func eq<F: FieldElement>(_ a: [F], _ b: [F]) -> F {
        precondition(a.count == b.count)
        var acc = F.one
        for k in 0..<a.count {
            let ab = a[k] * b[k]
            acc *= ab + ab + F.one - a[k] - b[k]
        }
        return acc
    }
}
