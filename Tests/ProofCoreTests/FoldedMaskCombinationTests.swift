import Testing
import ProofCore
import TestSupport

/// The folded-mask opening of a public linear combination Σ_b a_b·V_b of registered batches
/// (`PolynomialCommitment.openFoldedMask(_:rho:coefficients:…)`, docs/PROOF_CORE.md "The folded-mask
/// opening"): the difference V − W′ of two commitments is what ZKML's weight-copy link opens
/// (docs/ZK.md §6 item 3). Each query checks F′(j) = Σ_b a_b·fold_ρ(V_b's leaf j) + β·M(j).
@Suite struct FoldedMaskCombinationTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    struct Run {
        var parameters: CommitmentParameters
        var registered: [CommittedBatch]
        var coefficients: [E]
        var rho: [E]
        var claims: [EvaluationClaim]
        var mask: OpeningMask
        var proof: FoldedMaskOpeningProof
    }

    /// Batches of 2^n random entries (`tables` when given), random ρ, two claims (a plain one and a
    /// combination claim) on G̃ = Σ_b a_b·V_b(· ‖ ρ), opened on one transcript.
    func run(n: Int, coefficients: [E], parameters: CommitmentParameters = FoldedMaskOpeningTests.small,
             tables given: [[Goldilocks]]? = nil) -> Run {
        let k = parameters.foldingLog
        let tables = given ?? coefficients.indices.map { randomTable(n, seed: 500 + UInt64($0)) }
        let registered = tables.enumerated().map { b, t in
            PolynomialCommitment.commit([t], parameters: parameters, randomness: ProofRandomness(seed: [UInt8(b + 40)]))
        }
        let rho = randomPoint(k, seed: 600)
        var g = [E](repeating: .zero, count: 1 << (n - k))
        for (b, t) in tables.enumerated() {
            let folded = FoldedMaskOpeningTests().fold(t, rho)
            for i in g.indices { g[i] += coefficients[b] * folded[i] }
        }
        let z = randomPoint(n - k, seed: 601), w = randomPoint(n - k, seed: 602), c = randomPoint(1, seed: 603)[0]
        let claims = [EvaluationClaim(batch: 0, polynomial: 0, point: z, value: MLE.evaluate(g, at: z)),
                      EvaluationClaim(batch: 0, polynomial: 0, point: w, value: MLE.evaluate(g, at: w) + c * MLE.evaluate(g, at: z),
                                      terms: [ClaimTerm(point: z, coefficient: c)])]
        let mask = OpeningMask(foldedFor: n, parameters: parameters, randomness: ProofRandomness(seed: [41]))
        var t = Transcript(domain: "folded-combination-test")
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: rho, coefficients: coefficients, claims: claims, mask: mask,
                                                        transcript: &t)
        return Run(parameters: parameters, registered: registered, coefficients: coefficients, rho: rho, claims: claims, mask: mask,
                   proof: proof)
    }

    func verify(_ r: Run, coefficients: [E]? = nil, commitments: [Commitment]? = nil, claims: [EvaluationClaim]? = nil,
                proof: FoldedMaskOpeningProof? = nil) throws {
        var t = Transcript(domain: "folded-combination-test")
        try PolynomialCommitment.verifyFoldedMask(commitments ?? r.registered.map(\.commitment), parameters: r.parameters, rho: r.rho,
                                                  coefficients: coefficients ?? r.coefficients, claims: claims ?? r.claims,
                                                  mask: r.mask.commitment,
                                                  proof: FoldedMaskOpeningProof(serialized: (proof ?? r.proof).serialized()),
                                                  transcript: &t)
    }

    @Test func differenceAndOtherCombinationsVerify() throws {
        let minusOne = E.zero - .one
        for (n, coefficients, parameters) in [(6, [E.one, minusOne], FoldedMaskOpeningTests.small),
                                              (12, [E.one, minusOne], FoldedMaskOpeningTests.wide),
                                              (9, randomPoint(3, seed: 7), FoldedMaskOpeningTests.small)] {
            let r = run(n: n, coefficients: coefficients, parameters: parameters)
            try verify(r)
            #expect(r.proof.registeredOpenings.count == coefficients.count)
            #expect(r.proof.byteParts.reduce(0) { $0 + $1.bytes } == r.proof.serialized().count)
        }
        // Two commitments of one vector (different salts): their difference is 0 and so is every claim.
        let v = randomTable(8, seed: 9)
        let r = run(n: 8, coefficients: [.one, minusOne], tables: [v, v])
        #expect(r.claims.allSatisfy { $0.value == .zero })
        try verify(r)
    }

    @Test func rejectsWrongCoefficientsTamperedLeavesAndMask() throws {
        let minusOne = E.zero - .one
        for parameters in [FoldedMaskOpeningTests.small, FoldedMaskOpeningTests.wide] {
            let n = parameters.foldingLog == 4 ? 12 : 7
            let r = run(n: n, coefficients: [.one, minusOne], parameters: parameters)
            try verify(r)
            #expect(throws: (any Error).self, "wrong coefficient") { try verify(r, coefficients: [.one, .one]) }
            #expect(throws: (any Error).self, "one coefficient for two batches") { try verify(r, coefficients: [.one]) }
            #expect(throws: (any Error).self, "swapped batches") {
                try verify(r, commitments: r.registered.reversed().map(\.commitment))
            }
            var wrong = r.claims
            wrong[0].value += .one
            #expect(throws: (any Error).self, "wrong claim") { try verify(r, claims: wrong) }
            for b in 0..<2 {
                var bad = r.proof
                bad.registeredOpenings[b].leaves[0][1] += .one
                #expect(throws: (any Error).self, "leaf of batch \(b)") { try verify(r, proof: bad) }
                bad = r.proof
                bad.registeredOpenings[b].salts[1][0] ^= 1
                #expect(throws: (any Error).self, "salt of batch \(b)") { try verify(r, proof: bad) }
            }
            var bad = r.proof
            bad.foldedOpening.leaves[0][0] += .one
            #expect(throws: (any Error).self, "F′ entry") { try verify(r, proof: bad) }
            bad = r.proof
            bad.maskOpening.leaves[0][0] += .one
            #expect(throws: (any Error).self, "mask entry") { try verify(r, proof: bad) }
            bad = r.proof
            bad.maskSum += .one
            #expect(throws: (any Error).self, "mask sum") { try verify(r, proof: bad) }
            // The batch-point verifier does not accept a coefficient proof (the statements differ).
            var t = Transcript(domain: "folded-combination-test")
            #expect(throws: (any Error).self, "as a batch-point opening") {
                try PolynomialCommitment.verifyFoldedMask(r.registered.map(\.commitment), parameters: parameters, rho: r.rho,
                                                          batchPoint: [randomPoint(1, seed: 1)[0]], claims: r.claims,
                                                          mask: r.mask.commitment, proof: r.proof, transcript: &t)
            }
        }
    }

    /// One batch with coefficient 1 opens V itself: claims on V(· ‖ ρ) verify through the coefficient
    /// form, with the single-batch opening's shape and checks (a tampered leaf is rejected by both);
    /// coefficient 2 opens 2V.
    @Test func oneBatchWithCoefficientOneIsTheSingleBatchOpening() throws {
        let n = 8, parameters = FoldedMaskOpeningTests.small
        let v = randomTable(n, seed: 21)
        let r = run(n: n, coefficients: [.one], tables: [v])
        try verify(r)
        var t = Transcript(domain: "folded-combination-test")
        let single = PolynomialCommitment.openFoldedMask(r.registered[0], rho: r.rho, claims: r.claims, mask: r.mask, transcript: &t)
        var vt = Transcript(domain: "folded-combination-test")
        try PolynomialCommitment.verifyFoldedMask(r.registered[0].commitment, parameters: parameters, rho: r.rho, claims: r.claims,
                                                  mask: r.mask.commitment, proof: single, transcript: &vt)
        // Same shape (the query positions differ with the transcripts, and so do the Merkle siblings).
        #expect(single.registeredOpenings.count == 1 && r.proof.registeredOpenings.count == 1
                && single.registeredOpenings[0].leaves.map(\.count) == r.proof.registeredOpenings[0].leaves.map(\.count)
                && single.layerRoots.count == r.proof.layerRoots.count
                && single.finalCoefficients.count == r.proof.finalCoefficients.count)
        var bad = r.proof
        bad.registeredOpenings[0].leaves[0][0] += .one
        #expect(throws: (any Error).self) { try verify(r, proof: bad) }
        let doubled = run(n: n, coefficients: [E(Goldilocks(2))], tables: [v])
        #expect(doubled.claims[0].value == r.claims[0].value.doubled())
        try verify(doubled)
        #expect(throws: (any Error).self, "coefficient 1 for 2V") { try verify(doubled, coefficients: [.one]) }
    }
}
