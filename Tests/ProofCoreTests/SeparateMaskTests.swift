import Testing
import ProofCore
import TestSupport

/// The zero-knowledge opening with the mask in its own batch (docs/ZK.md §6.2): a batch committed
/// once without a mask (a registered model's weights) is opened as f + β·M with M = M_0 + u·M_1 from
/// a fresh per-proof `OpeningMask`; each query opens both trees at the same leaf.
@Suite struct SeparateMaskTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    struct Honest {
        var commitments: [Commitment]
        var mask: Commitment
        var claims: [EvaluationClaim]
        var proof: OpeningProof
        var registered: CommittedBatch
    }

    /// Batch 0: one polynomial of `n` variables committed once (no mask, like registered weights),
    /// opened with a separate mask; batch 1: two unmasked polynomials of 9 variables.
    func honest(n: Int = 7, maskSeed: UInt8 = 7, openSeed: UInt8 = 9) throws -> Honest {
        let f = randomTable(n, seed: 3)
        let registered = PolynomialCommitment.commit([f], parameters: .testing, randomness: ProofRandomness(seed: [1]))
        let a = [randomTable(9, seed: 1), randomTable(9, seed: 2)]
        let batches = [registered, PolynomialCommitment.commit(a, parameters: .testing)]
        let mask = OpeningMask(numVariables: n, parameters: .testing,
                               randomness: ProofRandomness(seed: Array(repeating: maskSeed, count: 32)))
        #expect(mask.commitment.polynomialCount == 2 && mask.numVariables == n)
        let claims = self.claims(batch: 0, f, seed: 10)
            + [EvaluationClaim(batch: 1, polynomial: 1, point: randomPoint(9, seed: 4), value: MLE.evaluate(a[1], at: randomPoint(9, seed: 4)))]
        var pt = Transcript(domain: "separate-mask-test")
        let proof = PolynomialCommitment.open(batches, claims: claims, transcript: &pt,
                                              randomness: ProofRandomness(seed: Array(repeating: openSeed, count: 32)),
                                              separateMasks: [0: mask])
        var vt = Transcript(domain: "separate-mask-test")
        let commitments = batches.map(\.commitment)
        try PolynomialCommitment.verify(commitments, parameters: .testing, claims: claims,
                                        proof: try OpeningProof(serialized: proof.serialized()), transcript: &vt,
                                        separateMasks: [0: mask.commitment])
        #expect(pt.stateDigest == vt.stateDigest)
        return Honest(commitments: commitments, mask: mask.commitment, claims: claims, proof: proof, registered: registered)
    }

    func verify(_ h: Honest, claims: [EvaluationClaim]? = nil, proof: OpeningProof? = nil,
                masks: [Int: Commitment]? = nil, masked: Set<Int> = []) throws(ProofError) {
        var t = Transcript(domain: "separate-mask-test")
        try PolynomialCommitment.verify(h.commitments, parameters: .testing, claims: claims ?? h.claims, proof: proof ?? h.proof,
                                        transcript: &t, maskedBatches: masked, separateMasks: masks ?? [0: h.mask])
    }

    func maskedClass(_ p: OpeningProof, n: Int = 7) -> Int { p.classes.firstIndex { $0.numVariables == n }! }

    @Test func opensWithTwoTreesAndOneValue() throws {
        let h = try honest()
        let c = h.proof.classes[maskedClass(h.proof)]
        #expect(c.pointReduction == nil && c.values.count == 1 && c.batchOpenings.count == 2)
        #expect(c.batchOpenings[0].leaves.allSatisfy { $0.count == 4 } && c.batchOpenings[1].leaves.allSatisfy { $0.count == 2 * 4 })
        // Without folding (n = finalLog) and every size the direct path handles.
        _ = try honest(n: 2)
        for n in 3...8 { _ = try honest(n: n) }
    }

    @Test func fixedRandomnessReproducesAndMasksDiffer() throws {
        let one = try honest(), two = try honest()
        #expect(one.mask == two.mask && one.proof == two.proof)
        let other = try honest(maskSeed: 8)
        #expect(other.mask != one.mask && other.commitments == one.commitments)   // the registered batch is the same
        let (p, q) = (one.proof.classes[maskedClass(one.proof)], other.proof.classes[maskedClass(other.proof)])
        // Two masks on the same registered batch: no mask sum, round value, final coefficient or
        // folded-layer entry in common.
        func elements(_ c: SizeClassProof) -> Set<[UInt64]> {
            Set((c.values + c.rounds.roundPolynomials.flatMap { $0 } + c.finalCoefficients
                 + c.layerOpenings.flatMap { $0.leaves.flatMap { $0 } }).map { [$0.c0.value, $0.c1.value] })
        }
        #expect(elements(p).isDisjoint(with: elements(q)))
        // The unmasked opening of the same batch and claims shares none either.
        var t = Transcript(domain: "separate-mask-test")
        let plain = PolynomialCommitment.open([one.registered], claims: Array(one.claims.prefix(3)), transcript: &t)
        #expect(elements(plain.classes[0]).isDisjoint(with: elements(p)))
        // OpeningMask draws from libsodium without randomness: two such masks differ.
        #expect(OpeningMask(numVariables: 5, parameters: .testing).commitment != OpeningMask(numVariables: 5, parameters: .testing).commitment)
    }

    @Test func rejectsTamperedMaskDataAndClaims() throws {
        let h = try honest()
        let k = maskedClass(h.proof)
        // The mask's sum.
        var bad = h.proof
        bad.classes[k].values[0] += .one
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        // A data entry of an opened leaf (registered tree) and a mask entry (both of M_0 and M_1).
        bad = h.proof
        bad.classes[k].batchOpenings[0].leaves[0][1] += .one
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        for entry in [0, 5] {
            bad = h.proof
            bad.classes[k].batchOpenings[1].leaves[0][entry] += .one
            #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        }
        // A round and the final polynomial.
        bad = h.proof
        bad.classes[k].rounds.roundPolynomials[1][2] += .one
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        bad = h.proof
        bad.classes[k].finalCoefficients[0] += .one
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        // Every claim on the masked batch, and a combination term's coefficient.
        for i in 0..<3 {
            var wrong = h.claims
            wrong[i].value += .one
            #expect(throws: ProofError.self) { try verify(h, claims: wrong) }
        }
        var term = h.claims
        term[2].terms[0].coefficient += .one
        #expect(throws: ProofError.self) { try verify(h, claims: term) }
    }

    @Test func rejectsWrongTreeMissingAndMisshapedMask() throws {
        let h = try honest()
        let k = maskedClass(h.proof)
        // Another mask's commitment (the opened mask leaves do not hash to its root).
        let other = OpeningMask(numVariables: 7, parameters: .testing, randomness: ProofRandomness(seed: [42]))
        #expect(throws: ProofError.self) { try verify(h, masks: [0: other.commitment]) }
        // The two trees' openings swapped, and the mask tree's opening given as the data tree's.
        var bad = h.proof
        bad.classes[k].batchOpenings.swapAt(0, 1)
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        bad = h.proof
        bad.classes[k].batchOpenings[0] = bad.classes[k].batchOpenings[1]
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        // The mask tree's opening missing, or the verifier not told of the mask.
        bad = h.proof
        bad.classes[k].batchOpenings.removeLast()
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        #expect(throws: ProofError.self) { try verify(h, masks: [:]) }
        // The mask named on the wrong batch, or the batch also read as carrying its own mask.
        #expect(throws: ProofError.self) { try verify(h, masks: [1: h.mask]) }
        #expect(throws: ProofError.self) { try verify(h, masks: [0: h.mask], masked: [0]) }
        #expect(throws: ProofError.self) { try verify(h, masks: [0: h.mask, 5: h.mask]) }
        // A mask of the wrong size or shape (one variable less, three polynomials).
        let small = OpeningMask(numVariables: 6, parameters: .testing, randomness: ProofRandomness(seed: [43]))
        #expect(throws: ProofError.self) { try verify(h, masks: [0: small.commitment]) }
        var wide = h.mask
        wide.polynomialCount = 3
        #expect(throws: ProofError.self) { try verify(h, masks: [0: wide]) }
        // An unmasked opening of the batch read with a mask; the masked one without values.
        var t = Transcript(domain: "separate-mask-test")
        let batches = [h.registered, PolynomialCommitment.commit([randomTable(9, seed: 1), randomTable(9, seed: 2)], parameters: .testing)]
        let plain = PolynomialCommitment.open(batches, claims: h.claims, transcript: &t)
        #expect(throws: ProofError.self) { try verify(h, proof: plain) }
        bad = h.proof
        bad.classes[k].values = []
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
    }

    /// A batch with a separate mask is opened as a class of its own even when another batch has its
    /// size (the registered weights next to a witness of the same size); plain openings are unchanged.
    @Test func sharesItsSizeWithAnotherBatch() throws {
        let f = randomTable(7, seed: 3), g = randomTable(7, seed: 5)
        let batches = [PolynomialCommitment.commit([f], parameters: .testing, randomness: ProofRandomness(seed: [1])),
                       PolynomialCommitment.commit([g], parameters: .testing, randomness: ProofRandomness(seed: [2]))]
        let mask = OpeningMask(numVariables: 7, parameters: .testing, randomness: ProofRandomness(seed: [3]))
        let claims = self.claims(batch: 0, f, seed: 10) + self.claims(batch: 1, g, seed: 20)
        var pt = Transcript(domain: "separate-mask-test")
        let proof = PolynomialCommitment.open(batches, claims: claims, transcript: &pt, randomness: ProofRandomness(seed: [4]),
                                              separateMasks: [0: mask])
        #expect(proof.classes.map(\.numVariables) == [7, 7])
        #expect(proof.classes[0].batchOpenings.count == 1 && proof.classes[0].values.isEmpty)    // g alone, unmasked
        #expect(proof.classes[1].batchOpenings.count == 2 && proof.classes[1].values.count == 1) // f with its mask
        let commitments = batches.map(\.commitment)
        func verify(_ p: OpeningProof, _ masks: [Int: Commitment]) throws {
            var t = Transcript(domain: "separate-mask-test")
            try PolynomialCommitment.verify(commitments, parameters: .testing, claims: claims, proof: p, transcript: &t, separateMasks: masks)
        }
        try verify(proof, [0: mask.commitment])
        // Read without the mask (one class of both batches expected), or with the classes swapped.
        #expect(throws: ProofError.self) { try verify(proof, [:]) }
        var swapped = proof
        swapped.classes.swapAt(0, 1)
        #expect(throws: ProofError.self) { try verify(swapped, [0: mask.commitment]) }
        // Without a mask the two batches share one class, as before.
        var t = Transcript(domain: "separate-mask-test")
        let plain = PolynomialCommitment.open(batches, claims: claims, transcript: &t)
        #expect(plain.classes.count == 1 && plain.classes[0].batchOpenings.count == 2)
        try verify(plain, [:])
    }
}

