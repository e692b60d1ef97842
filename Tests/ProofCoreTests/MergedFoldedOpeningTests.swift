import Testing
import ProofCore

/// The ProofCore pieces of protocol v19's *merged* folded opening (docs/ZK.md §6 item 4 point 3,
/// docs/PROOF_CORE.md "The folded-mask opening"): the mask-free multi-batch low-variable sumcheck
/// `MaskedSumcheck.proveLowVariables(tables:…lowVariables:…)`, several sparse weights on one bound
/// claim (`SparseWeight.merged`, `EvaluationClaim.boundLowVariables(_:gamma:rho:batchPoint:value:)`),
/// and an opening of two batches V (weights) and f (witness) with a cross term eq(z_X, ·) on both.
@Suite struct MergedFoldedOpeningTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    static let (small, wide) = (FoldedMaskOpeningTests.small, FoldedMaskOpeningTests.wide)

    func combined(_ claims: [EvaluationClaim], _ gamma: E) -> E {
        var sum = E.zero, g = E.one
        for c in claims {
            sum += g * c.value
            g *= gamma
        }
        return sum
    }

    /// Σ_t c_t·f(g_t).
    func sparseValue(_ s: SparseWeight, _ table: [Goldilocks]) -> E {
        var value = E.zero
        for t in 0..<s.count { value += s.coefficients[t] * E(table[s.globalIndex(t)]) }
        return value
    }

    func sparseValue(_ s: SparseWeight, _ table: [E]) -> E {
        var value = E.zero
        for t in 0..<s.count { value += s.coefficients[t] * table[s.globalIndex(t)] }
        return value
    }

    /// A degree-2 mask that is zero everywhere: the masked rounds with it are the plain rounds.
    func zeroMask(_ variables: Int) -> SumcheckMask<E> {
        SumcheckMask(coefficients: Array(repeating: [.zero, .zero, .zero], count: variables))
    }

    // MARK: 1. The mask-free multi-batch sumcheck

    @Test func maskFreeRoundsAreTheZeroMaskRoundsAndVerify() throws {
        for (n, batches, k) in [(6, 1, 2), (8, 1, 4), (6, 2, 2), (9, 3, 2), (12, 2, 4), (8, 4, 3)] {
            let m = PolynomialCommitment.batchVariables(batches)
            let tables = (0..<batches).map { randomTable(n, seed: 10 + UInt64($0)) }
            var claims = [EvaluationClaim]()
            for b in 0..<batches { claims += self.claims(batch: b, tables[b], seed: 40 + 10 * UInt64(b)) }
            let gamma = randomPoint(1, seed: 7)[0], sum = combined(claims, gamma)
            var t1 = Transcript(domain: "free"), t2 = Transcript(domain: "free")
            let plain = MaskedSumcheck.proveLowVariables(tables: tables, claims: claims, gamma: gamma, sum: sum, lowVariables: k,
                                                         transcript: &t1)
            let zero = batches == 1
                ? MaskedSumcheck.proveLowVariables(table: tables[0], claims: claims, gamma: gamma, sum: sum, mask: zeroMask(k),
                                                   rho: .one, transcript: &t2)
                : MaskedSumcheck.proveLowVariables(tables: tables, claims: claims, gamma: gamma, sum: sum, mask: zeroMask(k + m),
                                                   rho: .one, transcript: &t2)
            #expect(plain.output.proof == zero.output.proof && plain.output.point == zero.output.point
                    && plain.output.finalEvaluations == zero.output.finalEvaluations && plain.output.claimedSum == zero.output.claimedSum
                    && plain.foldedTable == zero.foldedTable && t1.stateDigest == t2.stateDigest)
            if batches == 1 {
                var t3 = Transcript(domain: "free")
                let single = MaskedSumcheck.proveLowVariables(table: tables[0], claims: claims, gamma: gamma, sum: sum, numVariables: k,
                                                              transcript: &t3)
                #expect(single.output.proof == plain.output.proof && single.foldedTable == plain.foldedTable && t3.stateDigest == t1.stateDigest)
            }
            #expect(plain.output.proof.roundPolynomials.count == k + m && plain.output.proof.roundPolynomials.allSatisfy { $0.count == 3 })
            // The verifier: plain rounds from the claimed sum; the sub-claim's value is the bound claim's.
            var vt = Transcript(domain: "free")
            let sub = try MaskedSumcheck.verify(claimedSum: sum, degrees: Array(repeating: 2, count: k + m),
                                                rounds: plain.output.proof.roundPolynomials, transcript: &vt)
            #expect(sub.point == plain.output.point && sub.expectedValue == plain.output.finalEvaluations[0])
            let bound = try #require(EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: Array(sub.point[..<k]),
                                                                       batchPoint: Array(sub.point[k...]), value: sub.expectedValue))
            var value = MLE.evaluate(plain.foldedTable, at: bound.point)
            for term in bound.terms { value += term.coefficient * MLE.evaluate(plain.foldedTable, at: term.point) }
            #expect(value == bound.value)
            // A false sum is rejected by the rounds or leaves a false bound claim.
            var wt = Transcript(domain: "free")
            let wrong = MaskedSumcheck.proveLowVariables(tables: tables, claims: claims, gamma: gamma, sum: sum + .one, lowVariables: k,
                                                         transcript: &wt)
            var wvt = Transcript(domain: "free")
            if let s = try? MaskedSumcheck.verify(claimedSum: sum + .one, degrees: Array(repeating: 2, count: k + m),
                                                  rounds: wrong.output.proof.roundPolynomials, transcript: &wvt) {
                let b = EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: Array(s.point[..<k]), batchPoint: Array(s.point[k...]),
                                                          value: s.expectedValue)!
                var v = MLE.evaluate(wrong.foldedTable, at: b.point)
                for term in b.terms { v += term.coefficient * MLE.evaluate(wrong.foldedTable, at: term.point) }
                #expect(v != b.value)
            }
            // The honest rounds against another claimed sum are rejected.
            var ot = Transcript(domain: "free")
            #expect(throws: (any Error).self) {
                try MaskedSumcheck.verify(claimedSum: sum + .one, degrees: Array(repeating: 2, count: k + m),
                                          rounds: plain.output.proof.roundPolynomials, transcript: &ot)
            }
        }
    }

    // MARK: 2. Several sparse weights on one claim

    @Test func mergedSparseWeightsKeepTheirValue() throws {
        let n = 10
        let table = randomTable(n, seed: 3)
        let c = randomPoint(8, seed: 4)
        let pool = SparseWeight(block: 2, blockVariables: 6, indices: [0, 5, 9, 63], coefficients: Array(c[0..<4]))
        let offset = SparseWeight(block: 2, blockVariables: 6, indices: [1, 5, 40], coefficients: Array(c[4..<7]))  // overlaps at 5
        let same = try #require(SparseWeight.merged([pool, offset], numVariables: n))
        #expect(same.block == 2 && same.blockVariables == 6 && same.indices == [0, 1, 5, 9, 40, 63] && same.malformation(numVariables: n) == nil)
        #expect(same.coefficients[2] == c[1] + c[5])
        #expect(sparseValue(same, table) == sparseValue(pool, table) + sparseValue(offset, table))
        let z = randomPoint(n, seed: 5)
        #expect(same.evaluate(at: z) == pool.evaluate(at: z) + offset.evaluate(at: z))
        // Different blocks (and sizes): the smallest aligned block holding both, containing both ranges.
        let far = SparseWeight(block: 13, blockVariables: 4, indices: [2, 15], coefficients: [c[7], c[0]])
        let hull = try #require(SparseWeight.merged([pool, far, offset], numVariables: n))
        #expect(hull.malformation(numVariables: n) == nil && hull.range.contains(pool.range.lowerBound)
                && hull.range.upperBound >= far.range.upperBound && hull.range.lowerBound <= pool.range.lowerBound)
        #expect(hull.block == 1 && hull.blockVariables == 7)
        #expect(sparseValue(hull, table) == sparseValue(pool, table) + sparseValue(offset, table) + sparseValue(far, table))
        #expect(hull.evaluate(at: z) == pool.evaluate(at: z) + offset.evaluate(at: z) + far.evaluate(at: z))
        // A range check on the merged block sees the highest part (a free region above the pool's block
        // but below `far`'s is not missed).
        #expect(hull.range.upperBound > 13 << 4)
        #expect(SparseWeight.merged([pool], numVariables: n) == pool)
        // Rejected: nothing to merge, a malformed part (decreasing indices, block outside the table, an
        // index outside its block, a missing coefficient).
        #expect(SparseWeight.merged([], numVariables: n) == nil)
        for bad in [SparseWeight(block: 2, blockVariables: 6, indices: [5, 1], coefficients: [c[0], c[1]]),
                    SparseWeight(block: 1 << 4, blockVariables: 6, indices: [1], coefficients: [c[0]]),
                    SparseWeight(block: 2, blockVariables: 6, indices: [64], coefficients: [c[0]]),
                    SparseWeight(block: 2, blockVariables: 6, indices: [1, 2], coefficients: [c[0]]),
                    SparseWeight(block: 2, blockVariables: 6, indices: [1, 1], coefficients: [c[0], c[1]])] {
            #expect(SparseWeight.merged([pool, bad], numVariables: n) == nil)
            #expect(SparseWeight.merged([bad, offset], numVariables: n) == nil)
        }
        // A part of another table size is malformed there.
        #expect(SparseWeight.merged([pool, offset], numVariables: 7) == nil)
    }

    /// Two sparse claims on one batch (the pool claim and the offset O on the pool column), bound to ρ:
    /// the bound claim's merged sparse weight gives its value on G.
    @Test func boundClaimMergesTwoSparseClaims() throws {
        for (n, k, blockVariables) in [(10, 2, 5), (10, 4, 3), (12, 4, 6)] {
            let v = randomTable(n, seed: 20)
            let c = randomPoint(6, seed: 21)
            let top = (1 << blockVariables) - 1
            let pool = SparseWeight(block: 1, blockVariables: blockVariables, indices: [0, 3, top], coefficients: Array(c[0..<3]))
            let offset = SparseWeight(block: 1, blockVariables: blockVariables, indices: [1, 3, top - 1], coefficients: Array(c[3..<6]))
            let (z1, z2) = (randomPoint(n, seed: 22), randomPoint(n, seed: 23))
            let claims = [EvaluationClaim(batch: 0, polynomial: 0, point: z1, value: MLE.evaluate(v, at: z1) + sparseValue(pool, v), sparse: pool),
                          EvaluationClaim(batch: 0, polynomial: 0, point: z2, value: MLE.evaluate(v, at: z2) + sparseValue(offset, v), sparse: offset)]
            let gamma = randomPoint(1, seed: 24)[0]
            var t = Transcript(domain: "two-sparse")
            let out = MaskedSumcheck.proveLowVariables(tables: [v], claims: claims, gamma: gamma, sum: combined(claims, gamma),
                                                       lowVariables: k, transcript: &t)
            let bound = try #require(EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: out.output.point, batchPoint: [],
                                                                       value: out.output.finalEvaluations[0]))
            let s = try #require(bound.sparse)
            #expect(s.malformation(numVariables: n - k) == nil)
            let g = out.foldedTable
            var value = MLE.evaluate(g, at: bound.point) + sparseValue(s, g)
            for term in bound.terms { value += term.coefficient * MLE.evaluate(g, at: term.point) }
            #expect(value == bound.value)
            // A changed coefficient of either sparse claim changes the bound claim (the verifier's side).
            for i in 0..<2 {
                var wrong = claims
                wrong[i].sparse!.coefficients[0] += .one
                let w = try #require(EvaluationClaim.boundLowVariables(wrong, gamma: gamma, rho: out.output.point, batchPoint: [],
                                                                       value: out.output.finalEvaluations[0]))
                var wv = MLE.evaluate(g, at: w.point) + sparseValue(w.sparse!, g)
                for term in w.terms { wv += term.coefficient * MLE.evaluate(g, at: term.point) }
                #expect(wv != w.value)
            }
        }
    }

    // MARK: 3. The merged opening: V and f, a cross term on both, two sparse weights on f

    struct Merged {
        var parameters: CommitmentParameters
        var registered: [CommittedBatch]
        var claims: [EvaluationClaim]
        var gamma: E
        var total: E
        var mask: OpeningMask
        var rounds: SumcheckProof<E>
        var proof: FoldedMaskOpeningProof
    }

    /// Batch 0 = V (weights), batch 1 = f (witness), both 2^n. V's claim: V(z_V) + eq(z_X)·V; f's
    /// claims: f(z_f) + γ^(−1)·eq(z_X)·f + the pool's sparse weight, and f(z_L) + the offset O on the
    /// same block (overlapping the pool's entries). The γ^(−1) puts the cross block's two terms at one
    /// coefficient in Σ_ℓ γ^ℓ W_ℓ, so the verifier's total holds S_X = V(z_X) + f(z_X) once. W_0 ≠ W_1.
    func merged(n: Int, parameters: CommitmentParameters, sX delta: E = .zero) -> Merged {
        let k = parameters.foldingLog
        let (v, f) = (randomTable(n, seed: 60), randomTable(n, seed: 61))
        let registered = [v, f].enumerated().map { b, t in
            PolynomialCommitment.commit([t], parameters: parameters, randomness: ProofRandomness(seed: [UInt8(b + 31)]))
        }
        let gamma = randomPoint(1, seed: 62)[0]
        let (zV, zf, zL, zX) = (randomPoint(n, seed: 63), randomPoint(n, seed: 64), randomPoint(n, seed: 65), randomPoint(n, seed: 66))
        let c = randomPoint(6, seed: 67)
        let pool = SparseWeight(block: 0, blockVariables: k + 2, indices: [0, 2, 7, 11], coefficients: Array(c[0..<4]))
        let offset = SparseWeight(block: 0, blockVariables: k + 2, indices: [2, 13], coefficients: Array(c[4..<6]))
        let inverse = gamma.inverse()!
        let claims = [
            EvaluationClaim(batch: 0, polynomial: 0, point: zV, value: MLE.evaluate(v, at: zV) + MLE.evaluate(v, at: zX),
                            terms: [ClaimTerm(point: zX, coefficient: .one)]),
            EvaluationClaim(batch: 1, polynomial: 0, point: zf,
                            value: MLE.evaluate(f, at: zf) + inverse * MLE.evaluate(f, at: zX) + sparseValue(pool, f),
                            terms: [ClaimTerm(point: zX, coefficient: inverse)], sparse: pool),
            EvaluationClaim(batch: 1, polynomial: 0, point: zL, value: MLE.evaluate(f, at: zL) + sparseValue(offset, f), sparse: offset)]
        // The verifier's total: the claims without the cross block, plus S_X once.
        let sX = MLE.evaluate(v, at: zX) + MLE.evaluate(f, at: zX) + delta
        let total = MLE.evaluate(v, at: zV) + gamma * (MLE.evaluate(f, at: zf) + sparseValue(pool, f))
            + gamma * gamma * claims[2].value + sX
        let mask = OpeningMask(foldedFor: n, parameters: parameters, randomness: ProofRandomness(seed: [88]))
        var t = Transcript(domain: "merged-test")
        let (out, folded) = MaskedSumcheck.proveLowVariables(tables: [v, f], claims: claims, gamma: gamma, sum: total, lowVariables: k,
                                                            transcript: &t)
        let rho = Array(out.point[..<k]), batchPoint = Array(out.point[k...])
        let bound = EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: rho, batchPoint: batchPoint, value: out.finalEvaluations[0])!
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: rho, batchPoint: batchPoint, claims: [bound], mask: mask,
                                                        transcript: &t, foldedTable: folded)
        return Merged(parameters: parameters, registered: registered, claims: claims, gamma: gamma, total: total, mask: mask,
                      rounds: out.proof, proof: proof)
    }

    func verify(_ r: Merged, total: E? = nil, rounds: SumcheckProof<E>? = nil, commitments: [Commitment]? = nil,
                claims: [EvaluationClaim]? = nil) throws {
        let k = r.parameters.foldingLog
        var t = Transcript(domain: "merged-test")
        let sub = try MaskedSumcheck.verify(claimedSum: total ?? r.total, degrees: Array(repeating: 2, count: k + 1),
                                            rounds: (rounds ?? r.rounds).roundPolynomials, transcript: &t)
        let rho = Array(sub.point[..<k]), batchPoint = Array(sub.point[k...])
        guard let bound = EvaluationClaim.boundLowVariables(claims ?? r.claims, gamma: r.gamma, rho: rho, batchPoint: batchPoint,
                                                            value: sub.expectedValue) else {
            throw ProofError.invalidParameters("no claim on the folded polynomial")
        }
        try PolynomialCommitment.verifyFoldedMask(commitments ?? r.registered.map(\.commitment), parameters: r.parameters, rho: rho,
                                                  batchPoint: batchPoint, claims: [bound], mask: r.mask.commitment,
                                                  proof: FoldedMaskOpeningProof(serialized: r.proof.serialized()), transcript: &t)
    }

    @Test func mergedOpeningWithCrossBlockVerifiesAndRejectsTampering() throws {
        for (n, parameters) in [(8, Self.small), (12, Self.wide)] {
            let r = merged(n: n, parameters: parameters)
            try verify(r)
            let k = parameters.foldingLog
            #expect(r.rounds.roundPolynomials.count == k + 1 && r.proof.registeredOpenings.count == 2)
            // The batch round's polynomial (the last round), or a low round, changed.
            for round in [k, 0] {
                for x in 0..<3 {
                    var bad = r.rounds
                    bad.roundPolynomials[round][x] += .one
                    #expect(throws: (any Error).self, "round \(round), entry \(x)") { try verify(r, rounds: bad) }
                }
            }
            // A wrong S_X: the verifier's total off by δ (and a prover that starts from that total).
            #expect(throws: (any Error).self) { try verify(r, total: r.total + .one) }
            let lying = merged(n: n, parameters: parameters, sX: .one)
            #expect(throws: (any Error).self) { try verify(lying) }
            // Swapped batches: the commitments in the other order, or the claims moved to the other batch.
            #expect(throws: (any Error).self) { try verify(r, commitments: r.registered.map(\.commitment).reversed()) }
            var moved = r.claims
            for i in moved.indices { moved[i].batch = 1 - moved[i].batch }
            moved = [moved[1], moved[2], moved[0]]
            #expect(throws: (any Error).self) { try verify(r, claims: moved) }
            // The cross term on one batch only (W_1 without it) is rejected.
            var oneSided = r.claims
            oneSided[1].terms = []
            #expect(throws: (any Error).self) { try verify(r, claims: oneSided) }
        }
    }
}
