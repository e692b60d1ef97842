import Testing
import ProofCore
import TestSupport

/// `SparseWeight` (a combination claim's unit-vector terms in one block, as indices and coefficients;
/// ZKML's mask-pool claim, docs/ZK.md §3): its evaluation equals the sum of eq products; a claim
/// carrying one opens on a masked and an unmasked one-polynomial batch and in a point-reduction class,
/// with the same proof as the claim written with one Boolean `ClaimTerm` per entry; every malformed or
/// wrong sparse claim is rejected.
@Suite struct SparseWeightTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    func bits(_ i: Int, _ n: Int) -> [E] { (0..<n).map { (i >> (n - 1 - $0)) & 1 == 1 ? .one : .zero } }

    func coefficients(_ count: Int, seed: UInt64) -> [E] { randomPoint(count, seed: seed) }

    /// Σ_t c_t·eq(bits(g_t), z), term by term.
    func naive(_ s: SparseWeight, at z: [E]) -> E {
        var sum = E.zero
        for t in 0..<s.count { sum += s.coefficients[t] * MLE.eq(bits(s.globalIndex(t), z.count), z) }
        return sum
    }

    @Test func evaluationMatchesTermByTerm() {
        for (n, b, block, indices) in [(9, 5, 3, [0, 1, 7, 8, 30, 31]), (9, 9, 0, [2, 100, 257, 511]), (6, 0, 41, [0]),
                                       (10, 7, 5, Array(stride(from: 1, to: 128, by: 3))), (5, 1, 0, [1])] {
            let s = SparseWeight(block: block, blockVariables: b, indices: indices, coefficients: coefficients(indices.count, seed: UInt64(n + b)))
            #expect(s.malformation(numVariables: n) == nil)
            let z = randomPoint(n, seed: UInt64(7 * n + b))
            #expect(s.evaluate(at: z) == naive(s, at: z))
            // contract: outer picks a value per top part, inner the eq of the low m coordinates.
            for m in [0, 1, n / 2, n] {
                let outerValues = randomPoint(1 << (n - m), seed: UInt64(m + 100))
                let inner = Array(z[(n - m)...])
                var expected = E.zero
                for t in 0..<s.count {
                    let g = s.globalIndex(t)
                    expected += s.coefficients[t] * outerValues[g >> m] * MLE.eq(bits(g & ((1 << m) - 1), m), inner)
                }
                #expect(s.contract(inner: inner) { outerValues[$0] } == expected)
            }
        }
    }

    @Test func malformedWeightsAreNamed() {
        let c = coefficients(3, seed: 1)
        let good = SparseWeight(block: 2, blockVariables: 4, indices: [1, 5, 9], coefficients: c)
        #expect(good.malformation(numVariables: 7) == nil)
        #expect(good.range == 32..<48)
        var bad = good
        bad.indices = [1, 5, 5]
        #expect(bad.malformation(numVariables: 7) != nil)   // duplicate
        bad.indices = [5, 1, 9]
        #expect(bad.malformation(numVariables: 7) != nil)   // not increasing
        bad.indices = [1, 5, 16]
        #expect(bad.malformation(numVariables: 7) != nil)   // outside the block
        bad.indices = [-1, 5, 9]
        #expect(bad.malformation(numVariables: 7) != nil)
        bad = good
        bad.coefficients.removeLast()
        #expect(bad.malformation(numVariables: 7) != nil)   // a coefficient missing
        bad = SparseWeight(block: 0, blockVariables: 4, indices: [], coefficients: [])
        #expect(bad.malformation(numVariables: 7) != nil)   // empty
        bad = good
        bad.block = 8
        #expect(bad.malformation(numVariables: 7) != nil)   // block past the table
        bad.block = -1
        #expect(bad.malformation(numVariables: 7) != nil)
        bad = good
        bad.blockVariables = 8
        bad.block = 0
        #expect(bad.malformation(numVariables: 7) != nil)   // block larger than the table
    }

    /// The sparse claim f(point) + Σ_t c_t·f(block ‖ index_t) = value, with `point` the first entry.
    func sparseClaim(_ f: [Goldilocks], batch: Int, polynomial: Int = 0, block: Int, blockVariables b: Int, indices: [Int],
                     seed: UInt64) -> EvaluationClaim {
        let n = f.count.trailingZeroBitCount
        let first = block << b | indices[0]
        let s = SparseWeight(block: block, blockVariables: b, indices: Array(indices.dropFirst()),
                             coefficients: coefficients(indices.count - 1, seed: seed))
        var value = E(f[first])
        for t in 0..<s.count { value += s.coefficients[t] * E(f[s.globalIndex(t)]) }
        return EvaluationClaim(batch: batch, polynomial: polynomial, point: bits(first, n), value: value, sparse: s)
    }

    /// The same claim with one Boolean `ClaimTerm` per sparse entry.
    func asTerms(_ c: EvaluationClaim) -> EvaluationClaim {
        let s = c.sparse!
        return EvaluationClaim(batch: c.batch, polynomial: c.polynomial, point: c.point, value: c.value,
                               terms: c.terms + (0..<s.count).map { ClaimTerm(point: bits(s.globalIndex($0), c.point.count), coefficient: s.coefficients[$0]) })
    }

    @Test func sparseClaimsOpenAndMatchTermClaims() throws {
        let n = 8
        let f = randomTable(n, seed: 3)
        let pair = [randomTable(n, seed: 4), randomTable(n, seed: 5)]
        let indices = [0, 3, 4, 9, 17, 18, 30, 31]
        for masked in [true, false] {
            let randomness = ProofRandomness(seed: [9])
            let batches = [PolynomialCommitment.commit([f], parameters: .testing, randomness: randomness.fork("f"), openingMask: masked),
                           PolynomialCommitment.commit(pair, parameters: .testing)]
            // Batch 0 (direct class): a sparse claim in block 5 of 32 entries, and a plain claim; batch
            // 1 (point reduction): a sparse claim on polynomial 1 over its whole table.
            let claims = [sparseClaim(f, batch: 0, block: 5, blockVariables: 5, indices: indices, seed: 20)]
                + self.claims(batch: 0, f, seed: 10).prefix(1)
                + [sparseClaim(pair[1], batch: 1, polynomial: 1, block: 0, blockVariables: n, indices: [7, 64, 65, 200, 255], seed: 30),
                   EvaluationClaim(batch: 1, polynomial: 0, point: randomPoint(n, seed: 31), value: MLE.evaluate(pair[0], at: randomPoint(n, seed: 31)))]
            func open(_ claims: [EvaluationClaim]) -> OpeningProof {
                var pt = Transcript(domain: "sparse-weight-test")
                return PolynomialCommitment.open(batches, claims: claims, transcript: &pt, randomness: randomness.fork("open"))
            }
            let proof = open(claims)
            #expect(proof.classes.contains { $0.pointReduction != nil })
            // Same transcript, same proof as the claim written term by term.
            #expect(proof.serialized() == open(claims.map { $0.sparse == nil ? $0 : asTerms($0) }).serialized())
            func verify(_ claims: [EvaluationClaim]) throws(ProofError) {
                var t = Transcript(domain: "sparse-weight-test")
                try PolynomialCommitment.verify(batches.map(\.commitment), parameters: .testing, claims: claims,
                                                proof: try OpeningProof(serialized: proof.serialized()), transcript: &t,
                                                maskedBatches: masked ? [0] : [])
            }
            try verify(claims)
            try verify(claims.map { $0.sparse == nil ? $0 : asTerms($0) })
            for i in [0, 2] {
                var bad = claims
                bad[i].value += .one
                #expect(throws: ProofError.self) { try verify(bad) }                 // wrong value
                bad = claims
                bad[i].sparse!.coefficients[2] += .one
                #expect(throws: ProofError.self) { try verify(bad) }                 // wrong coefficient
                bad = claims
                bad[i].sparse!.indices[2] += 1                                     // another entry of the block
                #expect(bad[i].sparse!.malformation(numVariables: n) == nil)
                #expect(throws: ProofError.self) { try verify(bad) }
                bad = claims
                bad[i].sparse!.indices.removeLast()
                bad[i].sparse!.coefficients.removeLast()
                #expect(throws: ProofError.self) { try verify(bad) }                 // a term dropped
                bad = claims
                bad[i].sparse!.indices[2] = bad[i].sparse!.indices[1]
                #expect(throws: ProofError.invalidParameters(bad[i].sparse!.malformation(numVariables: n)!)) { try verify(bad) }
                bad = claims
                bad[i].sparse!.indices[bad[i].sparse!.count - 1] = 1 << bad[i].sparse!.blockVariables
                #expect(throws: ProofError.invalidParameters(bad[i].sparse!.malformation(numVariables: n)!)) { try verify(bad) }
                bad = claims
                bad[i].sparse!.block += 1 << (n - bad[i].sparse!.blockVariables)
                #expect(throws: ProofError.invalidParameters(bad[i].sparse!.malformation(numVariables: n)!)) { try verify(bad) }
                bad = claims
                bad[i].sparse = nil
                #expect(throws: ProofError.self) { try verify(bad) }                 // every term dropped
            }
            // The block moved (same indices and coefficients, other entries).
            var moved = claims
            moved[0].sparse!.block = 6
            #expect(throws: ProofError.self) { try verify(moved) }
        }
    }
}
