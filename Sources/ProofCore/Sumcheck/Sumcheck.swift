/// Sumcheck over the Boolean hypercube for sums of products of multilinear tables.
///
/// Protocol (prover and verifier share a `Transcript`): absorb the header (number of variables,
/// degree) and the claimed sum; then each round the prover sends its round polynomial s_j as the
/// evaluations s_j(0), …, s_j(d), both absorb them, and the challenge r_j is squeezed. The first
/// variable (the top index bit) is bound first. The verifier ends with a `SumcheckSubClaim`: the
/// caller must check the summed polynomial's value at the point.
public enum Sumcheck {
    /// Largest degree per variable a round polynomial may have.
    public static let maxDegree = 8
    /// Largest number of variables (rounds) a proof may have.
    public static let maxRounds = 40

    @usableFromInline
    static func absorbHeader<F: FieldElement>(_ transcript: inout Transcript, numVariables: Int, degree: Int, claim: F) {
        transcript.absorb("sumcheck.variables", integer: UInt64(numVariables))
        transcript.absorb("sumcheck.degree", integer: UInt64(degree))
        transcript.absorb("sumcheck.claim", claim)
    }

    /// Proves Σ_{x ∈ {0,1}^n} combination(tables(x)) for tables of one field type.
    ///
    /// All tables have the same power-of-two length 2^n. The claimed sum is computed here and
    /// returned; the caller need not absorb it (the sumcheck does).
    @inlinable
    public static func prove<F: FieldElement>(
        tables: [[F]], combination: SumOfProducts<F>, transcript: inout Transcript
    ) -> SumcheckProverOutput<F> {
        precondition(tables.count == combination.tableCount && !tables.isEmpty, "one table per combination input")
        let size = tables[0].count
        precondition(size > 0 && size & (size - 1) == 0 && tables.allSatisfy { $0.count == size }, "tables need one power-of-two length")
        let n = size.trailingZeroBitCount
        let d = max(1, combination.degree)
        let m = tables.count

        // One flat buffer, table t at offset t·size; each round halves the live length.
        var flat = [F]()
        flat.reserveCapacity(m * size)
        for t in tables { flat.append(contentsOf: t) }

        var rounds = [[F]]()
        var point = [F]()
        var claim = F.zero
        if n == 0 {
            claim = combination.evaluate(flat)
            absorbHeader(&transcript, numVariables: 0, degree: d, claim: claim)
            return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: []), point: [], finalEvaluations: flat, claimedSum: claim)
        }
        // Flatten the term structure for the inner loop.
        var factorStart = [Int]()
        var factors = [Int]()
        for term in combination.terms {
            factorStart.append(factors.count)
            factors.append(contentsOf: term.factors)
        }
        factorStart.append(factors.count)
        let coefficients = combination.terms.map { $0.coefficient }

        var length = size
        flat.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            for round in 0..<n {
                // After round 0 the round's sum is the previous polynomial at r: s(1) = sum − s(0).
                let evals = roundEvaluations(base: base, stride: size, length: length, tableCount: m, degree: d,
                                             factorStart: factorStart, factors: factors, coefficients: coefficients,
                                             sum: round == 0 ? nil : interpolateAtIntegerNodes(rounds[round - 1], at: point[round - 1]))
                if round == 0 {
                    claim = evals[0] + evals[1]
                    absorbHeader(&transcript, numVariables: n, degree: d, claim: claim)
                }
                transcript.absorb("sumcheck.round", elements: evals)
                let r: F = transcript.challenge("sumcheck.challenge")
                rounds.append(evals)
                point.append(r)
                foldTables(base, stride: size, tableCount: m, length: length, challenge: r)
                length /= 2
            }
        }
        let finals = (0..<m).map { flat[$0 * size] }
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: finals, claimedSum: claim)
    }

    /// Binds the first variable of `tableCount` tables (table t at `base + t·stride`, live length
    /// `length`) to `r` in place: entry i becomes lo + r·(hi − lo) with lo = entry i, hi = entry
    /// i + length/2. One parallel pass over all tables (one dispatch per round, not one per table);
    /// shared by `prove` and `MaskedSumcheck.prove`.
    @inlinable
    static func foldTables<F: FieldElement>(_ base: UnsafeMutablePointer<F>, stride: Int, tableCount m: Int, length: Int, challenge r: F) {
        let half = length / 2
        Parallel.forEachChunk(count: m * half, minimumChunk: 1 << 13) { range in
            var index = range.lowerBound
            while index < range.upperBound {
                let t = index / half
                let start = index - t * half
                let end = min(half, start + (range.upperBound - index))
                let tb = base + t * stride
                for i in start..<end {
                    let lo = tb[i]
                    tb[i] = lo + r * (tb[i + half] - lo)
                }
                index += end - start
            }
        }
    }

    /// The round polynomial's evaluations at 0 … d for the current tables. With `sum` (the round's
    /// claimed s(0) + s(1), known after round 0) the products at 1 are skipped: s(1) = sum − s(0).
    @inlinable
    static func roundEvaluations<F: FieldElement>(
        base: UnsafeMutablePointer<F>, stride: Int, length: Int, tableCount m: Int, degree d: Int,
        factorStart: [Int], factors: [Int], coefficients: [F], sum: F? = nil
    ) -> [F] {
        let half = length / 2
        let termCount = coefficients.count
        let points = d + 1
        let skipOne = sum != nil
        let partials = factorStart.withUnsafeBufferPointer { fs in
            factors.withUnsafeBufferPointer { fac in
                Parallel.mapChunks(count: half, minimumChunk: 1 << 12) { range -> [F] in
                    let vals = UnsafeMutablePointer<F>.allocate(capacity: m * points)
                    vals.initialize(repeating: .zero, count: m * points)
                    var acc = [F](repeating: .zero, count: termCount * points)
                    defer { vals.deallocate() }
                    acc.withUnsafeMutableBufferPointer { accBuffer in
                        let a = accBuffer.baseAddress!
                        for i in range {
                            lineValues(base: base, stride: stride, half: half, index: i, tableCount: m, degree: d, into: vals)
                            for k in 0..<termCount {
                                let s = fs[k]
                                let e = fs[k + 1]
                                var x = 0
                                while x < points {
                                    var p = vals[fac[s] * points + x]
                                    var j = s + 1
                                    while j < e {
                                        p *= vals[fac[j] * points + x]
                                        j += 1
                                    }
                                    a[k * points + x] += p
                                    x += skipOne && x == 0 ? 2 : 1
                                }
                            }
                        }
                    }
                    return acc
                }
            }
        }
        var evals = [F](repeating: .zero, count: points)
        for part in partials {
            for k in 0..<termCount {
                for x in 0..<points { evals[x] += coefficients[k] * part[k * points + x] }
            }
        }
        if let sum, points > 1 { evals[1] = sum - evals[0] }
        return evals
    }

    /// Each table's line through entries i and i + half at X = 0 … d (table t at `base + t·stride`),
    /// written to `values[t·(d + 1) + X]`: the inner step of every round-polynomial sum.
    @inlinable @inline(__always)
    static func lineValues<F: FieldElement>(base: UnsafePointer<F>, stride: Int, half: Int, index i: Int, tableCount m: Int,
                                            degree d: Int, into values: UnsafeMutablePointer<F>) {
        let points = d + 1
        for t in 0..<m {
            let tb = base + t * stride
            let lo = tb[i]
            let hi = tb[i + half]
            let step = hi - lo
            let v = values + t * points
            v[0] = lo
            v[1] = hi
            var x = 2
            var cur = hi
            while x <= d {
                cur += step
                v[x] = cur
                x += 1
            }
        }
    }

    /// Checks a sumcheck proof for `claimedSum` over `numVariables` variables with round polynomials
    /// of degree `degree`, and returns the sub-claim the caller must still check.
    @inlinable
    public static func verify<F: FieldElement>(
        claimedSum: F, numVariables: Int, degree: Int, proof: SumcheckProof<F>, transcript: inout Transcript
    ) throws(ProofError) -> SumcheckSubClaim<F> {
        guard proof.roundPolynomials.count == numVariables else {
            throw .wrongRoundCount(expected: numVariables, actual: proof.roundPolynomials.count)
        }
        absorbHeader(&transcript, numVariables: numVariables, degree: degree, claim: claimedSum)
        return try verifyRounds(claimedSum: claimedSum, rounds: proof.roundPolynomials, degree: { _ in degree }, transcript: &transcript)
    }

    /// The round loop of `verify` and `MaskedSumcheck.verify` (after the header is absorbed): round
    /// i's polynomial must have `degree(i) + 1` evaluations summing (at 0 and 1) to the running
    /// claim; it is absorbed, the challenge drawn, and the claim becomes its value there.
    @inlinable
    static func verifyRounds<F: FieldElement>(claimedSum: F, rounds: [[F]], degree: (Int) -> Int,
                                              transcript: inout Transcript) throws(ProofError) -> SumcheckSubClaim<F> {
        var claim = claimedSum
        var point = [F]()
        point.reserveCapacity(rounds.count)
        for (round, poly) in rounds.enumerated() {
            guard poly.count == degree(round) + 1 else {
                throw .wrongRoundDegree(round: round, expected: degree(round) + 1, actual: poly.count)
            }
            guard poly[0] + poly[1] == claim else { throw .sumMismatch(round: round) }
            transcript.absorb("sumcheck.round", elements: poly)
            let r: F = transcript.challenge("sumcheck.challenge")
            claim = interpolateAtIntegerNodes(poly, at: r)
            point.append(r)
        }
        return SumcheckSubClaim(point: point, expectedValue: claim)
    }
}

extension SumcheckSubClaim {
    /// Throws `evaluationMismatch` unless `value` (the caller's evaluation at `point`) is the expected one.
    public func check(_ value: F) throws(ProofError) {
        guard value == expectedValue else { throw .evaluationMismatch }
    }
}