/// The mask's commit path (`PolynomialCommitment.commitUniform`) and its bulk randomness.
@Suite struct UniformMaskCommitTests {
    @Test(arguments: [(4, true), (5, true), (9, true), (2, false), (6, false)])
    func aMaskIsTheCommitmentOfItsEvaluationTables(n: Int, hiding: Bool) {
        // ZKML's shape (rate 1/4, leaves of 16, salted) and `.testing`'s (rate 1/2, leaves of 4).
        let parameters = hiding ? CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 8, grindingBits: 0, hiding: true) : .testing
        let seed = ProofRandomness(seed: [UInt8](repeating: 7, count: ProofRandomness.seedByteCount))
        let mask = OpeningMask(numVariables: n, parameters: parameters, randomness: seed)
        // Committing the derived evaluation tables the ordinary way gives the same codewords and root.
        let again = PolynomialCommitment.commit(mask.batch.evaluations, parameters: parameters, randomness: seed.fork("pcs.mask.salts"))
        #expect(again.commitment == mask.commitment)
        #expect(mask.byteCount == OpeningMask.byteCount(numVariables: n, parameters: parameters))
        #expect(mask.byteCount + again.evaluations.reduce(0) { $0 + $1.count } * 8 == again.heldByteCount)  // no coefficients kept
        // Fresh masks differ.
        #expect(OpeningMask(numVariables: n, parameters: parameters).commitment != OpeningMask(numVariables: n, parameters: parameters).commitment)
    }

    @Test func bulkElementsInPlaceMatchTheArrayForm() {
        var a = ProofRandomness(seed: [UInt8](repeating: 3, count: ProofRandomness.seedByteCount))
        var b = a
        let array = a.bulkElements(1000)
        let placed = [Goldilocks](unsafeUninitializedCapacity: 1000) { buffer, count in
            b.bulkElements(into: buffer.baseAddress!, count: 1000)
            count = 1000
        }
        #expect(array == placed)
        #expect(a.next() == b.next())
        #expect(Set(array).count == 1000 && array.allSatisfy { $0.value < Goldilocks.modulus })
    }
}
