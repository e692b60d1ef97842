import Testing
import ProofCore
import TestSupport

/// The folded-mask opening of several registered batches of one size with ONE mask (docs/PROOF_CORE.md
/// "The folded-mask opening"): the masked sumcheck `MaskedSumcheck.proveLowVariables(tables:…)` binds
/// the k low variables of every batch and then the batch index, `EvaluationClaim.boundLowVariables(_:…)`
/// forms the one claim on G̃ = Σ_b eq(b, r)·V_b(· ‖ ρ), and each query checks
/// F′(j) = Σ_b e_b·fold_ρ(V_b's leaf j) + β·M(j).
@Suite struct FoldedMaskBatchesTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    static let (small, wide) = (FoldedMaskOpeningTests.small, FoldedMaskOpeningTests.wide)

    struct Run {
        var parameters: CommitmentParameters
        var registered: [CommittedBatch]
        var claims: [EvaluationClaim]
        var gamma: E
        var libra: SumcheckMask<E>
        var rhoMask: E
        var mask: OpeningMask
        var rounds: SumcheckProof<E>
        var proof: FoldedMaskOpeningProof
        var point: [E]
        var folded: [E]
    }

    /// B batches of 2^n entries, claims on each (a plain and a combination claim; three on batch 0), the
    /// masked k + ⌈log2 B⌉ rounds and the opening on one transcript. `sum`: the combined value the
    /// prover starts from (default: the true one).
    /// A claim V(z) + Σ_t c_t·V(g_t) with unit-vector terms in block `block` of 2^`blockVariables` entries.
    func sparseClaim(batch: Int, _ table: [Goldilocks], blockVariables: Int, block: Int, seed: UInt64) -> EvaluationClaim {
        let n = table.count.trailingZeroBitCount
        let z = randomPoint(n, seed: seed)
        let indices = Array(Set([0, 1, 3, (1 << blockVariables) - 1].filter { $0 < 1 << blockVariables })).sorted()
        let sparse = SparseWeight(block: block, blockVariables: blockVariables, indices: indices,
                                  coefficients: randomPoint(indices.count, seed: seed + 1))
        var value = MLE.evaluate(table, at: z)
        for t in 0..<sparse.count { value += sparse.coefficients[t] * E(table[sparse.globalIndex(t)]) }
        return EvaluationClaim(batch: batch, polynomial: 0, point: z, value: value, sparse: sparse)
    }

    func run(n: Int, batches: Int, parameters: CommitmentParameters = small, sum givenSum: E? = nil,
             sparse: (batch: Int, blockVariables: Int)? = nil) -> Run {
        let k = parameters.foldingLog, m = PolynomialCommitment.batchVariables(batches)
        let tables = (0..<batches).map { randomTable(n, seed: 100 + UInt64($0)) }
        let registered = tables.enumerated().map { b, t in
            PolynomialCommitment.commit([t], parameters: parameters, randomness: ProofRandomness(seed: [UInt8(b + 1)]))
        }
        var claims = [EvaluationClaim]()
        for b in 0..<batches {
            let all = self.claims(batch: b, tables[b], seed: 200 + 10 * UInt64(b))
            claims += b == 0 ? all : [all[0], all[2]]
            if let sparse, sparse.batch == b {
                claims.append(sparseClaim(batch: b, tables[b], blockVariables: sparse.blockVariables, block: 1, seed: 250))
            }
        }
        let gamma = randomPoint(1, seed: 300)[0]
        var sum = E.zero, g = E.one
        for c in claims {
            sum += g * c.value
            g *= gamma
        }
        var rng = SplitMix64(seed: 301)
        let libra = SumcheckMask<E>.random(numVariables: k + m, degree: 2, using: &rng)
        let rhoMask = randomPoint(1, seed: 302)[0]
        let mask = OpeningMask(foldedFor: n, parameters: parameters, randomness: ProofRandomness(seed: [77]))
        var t = Transcript(domain: "folded-batches-test")
        let (out, folded) = MaskedSumcheck.proveLowVariables(tables: tables, claims: claims, gamma: gamma, sum: givenSum ?? sum,
                                                            mask: libra, rho: rhoMask, transcript: &t)
        let rho = Array(out.point[..<k]), batchPoint = Array(out.point[k...])
        let bound = EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: rho, batchPoint: batchPoint, value: out.finalEvaluations[0])!
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: rho, batchPoint: batchPoint, claims: [bound], mask: mask,
                                                        transcript: &t, foldedTable: folded)
        return Run(parameters: parameters, registered: registered, claims: claims, gamma: gamma, libra: libra, rhoMask: rhoMask,
                   mask: mask, rounds: out.proof, proof: proof, point: out.point, folded: folded)
    }

    /// The verifier: the masked rounds from the claimed sum, the claim on G̃ it leaves, the opening.
    func verify(_ r: Run, commitments: [Commitment]? = nil, claims: [EvaluationClaim]? = nil, claimed: E? = nil,
                proof: FoldedMaskOpeningProof? = nil, batchPoint: [E]? = nil) throws {
        let k = r.parameters.foldingLog
        let claims = claims ?? r.claims
        var sum = E.zero, g = E.one
        for c in claims {
            sum += g * c.value
            g *= r.gamma
        }
        var t = Transcript(domain: "folded-batches-test")
        let sub = try MaskedSumcheck.verify(claimedSum: (claimed ?? sum) + r.rhoMask * r.libra.hypercubeSum,
                                            degrees: Array(repeating: 2, count: r.libra.numVariables), rounds: r.rounds.roundPolynomials,
                                            transcript: &t)
        let value = sub.expectedValue - r.rhoMask * r.libra.evaluate(at: sub.point)
        let rho = Array(sub.point[..<k])
        let point = batchPoint ?? Array(sub.point[k...])
        // Nil (a claim the batch point does not cover) is a rejection.
        guard let bound = EvaluationClaim.boundLowVariables(claims, gamma: r.gamma, rho: rho, batchPoint: point, value: value) else {
            throw ProofError.invalidParameters("no claim on the folded polynomial")
        }
        try PolynomialCommitment.verifyFoldedMask(commitments ?? r.registered.map(\.commitment), parameters: r.parameters, rho: rho,
                                                  batchPoint: point, claims: [bound], mask: r.mask.commitment,
                                                  proof: FoldedMaskOpeningProof(serialized: (proof ?? r.proof).serialized()), transcript: &t)
    }

    @Test func twoAndThreeBatchesOfSeveralSizesVerify() throws {
        for (n, batches, parameters) in [(6, 2, Self.small), (9, 3, Self.small), (8, 4, Self.small), (12, 2, Self.wide), (13, 3, Self.wide)] {
            let r = run(n: n, batches: batches, parameters: parameters)
            try verify(r)
            let k = parameters.foldingLog
            #expect(r.proof.registeredOpenings.count == batches && r.rounds.roundPolynomials.count == k + PolynomialCommitment.batchVariables(batches))
            // The opening's G̃ is Σ_b eq(b, r)·V_b(· ‖ ρ).
            let rho = Array(r.point[..<k]), e = MLE.eqTable(Array(r.point[k...].reversed()))
            var expected = [E](repeating: .zero, count: 1 << (n - k))
            for (b, batch) in r.registered.enumerated() {
                let g = FoldedMaskOpeningTests().fold(batch.evaluations[0], rho)
                for i in expected.indices { expected[i] += e[b] * g[i] }
            }
            #expect(r.folded == expected)
            #expect(r.proof.byteParts.reduce(0) { $0 + $1.bytes } == r.proof.serialized().count)
        }
    }

    /// A claim with a sparse block (ZKML's pool claim on the witness) among the batches' claims: the
    /// bound claim on G̃ keeps it, bound to ρ (a block of 2^k or more entries, and one smaller than a
    /// row of 2^k); the opening verifies; a changed sparse coefficient is rejected; a second sparse claim
    /// is merged into the bound claim's one weight (and rejected against a proof made without it).
    @Test func sparseClaimOnOneBatch() throws {
        for (n, batches, parameters, blockVariables) in [(8, 2, Self.small, 4), (9, 3, Self.small, 1), (12, 2, Self.wide, 6),
                                                           (12, 1, Self.wide, 5), (12, 1, Self.wide, 3)] {
            let r = run(n: n, batches: batches, parameters: parameters, sparse: (batch: batches - 1, blockVariables: blockVariables))
            try verify(r)
            let k = parameters.foldingLog
            let value = try #require(r.claims.firstIndex { $0.sparse != nil })
            var wrong = r.claims
            wrong[value].sparse!.coefficients[0] += .one
            #expect(throws: (any Error).self) { try verify(r, claims: wrong) }
            // The bound sparse weight is the unit-vector weight the low bits leave on G̃.
            let s = r.claims[value].sparse!
            let bound = s.boundLowVariables(to: Array(r.point[..<k]), scale: .one)
            #expect(bound.malformation(numVariables: n - k) == nil && bound.blockVariables == max(0, blockVariables - k))
            var two = r.claims
            two[0].sparse = s
            // Two sparse claims: one bound claim with the merged weight (`SparseWeight.merged`), which
            // this proof (made without the second weight) does not prove.
            let merged = try #require(EvaluationClaim.boundLowVariables(two, gamma: r.gamma, rho: Array(r.point[..<k]),
                                                                        batchPoint: Array(r.point[k...]), value: .one))
            #expect(merged.sparse != nil && merged.sparse!.malformation(numVariables: n - k) == nil)
            #expect(throws: (any Error).self) { try verify(r, claims: two) }
        }
        // One batch, one sparse claim, through the one-claim binding and the one-batch API.
        let n = 10, k = Self.small.foldingLog
        let v = randomTable(n, seed: 100)
        let claim = sparseClaim(batch: 0, v, blockVariables: 5, block: 3, seed: 400)
        var rng = SplitMix64(seed: 401)
        let libra = SumcheckMask<E>.random(numVariables: k, degree: 2, using: &rng)
        var t = Transcript(domain: "sparse-one")
        let (out, g) = MaskedSumcheck.proveLowVariables(table: v, claims: [claim], gamma: .one, sum: claim.value, mask: libra,
                                                       rho: .one, transcript: &t)
        let bound = try #require(claim.boundLowVariables(to: out.point, value: out.finalEvaluations[0]))
        var expected = MLE.evaluate(g, at: bound.point)
        for i in 0..<bound.sparse!.count { expected += bound.sparse!.coefficients[i] * g[bound.sparse!.globalIndex(i)] }
        #expect(expected == bound.value)
        let registered = PolynomialCommitment.commit([v], parameters: Self.small, randomness: ProofRandomness(seed: [9]))
        let mask = OpeningMask(foldedFor: n, parameters: Self.small, randomness: ProofRandomness(seed: [10]))
        var pt = Transcript(domain: "sparse-open"), vt = Transcript(domain: "sparse-open")
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: out.point, claims: [bound], mask: mask, transcript: &pt, foldedTable: g)
        try PolynomialCommitment.verifyFoldedMask(registered.commitment, parameters: Self.small, rho: out.point, claims: [bound],
                                                  mask: mask.commitment, proof: proof, transcript: &vt)
    }

    @Test func oneBatchIsTheSingleBatchOpening() throws {
        let n = 8, k = Self.small.foldingLog
        let v = randomTable(n, seed: 100)
        let claims = self.claims(batch: 0, v, seed: 200)
        let gamma = randomPoint(1, seed: 300)[0]
        var rng = SplitMix64(seed: 301)
        let libra = SumcheckMask<E>.random(numVariables: k, degree: 2, using: &rng)
        var sum = E.zero, g = E.one
        for c in claims {
            sum += g * c.value
            g *= gamma
        }
        var t1 = Transcript(domain: "one"), t2 = Transcript(domain: "one")
        let a = MaskedSumcheck.proveLowVariables(table: v, claims: claims, gamma: gamma, sum: sum, mask: libra, rho: .one, transcript: &t1)
        let b = MaskedSumcheck.proveLowVariables(tables: [v], claims: claims, gamma: gamma, sum: sum, mask: libra, rho: .one, transcript: &t2)
        #expect(a.output.proof == b.output.proof && a.foldedTable == b.foldedTable && t1.stateDigest == t2.stateDigest)
        // With one batch the combined claim on G is the per-claim bound claims' γ-combination.
        let bound = EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: a.output.point, batchPoint: [], value: a.output.finalEvaluations[0])!
        var value = MLE.evaluate(a.foldedTable, at: bound.point)
        for term in bound.terms { value += term.coefficient * MLE.evaluate(a.foldedTable, at: term.point) }
        #expect(value == bound.value)
    }

    @Test func rejectsTamperedBatchesAndWrongStatements() throws {
        for (n, batches, parameters) in [(8, 3, Self.small), (12, 2, Self.wide)] {
            let r = run(n: n, batches: batches, parameters: parameters)
            // A tampered leaf entry, salt or sibling of each batch's opening.
            for b in 0..<batches {
                var bad = r.proof
                bad.registeredOpenings[b].leaves[0][1] += .one
                #expect(throws: (any Error).self, "leaf of batch \(b)") { try verify(r, proof: bad) }
                bad = r.proof
                bad.registeredOpenings[b].salts[1][0] ^= 1
                #expect(throws: (any Error).self, "salt of batch \(b)") { try verify(r, proof: bad) }
                bad = r.proof
                bad.registeredOpenings[b].siblings[0] = r.proof.foldedRoot
                #expect(throws: (any Error).self, "sibling of batch \(b)") { try verify(r, proof: bad) }
            }
            // Swapped batches: the commitments in another order, or the openings swapped.
            var commitments = r.registered.map(\.commitment)
            commitments.swapAt(0, 1)
            #expect(throws: (any Error).self) { try verify(r, commitments: commitments) }
            var swapped = r.proof
            swapped.registeredOpenings.swapAt(0, 1)
            #expect(throws: (any Error).self) { try verify(r, proof: swapped) }
            // A batch missing, or one more.
            #expect(throws: (any Error).self) { try verify(r, commitments: Array(r.registered.map(\.commitment).dropLast())) }
            var extra = r.proof
            extra.registeredOpenings.append(extra.registeredOpenings[0])
            #expect(throws: (any Error).self) { try verify(r, commitments: r.registered.map(\.commitment) + [r.registered[0].commitment], proof: extra) }
            // A claim named on the wrong batch (its value true for the batch it names now).
            var wrongBatch = r.claims
            let last = wrongBatch.count - 1
            wrongBatch[last].batch = 0
            wrongBatch[last].value = MLE.evaluate(r.registered[0].evaluations[0], at: wrongBatch[last].point)
                + wrongBatch[last].terms[0].coefficient * MLE.evaluate(r.registered[0].evaluations[0], at: wrongBatch[last].terms[0].point)
            #expect(throws: (any Error).self) { try verify(r, claims: wrongBatch) }
            // A false claim value, a false combined sum, another batch point.
            var wrong = r.claims
            wrong[1].value += .one
            #expect(throws: (any Error).self) { try verify(r, claims: wrong) }
            var point = Array(r.point[parameters.foldingLog...])
            point[0] += .one
            #expect(throws: (any Error).self) { try verify(r, batchPoint: point) }
            #expect(throws: (any Error).self) { try verify(r, batchPoint: Array(point.dropLast())) }
        }
        // A prover starting from a false combined value is caught (by the rounds or the opening).
        let lying = run(n: 8, batches: 3, sum: run(n: 8, batches: 3).claims[0].value)
        #expect(throws: (any Error).self) { try verify(lying) }
    }

    @Test func sharedMaskCostsOneMaskOpening() throws {
        // Two batches through one folded-mask opening against two single-batch openings: one mask
        // opening, one F′ tree, one Basefold run fewer.
        let r = run(n: 12, batches: 2, parameters: Self.wide)
        let parts = Dictionary(uniqueKeysWithValues: r.proof.byteParts.map { ($0.name, $0.bytes) })
        #expect(parts["mask leaves"]! > 0 && parts["registered leaves"]! == 2 * r.proof.registeredOpenings[0].leaves.count * 16 * 8)
        #expect(r.proof.maskOpening.leaves.allSatisfy { $0.count == 2 << PolynomialCommitment.foldedMaskLeafLog(Self.wide, maskVariables: 8) })
    }
}

