import Testing
import ProofCore
import TestSupport

/// The folded-mask opening (docs/ZK.md §6 item 4, docs/PROOF_CORE.md): a registered batch V of n
/// variables opened through G = V(· ‖ ρ) with a mask of n − k variables; each query j checks
/// F′(j) = fold_ρ(V's leaf j) + β·M(j).
@Suite struct FoldedMaskOpeningTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2

    /// Test parameters (k = 2, rate 1/2, 8 queries), salted.
    static let small = CommitmentParameters(rateLog: 1, foldingLog: 2, finalLog: 2, queries: 8, grindingBits: 2, hiding: true)
    /// The shipped shape (k = 4, rate 1/4, final ≤ 2^6) with few queries.
    static let wide = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 8, grindingBits: 0, hiding: true)

    struct Honest {
        var parameters: CommitmentParameters
        var commitment: Commitment
        var mask: Commitment
        var rho: [E]
        var claims: [EvaluationClaim]
        var proof: FoldedMaskOpeningProof
        var registered: CommittedBatch
        var g: [E]
    }

    /// V's table with its low variables bound one at a time, as Basefold's rounds fold it.
    func fold(_ v: [Goldilocks], _ rho: [E]) -> [E] {
        var t = v.map { E($0) }
        for r in rho { t = (0..<(t.count / 2)).map { t[2 * $0] + r * (t[2 * $0 + 1] - t[2 * $0]) } }
        return t
    }

    /// A plain, a segment (leading coordinate 0) and a combination claim on an extension table.
    func claims(on g: [E], seed: UInt64) -> [EvaluationClaim] {
        let n = g.count.trailingZeroBitCount
        var segment = randomPoint(n, seed: seed + 1)
        segment[0] = .zero
        let z = randomPoint(n, seed: seed), w = randomPoint(n, seed: seed + 2)
        let c = randomPoint(1, seed: seed + 3)[0]
        return [EvaluationClaim(batch: 0, polynomial: 0, point: z, value: MLE.evaluate(g, at: z)),
                EvaluationClaim(batch: 0, polynomial: 0, point: segment, value: MLE.evaluate(g, at: segment)),
                EvaluationClaim(batch: 0, polynomial: 0, point: w, value: MLE.evaluate(g, at: w) + c * MLE.evaluate(g, at: z),
                                terms: [ClaimTerm(point: z, coefficient: c)])]
    }

    func honest(n: Int = 7, parameters: CommitmentParameters = small, maskSeed: UInt8 = 7,
                claims givenClaims: [EvaluationClaim]? = nil, rho givenRho: [E]? = nil, table: [E]? = nil,
                verifies: Bool = true) throws -> Honest {
        let k = parameters.foldingLog
        let v = randomTable(n, seed: 3)
        let registered = PolynomialCommitment.commit([v], parameters: parameters, randomness: ProofRandomness(seed: [1]))
        let rho = givenRho ?? randomPoint(k, seed: 5)
        let g = table ?? fold(v, rho)
        let claims = givenClaims ?? self.claims(on: g, seed: 10)
        let mask = OpeningMask(foldedFor: n, parameters: parameters,
                               randomness: ProofRandomness(seed: Array(repeating: maskSeed, count: 32)))
        var pt = Transcript(domain: "folded-mask-test")
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: rho, claims: claims, mask: mask, transcript: &pt,
                                                        foldedTable: table)
        let h = Honest(parameters: parameters, commitment: registered.commitment, mask: mask.commitment, rho: rho, claims: claims,
                       proof: proof, registered: registered, g: g)
        guard verifies else { return h }
        var vt = Transcript(domain: "folded-mask-test")
        try PolynomialCommitment.verifyFoldedMask(registered.commitment, parameters: parameters, rho: rho, claims: claims,
                                                  mask: mask.commitment, proof: try FoldedMaskOpeningProof(serialized: proof.serialized()),
                                                  transcript: &vt)
        #expect(pt.stateDigest == vt.stateDigest)
        return h
    }

    func verify(_ h: Honest, commitment: Commitment? = nil, rho: [E]? = nil, claims: [EvaluationClaim]? = nil,
                mask: Commitment? = nil, proof: FoldedMaskOpeningProof? = nil) throws(ProofError) {
        var t = Transcript(domain: "folded-mask-test")
        try PolynomialCommitment.verifyFoldedMask(commitment ?? h.commitment, parameters: h.parameters, rho: rho ?? h.rho,
                                                  claims: claims ?? h.claims, mask: mask ?? h.mask, proof: proof ?? h.proof,
                                                  transcript: &t)
    }

    @Test func honestProofsVerifyForEverySize() throws {
        // k = 2: from the smallest mask (n − k = k = 2 variables, nothing folded: F′ checked against its
        // coefficients) through one layer (n = 5, 6) to further folded layers (n ≥ 7).
        for n in 4...10 {
            let h = try honest(n: n)
            let reduced = n - 2
            let folded = reduced <= 2 ? 0 : ((reduced - 2 + 1) / 2) * 2
            #expect(h.proof.rounds.roundPolynomials.count == folded)
            #expect(h.proof.layerRoots.count == max(0, folded / 2 - 1) && h.proof.layerOpenings.count == h.proof.layerRoots.count)
            #expect(h.proof.finalCoefficients.count == 1 << (reduced - folded))
            // k = 2: mask leaves of 2^(k/2) = 2 positions, an (M_0, M_1) pair each.
            #expect(h.proof.registeredOpenings[0].leaves.allSatisfy { $0.count == 4 } && h.proof.maskOpening.leaves.allSatisfy { $0.count == 4 }
                    && h.proof.foldedOpening.leaves.allSatisfy { $0.count == 4 })
            // Hiding: V's and M's trees salted; F′'s tree and the further layers unsalted (CPFM v3,
            // functions of the uniform F′: docs/ZK.md §4).
            #expect(h.proof.registeredOpenings[0].salts.allSatisfy { $0.count == 16 } && h.proof.maskOpening.salts.allSatisfy { $0.count == 16 })
            #expect(h.proof.foldedOpening.salts.allSatisfy(\.isEmpty) && h.proof.layerOpenings.allSatisfy { $0.salts.allSatisfy(\.isEmpty) })
        }
        #expect(try honest(n: 4).proof.layerRoots.isEmpty && honest(n: 4).proof.rounds.roundPolynomials.isEmpty)
        #expect(try honest(n: 8).proof.layerRoots.count == 1)
        // k = 4 (the shipped folding): no fold (n − 4 ≤ 6), one layer, and a further layer.
        for n in [8, 12, 15] {
            let h = try honest(n: n, parameters: Self.wide)
            #expect(h.proof.layerRoots.count == [8: 0, 12: 0, 15: 1][n]!)
            #expect(h.proof.registeredOpenings[0].leaves.allSatisfy { $0.count == 16 } && h.proof.maskOpening.leaves.allSatisfy { $0.count == 8 })
            #expect(h.proof.byteParts.reduce(0) { $0 + $1.bytes } == h.proof.serialized().count)
        }
    }

    /// The caller contract: k rounds of the sumcheck of Σ_x W(x)·V(x) for a full-size claim on V, each
    /// binding the lowest index bit to ρ_s, leave Σ_y W(y, ρ)·G(y); `boundLowVariables` turns the
    /// claim into one on G with that value, and the folded-mask opening proves it.
    @Test func claimOnTheFoldedPolynomialFromAFullSizeClaim() throws {
        let n = 8, k = Self.small.foldingLog
        let v = randomTable(n, seed: 3)
        let rho = randomPoint(k, seed: 5)
        let g = fold(v, rho)
        var onG = [EvaluationClaim]()
        for claim in claims(batch: 0, v, seed: 20) {
            // Σ W·V with W = eq(z, ·) + Σ c_t·eq(z_t, ·) as a table, bound bit by bit.
            var w = MLE.eqTable(claim.point)
            for t in claim.terms {
                let e = MLE.eqTable(t.point)
                for i in w.indices { w[i] += t.coefficient * e[i] }
            }
            var table = v.map { E($0) }
            var sum = MLE.innerProduct(w, table)
            #expect(sum == claim.value)
            for r in rho {
                let half = table.count / 2
                var s0 = E.zero, s1 = E.zero, s2 = E.zero
                for i in 0..<half {
                    s0 += w[2 * i] * table[2 * i]
                    s1 += w[2 * i + 1] * table[2 * i + 1]
                    s2 += (w[2 * i + 1].doubled() - w[2 * i]) * (table[2 * i + 1].doubled() - table[2 * i])
                }
                #expect(s0 + s1 == sum)
                sum = interpolateAtIntegerNodes([s0, s1, s2], at: r)
                table = (0..<half).map { table[2 * $0] + r * (table[2 * $0 + 1] - table[2 * $0]) }
                w = (0..<half).map { w[2 * $0] + r * (w[2 * $0 + 1] - w[2 * $0]) }
            }
            #expect(table == g)
            let bound = try #require(claim.boundLowVariables(to: rho, value: sum))
            // Its value is G's combination at the restricted points.
            var value = MLE.evaluate(g, at: bound.point)
            for t in bound.terms { value += t.coefficient * MLE.evaluate(g, at: t.point) }
            #expect(value == bound.value && bound.point.count == n - k)
            onG.append(bound)
            // A wrong claim′ gives a wrong claim on G.
            #expect(claim.boundLowVariables(to: rho, value: sum + .one)!.value != bound.value)
        }
        let h = try honest(n: n, claims: onG, rho: rho)
        var wrong = onG
        wrong[1].value += .one
        #expect(throws: ProofError.self) { try verify(h, claims: wrong) }
    }

    @Test func rejectsTamperedProofAndStatement() throws {
        for (n, parameters) in [(7, Self.small), (12, Self.wide)] {
            let h = try honest(n: n, parameters: parameters)
            func rejects(_ why: String, _ edit: (inout FoldedMaskOpeningProof) -> Void) {
                var bad = h.proof
                edit(&bad)
                #expect(throws: ProofError.self, "\(why)") { try verify(h, proof: bad) }
            }
            rejects("mask sum") { $0.maskSum += .one }
            rejects("V leaf entry") { $0.registeredOpenings[0].leaves[0][1] += .one }
            rejects("M_0 entry") { $0.maskOpening.leaves[0][0] += .one }
            rejects("M_1 entry") { $0.maskOpening.leaves[0][1] += .one }
            rejects("last M_1 entry of a mask leaf") { $0.maskOpening.leaves[1][$0.maskOpening.leaves[1].count - 1] += .one }
            rejects("mask salt") { $0.maskOpening.salts[0][3] ^= 1 }
            rejects("mask sibling") { $0.maskOpening.siblings[0] = h.proof.foldedRoot }
            rejects("mask leaf missing") { $0.maskOpening.leaves.removeLast(); $0.maskOpening.salts.removeLast() }
            rejects("F′ leaf entry") { $0.foldedOpening.leaves[0][0] += .one }
            rejects("F′ root") { $0.foldedRoot = h.proof.registeredOpenings[0].siblings[0] }
            rejects("round value") { $0.rounds.roundPolynomials[1][2] += .one }
            rejects("final coefficient") { $0.finalCoefficients[0] += .one }
            rejects("grinding nonce") { $0.powNonce &+= 1 }
            // F′'s tree is unsalted: a changed sibling is rejected, and so are salts where none belong
            // (one 16-byte salt per leaf, as a version-2 proof carried) and V's or M's salts missing.
            #expect(!h.proof.foldedOpening.siblings.isEmpty)
            rejects("F′ sibling") { $0.foldedOpening.siblings[0] = h.proof.foldedRoot }
            rejects("F′ salts") { $0.foldedOpening.salts = $0.foldedOpening.salts.map { _ in [UInt8](repeating: 0, count: 16) } }
            rejects("V salts missing") { $0.registeredOpenings[0].salts = $0.registeredOpenings[0].salts.map { _ in [] } }
            rejects("mask salts missing") { $0.maskOpening.salts = $0.maskOpening.salts.map { _ in [] } }
            rejects("registered salt") { $0.registeredOpenings[0].salts[0][0] ^= 1 }
            if !h.proof.layerOpenings.isEmpty {
                rejects("layer leaf entry") { $0.layerOpenings[0].leaves[0][0] += .one }
                if !h.proof.layerOpenings[0].siblings.isEmpty {
                    rejects("layer sibling") { $0.layerOpenings[0].siblings[0] = h.proof.foldedRoot }
                }
                rejects("layer salts") { $0.layerOpenings[0].salts = $0.layerOpenings[0].salts.map { _ in [UInt8](repeating: 0, count: 16) } }
                rejects("layer missing") { $0.layerOpenings.removeLast(); $0.layerRoots.removeLast() }
            }
            rejects("rounds missing") { $0.rounds.roundPolynomials.removeLast() }
            // The claims: each value, a term's coefficient.
            for i in h.claims.indices {
                var wrong = h.claims
                wrong[i].value += .one
                #expect(throws: ProofError.self) { try verify(h, claims: wrong) }
            }
            var term = h.claims
            term[2].terms[0].coefficient += .one
            #expect(throws: ProofError.self) { try verify(h, claims: term) }
            // A wrong ρ, another mask's commitment, a mask of n variables (not n − k), V's commitment
            // read as another batch's, or with two polynomials.
            var rho = h.rho
            rho[0] += .one
            #expect(throws: ProofError.self) { try verify(h, rho: rho) }
            #expect(throws: ProofError.self) { try verify(h, rho: Array(h.rho.dropLast())) }
            let k = parameters.foldingLog
            let other = OpeningMask(foldedFor: n, parameters: parameters, randomness: ProofRandomness(seed: [42]))
            #expect(throws: ProofError.self) { try verify(h, mask: other.commitment) }
            let full = OpeningMask(numVariables: n, parameters: parameters, randomness: ProofRandomness(seed: [43]))
            #expect(throws: ProofError.shapeMismatch("the mask has 2 polynomials of \(n) variables, expected 2 of \(n - k)")) {
                try verify(h, mask: full.commitment)
            }
            // A mask tree of another leaf shape (the separate mask's 2^k positions, or one position):
            // the proof made with it is refused.
            for leafLog in [k, 0] {
                let shaped = OpeningMask(folded: n - k, leafLog: leafLog, parameters: parameters, randomness: ProofRandomness(seed: [44]))
                var t = Transcript(domain: "folded-mask-test")
                let proof = PolynomialCommitment.openFoldedMask(h.registered, rho: h.rho, claims: h.claims, mask: shaped, transcript: &t)
                #expect(throws: ProofError.self) { try verify(h, mask: shaped.commitment, proof: proof) }
            }
            var three = h.mask
            three.polynomialCount = 3
            #expect(throws: ProofError.self) { try verify(h, mask: three) }
            let another = PolynomialCommitment.commit([randomTable(n, seed: 4)], parameters: parameters)
            #expect(throws: ProofError.self) { try verify(h, commitment: another.commitment) }
            var two = h.commitment
            two.polynomialCount = 2
            #expect(throws: ProofError.self) { try verify(h, commitment: two) }
            // Claims of the wrong shape: a point of n coordinates, a claim on polynomial 1.
            var long = h.claims
            long[0].point.append(.one)
            #expect(throws: ProofError.self) { try verify(h, claims: long) }
            var poly = h.claims
            poly[0].polynomial = 1
            #expect(throws: ProofError.self) { try verify(h, claims: poly) }
        }
    }

    /// The per-query check F′(j) = fold_ρ(V's leaf j) + β·M(j) is what ties F′ to the registered tree:
    /// a prover that commits F′ from another G (true claims on that G, every Merkle path valid) is
    /// rejected there; the caller's correct G gives the proof computed from V.
    /// The mask tree's leaf shape (protocol v22): 4 positions up to 2^14 mask entries, 16 above (the
    /// shipped parameters); half of foldingLog, then foldingLog, for any parameters.
    @Test func maskLeafShapeBySize() {
        let shipped = CommitmentParameters.conjectured100
        #expect([10, 13, 14].map { PolynomialCommitment.foldedMaskLeafLog(shipped, maskVariables: $0) } == [2, 2, 2])
        #expect([15, 17, 20].map { PolynomialCommitment.foldedMaskLeafLog(shipped, maskVariables: $0) } == [4, 4, 4])
        let testing = CommitmentParameters.testing
        #expect(PolynomialCommitment.foldedMaskLeafLog(testing, maskVariables: 8) == 1)
        #expect(PolynomialCommitment.foldedMaskLeafLog(testing, maskVariables: 15) == testing.foldingLog)
    }

    @Test func consistencyCheckRejectsAnotherFoldedPolynomial() throws {
        // Rejected at the consistency check itself (some query's F′ entry differs; a one-entry change
        // of G vanishes at many domain points, so not necessarily the first query's).
        func expectConsistencyFailure(_ h: Honest) {
            do {
                try verify(h)
                Issue.record("a proof of another folded polynomial was accepted")
            } catch {
                guard case .foldMismatch(round: 0, query: _) = error else { Issue.record("rejected elsewhere: \(error)"); return }
            }
        }
        for (n, parameters) in [(6, Self.small), (9, Self.small), (12, Self.wide)] {
            let v = randomTable(n, seed: 3)
            let rho = randomPoint(parameters.foldingLog, seed: 5)
            var g = fold(v, rho)
            #expect(try honest(n: n, parameters: parameters, table: g).proof == honest(n: n, parameters: parameters).proof)
            g[3] += .one
            let h = try honest(n: n, parameters: parameters, table: g, verifies: false)
            expectConsistencyFailure(h)
            // Another ρ's G, honestly folded from V, fails the same check under the statement's ρ.
            let other = try honest(n: n, parameters: parameters, table: fold(v, randomPoint(parameters.foldingLog, seed: 6)), verifies: false)
            expectConsistencyFailure(other)
        }
    }

    /// A claim on G with a `SparseWeight` block (unit-vector terms) opens and verifies; a changed sparse
    /// coefficient and a malformed block are rejected.
    @Test func sparseClaimOnTheFoldedPolynomial() throws {
        let n = 9, k = Self.small.foldingLog, reduced = n - k
        let v = randomTable(n, seed: 3)
        let rho = randomPoint(k, seed: 5)
        let g = fold(v, rho)
        let z = randomPoint(reduced, seed: 30)
        let coefficients = randomPoint(3, seed: 31)
        let sparse = SparseWeight(block: 1, blockVariables: reduced - 2, indices: [0, 5, 9], coefficients: coefficients)
        var value = MLE.evaluate(g, at: z)
        for t in 0..<sparse.count { value += coefficients[t] * g[sparse.globalIndex(t)] }
        let claims = [EvaluationClaim(batch: 0, polynomial: 0, point: z, value: value, sparse: sparse)] + self.claims(on: g, seed: 40)
        let h = try honest(n: n, claims: claims, rho: rho)
        var wrong = claims
        wrong[0].sparse!.coefficients[1] += .one
        #expect(throws: ProofError.self) { try verify(h, claims: wrong) }
        wrong = claims
        wrong[0].sparse!.indices = [5, 0, 9]
        #expect(throws: ProofError.self) { try verify(h, claims: wrong) }
    }

    /// The hidden first k rounds (`MaskedSumcheck.proveLowVariables`) then the folded-mask opening, on one
    /// transcript: the masked sumcheck of a full-size combination claim verifies with
    /// `MaskedSumcheck.verify`, leaves h(r) = Σ_y W(y, r)·G(y) and G's table, and the opening of the bound
    /// claim with that table verifies; a changed round or a false combined value is rejected.
    @Test func maskedLowRoundsThenFoldedOpening() throws {
        for (n, parameters, maskDegree) in [(7, Self.small, 2), (9, Self.small, 3), (12, Self.wide, 2)] {
            let k = parameters.foldingLog
            let v = randomTable(n, seed: 3)
            let registered = PolynomialCommitment.commit([v], parameters: parameters, randomness: ProofRandomness(seed: [1]))
            let claim = claims(batch: 0, v, seed: 50)[2]   // a combination claim (point + one term)
            var rng = SplitMix64(seed: 51)
            let libra = SumcheckMask<E>.random(numVariables: k, degree: maskDegree, using: &rng)
            let rhoMask = randomPoint(1, seed: 52)[0]
            let opening = OpeningMask(foldedFor: n, parameters: parameters, randomness: ProofRandomness(seed: [53]))

            func prove(sum: E) -> (SumcheckProof<E>, FoldedMaskOpeningProof, EvaluationClaim) {
                var t = Transcript(domain: "low-rounds-test")
                let (out, g) = MaskedSumcheck.proveLowVariables(table: v, claims: [claim], gamma: .one, sum: sum, mask: libra,
                                                               rho: rhoMask, transcript: &t)
                #expect(g == fold(v, out.point))
                let bound = claim.boundLowVariables(to: out.point, value: out.finalEvaluations[0])!
                // The bound claim holds on G = V(· ‖ r): h(r) = Σ_y W(y, r)·G(y).
                var value = MLE.evaluate(g, at: bound.point)
                for t in bound.terms { value += t.coefficient * MLE.evaluate(g, at: t.point) }
                #expect(value == bound.value)
                let proof = PolynomialCommitment.openFoldedMask(registered, rho: out.point, claims: [bound], mask: opening,
                                                                transcript: &t, foldedTable: g)
                return (out.proof, proof, bound)
            }
            func verify(_ rounds: SumcheckProof<E>, _ proof: FoldedMaskOpeningProof, claimed: E) throws {
                var t = Transcript(domain: "low-rounds-test")
                let sub = try MaskedSumcheck.verify(claimedSum: claimed + rhoMask * libra.hypercubeSum,
                                                    degrees: Array(repeating: maskDegree, count: k), rounds: rounds.roundPolynomials,
                                                    transcript: &t)
                let value = sub.expectedValue - rhoMask * libra.evaluate(at: sub.point)
                let bound = try #require(claim.boundLowVariables(to: sub.point, value: value))
                try PolynomialCommitment.verifyFoldedMask(registered.commitment, parameters: parameters, rho: sub.point, claims: [bound],
                                                          mask: opening.commitment, proof: proof, transcript: &t)
            }
            let (rounds, proof, _) = prove(sum: claim.value)
            try verify(rounds, proof, claimed: claim.value)
            var bad = rounds
            bad.roundPolynomials[1][0] += .one
            #expect(throws: (any Error).self) { try verify(bad, proof, claimed: claim.value) }
            #expect(throws: (any Error).self) { try verify(rounds, proof, claimed: claim.value + .one) }
            // A prover starting from a false combined value: its rounds fail the first check, or (when
            // the verifier is told that false value) the opening's final claim.
            let (lying, lyingProof, _) = prove(sum: claim.value + .one)
            #expect(throws: (any Error).self) { try verify(lying, lyingProof, claimed: claim.value) }
            #expect(throws: (any Error).self) { try verify(lying, lyingProof, claimed: claim.value + .one) }
        }
    }

    @Test func rejectsMisplacedLeavesAndForeignProofs() throws {
        // Swapping two opened V leaves (both authentic entries of V's codeword, but at the wrong
        // positions) or the F′ leaves of two proofs with different ρ is caught.
        let h = try honest(n: 8)
        var bad = h.proof
        bad.registeredOpenings[0].leaves.swapAt(0, 1)
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
        let other = try honest(n: 8, rho: randomPoint(2, seed: 77))
        #expect(throws: ProofError.self) { try verify(h, proof: other.proof) }
        #expect(throws: ProofError.self) { try verify(other, rho: h.rho) }
    }

    @Test func encodingRejectsMalformedBytes() throws {
        for n in [4, 9] {
            let h = try honest(n: n)
            let bytes = h.proof.serialized()
            #expect(try FoldedMaskOpeningProof(serialized: bytes) == h.proof)
            for cut in [1, 5, 10, 40, bytes.count / 2, bytes.count - 1] {
                #expect(throws: ProofError.self) { try FoldedMaskOpeningProof(serialized: Array(bytes.prefix(cut))) }
            }
            #expect(throws: ProofError.trailingBytes(count: 1)) { try FoldedMaskOpeningProof(serialized: bytes + [0]) }
            var magic = bytes
            magic[0] ^= 1
            #expect(throws: ProofError.badMagic(what: "folded-mask opening proof")) { try FoldedMaskOpeningProof(serialized: magic) }
            var version = bytes
            #expect(version[4] == 3)
            for old in [UInt8(1), 2, 9] {   // v2 salted F′'s tree and the layers: refused
                version[4] = old
                #expect(throws: ProofError.self) { try FoldedMaskOpeningProof(serialized: version) }
            }
            // A non-canonical mask sum (first word p).
            var canonical = bytes
            for i in 0..<8 { canonical[5 + i] = UInt8(truncatingIfNeeded: Goldilocks.modulus >> (8 * UInt64(i))) }
            #expect(throws: ProofError.self) { try FoldedMaskOpeningProof(serialized: canonical) }
            // An opening proof of the direct class is not a folded-mask proof, and vice versa.
            #expect(throws: ProofError.self) { try OpeningProof(serialized: bytes) }
        }
        // Layer openings that do not match the layer roots in number.
        let h = try honest(n: 9)
        var bad = h.proof
        bad.layerOpenings.append(bad.layerOpenings[0])
        #expect(throws: ProofError.self) { try FoldedMaskOpeningProof(serialized: bad.serialized()) }
        #expect(throws: ProofError.self) { try verify(h, proof: bad) }
    }

    @Test func fixedRandomnessReproducesAndFreshMasksShareNothing() throws {
        let one = try honest(n: 9), two = try honest(n: 9)
        #expect(one.mask == two.mask && one.proof == two.proof && one.proof.serialized() == two.proof.serialized())
        let other = try honest(n: 9, maskSeed: 8)
        #expect(other.mask != one.mask && other.commitment == one.commitment)
        func elements(_ p: FoldedMaskOpeningProof) -> Set<[UInt64]> {
            Set(([p.maskSum] + p.rounds.roundPolynomials.flatMap { $0 } + p.finalCoefficients
                 + p.foldedOpening.leaves.flatMap { $0 } + p.layerOpenings.flatMap { $0.leaves.flatMap { $0 } })
                .map { [$0.c0.value, $0.c1.value] })
        }
        #expect(elements(one.proof).isDisjoint(with: elements(other.proof)))
        #expect(one.proof.foldedRoot != other.proof.foldedRoot)
        // The mask entries the two proofs open share none either.
        let masks = (Set(one.proof.maskOpening.leaves.flatMap { $0 }.map(\.value)),
                     Set(other.proof.maskOpening.leaves.flatMap { $0 }.map(\.value)))
        #expect(masks.0.isDisjoint(with: masks.1))
    }
}
