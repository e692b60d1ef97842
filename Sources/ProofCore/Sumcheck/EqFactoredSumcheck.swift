/// The round work of a sumcheck of Σ_x eq(p, x)·C(tables(x)) (every term has the factor eq(p, ·);
/// C a `SumOfProducts` over the other tables), with eq kept in factored form (Gruen, "Some
/// improvements for the PIOP for ZeroCheck", ePrint 2024/108, §3; Dao-Thaler).
///
/// In round j (variables bound high bit first) the round polynomial is
/// s(X) = eq(p_<j, r_<j) · eq(p_j, X) · q(X), q(X) = Σ_x' eq(p_>j, x') · C(tables(r_<j, X, x')),
/// so the prover sums C (degree one lower) against a table of the remaining variables' eq and never
/// folds an eq table; q(1) follows from the round's sum. The round polynomials are exactly those of
/// the plain sumcheck over the tables [eq(p, ·)] + tables with every term multiplied by table 0, so
/// proofs and verification do not change (`MaskedSumcheck.proveEqFactored`).
@usableFromInline
struct EqFactoredRounds<F: FieldElement> {
    @usableFromInline let point: [F]
    /// The tables (not eq), table t at offset t·size, folded in place.
    @usableFromInline var flat: [F]
    @usableFromInline let size: Int
    @usableFromInline let tableCount: Int
    @usableFromInline var length: Int
    /// eq(p_<j, r_<j).
    @usableFromInline var scale: F = .one
    /// eq(p_>j, ·) over the variables after the current one (2^(n−1−j) entries).
    @usableFromInline var suffixEq: [F]
    @usableFromInline let factorStart: [Int]
    @usableFromInline let factors: [Int]
    @usableFromInline let coefficients: [F]
    @usableFromInline let combination: SumOfProducts<F>
    /// Degree of C.
    @usableFromInline let innerDegree: Int
    /// Every term of C has exactly two factors (the fraction tree's levels): `quadraticRound` path.
    @usableFromInline let quadratic: Bool

    @inlinable
    init(point: [F], tables: [[F]], combination: SumOfProducts<F>) {
        precondition(tables.count == combination.tableCount && !tables.isEmpty, "one table per combination input")
        let size = tables[0].count
        precondition(size >= 2 && size == 1 << point.count && tables.allSatisfy { $0.count == size }, "tables of 2^|p| entries")
        self.point = point
        self.size = size
        self.length = size
        self.tableCount = tables.count
        var flat = [F]()
        flat.reserveCapacity(tables.count * size)
        for t in tables { flat.append(contentsOf: t) }
        self.flat = flat
        self.suffixEq = MLE.eqTable(Array(point.dropFirst()))
        var factorStart = [Int](), factors = [Int]()
        for term in combination.terms {
            factorStart.append(factors.count)
            factors.append(contentsOf: term.factors)
        }
        factorStart.append(factors.count)
        self.factorStart = factorStart
        self.factors = factors
        self.coefficients = combination.terms.map { $0.coefficient }
        self.combination = combination
        self.innerDegree = max(1, combination.degree)
        var quadratic = true
        for term in combination.terms where term.factors.count != 2 { quadratic = false }
        self.quadratic = quadratic
    }

    /// The degree of the full combination eq·C.
    @inlinable var degree: Int { innerDegree + 1 }

