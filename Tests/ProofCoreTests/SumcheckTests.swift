import Testing
import ProofCore
import TestSupport

@Suite struct SumcheckTests {
    typealias E = GoldilocksExt2

    func tables(_ count: Int, _ n: Int, seed: UInt64) -> [[E]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<(1 << n)).map { _ in E.random(using: &rng) } }
    }

    /// Honest proofs verify for several combinations, and the sub-claim matches the tables.
    @Test(arguments: [1, 2, 3, 4])
    func honestProofVerifies(degree: Int) throws {
        let n = 7
        let ts = tables(degree + 1, n, seed: UInt64(degree))
        let combination = SumOfProducts<E>(terms: [
            ProductTerm(coefficient: E(integer: 3), factors: Array(0..<degree)),
            ProductTerm(coefficient: E(integer: -1), factors: [degree]),
        ], tableCount: degree + 1)
        var proverTranscript = Transcript(domain: "sumcheck-test")
        let out = Sumcheck.prove(tables: ts, combination: combination, transcript: &proverTranscript)

        // The claimed sum is the true sum.
        var expectedSum = E.zero
        for i in 0..<(1 << n) { expectedSum += combination.evaluate(ts.map { $0[i] }) }
        #expect(out.claimedSum == expectedSum)

        var verifierTranscript = Transcript(domain: "sumcheck-test")
        let sub = try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: combination.degree,
                                      proof: out.proof, transcript: &verifierTranscript)
        #expect(sub.point == out.point)
        #expect(out.finalEvaluations == ts.map { MLE.evaluate($0, at: sub.point) })
        try sub.check(combination.evaluate(out.finalEvaluations))
        #expect(proverTranscript.stateDigest == verifierTranscript.stateDigest)
    }

    @Test func productFastPathMatchesGenericProtocol() throws {
        for n in [1, 2, 3, 10, 15] {
            var rng = SplitMix64(seed: UInt64(n))
            let a = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
            let b = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
            var t1 = Transcript(domain: "p")
            let fast = Sumcheck.proveProduct(a, b, transcript: &t1, as: E.self)
            var t2 = Transcript(domain: "p")
            let generic = Sumcheck.prove(tables: [a.map { E($0) }, b.map { E($0) }], combination: .product(of: 2), transcript: &t2)
            #expect(fast.proof == generic.proof)
            #expect(fast.finalEvaluations == generic.finalEvaluations)
            var tv = Transcript(domain: "p")
            let sub = try Sumcheck.verify(claimedSum: fast.claimedSum, numVariables: n, degree: 2, proof: fast.proof, transcript: &tv)
            try sub.check(fast.finalEvaluations[0] * fast.finalEvaluations[1])
            #expect(fast.finalEvaluations[0] == MLE.evaluate(a, at: sub.point))
        }
    }

    @Test func largeProductUsesParallelPath() throws {
        let n = 17
        var rng = SplitMix64(seed: 99)
        let a = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
        let b = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
        var t = Transcript(domain: "big")
        let out = Sumcheck.proveProduct(a, b, transcript: &t, as: E.self)
        #expect(out.claimedSum == E(MLE.innerProduct(a, b)))
        var tv = Transcript(domain: "big")
        let sub = try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: out.proof, transcript: &tv)
        try sub.check(MLE.evaluate(a, at: sub.point) * MLE.evaluate(b, at: sub.point))
    }

    func honest() -> (SumcheckProverOutput<E>, Int) {
        let ts = tables(2, 6, seed: 7)
        var t = Transcript(domain: "neg")
        return (Sumcheck.prove(tables: ts, combination: .product(of: 2), transcript: &t), 6)
    }

    @Test func rejectsWrongClaimedSum() {
        let (out, n) = honest()
        var t = Transcript(domain: "neg")
        #expect(throws: ProofError.sumMismatch(round: 0)) {
            try Sumcheck.verify(claimedSum: out.claimedSum + .one, numVariables: n, degree: 2, proof: out.proof, transcript: &t)
        }
    }

    @Test func rejectsWrongRoundCount() {
        let (out, n) = honest()
        var t = Transcript(domain: "neg")
        var short = out.proof
        short.roundPolynomials.removeLast()
        #expect(throws: ProofError.wrongRoundCount(expected: n, actual: n - 1)) {
            try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: short, transcript: &t)
        }
    }

    @Test func rejectsWrongDegree() {
        let (out, n) = honest()
        var t = Transcript(domain: "neg")
        var bad = out.proof
        bad.roundPolynomials[2].append(.one)
        #expect(throws: ProofError.wrongRoundDegree(round: 2, expected: 3, actual: 4)) {
            try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: bad, transcript: &t)
        }
    }

    @Test func rejectsTamperedRoundPolynomial() throws {
        let (out, n) = honest()
        // Keep s(0)+s(1) but change s(2): the next round's sum check catches it.
        var bad = out.proof
        bad.roundPolynomials[3][2] += .one
        var t = Transcript(domain: "neg")
        #expect(throws: ProofError.sumMismatch(round: 4)) {
            try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: bad, transcript: &t)
        }
        // Tampering the last round leaves a sub-claim that the final evaluation check rejects.
        var last = out.proof
        last.roundPolynomials[n - 1][2] += .one
        var t2 = Transcript(domain: "neg")
        let sub = try Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: last, transcript: &t2)
        #expect(throws: ProofError.evaluationMismatch) { try sub.check(out.finalEvaluations[0] * out.finalEvaluations[1]) }
    }

    @Test func serializationRoundTripAndBadBytes() throws {
        let (out, n) = honest()
        var w = ByteWriter()
        out.proof.write(to: &w)
        #expect(w.bytes.count == out.proof.byteCount)
        var r = ByteReader(w.bytes)
        let decoded = try SumcheckProof<E>(from: &r)
        try r.expectEnd()
        #expect(decoded == out.proof)

        // Truncated.
        var tr = ByteReader(Array(w.bytes.dropLast(3)))
        #expect(throws: ProofError.self) { try SumcheckProof<E>(from: &tr) }
        // Absurd round count.
        var huge = w.bytes
        huge[0] = 0xff; huge[1] = 0xff
        var hr = ByteReader(huge)
        #expect(throws: ProofError.lengthOutOfRange(what: "sumcheck rounds", count: 0xffff, limit: Sumcheck.maxRounds)) {
            try SumcheckProof<E>(from: &hr)
        }
        // Every single flipped bit in the evaluations is rejected by parsing or by verification.
        for position in stride(from: 8, to: w.bytes.count, by: 5) {
            var flipped = w.bytes
            flipped[position] ^= 0x10
            var fr = ByteReader(flipped)
            let rejected: Bool
            if let p = try? SumcheckProof<E>(from: &fr) {
                var t = Transcript(domain: "neg")
                if let sub = try? Sumcheck.verify(claimedSum: out.claimedSum, numVariables: n, degree: 2, proof: p, transcript: &t) {
                    rejected = (try? sub.check(out.finalEvaluations[0] * out.finalEvaluations[1])) == nil
                } else { rejected = true }
            } else { rejected = true }
            #expect(rejected, "flipped byte \(position) was accepted")
        }
    }

    @Test func interpolationAtIntegerNodes() {
        // s(x) = 3x^3 - x + 5 evaluated at 0..3, then at 10.
        let f: (Int) -> E = { x in E(integer: 3 * x * x * x - x + 5) }
        let values = (0...3).map(f)
        #expect(interpolateAtIntegerNodes(values, at: E(integer: 10)) == f(10))
        #expect(interpolateAtIntegerNodes(values, at: E(integer: 2)) == f(2))
        // Every size (degree 2 has its own closed form) against Horner on a random polynomial, at a
        // random extension point and at the nodes.
        var rng = SplitMix64(seed: 91)
        for n in 1...18 {
            let coefficients = (0..<n).map { _ in E.random(using: &rng) }
            func p(_ x: E) -> E { coefficients.reversed().reduce(E.zero) { $0 * x + $1 } }
            let nodes = (0..<n).map { p(E(integer: $0)) }
            let x = E.random(using: &rng)
            #expect(interpolateAtIntegerNodes(nodes, at: x) == p(x))
            for i in 0..<n { #expect(interpolateAtIntegerNodes(nodes, at: E(integer: i)) == nodes[i]) }
        }
    }
}
