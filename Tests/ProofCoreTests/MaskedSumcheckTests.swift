import Testing
import ProofCore
import TestSupport

/// The Libra-style zero-knowledge sumcheck (docs/ZK.md §2).
@Suite struct MaskedSumcheckTests {
    typealias E = GoldilocksExt2

    func tables(_ count: Int, _ n: Int, seed: UInt64) -> [[E]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<(1 << n)).map { _ in E.random(using: &rng) } }
    }

    func combination(_ degree: Int) -> SumOfProducts<E> {
        SumOfProducts<E>(terms: [
            ProductTerm(coefficient: E(integer: 5), factors: Array(0..<degree)),
            ProductTerm(coefficient: E(integer: -2), factors: [degree]),
        ], tableCount: degree + 1)
    }

    @Test func hypercubeSumMatchesBruteForce() {
        var rng = SplitMix64(seed: 3)
        for n in 1...5 {
            let mask = SumcheckMask<E>.random(numVariables: n, degree: 3, using: &rng)
            var sum = E.zero
            for x in 0..<(1 << n) {
                let point = (0..<n).map { i in (x >> (n - 1 - i)) & 1 == 1 ? E.one : E.zero }
                sum += mask.evaluate(at: point)
            }
            #expect(mask.hypercubeSum == sum)
        }
    }

    /// The masked proof verifies as an ordinary sumcheck of H + ρ·G and ends at f(r) + ρ·g(r).
    @Test(arguments: [1, 2, 3, 4])
    func maskedProofVerifies(degree: Int) throws {
        let n = 6
        let ts = tables(degree + 1, n, seed: UInt64(10 + degree))
        let comb = combination(degree)
        var rng = SplitMix64(seed: 77)
        let mask = SumcheckMask<E>.random(numVariables: n, degree: max(1, degree), using: &rng)
        let rho = E.random(using: &rng)
        var sum = E.zero
        for i in 0..<(1 << n) { sum += comb.evaluate(ts.map { $0[i] }) }

        var pt = Transcript(domain: "masked")
        let out = MaskedSumcheck.prove(tables: ts, combination: comb, mask: mask, rho: rho, transcript: &pt)
        #expect(out.claimedSum == sum + rho * mask.hypercubeSum)
        var vt = Transcript(domain: "masked")
        let sub = try Sumcheck.verify(claimedSum: sum + rho * mask.hypercubeSum, numVariables: n, degree: max(1, degree),
                                      proof: out.proof, transcript: &vt)
        #expect(out.finalEvaluations == ts.map { MLE.evaluate($0, at: sub.point) })
        try sub.check(comb.evaluate(out.finalEvaluations) + rho * mask.evaluate(at: sub.point))
    }

    @Test func wrongSumIsRejected() throws {
        let ts = tables(3, 5, seed: 1)
        let comb = combination(2)
        var rng = SplitMix64(seed: 5)
        let mask = SumcheckMask<E>.random(numVariables: 5, degree: 2, using: &rng)
        let rho = E.random(using: &rng)
        var pt = Transcript(domain: "masked")
        let out = MaskedSumcheck.prove(tables: ts, combination: comb, mask: mask, rho: rho, transcript: &pt)
        var vt = Transcript(domain: "masked")
        #expect(throws: ProofError.self) {
            _ = try Sumcheck.verify(claimedSum: out.claimedSum + E.one, numVariables: 5, degree: 2, proof: out.proof, transcript: &vt)
        }
        // A mask value other than g(r) breaks the final check.
        var vt2 = Transcript(domain: "masked")
        let sub = try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: 5, degree: 2, proof: out.proof, transcript: &vt2)
        #expect(throws: ProofError.self) {
            try sub.check(comb.evaluate(out.finalEvaluations) + rho * (mask.evaluate(at: sub.point) + E.one))
        }
    }

    /// Two masks give unrelated round polynomials for the same tables (nothing of f shows through
    /// unchanged), while the unmasked sumcheck's rounds are a deterministic function of f.
    @Test func masksRandomizeEveryRoundMessage() {
        let ts = tables(3, 5, seed: 9)
        let comb = combination(2)
        var rng = SplitMix64(seed: 11)
        let rho = E.random(using: &rng)
        var proofs: [SumcheckProof<E>] = []
        for _ in 0..<2 {
            let mask = SumcheckMask<E>.random(numVariables: 5, degree: 2, using: &rng)
            var t = Transcript(domain: "masked")
            proofs.append(MaskedSumcheck.prove(tables: ts, combination: comb, mask: mask, rho: rho, transcript: &t).proof)
        }
        let a = Set(proofs[0].roundPolynomials.flatMap { $0 }.map(\.c0.value))
        let b = Set(proofs[1].roundPolynomials.flatMap { $0 }.map(\.c0.value))
        #expect(a.isDisjoint(with: b))
    }

    @Test func seededRandomnessIsReproducibleAndFreshIsNot() {
        var a = ProofRandomness(seed: [1, 2, 3])
        var b = ProofRandomness(seed: [1, 2, 3])
        #expect(a.elements(8) == b.elements(8))
        var f1 = a.fork("x"), f2 = a.fork("y")
        #expect(f1.next() != f2.next())
        var c = ProofRandomness.fresh(), d = ProofRandomness.fresh()
        #expect(c.bytes(32) != d.bytes(32))
    }
}