    /// The round's polynomial s at 0 … `degree` (≥ innerDegree + 1). `sum` is s(0) + s(1) when known
    /// (after round 0). With `finalMasks` in the last round the tables are t + X(1 − X)·μ_t.
    @inlinable
    func roundEvaluations(round j: Int, degree deg: Int, sum: F?, finalMasks: [F]?) -> [F] {
        let e0 = F.one - point[j], e1 = point[j]
        @inline(__always) func eqAt(_ x: F) -> F { scale * (e0 + x * (e1 - e0)) }
        let m = tableCount
        if length == 2, let fm = finalMasks {
            return (0...deg).map { x in
                let xv = F(integer: x)
                let z = xv * (F.one - xv)
                let values = (0..<m).map { t in
                    let lo = flat[t * size], hi = flat[t * size + 1]
                    return lo + xv * (hi - lo) + z * fm[t]
                }
                return eqAt(xv) * combination.evaluate(values)
            }
        }
        let d = innerDegree
        let half = length / 2
        // q at 0, 2, …, d, and at 1 unless the round's sum gives it.
        let divisor = sum == nil ? nil : (scale * e1).inverse()
        let skipOne = divisor != nil
        let points = d + 1
        let termCount = coefficients.count
        let partials = quadratic ? quadraticRound(half: half, skipOne: skipOne) : flat.withUnsafeBufferPointer { fb in
            suffixEq.withUnsafeBufferPointer { eb in
                factorStart.withUnsafeBufferPointer { fs in
                    factors.withUnsafeBufferPointer { fac in
                        coefficients.withUnsafeBufferPointer { cs in
                            Parallel.mapChunks(count: half, minimumChunk: 1 << 12) { range -> [F] in
                                let base = fb.baseAddress!, w = eb.baseAddress!
                                var acc = [F](repeating: .zero, count: points)
                                let vals = UnsafeMutablePointer<F>.allocate(capacity: m * points)
                                vals.initialize(repeating: .zero, count: m * points)
                                defer { vals.deallocate() }
                                for i in range {
                                    Sumcheck.lineValues(base: base, stride: size, half: half, index: i, tableCount: m, degree: d, into: vals)
                                    let weight = w[i]
                                    var x = 0
                                    while x < points {
                                        var inner = F.zero
                                        for k in 0..<termCount {
                                            let s = fs[k], e = fs[k + 1]
                                            var p = vals[fac[s] * points + x]
                                            var f = s + 1
                                            while f < e {
                                                p *= vals[fac[f] * points + x]
                                                f += 1
                                            }
                                            inner += cs[k] == .one ? p : cs[k] * p
                                        }
                                        acc[x] += weight * inner
                                        x += skipOne && x == 0 ? 2 : 1
                                    }
                                }
                                return acc
                            }
                        }
                    }
                }
            }
        }
        var q = [F](repeating: .zero, count: points)
        for part in partials { for x in 0..<points { q[x] += part[x] } }
        var s = [F](repeating: .zero, count: deg + 1)
        s[0] = eqAt(.zero) * q[0]
        if let sum, let divisor {
            s[1] = sum - s[0]
            q[1] = s[1] * divisor
        } else {
            s[1] = eqAt(.one) * q[1]
        }
        for x in 2...deg {
            let xv = F(integer: x)
            s[x] = eqAt(xv) * (x < points ? q[x] : interpolateAtIntegerNodes(q, at: xv))
        }
        return s
    }

    /// q at 0, 1 (unless `skipOne`) and 2 for a C whose terms are all products of two tables: each
    /// term reads its two tables' halves directly (no per-point line table, no factor loop). The same
    /// values as the general path.
    @inlinable
    func quadraticRound(half: Int, skipOne: Bool) -> [[F]] {
        let termCount = coefficients.count
        // Per term: the offsets of its two tables in `flat`, and its coefficient (nil when 1).
        var first = [Int](), second = [Int](), scaled = [F?]()
        for k in 0..<termCount {
            first.append(factors[factorStart[k]] * size)
            second.append(factors[factorStart[k] + 1] * size)
            scaled.append(coefficients[k] == .one ? nil : coefficients[k])
        }
        return flat.withUnsafeBufferPointer { fb in
            suffixEq.withUnsafeBufferPointer { eb in
                first.withUnsafeBufferPointer { fo in
                    second.withUnsafeBufferPointer { so in
                        scaled.withUnsafeBufferPointer { co in
                            Parallel.mapChunks(count: half, minimumChunk: 1 << 12) { range -> [F] in
                                let base = fb.baseAddress!, w = eb.baseAddress!
                                var q0 = F.zero, q1 = F.zero, q2 = F.zero
                                for i in range {
                                    var s0 = F.zero, s1 = F.zero, s2 = F.zero
                                    for k in 0..<termCount {
                                        let a = base + fo[k] + i, b = base + so[k] + i
                                        let a0 = a[0], a1 = a[half], b0 = b[0], b1 = b[half]
                                        var p0 = a0 * b0
                                        var p2 = (a1.doubled() - a0) * (b1.doubled() - b0)
                                        var p1 = skipOne ? F.zero : a1 * b1
                                        if let c = co[k] {
                                            p0 *= c
                                            p2 *= c
                                            if !skipOne { p1 *= c }
                                        }
                                        s0 += p0
                                        s1 += p1
                                        s2 += p2
                                    }
                                    let weight = w[i]
                                    q0 += weight * s0
                                    if !skipOne { q1 += weight * s1 }
                                    q2 += weight * s2
                                }
                                return [q0, q1, q2]
                            }
                        }
                    }
                }
            }
        }
    }

    /// Binds the current variable to r.
    @inlinable
    mutating func bind(_ r: F, round j: Int) {
        let e0 = F.one - point[j], e1 = point[j]
        scale *= e0 + r * (e1 - e0)
        let m = tableCount, size = size, length = length
        flat.withUnsafeMutableBufferPointer { Sumcheck.foldTables($0.baseAddress!, stride: size, tableCount: m, length: length, challenge: r) }
        // eq(p_>j+1, ·) = the two halves of eq(p_>j, ·) added (eq(p_j+1, 0) + eq(p_j+1, 1) = 1).
        let h = suffixEq.count / 2
        if h >= 1 {
            suffixEq = (0..<h).map { suffixEq[$0] + suffixEq[$0 + h] }
        }
        self.length /= 2
    }

    /// After every round: eq(p, r) and each table's value at r (final masks not added).
    @inlinable
    var finalEvaluations: [F] { [scale] + (0..<tableCount).map { flat[$0 * size] } }
}
