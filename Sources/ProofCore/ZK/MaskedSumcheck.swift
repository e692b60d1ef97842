/// A Libra-style sumcheck masking polynomial g(x) = Σ_i g_i(x_i): one random univariate of degree d
/// per variable (Xie, Zhang, Zhang, Papamanthou, Song, "Libra", CRYPTO 2019, §4.1).
///
/// The prover commits to g, sends G = Σ_{x ∈ {0,1}^n} g(x), receives ρ and runs the ordinary sumcheck
/// on f + ρ·g. Each round polynomial is then (f's round polynomial) + ρ·(2^m·g_i(X) + constants), and
/// because every g_i is a fresh uniformly random polynomial of the round's degree, the transcript
/// (G, the round polynomials, g(r)) is uniform on the affine space the verifier's checks define: a
/// simulator that knows only the claimed sum and f(r) produces it exactly (docs/ZK.md).
public struct SumcheckMask<F: FieldElement>: Sendable, Equatable {
    /// Per variable (first variable first), the coefficients of g_i, lowest degree first. A round's
    /// polynomial has degree max(combination degree, this univariate's degree): to hide it the mask
    /// needs at least that degree.
    public let coefficients: [[F]]

    public init(coefficients: [[F]]) { self.coefficients = coefficients }

    /// A uniformly random mask of degree `degree` in each of `numVariables` variables.
    public static func random(numVariables: Int, degree: Int, using generator: inout some RandomNumberGenerator) -> SumcheckMask<F> {
        SumcheckMask(coefficients: (0..<numVariables).map { _ in (0...degree).map { _ in F.random(using: &generator) } })
    }

    public var numVariables: Int { coefficients.count }

    /// g_i(x).
    public func evaluate(variable i: Int, at x: F) -> F {
        var acc = F.zero
        for c in coefficients[i].reversed() { acc = acc * x + c }
        return acc
    }

    /// g(point) = Σ_i g_i(point_i).
    public func evaluate(at point: [F]) -> F {
        precondition(point.count == numVariables)
        var acc = F.zero
        for i in point.indices { acc += evaluate(variable: i, at: point[i]) }
        return acc
    }

    /// g_i(0) + g_i(1).
    public func edgeSum(_ i: Int) -> F {
        var s = F.zero
        for c in coefficients[i] { s += c }
        return s + coefficients[i][0]
    }

    /// Σ_{x ∈ {0,1}^n} g(x) = 2^(n-1)·Σ_i (g_i(0) + g_i(1)) (0 for n = 0).
    public var hypercubeSum: F {
        guard numVariables > 0 else { return .zero }
        var s = F.zero
        for i in 0..<numVariables { s += edgeSum(i) }
        for _ in 0..<(numVariables - 1) { s = s.doubled() }
        return s
    }
}

/// The zero-knowledge sumcheck of f + ρ·g (g a `SumcheckMask`). The proof has the ordinary format and
/// is checked by `Sumcheck.verify` with claimed sum H + ρ·G; the sub-claim's expected value is then
/// f(r) + ρ·g(r).
///
/// With `finalMasks` (Libra §4.2, one masking constant μ_t per table), the last round works on the
/// tables t̂_t = t_t + x_n(1 − x_n)·μ_t instead of t_t (x_n the last variable bound): equal on the
/// hypercube, so the sum is unchanged, but the final evaluations are t̂_t(r) = t_t(r) + r_n(1 − r_n)·μ_t,
/// uniform when μ_t is. Only the last round changes (its degree doubles for every masked factor); the
/// mask's last univariate must have that degree (`SumcheckMask.coefficients.last`), earlier ones at least
/// the combination's degree. Such proofs are checked by `MaskedSumcheck.verify` with per-round degrees.
public enum MaskedSumcheck {
    /// The last round's degree when the tables with a true entry in `masked` get a final mask.
    public static func lastRoundDegree<F>(_ combination: SumOfProducts<F>, masked: [Bool]) -> Int {
        combination.terms.map { t in t.factors.reduce(0) { $0 + (masked[$1] ? 2 : 1) } }.max() ?? 0
    }

