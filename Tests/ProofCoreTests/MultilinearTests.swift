import Testing
import ProofCore
import TestSupport

@Suite struct MultilinearTests {
    func randomTable<F: FieldElement>(_ n: Int, _ rng: inout SplitMix64) -> [F] {
        (0..<(1 << n)).map { _ in F.random(using: &rng) }
    }

    @Test func evaluateAtBooleanPointsReadsTheTable() {
        var rng = SplitMix64(seed: 1)
        let t: [Goldilocks] = randomTable(4, &rng)
        let f = MultilinearPolynomial(evaluations: t)
        for i in 0..<16 {
            // First variable is the top bit.
            let point = (0..<4).map { k in Goldilocks(UInt64((i >> (3 - k)) & 1)) }
            #expect(f.evaluate(at: point) == t[i])
        }
    }

    @Test func evaluateEqualsEqWeightedSum() {
        var rng = SplitMix64(seed: 2)
        let t: [GoldilocksExt2] = randomTable(6, &rng)
        let point: [GoldilocksExt2] = (0..<6).map { _ in .random(using: &rng) }
        let eq = MultilinearPolynomial.eq(point)
        #expect(eq.sum() == .one)
        #expect(MLE.innerProduct(eq.evaluations, t) == MLE.evaluate(t, at: point))
        // eq table entries agree with the closed form.
        let b: [GoldilocksExt2] = [.one, .zero, .one, .one, .zero, .zero]
        #expect(eq.evaluations[0b101100] == MLE.eq(point, b))
    }

    @Test func baseTableAtExtensionPoint() {
        var rng = SplitMix64(seed: 3)
        let t: [Goldilocks] = randomTable(5, &rng)
        let point: [GoldilocksExt2] = (0..<5).map { _ in .random(using: &rng) }
        let lifted = t.map { GoldilocksExt2($0) }
        #expect(MLE.evaluate(t, at: point) == MLE.evaluate(lifted, at: point))
        let f = MultilinearPolynomial(evaluations: t)
        let folded = f.fixingFirstVariable(point[0])
        #expect(folded.evaluate(at: Array(point.dropFirst())) == f.evaluate(at: point))
    }

    @Test func fixFirstVariableInPlace() {
        var rng = SplitMix64(seed: 4)
        let t: [Goldilocks] = randomTable(3, &rng)
        var f = MultilinearPolynomial(evaluations: t)
        let r = Goldilocks(12345)
        f.fixFirstVariable(r)
        #expect(f.numVariables == 2)
        #expect(f.evaluations[1] == t[1] + r * (t[5] - t[1]))
    }

    @Test func paddingKeepsValuesAtZeroPrefixedPoints() {
        var rng = SplitMix64(seed: 5)
        let small: [GoldilocksExt2] = randomTable(3, &rng)
        let padded = MultilinearPolynomial(padding: small + [.one])  // 9 values pad to 16
        #expect(padded.numVariables == 4)
        let z: [GoldilocksExt2] = (0..<3).map { _ in .random(using: &rng) }
        let big = MultilinearPolynomial(padding: small + Array(repeating: .zero, count: 8))
        #expect(big.evaluate(at: [.zero] + z) == MultilinearPolynomial(evaluations: small).evaluate(at: z))
    }

    @Test func largeTablesUseTheParallelPathConsistently() {
        var rng = SplitMix64(seed: 6)
        let t: [Goldilocks] = randomTable(16, &rng)
        let point: [GoldilocksExt2] = (0..<16).map { _ in .random(using: &rng) }
        let eq = MLE.eqTable(point)
        #expect(MLE.sum(eq) == .one)
        let viaEq = MLE.innerProduct(eq, t.map { GoldilocksExt2($0) })
        #expect(viaEq == MLE.evaluate(t, at: point))
    }
}