@Suite struct ProofPartsTests: OpeningClaimFixtures {
    @Test func partsAddUpToTheSerializedSize() {
        // Two sizes, a shared class of two batches and a lone one, hiding and not.
        for hiding in [false, true] {
            var parameters = CommitmentParameters.testing
            parameters.hiding = hiding
            let tables = [randomTable(6, seed: 1), randomTable(6, seed: 2), randomTable(8, seed: 3)]
            let batches = tables.map { PolynomialCommitment.commit([$0], parameters: parameters) }
            var all = [EvaluationClaim]()
            for (b, table) in tables.enumerated() { all += claims(batch: b, table, seed: 10 * UInt64(b)) }
            var t = Transcript(domain: "parts")
            let proof = PolynomialCommitment.open(batches, claims: all, transcript: &t)
            let parts: [ProofPart] = proof.byteParts
            let total = parts.reduce(0) { $0 + $1.bytes }
            #expect(total == proof.serialized().count)
            let names = Set(parts.map { $0.name })
            #expect(names.count == parts.count && names.contains("batch siblings"))
            var salts = 0
            for c in proof.classes { for o in c.batchOpenings { salts += 16 * o.leaves.count } }
            let saltPart = parts.first { $0.name == "batch salts" }!.bytes
            #expect(saltPart == (hiding ? salts : 0))
        }
    }
}
