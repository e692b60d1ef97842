import Testing
import ProofCore
import TestSupport

/// The zero-knowledge opening (docs/ZK.md §6.2): a batch committed with an opening mask M = M_0 + u·M_1
/// is opened as f + β·M against Σ_ℓ γ^ℓ v_ℓ + β·c, c = Σ W·M sent first.
@Suite struct MaskedOpeningTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    /// Batch 0: two unmasked polynomials (9 variables); batch 1: one masked polynomial (`n` variables).
    func honest(n: Int = 7, seed: [UInt8] = Array(repeating: 7, count: 32))
        throws -> (commitments: [Commitment], claims: [EvaluationClaim], proof: OpeningProof) {
        let randomness = ProofRandomness(seed: seed)
        let a = [randomTable(9, seed: 1), randomTable(9, seed: 2)]
        let f = randomTable(n, seed: 3)
        let batches = [PolynomialCommitment.commit(a, parameters: .testing),
                       PolynomialCommitment.commit([f], parameters: .testing, randomness: randomness.fork("f"), openingMask: true)]
        #expect(batches[1].commitment.polynomialCount == 3 && batches[1].openingMask)
        let claims = [EvaluationClaim(batch: 0, polynomial: 1, point: randomPoint(9, seed: 4),
                                      value: MLE.evaluate(a[1], at: randomPoint(9, seed: 4)))] + self.claims(batch: 1, f, seed: 10)
        var pt = Transcript(domain: "masked-test")
        let proof = PolynomialCommitment.open(batches, claims: claims, transcript: &pt, randomness: randomness.fork("open"))
        var vt = Transcript(domain: "masked-test")
        let commitments = batches.map(\.commitment)
        try PolynomialCommitment.verify(commitments, parameters: .testing, claims: claims,
                                        proof: try OpeningProof(serialized: proof.serialized()), transcript: &vt, maskedBatches: [1])
        #expect(pt.stateDigest == vt.stateDigest)
        return (commitments, claims, proof)
    }

    func verify(_ c: [Commitment], _ claims: [EvaluationClaim], _ proof: OpeningProof, masked: Set<Int> = [1]) throws(ProofError) {
        var t = Transcript(domain: "masked-test")
        try PolynomialCommitment.verify(c, parameters: .testing, claims: claims, proof: proof, transcript: &t, maskedBatches: masked)
    }

    @Test func maskedClassOpensWithOneValue() throws {
        let (_, _, proof) = try honest()
        let masked = proof.classes.first { $0.numVariables == 7 }!
        #expect(masked.pointReduction == nil && masked.values.count == 1)
        #expect(masked.batchOpenings[0].leaves.allSatisfy { $0.count == 3 * 4 })   // f, M_0, M_1, 2^2 entries each
        // Without folding (n = finalLog): the final polynomial is f + β·M itself.
        _ = try honest(n: 2)
        // Every size the direct path handles.
        for n in 3...8 { _ = try honest(n: n) }
    }

    @Test func fixedSeedReproducesAndFreshMasksDiffer() throws {
        let one = try honest(), two = try honest()
        #expect(one.commitments == two.commitments && one.proof == two.proof)
        let other = try honest(seed: Array(repeating: 8, count: 32))
        let (p, q) = (one.proof.classes[0], other.proof.classes[0])
        #expect(p.numVariables == 7 && q.numVariables == 7)
        // Two masks: no round value, final coefficient or mask sum in common (uniform values).
        let first = Set((p.rounds.roundPolynomials.flatMap { $0 } + p.finalCoefficients + p.values).map { [$0.c0, $0.c1] })
        let second = Set((q.rounds.roundPolynomials.flatMap { $0 } + q.finalCoefficients + q.values).map { [$0.c0, $0.c1] })
        #expect(first.isDisjoint(with: second))
        // The unmasked opening of the same polynomial and claims differs from the masked one.
        let f = randomTable(7, seed: 3)
        let plain = PolynomialCommitment.commit([f], parameters: .testing)
        var t = Transcript(domain: "masked-test")
        let plainProof = PolynomialCommitment.open([plain], claims: claims(batch: 0, f, seed: 10), transcript: &t)
        let plainValues = Set((plainProof.classes[0].rounds.roundPolynomials.flatMap { $0 } + plainProof.classes[0].finalCoefficients).map { [$0.c0, $0.c1] })
        #expect(plainValues.isDisjoint(with: first))
    }

    @Test func rejectsTamperedMaskAndClaims() throws {
        let (c, claims, proof) = try honest()
        let k = proof.classes.firstIndex { $0.numVariables == 7 }!
        // The mask's sum.
        var bad = proof
        bad.classes[k].values[0] += .one
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        // A mask entry of an opened leaf (the Merkle root no longer matches), and the data entry.
        for entry in [0, 4, 8] {
            bad = proof
            bad.classes[k].batchOpenings[0].leaves[0][entry] += .one
            #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        }
        // A round and the final polynomial.
        bad = proof
        bad.classes[k].rounds.roundPolynomials[1][2] += .one
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        bad = proof
        bad.classes[k].finalCoefficients[0] += .one
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        // Every claim's value, and a combination term's coefficient.
        for i in 1..<claims.count {
            var wrong = claims
            wrong[i].value += .one
            #expect(throws: ProofError.self) { try verify(c, wrong, proof) }
        }
        var term = claims
        term[3].terms[0].coefficient += .one
        #expect(throws: ProofError.self) { try verify(c, term, proof) }
        // The verifier must know the batch is masked; a claim on a mask polynomial is refused.
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: []) }
        var onMask = claims
        onMask[1].polynomial = 1
        #expect(throws: ProofError.self) { try verify(c, onMask, proof) }
    }

    /// Hiding parameters (docs/ZK.md §4): every batch tree and the unmasked class's layers are salted;
    /// the masked class's layers are not (functions of the uniform f + β·M). Tampering with a masked
    /// layer's leaf or sibling, salts on it, or salts missing where they belong: rejected.
    @Test func hidingSaltsOnlyWhereNeeded() throws {
        let hiding = CommitmentParameters(rateLog: 1, foldingLog: 2, finalLog: 2, queries: 8, grindingBits: 2, hiding: true)
        let randomness = ProofRandomness(seed: Array(repeating: 5, count: 32))
        let a = [randomTable(9, seed: 1), randomTable(9, seed: 2)]
        let f = randomTable(9, seed: 3)
        let batches = [PolynomialCommitment.commit(a, parameters: hiding, randomness: randomness.fork("a")),
                       PolynomialCommitment.commit([f], parameters: hiding, randomness: randomness.fork("f"), openingMask: true)]
        let claims = [EvaluationClaim(batch: 0, polynomial: 1, point: randomPoint(9, seed: 4),
                                      value: MLE.evaluate(a[1], at: randomPoint(9, seed: 4)))] + self.claims(batch: 1, f, seed: 10)
        var pt = Transcript(domain: "masked-test")
        let proof = try OpeningProof(serialized: PolynomialCommitment.open(batches, claims: claims, transcript: &pt,
                                                                           randomness: randomness.fork("open")).serialized())
        let c = batches.map(\.commitment)
        func verify(_ p: OpeningProof) throws(ProofError) {
            var t = Transcript(domain: "masked-test")
            try PolynomialCommitment.verify(c, parameters: hiding, claims: claims, proof: p, transcript: &t, maskedBatches: [1])
        }
        try verify(proof)
        #expect(proof.classes.count == 2)
        let (plain, masked) = (0, 1)   // batch order: the unmasked class, then the masked one
        #expect(proof.classes[masked].values.count == 1 && proof.classes[plain].values.count == 2)
        for k in [plain, masked] {
            #expect(!proof.classes[k].layerOpenings.isEmpty)
            #expect(proof.classes[k].batchOpenings[0].salts.allSatisfy { $0.count == MerkleTree.saltByteCount })
            let layerSalt = k == masked ? 0 : MerkleTree.saltByteCount
            #expect(proof.classes[k].layerOpenings.allSatisfy { $0.salts.allSatisfy { $0.count == layerSalt } })
        }
        func rejects(_ why: String, _ edit: (inout OpeningProof) -> Void) {
            var bad = proof
            edit(&bad)
            #expect(throws: ProofError.self, "\(why)") { try verify(bad) }
        }
        rejects("masked layer leaf") { $0.classes[masked].layerOpenings[0].leaves[0][1] += .one }
        rejects("masked layer sibling") { $0.classes[masked].layerOpenings[0].siblings[0] = proof.classes[plain].layerRoots[0] }
        rejects("salts on a masked layer") {
            $0.classes[masked].layerOpenings[0].salts = $0.classes[masked].layerOpenings[0].salts.map { _ in [UInt8](repeating: 0, count: 16) }
        }
        rejects("salts missing on the unmasked layer") {
            $0.classes[plain].layerOpenings[0].salts = $0.classes[plain].layerOpenings[0].salts.map { _ in [] }
        }
        rejects("salts missing on the masked batch") {
            $0.classes[masked].batchOpenings[0].salts = $0.classes[masked].batchOpenings[0].salts.map { _ in [] }
        }
        rejects("unmasked layer salt") { $0.classes[plain].layerOpenings[0].salts[0][0] ^= 1 }
        rejects("masked batch salt") { $0.classes[masked].batchOpenings[0].salts[0][0] ^= 1 }
    }

    @Test func maskedClassShapeIsChecked() throws {
        let (c, claims, proof) = try honest()
        // Batch 0 (two polynomials, no mask) read as masked: refused, not trapped.
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: [0]) }
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: [0, 1]) }
        // A masked class without its value, or with two.
        var bad = proof
        let k = proof.classes.firstIndex { $0.numVariables == 7 }!
        bad.classes[k].values = []
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        bad.classes[k].values = proof.classes[k].values + proof.classes[k].values
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
    }

    /// A masked batch is opened as a size class of its own even when another batch has its size (the
    /// ZK witness next to the weights, protocol v13): the unmasked batch keeps its plain class, the
    /// masked one follows with its mask sum and 3-polynomial leaves. Read without the mask (one class
    /// of both batches expected), with the classes swapped, with one class dropped or both merged into
    /// one, with the unmasked batch named as masked, or with a tampered leaf of either class: rejected.
    @Test func sharesItsSizeWithAnotherBatch() throws {
        let g = randomTable(7, seed: 5), f = randomTable(7, seed: 3)
        let randomness = ProofRandomness(seed: Array(repeating: 5, count: 32))
        var parameters = CommitmentParameters.testing
        parameters.hiding = true   // salted leaves: each class's folded layers draw their own salts
        let batches = [PolynomialCommitment.commit([g], parameters: parameters, randomness: randomness.fork("g")),
                       PolynomialCommitment.commit([f], parameters: parameters, randomness: randomness.fork("f"), openingMask: true)]
        let claims = self.claims(batch: 0, g, seed: 20) + self.claims(batch: 1, f, seed: 10)
        var pt = Transcript(domain: "masked-test")
        let proof = PolynomialCommitment.open(batches, claims: claims, transcript: &pt, randomness: randomness.fork("open"))
        #expect(proof.classes.map(\.numVariables) == [7, 7])
        #expect(proof.classes[0].values.isEmpty && proof.classes[0].batchOpenings[0].leaves.allSatisfy { $0.count == 4 })
        #expect(proof.classes[1].values.count == 1 && proof.classes[1].batchOpenings[0].leaves.allSatisfy { $0.count == 3 * 4 })
        let c = batches.map(\.commitment)
        var vt = Transcript(domain: "masked-test")
        try PolynomialCommitment.verify(c, parameters: parameters, claims: claims, proof: try OpeningProof(serialized: proof.serialized()),
                                        transcript: &vt, maskedBatches: [1])
        #expect(pt.stateDigest == vt.stateDigest)
        func verify(_ c: [Commitment], _ claims: [EvaluationClaim], _ proof: OpeningProof, masked: Set<Int> = [1]) throws(ProofError) {
            var t = Transcript(domain: "masked-test")
            try PolynomialCommitment.verify(c, parameters: parameters, claims: claims, proof: proof, transcript: &t, maskedBatches: masked)
        }
        // The two classes' folded layers carry different salts (each class its own randomness fork).
        let salts = proof.classes.map { Set($0.layerOpenings.flatMap(\.salts)) }
        #expect(!salts[0].isEmpty && salts[0].isDisjoint(with: salts[1]))
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: []) }
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: [0]) }
        #expect(throws: ProofError.self) { try verify(c, claims, proof, masked: [0, 1]) }
        var bad = proof
        bad.classes.swapAt(0, 1)
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        bad = proof
        bad.classes.removeFirst()
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        // Both batches in one class (what v12 would have required): its openings of both trees.
        bad = proof
        bad.classes[1].batchOpenings = proof.classes[0].batchOpenings + proof.classes[1].batchOpenings
        bad.classes.removeFirst()
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        for (k, entry) in [(0, 0), (0, 3), (1, 0), (1, 4), (1, 11)] {
            bad = proof
            bad.classes[k].batchOpenings[0].leaves[0][entry] += .one
            #expect(throws: ProofError.self) { try verify(c, claims, bad) }
        }
        bad = proof
        bad.classes[1].values[0] += .one
        #expect(throws: ProofError.self) { try verify(c, claims, bad) }
    }

    /// A sparse claim (protocol v14, docs/ZK.md §3): a combination claim whose points are Boolean (unit
    /// vectors, Σ_i c_i·f[i]) next to an eq claim, on a masked and on an unmasked one-polynomial batch
    /// (DirectFolding's and the verifier's unit-vector paths, the compact transcript encoding), with
    /// a repeated index. A wrong value, coefficient or index, or a term dropped, is rejected.
    @Test func sparseClaimOfUnitVectorsOpens() throws {
        let n = 7
        let f = randomTable(n, seed: 3)
        func bits(_ i: Int) -> [E] { (0..<n).map { (i >> (n - 1 - $0)) & 1 == 1 ? .one : .zero } }
        let indices = [5, 6, 7, 64, 65, 100, 127, 6]
        let coefficients = indices.indices.map { E(Goldilocks(UInt64(3 + 7 * $0)), Goldilocks(UInt64($0))) }
        var value = E(f[indices[0]])
        for k in 1..<indices.count { value += coefficients[k] * E(f[indices[k]]) }
        let sparse = EvaluationClaim(batch: 0, polynomial: 0, point: bits(indices[0]), value: value,
                                     terms: (1..<indices.count).map { ClaimTerm(point: bits(indices[$0]), coefficient: coefficients[$0]) })
        for masked in [true, false] {
            let batch = PolynomialCommitment.commit([f], parameters: .testing, randomness: ProofRandomness(seed: [9]), openingMask: masked)
            let claims = [sparse] + self.claims(batch: 0, f, seed: 10).prefix(1)
            var pt = Transcript(domain: "sparse-test")
            let proof = PolynomialCommitment.open([batch], claims: claims, transcript: &pt, randomness: ProofRandomness(seed: [4]))
            func verify(_ claims: [EvaluationClaim]) throws(ProofError) {
                var t = Transcript(domain: "sparse-test")
                try PolynomialCommitment.verify([batch.commitment], parameters: .testing, claims: claims, proof: proof, transcript: &t,
                                                maskedBatches: masked ? [0] : [])
            }
            try verify(claims)
            var bad = claims
            bad[0].value += .one
            #expect(throws: ProofError.self) { try verify(bad) }
            bad = claims
            bad[0].terms[3].coefficient += .one
            #expect(throws: ProofError.self) { try verify(bad) }
            bad = claims
            bad[0].terms[3].point = bits(indices[4] ^ 1)
            #expect(throws: ProofError.self) { try verify(bad) }
            bad = claims
            bad[0].point = bits(indices[0] + 1)
            #expect(throws: ProofError.self) { try verify(bad) }
            bad = claims
            bad[0].terms.removeLast()
            #expect(throws: ProofError.self) { try verify(bad) }
        }
    }
}