/// Final-value masks (docs/ZK.md §2a): the last round works on t + x_n(1 − x_n)·μ, so the sum is
/// unchanged, the finals are t(r) + r_n(1 − r_n)·μ, and the verifier with per-round degrees accepts.
@Suite struct FinalMaskTests {
    typealias E = GoldilocksExt2

    @Test(arguments: [1, 3, 6])
    func maskedFinalsVerify(n: Int) throws {
        var rng = SplitMix64(seed: UInt64(40 + n))
        let ts = (0..<3).map { _ in (0..<(1 << n)).map { _ in E.random(using: &rng) } }
        let comb = SumOfProducts<E>(terms: [ProductTerm(factors: [0, 1, 2]), ProductTerm(coefficient: E(integer: 3), factors: [1])],
                                    tableCount: 3)
        let mu = [E.zero, E.random(using: &rng), E.random(using: &rng)]
        let last = MaskedSumcheck.lastRoundDegree(comb, masked: mu.map { !$0.isZero })
        #expect(last == 5)
        let degrees = (0..<n).map { $0 == n - 1 ? last : 3 }
        let mask = SumcheckMask<E>(coefficients: degrees.map { d in (0...d).map { _ in E.random(using: &rng) } })
        let rho = E.random(using: &rng)
        var sum = E.zero
        for i in 0..<(1 << n) { sum += comb.evaluate(ts.map { $0[i] }) }

        var pt = Transcript(domain: "final-masks")
        let out = MaskedSumcheck.prove(tables: ts, combination: comb, mask: mask, rho: rho, finalMasks: mu, transcript: &pt)
        #expect(out.claimedSum == sum + rho * mask.hypercubeSum)
        var vt = Transcript(domain: "final-masks")
        let sub = try MaskedSumcheck.verify(claimedSum: sum + rho * mask.hypercubeSum, degrees: degrees,
                                            rounds: out.proof.roundPolynomials, transcript: &vt)
        let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
        #expect(!kappa.isZero)
        let truth = ts.map { MLE.evaluate($0, at: sub.point) }
        for j in 0..<3 { #expect(out.finalEvaluations[j] == truth[j] + kappa * mu[j]) }
        #expect(out.finalEvaluations[1] != truth[1] && out.finalEvaluations[2] != truth[2])
        try sub.check(comb.evaluate(out.finalEvaluations) + rho * mask.evaluate(at: sub.point))
        // The unmasked values do not pass the final check; a wrong sum or a wrong degree is rejected.
        #expect(throws: ProofError.self) { try sub.check(comb.evaluate(truth) + rho * mask.evaluate(at: sub.point)) }
        var vt2 = Transcript(domain: "final-masks")
        #expect(throws: ProofError.self) {
            _ = try MaskedSumcheck.verify(claimedSum: sum + rho * mask.hypercubeSum + E.one, degrees: degrees,
                                          rounds: out.proof.roundPolynomials, transcript: &vt2)
        }
        var vt3 = Transcript(domain: "final-masks")
        #expect(throws: ProofError.self) {
            _ = try MaskedSumcheck.verify(claimedSum: sum + rho * mask.hypercubeSum, degrees: degrees.map { $0 + 1 },
                                          rounds: out.proof.roundPolynomials, transcript: &vt3)
        }
    }
}

/// The base-field fast path gives the same proof as the generic masked sumcheck.
@Suite struct MaskedProductTests {
    typealias E = GoldilocksExt2

    @Test(arguments: [1, 2, 7])
    func fastPathMatchesTheGenericProof(n: Int) throws {
        var rng = SplitMix64(seed: UInt64(90 + n))
        let a = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
        let b = (0..<(1 << n)).map { _ in E.random(using: &rng) }
        let mask = SumcheckMask<E>.random(numVariables: n, degree: 2, using: &rng)
        let rho = E.random(using: &rng)
        var t1 = Transcript(domain: "product")
        let fast = MaskedSumcheck.proveProduct(a, b, mask: mask, rho: rho, transcript: &t1)
        var t2 = Transcript(domain: "product")
        let slow = MaskedSumcheck.prove(tables: [a.map { E($0) }, b], combination: .product(of: 2), mask: mask, rho: rho, transcript: &t2)
        #expect(fast.proof == slow.proof && fast.point == slow.point && fast.finalEvaluations == slow.finalEvaluations)
        #expect(fast.claimedSum == slow.claimedSum)
    }
}

