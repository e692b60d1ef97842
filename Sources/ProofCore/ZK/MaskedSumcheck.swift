/// A Libra-style sumcheck masking polynomial g(x) = Σ_i g_i(x_i): one random univariate of degree d
/// per variable (Xie, Zhang, Zhang, Papamanthou, Song, "Libra", CRYPTO 2019, §4.1).
///
/// The prover commits to g, sends G = Σ_{x ∈ {0,1}^n} g(x), receives ρ and runs the ordinary sumcheck
/// on f + ρ·g. Each round polynomial is then (f's round polynomial) + ρ·(2^m·g_i(X) + constants), and
/// because every g_i is a fresh uniformly random polynomial of the round's degree, the transcript
/// (G, the round polynomials, g(r)) is uniform on the affine space the verifier's checks define: a
/// simulator that knows only the claimed sum and f(r) produces it exactly (docs/ZK.md).
public struct SumcheckMask<F: FieldElement>: Sendable, Equatable {
    /// Per variable (first variable first), the coefficients of g_i, lowest degree first.
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
public enum MaskedSumcheck {
    /// Proves Σ_x (combination(tables(x)) + ρ·g(x)). The mask's degree must not exceed the
    /// combination's. `claimedSum` of the output is H + ρ·G; `finalEvaluations` are the tables' values.
    @inlinable
    public static func prove<F: FieldElement>(
        tables: [[F]], combination: SumOfProducts<F>, mask: SumcheckMask<F>, rho: F, transcript: inout Transcript
    ) -> SumcheckProverOutput<F> {
        precondition(tables.count == combination.tableCount && !tables.isEmpty, "one table per combination input")
        let size = tables[0].count
        precondition(size > 0 && size & (size - 1) == 0 && tables.allSatisfy { $0.count == size }, "tables need one power-of-two length")
        let n = size.trailingZeroBitCount
        let d = max(1, combination.degree)
        precondition(mask.numVariables == n && mask.coefficients.allSatisfy { $0.count >= 1 && $0.count <= d + 1 },
                     "the mask needs one univariate of degree <= \(d) per variable")
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
        let coefficients = combination.terms.map(\.coefficient)

        // Powers of two and the suffix sums Σ_{j>i} (g_j(0) + g_j(1)).
        var pow2 = [F](repeating: .one, count: n + 1)
        for k in 1...n { pow2[k] = pow2[k - 1].doubled() }
        var suffix = [F](repeating: .zero, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + mask.edgeSum(i) }

        var rounds = [[F]]()
        var point = [F]()
        var claim = F.zero
        var prefix = F.zero  // Σ_{j<i} g_j(r_j)
        var length = size
        flat.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for round in 0..<n {
                var evals = Sumcheck.roundEvaluations(base: base, stride: size, length: length, tableCount: m, degree: d,
                                                      factorStart: factorStart, factors: factors, coefficients: coefficients)
                // Mask part: 2^rest·(prefix + g_i(X)) + 2^(rest-1)·Σ_{j>i}(g_j(0)+g_j(1)).
                let rest = n - 1 - round
                let tail = rest >= 1 ? pow2[rest - 1] * suffix[round + 1] : F.zero
                for x in 0...d {
                    var xv = F.zero
                    for _ in 0..<x { xv += .one }
                    let g = pow2[rest] * (prefix + mask.evaluate(variable: round, at: xv)) + tail
                    evals[x] += rho * g
                }
                if round == 0 {
                    claim = evals[0] + evals[1]
                    Sumcheck.absorbHeader(&transcript, numVariables: n, degree: d, claim: claim)
                }
                transcript.absorb("sumcheck.round", elements: evals)
                let r: F = transcript.challenge("sumcheck.challenge")
                rounds.append(evals)
                point.append(r)
                prefix += mask.evaluate(variable: round, at: r)
                let half = length / 2
                for t in 0..<m {
                    let tb = base + t * size
                    Parallel.forEachChunk(count: half) { range in
                        for i in range {
                            let lo = tb[i]
                            tb[i] = lo + r * (tb[i + half] - lo)
                        }
                    }
                }
                length = half
            }
        }
        let finals = (0..<m).map { flat[$0 * size] }
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: finals, claimedSum: claim)
    }
}