    /// Proves Σ_x (combination(tables(x)) + ρ·g(x)). Round i's polynomial has degree
    /// `mask.coefficients[i].count − 1` (at least the combination's degree). `claimedSum` of the
    /// output is H + ρ·G; `finalEvaluations` are the (masked, with `finalMasks`) tables' values.
    @inlinable
    public static func prove<F: FieldElement>(
        tables: [[F]], combination: SumOfProducts<F>, mask: SumcheckMask<F>, rho: F, finalMasks: [F]? = nil,
        transcript: inout Transcript
    ) -> SumcheckProverOutput<F> {
        precondition(tables.count == combination.tableCount && !tables.isEmpty, "one table per combination input")
        let size = tables[0].count
        precondition(size > 0 && size & (size - 1) == 0 && tables.allSatisfy { $0.count == size }, "tables need one power-of-two length")
        let n = size.trailingZeroBitCount
        let d = max(1, combination.degree)
        precondition(mask.numVariables == n && mask.coefficients.allSatisfy { !$0.isEmpty }, "the mask needs one univariate per variable")
        precondition(finalMasks == nil || finalMasks!.count == tables.count, "one final mask per table")
        var degrees = mask.coefficients.map { max(d, $0.count - 1) }
        if let fm = finalMasks, n > 0 {
            degrees[n - 1] = max(degrees[n - 1], lastRoundDegree(combination, masked: fm.map { !$0.isZero }))
        }
        if n == 0 {
            return Sumcheck.prove(tables: tables, combination: combination, transcript: &transcript)
        }
        let m = tables.count
        var flat = [F]()
        flat.reserveCapacity(m * size)
        for t in tables { flat.append(contentsOf: t) }
        var factorStart = [Int]()
        var factors = [Int]()
        for term in combination.terms {
            factorStart.append(factors.count)
            factors.append(contentsOf: term.factors)
        }
        factorStart.append(factors.count)
        let coefficients = combination.terms.map { $0.coefficient }

        let (rounds, point, claim) = flat.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            return proveRounds(numVariables: n, degrees: degrees, mask: mask, rho: rho, transcript: &transcript,
                               evaluations: { round, deg, sum in
                let length = size >> round
                var evals: [F]
                if round == n - 1, let fm = finalMasks {
                    // Two entries per table left: t̂(X) = lo + X·(hi − lo) + X(1 − X)·μ.
                    evals = (0...deg).map { x in
                        let xv = F(integer: x)
                        let z = xv * (F.one - xv)
                        let values = (0..<m).map { t in
                            let lo = base[t * size], hi = base[t * size + 1]
                            return lo + xv * (hi - lo) + z * fm[t]
                        }
                        return combination.evaluate(values)
                    }
                } else {
                    evals = Sumcheck.roundEvaluations(base: base, stride: size, length: length, tableCount: m, degree: d,
                                                      factorStart: factorStart, factors: factors, coefficients: coefficients,
                                                      sum: sum)
                    if deg > d {
                        let known = evals
                        for x in (d + 1)...deg { evals.append(interpolateAtIntegerNodes(known, at: F(integer: x))) }
                    }
                }
                return evals
            }, bind: { round, r in
                Sumcheck.foldTables(base, stride: size, tableCount: m, length: size >> round, challenge: r)
            })
        }
        var finals = (0..<m).map { flat[$0 * size] }
        if let fm = finalMasks {
            let r = point[n - 1]
            let z = r * (F.one - r)
            for t in 0..<m { finals[t] += z * fm[t] }
        }
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: finals, claimedSum: claim)
    }

    /// The round loop of every masked (or, with `mask` nil, plain) sumcheck prover: round i's
    /// polynomial is `evaluations(i, degrees[i], sum)` (the unmasked sum's round polynomial at
    /// 0 … degrees[i]; `sum` is its s(0) + s(1), nil in round 0) plus ρ times the mask's part; it is
    /// absorbed, the challenge drawn and passed to `bind`. The header (variables, last degree, claim)
    /// is absorbed after round 0, as `Sumcheck.prove` does.
    @inlinable
    static func proveRounds<F: FieldElement>(
        numVariables n: Int, degrees: [Int], mask: SumcheckMask<F>?, rho: F, transcript: inout Transcript,
        evaluations: (_ round: Int, _ degree: Int, _ sum: F?) -> [F], bind: (_ round: Int, _ r: F) -> Void
    ) -> (rounds: [[F]], point: [F], claim: F) {
        // Powers of two and the suffix sums Σ_{j>i} (g_j(0) + g_j(1)).
        var pow2 = [F](repeating: .one, count: n + 1)
        var suffix = [F](repeating: .zero, count: n + 1)
        if let mask {
            for k in stride(from: 1, through: n, by: 1) { pow2[k] = pow2[k - 1].doubled() }
            for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + mask.edgeSum(i) }
        }
        var rounds = [[F]]()
        var point = [F]()
        var claim = F.zero
        var prefix = F.zero  // Σ_{j<i} g_j(r_j)
        var sum: F? = nil  // the unmasked round sum
        for round in 0..<n {
            let deg = degrees[round]
            var evals = evaluations(round, deg, sum)
            let unmasked = evals
            if let mask {
                // Mask part: 2^rest·(prefix + g_i(X)) + 2^(rest-1)·Σ_{j>i}(g_j(0)+g_j(1)).
                let rest = n - 1 - round
                let tail = rest >= 1 ? pow2[rest - 1] * suffix[round + 1] : F.zero
                for x in 0...deg {
                    let g = pow2[rest] * (prefix + mask.evaluate(variable: round, at: F(integer: x))) + tail
                    evals[x] += rho * g
                }
            }
            if round == 0 {
                claim = evals[0] + evals[1]
                Sumcheck.absorbHeader(&transcript, numVariables: n, degree: degrees[n - 1], claim: claim)
            }
            transcript.absorb("sumcheck.round", elements: evals)
            let r: F = transcript.challenge("sumcheck.challenge")
            rounds.append(evals)
            point.append(r)
            if let mask { prefix += mask.evaluate(variable: round, at: r) }
            sum = interpolateAtIntegerNodes(unmasked, at: r)
            bind(round, r)
        }
        return (rounds, point, claim)
    }

    /// Proves Σ_x eq(p, x)·C(tables(x)) (+ ρ·g(x) with a mask; a plain sumcheck when `mask` is nil)
    /// with eq in factored form (`EqFactoredRounds`): the same proof, point and final evaluations as
    /// `prove` (or `Sumcheck.prove`) over the tables [eq(p, ·)] + `tables` with every term of C
    /// multiplied by table 0, at a fraction of the work. `finalMasks` (one per table of C) mask the
    /// final values as in `prove` (eq gets none); `finalEvaluations[0]` is eq(p, r).
    @inlinable
    public static func proveEqFactored<F: FieldElement>(
        eqPoint: [F], tables: [[F]], combination: SumOfProducts<F>, mask: SumcheckMask<F>?, rho: F,
        finalMasks: [F]? = nil, transcript: inout Transcript
    ) -> SumcheckProverOutput<F> {
        let n = eqPoint.count
        precondition(n >= 1, "eq-factored sumcheck needs a variable")
        precondition(finalMasks == nil || finalMasks!.count == tables.count, "one final mask per table")
        var rounds = EqFactoredRounds(point: eqPoint, tables: tables, combination: combination)
        let d = rounds.degree
        var degrees = [Int](repeating: d, count: n)
        if let mask {
            precondition(mask.numVariables == n && mask.coefficients.allSatisfy { !$0.isEmpty }, "the mask needs one univariate per variable")
            degrees = mask.coefficients.map { max(d, $0.count - 1) }
        }
        let fm = finalMasks.flatMap { $0.contains { !$0.isZero } ? $0 : nil }
        if let fm {
            degrees[n - 1] = max(degrees[n - 1], 1 + lastRoundDegree(combination, masked: fm.map { !$0.isZero }))
        }
        let out = proveRounds(numVariables: n, degrees: degrees, mask: mask, rho: rho, transcript: &transcript,
                              evaluations: { round, deg, sum in
            rounds.roundEvaluations(round: round, degree: deg, sum: sum, finalMasks: round == n - 1 ? fm : nil)
        }, bind: { round, r in rounds.bind(r, round: round) })
        var finals = rounds.finalEvaluations
        if let fm {
            let r = out.point[n - 1]
            let z = r * (F.one - r)
            for t in fm.indices { finals[1 + t] += z * fm[t] }
        }
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: out.rounds), point: out.point, finalEvaluations: finals,
                                    claimedSum: out.claim)
    }

    /// The factor r_n(1 − r_n) of a final mask at the sumcheck point (r_n: the last variable bound).
    public static func finalMaskFactor<F: FieldElement>(_ point: [F]) -> F {
        guard let r = point.last else { return .zero }
        return r * (F.one - r)
    }

    /// Checks round polynomials of the given degrees (one per variable) for `claimedSum`, on the same
    /// transcript as `prove`; returns the sub-claim (its expected value is f̂(r) + ρ·g(r)).
    @inlinable
    public static func verify<F: FieldElement>(
        claimedSum: F, degrees: [Int], rounds: [[F]], transcript: inout Transcript
    ) throws(ProofError) -> SumcheckSubClaim<F> {
        guard rounds.count == degrees.count, !degrees.isEmpty else {
            throw .wrongRoundCount(expected: degrees.count, actual: rounds.count)
        }
        Sumcheck.absorbHeader(&transcript, numVariables: degrees.count, degree: degrees.last!, claim: claimedSum)
        return try Sumcheck.verifyRounds(claimedSum: claimedSum, rounds: rounds, degree: { degrees[$0] }, transcript: &transcript)
    }
}