/// The eq-factored prover gives the proof of the generic sumcheck over [eq(p, ·)] + tables with every
/// term multiplied by eq: plain, masked, and masked with final masks.
@Suite struct EqFactoredTests {
    typealias E = GoldilocksExt2

    func withEq(_ comb: SumOfProducts<E>) -> SumOfProducts<E> {
        SumOfProducts(terms: comb.terms.map { ProductTerm(coefficient: $0.coefficient, factors: [0] + $0.factors.map { $0 + 1 }) },
                      tableCount: comb.tableCount + 1)
    }

    /// `quadratic`: the lookup tree's level combination N0·D1 + N1·D0 + λ·D0·D1 (every term two
    /// factors: `EqFactoredRounds.quadraticRound`); otherwise with a one-factor term (general path).
    @Test(arguments: [1, 2, 5], [false, true])
    func matchesTheGenericProof(n: Int, quadratic: Bool) throws {
        var rng = SplitMix64(seed: UInt64(200 + n))
        let ts = (0..<4).map { _ in (0..<(1 << n)).map { _ in E.random(using: &rng) } }
        let lambda = E.random(using: &rng)
        let comb = SumOfProducts<E>(terms: [ProductTerm(factors: [0, 3]), ProductTerm(factors: [1, 2]),
                                            ProductTerm(coefficient: lambda, factors: [2, 3])]
                                        + (quadratic ? [] : [ProductTerm(coefficient: E(integer: 7), factors: [1])]),
                                    tableCount: 4)
        let p = (0..<n).map { _ in E.random(using: &rng) }
        let all = [MLE.eqTable(p)] + ts
        // Plain.
        var t1 = Transcript(domain: "eq"), t2 = Transcript(domain: "eq")
        let fast = MaskedSumcheck.proveEqFactored(eqPoint: p, tables: ts, combination: comb, mask: nil, rho: .zero, transcript: &t1)
        let slow = Sumcheck.prove(tables: all, combination: withEq(comb), transcript: &t2)
        #expect(fast.proof == slow.proof && fast.point == slow.point && fast.finalEvaluations == slow.finalEvaluations)
        #expect(fast.claimedSum == slow.claimedSum && t1.stateDigest == t2.stateDigest)
        // Masked, then masked with final masks (eq unmasked).
        let mu = [E.random(using: &rng), E.zero, E.random(using: &rng), E.random(using: &rng)]
        let last = MaskedSumcheck.lastRoundDegree(withEq(comb), masked: [false] + mu.map { !$0.isZero })
        for finals in [nil, mu] as [[E]?] {
            let degrees = (0..<n).map { $0 == n - 1 && finals != nil ? last : 3 }
            let mask = SumcheckMask<E>(coefficients: degrees.map { d in (0...d).map { _ in E.random(using: &rng) } })
            let rho = E.random(using: &rng)
            var a = Transcript(domain: "eq.masked"), b = Transcript(domain: "eq.masked")
            let f = MaskedSumcheck.proveEqFactored(eqPoint: p, tables: ts, combination: comb, mask: mask, rho: rho, finalMasks: finals,
                                                   transcript: &a)
            let s = MaskedSumcheck.prove(tables: all, combination: withEq(comb), mask: mask, rho: rho,
                                         finalMasks: finals.map { [.zero] + $0 }, transcript: &b)
            #expect(f.proof == s.proof && f.point == s.point && f.finalEvaluations == s.finalEvaluations)
            #expect(f.claimedSum == s.claimedSum && a.stateDigest == b.stateDigest)
            // And it verifies; a changed round is rejected.
            var v = Transcript(domain: "eq.masked")
            let sub = try MaskedSumcheck.verify(claimedSum: f.claimedSum, degrees: degrees, rounds: f.proof.roundPolynomials, transcript: &v)
            try sub.check(withEq(comb).evaluate(f.finalEvaluations) + rho * mask.evaluate(at: sub.point))
            var bad = f.proof.roundPolynomials
            bad[n - 1][0] += E.one
            var w = Transcript(domain: "eq.masked")
            #expect(throws: ProofError.self) {
                let sub2 = try MaskedSumcheck.verify(claimedSum: f.claimedSum, degrees: degrees, rounds: bad, transcript: &w)
                try sub2.check(withEq(comb).evaluate(f.finalEvaluations) + rho * mask.evaluate(at: sub2.point))
            }
        }
    }
}
