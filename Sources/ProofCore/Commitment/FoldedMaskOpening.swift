/// The *folded-mask opening* (docs/ZK.md §6 item 4, docs/PROOF_CORE.md): a zero-knowledge opening of
/// registered one-polynomial batches V_0 … V_(B−1) (n variables each, committed once without a mask)
/// with one mask of only n − k variables (k = foldingLog).
///
/// Leaf j of V's tree holds exactly the 2^k codeword entries that Basefold folds, with any challenges
/// ρ_1 … ρ_k, into position j of the codeword of G = V with its k low variables bound:
/// G(y) = V(y ‖ ρ_k, …, ρ_1) (ρ_1 binds the lowest index bit, the last coordinate, as Basefold's first
/// round does). With several batches the opening opens their combination G̃ = Σ_b e_b·G_b,
/// e_b = eq(b, r) for a point r of ⌈log2 B⌉ coordinates (r[0] binding bit 0 of b): the batch index is
/// one more set of low variables, which the caller binds with ρ in one masked sumcheck
/// (`MaskedSumcheck.proveLowVariables(tables:…)`), so that one weight W̃ serves every batch. The caller
/// chooses ρ and r and states its claims on G̃. Or G̃ = Σ_b a_b·G_b for public coefficients a_b
/// (`openFoldedMask(_:rho:coefficients:…)`: a = (1, −1) opens the difference of two commitments).
/// The opening then masks G̃ alone:
/// 1. the prover sends c = Σ_y W(y)·M(y) (W the claims' combined weight over n − k variables,
///    M = M_0 + u·M_1 the folded `OpeningMask`, committed before and absorbed with the statement);
/// 2. the verifier draws β; the prover commits the codeword of F′ = G̃ + β·M (its Reed-Solomon
///    encoding as Basefold encodes folded layers, `encodeExtension`) as a layer tree;
/// 3. Basefold runs on F′ against the claim Σ_ℓ γ^ℓ v_ℓ + β·c exactly as the direct class does;
/// 4. query position j of F′'s domain opens every V_b's leaf j, M's leaf holding j (2^`foldedMaskLeafLog`
///    positions per leaf) and F′'s leaf holding j, and the further layers as usual; the verifier checks
///    F′(j) = Σ_b e_b·fold_ρ(V_b's leaf j) + β·(M_0(j) + u·M_1(j)).
extension PolynomialCommitment {
    /// Opens the one-polynomial, unmasked batch `batch` (V, n variables) through G(y) = V(y ‖ ρ_k, …, ρ_1):
    /// `claims` are claims on G (batch 0, polynomial 0, points and term points of n − k variables; every
    /// value true), `rho` the k = `foldingLog` challenges in folding order (rho[0] binds V's lowest
    /// index bit), `mask` a fresh folded `OpeningMask(foldedFor: n, …)` with the batch's parameters (use
    /// it for this opening only). Its commitment, ρ and the claims are absorbed as the statement.
    /// F′'s tree and the further layers are unsalted (functions of the uniform F′, docs/ZK.md §4), so the
    /// opening draws no randomness. `EvaluationClaim.boundLowVariables(to:value:)` turns a claim on V
    /// into the claim on G.
    /// `foldedTable`: G's evaluation table when the caller has it (a sumcheck that bound V's k low
    /// variables to ρ ends with it), saving a pass over V; it must equal V(· ‖ ρ_k, …, ρ_1) (not checked
    /// here: a wrong table gives a proof that the verifier's per-query consistency check rejects).
    /// The one-batch case of `openFoldedMask(_:rho:batchPoint:…)`.
    public static func openFoldedMask(_ batch: CommittedBatch, rho: [GoldilocksExt2], claims: [EvaluationClaim], mask: OpeningMask,
                                      transcript: inout Transcript, foldedTable: [GoldilocksExt2]? = nil) -> FoldedMaskOpeningProof {
        openFoldedMask([batch], rho: rho, batchPoint: [], claims: claims, mask: mask, transcript: &transcript,
                       foldedTable: foldedTable)
    }

    /// Opens B ≥ 1 one-polynomial, unmasked batches of one size (n variables) through
    /// G̃(y) = Σ_b e_b·V_b(y ‖ ρ_k, …, ρ_1), e_b = eq(b, `batchPoint`) (⌈log2 B⌉ coordinates, batchPoint[0]
    /// binding bit 0 of b; empty for one batch). `claims` are claims on G̃ (batch 0, polynomial 0, n − k
    /// coordinates; `EvaluationClaim.boundLowVariables(_:gamma:rho:batchPoint:value:)` makes the one
    /// claim a masked sumcheck of the batches' claims leaves), `mask` a fresh
    /// `OpeningMask(foldedFor: n, …)` (one mask for all batches). `foldedTable`: G̃'s table (the
    /// `foldedTable` of `MaskedSumcheck.proveLowVariables(tables:…)`). Every batch's commitment, ρ, the
    /// batch point, the mask's commitment and the claims are absorbed as the statement.
    public static func openFoldedMask(_ batches: [CommittedBatch], rho: [GoldilocksExt2], batchPoint: [GoldilocksExt2],
                                      claims: [EvaluationClaim], mask: OpeningMask, transcript: inout Transcript,
                                      foldedTable: [GoldilocksExt2]? = nil) -> FoldedMaskOpeningProof {
        precondition(batchPoint.count == batchVariables(batches.count), "the batch point has ⌈log2 B⌉ coordinates")
        return openFoldedMask(batches, rho: rho, combination: .batchPoint(batchPoint), claims: claims, mask: mask,
                              transcript: &transcript, foldedTable: foldedTable)
    }

    /// Opens B ≥ 1 one-polynomial, unmasked batches of one size through the *public linear combination*
    /// G̃(y) = Σ_b a_b·V_b(y ‖ ρ_k, …, ρ_1), a = `coefficients` (one per batch, any values, e.g. (1, −1)
    /// for the difference of two committed vectors: docs/ZK.md §6 item 3, the link proof). Otherwise as
    /// `openFoldedMask(_:rho:batchPoint:…)`: `claims` on G̃ (batch 0, polynomial 0, n − k coordinates),
    /// a fresh folded `mask`, `foldedTable` G̃'s table when the caller has it. The statement absorbs the
    /// coefficients under their own label ("pcs.folded.coefficients") where the batch-point form absorbs
    /// its point. One batch with coefficient 1 opens V itself, as the one-batch opening does (but its
    /// transcript differs by that label).
    public static func openFoldedMask(_ batches: [CommittedBatch], rho: [GoldilocksExt2], coefficients: [GoldilocksExt2],
                                      claims: [EvaluationClaim], mask: OpeningMask, transcript: inout Transcript,
                                      foldedTable: [GoldilocksExt2]? = nil) -> FoldedMaskOpeningProof {
        precondition(coefficients.count == batches.count, "one coefficient per batch")
        return openFoldedMask(batches, rho: rho, combination: .coefficients(coefficients), claims: claims, mask: mask,
                              transcript: &transcript, foldedTable: foldedTable)
    }

    /// The folded-mask opening of Σ_b w_b·V_b, w the combination's batch weights.
    static func openFoldedMask(_ batches: [CommittedBatch], rho: [GoldilocksExt2], combination: FoldedCombination,
                               claims: [EvaluationClaim], mask: OpeningMask, transcript: inout Transcript,
                               foldedTable: [GoldilocksExt2]?) -> FoldedMaskOpeningProof {
        precondition(!batches.isEmpty, "a folded-mask opening opens at least one batch")
        let parameters = batches[0].parameters
        let k = parameters.foldingLog
        let n = batches[0].numVariables, reduced = n - k
        precondition(batches.allSatisfy { $0.commitment.polynomialCount == 1 && !$0.openingMask && $0.numVariables == n && $0.parameters == parameters },
                     "a folded-mask opening opens unmasked one-polynomial batches of one size and one set of parameters")
        precondition(rho.count == k, "a folded-mask opening binds foldingLog variables")
        // (Any folded leaf shape is opened; the verifier accepts 2^foldedMaskLeafLog positions per leaf only.)
        precondition(mask.isFolded && mask.numVariables == reduced && mask.commitment.polynomialCount == 2 && mask.batch.parameters == parameters,
                     "the mask is a folded OpeningMask(foldedFor: n) with the batches' parameters")
        precondition(foldedTable == nil || foldedTable!.count == 1 << reduced, "G's table has 2^(n − foldingLog) entries")
        precondition(!claims.isEmpty && claims.allSatisfy { $0.batch == 0 && $0.polynomial == 0 && $0.point.count == reduced
                                                              && $0.terms.allSatisfy({ $0.point.count == reduced })
                                                              && $0.sparse?.malformation(numVariables: reduced) == nil },
                     "claims on G name batch 0, polynomial 0, with points of n − foldingLog coordinates")
        absorbFoldedMaskStatement(parameters, batches.map(\.commitment), mask: mask.commitment, rho: rho, combination: combination,
                                  claims: claims, &transcript)

        // c = Σ W·M: one pass over M's extension table.
        let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
        let maskSum = DirectFolding(extensionTable: mask.table, claims: claims, gamma: gamma).weightedSum()
        transcript.absorb("pcs.mask.sum", maskSum)
        let beta: E = transcript.challenge("pcs.mask.beta")

        // F′ = G̃ + β·M in one pass over the V_b (G̃(i) = Σ_b e_b Σ_t eq(t, ρ)·V_b(i·2^k + t)) or over the
        // caller's G̃, then its coefficients and codeword.
        let table = foldedTable.map { g in
            mask.table.withUnsafeBufferPointer { m in (0..<g.count).map { g[$0] + beta * m[$0] } }
        } ?? foldedMaskTable(batches.map { $0.evaluations[0] }, rho: rho, batchWeights: combination.weights(batches.count),
                          mask: mask.table, beta: beta)
        var coefficients = table
        MLE.evaluationsToCoefficients(&coefficients)
        let codeword = encodeExtension(coefficients, rateLog: parameters.rateLog, plan: NTTPlan(logSize: reduced))
        // F′ is uniform (M is) and every tree built from it is a function of F′ and public challenges,
        // which the simulator computes exactly: F′'s tree and the further layers are unsalted (docs/ZK.md §4).
        let foldedTree = layerTree([codeword], foldingLog: k, salted: false)
        transcript.absorb("pcs.folded.root", digest: foldedTree.root)

        // Basefold on F′ against Σ_ℓ γ^ℓ v_ℓ + β·c (the direct class's rounds, layers and final polynomial).
        var claim = beta * maskSum
        var g = E.one
        for c in claims {
            claim += g * c.value
            g *= gamma
        }
        var direct = DirectFolding(extensionTable: table, claims: claims, gamma: gamma)
        let folded = parameters.foldedVariables(reduced)
        var rounds = [[E]]()
        var layerCodewords = [[E]]()
        var layerTrees = [MerkleTree]()
        for t in 0..<folded {
            let evals = direct.roundEvaluations(claim: claim)
            rounds.append(evals)
            transcript.absorb("pcs.round", elements: evals)
            let r: E = transcript.challenge("pcs.fold")
            claim = interpolateAtIntegerNodes(evals, at: r)
            direct.fold(r)
            if (t + 1) % k == 0 && t + 1 < folded {
                let layer = direct.coefficients()
                let cw = encodeExtension(layer, rateLog: parameters.rateLog, plan: NTTPlan(logSize: layer.count.trailingZeroBitCount))
                let tree = layerTree([cw], foldingLog: k, salted: false)
                transcript.absorb("pcs.layer.root", digest: tree.root)
                layerCodewords.append(cw)
                layerTrees.append(tree)
            }
        }
        let finalCoefficients = folded > 0 ? direct.coefficients() : coefficients
        transcript.absorb("pcs.final", elements: finalCoefficients)
        let nonce = transcript.grind(bits: parameters.grindingBits)
        // Positions of F′'s codeword: the V_b's leaf indices.
        let positions = queryPositions(&transcript, parameters: parameters, n: n)

        let width = 1 << k
        return FoldedMaskOpeningProof(
            maskSum: maskSum, foldedRoot: foldedTree.root, rounds: SumcheckProof(roundPolynomials: rounds),
            layerRoots: layerTrees.map(\.root), finalCoefficients: finalCoefficients, powNonce: nonce,
            registeredOpenings: batches.map { TreeOpening(tree: $0.tree, codewords: $0.codewords, width: width, indices: positions) },
            maskOpening: TreeOpening(tree: mask.batch.tree, interleaving: mask.batch.codewords, width: 1 << mask.leafLog,
                                     indices: layerIndices(positions, shift: mask.leafLog)),
            foldedOpening: TreeOpening(tree: foldedTree, codewords: [codeword], width: width, indices: layerIndices(positions, shift: k)),
            layerOpenings: layerTrees.enumerated().map { i, tree in
                TreeOpening(tree: tree, codewords: [layerCodewords[i]], width: width, indices: layerIndices(positions, shift: k * (i + 2)))
            })
    }

    /// Verifies `openFoldedMask` of one batch: `commitment` is V's (one polynomial), `rho` the same k
    /// challenges, `claims` the same claims on G, `mask` the commitment of the prover's folded
    /// `OpeningMask` (two polynomials of n − k variables, leaves of 2^`foldedMaskLeafLog` positions).
    /// Throws a `ProofError` naming the first failed check; never traps on malformed proofs or claims.
    public static func verifyFoldedMask(_ commitment: Commitment, parameters: CommitmentParameters, rho: [GoldilocksExt2],
                                        claims: [EvaluationClaim], mask: Commitment, proof: FoldedMaskOpeningProof,
                                        transcript: inout Transcript) throws(ProofError) {
        try verifyFoldedMask([commitment], parameters: parameters, rho: rho, batchPoint: [], claims: claims, mask: mask,
                             proof: proof, transcript: &transcript)
    }

    /// Verifies `openFoldedMask(_:rho:batchPoint:…)`: `commitments` the B batches' (one polynomial each,
    /// one size, in the prover's order), `batchPoint` the same ⌈log2 B⌉ coordinates, `claims` the same
    /// claims on G̃, `mask` the folded mask's commitment. Throws a `ProofError` naming the first failed
    /// check; never traps on malformed proofs or claims.
    public static func verifyFoldedMask(_ commitments: [Commitment], parameters: CommitmentParameters, rho: [GoldilocksExt2],
                                        batchPoint: [GoldilocksExt2], claims: [EvaluationClaim], mask: Commitment,
                                        proof: FoldedMaskOpeningProof, transcript: inout Transcript) throws(ProofError) {
        guard batchPoint.count == batchVariables(commitments.count) else {
            throw .invalidParameters("a batch point of \(batchPoint.count) coordinates for \(commitments.count) batches")
        }
        try verifyFoldedMask(commitments, parameters: parameters, rho: rho, combination: .batchPoint(batchPoint), claims: claims,
                             mask: mask, proof: proof, transcript: &transcript)
    }

    /// Verifies `openFoldedMask(_:rho:coefficients:…)`: `commitments` the B batches' (one polynomial
    /// each, one size, in the prover's order), `coefficients` the same public a_b (one per batch),
    /// `claims` the same claims on G̃ = Σ_b a_b·V_b(· ‖ ρ), `mask` the folded mask's commitment. Each query
    /// checks F′(j) = Σ_b a_b·fold_ρ(V_b's leaf j) + β·M(j). Throws a `ProofError` naming the first
    /// failed check; never traps on malformed proofs or claims.
    public static func verifyFoldedMask(_ commitments: [Commitment], parameters: CommitmentParameters, rho: [GoldilocksExt2],
                                        coefficients: [GoldilocksExt2], claims: [EvaluationClaim], mask: Commitment,
                                        proof: FoldedMaskOpeningProof, transcript: inout Transcript) throws(ProofError) {
        guard coefficients.count == commitments.count else {
            throw .invalidParameters("\(coefficients.count) coefficients for \(commitments.count) batches")
        }
        try verifyFoldedMask(commitments, parameters: parameters, rho: rho, combination: .coefficients(coefficients), claims: claims,
                             mask: mask, proof: proof, transcript: &transcript)
    }

    static func verifyFoldedMask(_ commitments: [Commitment], parameters: CommitmentParameters, rho: [GoldilocksExt2],
                                 combination: FoldedCombination, claims: [EvaluationClaim], mask: Commitment,
                                 proof: FoldedMaskOpeningProof, transcript: inout Transcript) throws(ProofError) {
        try parameters.validate()
        let k = parameters.foldingLog
        guard let n = commitments.first?.numVariables, commitments.count <= maxFoldedBatches else {
            throw .invalidParameters("a folded-mask opening opens 1 … \(maxFoldedBatches) batches")
        }
        let reduced = n - k
        guard commitments.allSatisfy({ $0.polynomialCount == 1 && $0.numVariables == n }), reduced >= k, n <= Sumcheck.maxRounds else {
            throw .invalidParameters("a folded-mask opening needs batches of one polynomial of 2·foldingLog … \(Sumcheck.maxRounds) variables, one size")
        }
        guard rho.count == k else { throw .invalidParameters("\(rho.count) folding challenges, expected \(k)") }
        guard mask.polynomialCount == 2, mask.numVariables == reduced else {
            throw .shapeMismatch("the mask has \(mask.polynomialCount) polynomials of \(mask.numVariables) variables, expected 2 of \(reduced)")
        }
        guard proof.registeredOpenings.count == commitments.count else {
            throw .shapeMismatch("\(proof.registeredOpenings.count) registered openings for \(commitments.count) batches")
        }
        guard !claims.isEmpty else { throw .invalidParameters("no claims to verify") }
        for c in claims {
            guard c.batch == 0, c.polynomial == 0, c.point.count == reduced, c.terms.allSatisfy({ $0.point.count == reduced }) else {
                throw .invalidParameters("a claim on the folded polynomial names batch 0, polynomial 0, with \(reduced) coordinates")
            }
            if let reason = c.sparse?.malformation(numVariables: reduced) { throw .invalidParameters(reason) }
        }
        absorbFoldedMaskStatement(parameters, commitments, mask: mask, rho: rho, combination: combination, claims: claims, &transcript)

        let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
        var gammas = [E]()
        var claim = E.zero
        var g = E.one
        for c in claims {
            claim += g * c.value
            gammas.append(g)
            g *= gamma
        }
        transcript.absorb("pcs.mask.sum", proof.maskSum)
        let beta: E = transcript.challenge("pcs.mask.beta")
        claim += beta * proof.maskSum
        transcript.absorb("pcs.folded.root", digest: proof.foldedRoot)

        guard proof.layerOpenings.count == proof.layerRoots.count else {
            throw .shapeMismatch("\(proof.layerRoots.count) layer roots and \(proof.layerOpenings.count) layer openings")
        }
        let rhos: [E]
        let finalEvaluations: [E]
        (rhos, claim, finalEvaluations) = try verifyBasefoldTail(
            n: reduced, parameters: parameters, rounds: proof.rounds.roundPolynomials, layerRoots: proof.layerRoots,
            finalCoefficients: proof.finalCoefficients, claim: claim, transcript: &transcript)
        // The last claim must be Σ_b F′_final(b)·W(b, ρ_T, …, ρ_1).
        let expected = directWeight(claims, gammas: gammas, finalEvaluations: finalEvaluations, rhos: rhos)
        guard expected == claim else { throw .evaluationMismatch }

        // Queries: positions j of F′'s codeword (= the V_b's leaf indices).
        try transcript.verifyGrinding(bits: parameters.grindingBits, nonce: proof.powNonce)
        let positions = queryPositions(&transcript, parameters: parameters, n: n)
        let width = 1 << k, maskLeafLog = foldedMaskLeafLog(parameters, maskVariables: reduced), maskWidth = 1 << maskLeafLog
        let saltSize = parameters.hiding ? MerkleTree.saltByteCount : 0
        let logV = n + parameters.rateLog, logF = reduced + parameters.rateLog
        let first = layerIndices(positions, shift: k), maskIndices = layerIndices(positions, shift: maskLeafLog)
        for (b, opening) in proof.registeredOpenings.enumerated() {
            try checkOpening(opening, indices: positions, depth: logV - k, root: commitments[b].root,
                             width: width, saltSize: saltSize, what: "registered batch \(b)")
        }
        try checkOpening(proof.maskOpening, indices: maskIndices, depth: logF - maskLeafLog, root: mask.root,
                         width: 2 * maskWidth, saltSize: saltSize, what: "mask")
        // F′'s tree and the further layers are never salted (version 3; docs/ZK.md §4).
        try checkOpening(proof.foldedOpening, indices: first, depth: logF - k, root: proof.foldedRoot,
                         width: width, saltSize: 0, what: "folded polynomial")
        let layerIndexLists = try checkLayerOpenings(proof.layerOpenings, roots: proof.layerRoots, positions: positions,
                                                     shift: k, firstDepth: logF - k, foldingLog: k, saltSize: 0)
        let batchWeights = combination.weights(commitments.count)
        let u = E(.zero, .one)
        var (firstCursor, maskCursor) = (0, 0)
        var layerCursors = [Int](repeating: 0, count: layerIndexLists.count)
        for (qi, j) in positions.enumerated() {
            // F′(j) = fold_ρ(Σ_b e_b·V_b's leaf j) + β·(M_0(j) + u·M_1(j)) (folding is linear).
            var combined = proof.registeredOpenings[0].leaves[qi].map { batchWeights[0] * E($0) }
            for b in 1..<max(1, commitments.count) {
                for (i, v) in proof.registeredOpenings[b].leaves[qi].enumerated() { combined[i] += batchWeights[b] * E(v) }
            }
            let g = foldLeaf(combined, leafIndex: j, logLength: logV, challenges: rho[...])
            while first[firstCursor] < j >> k { firstCursor += 1 }
            while maskIndices[maskCursor] < j >> maskLeafLog { maskCursor += 1 }
            let (maskLeaf, current) = (proof.maskOpening.leaves[maskCursor], proof.foldedOpening.leaves[firstCursor])
            let slot = j & (maskWidth - 1)
            guard current[j & (width - 1)] == g + beta * (E(maskLeaf[2 * slot]) + u * E(maskLeaf[2 * slot + 1])) else {
                throw .foldMismatch(round: 0, query: qi)
            }
            // Then Basefold's layer-to-layer checks from F′'s leaf.
            try checkLayers(from: current, index: j >> k, logLength: logF, rhos: rhos, layerOpenings: proof.layerOpenings,
                            layerIndexLists: layerIndexLists, cursors: &layerCursors, finalCoefficients: proof.finalCoefficients, query: qi)
        }
    }

    /// Most batches one folded-mask opening takes (a bound for the verifier and the proof parser).
    public static let maxFoldedBatches = 64

    /// ⌈log2 B⌉: the coordinates of the batch point of B batches (0 for one).
    public static func batchVariables(_ count: Int) -> Int {
        count <= 1 ? 0 : Int.bitWidth - (count - 1).leadingZeroBitCount
    }

    /// How a folded-mask opening combines its batches: eq(b, batch point) or public coefficients a_b.
    enum FoldedCombination {
        case batchPoint([E])
        case coefficients([E])

        /// The weight of each of `count` batches.
        func weights(_ count: Int) -> [E] {
            switch self {
            case .batchPoint(let point): Array(MLE.eqTable(Array(point.reversed())).prefix(count))
            case .coefficients(let a): a
            }
        }
    }

    /// The statement of a folded-mask opening: the binding depth and ρ, the batch count and the batch
    /// point ("pcs.folded.batch.point") or the coefficients ("pcs.folded.coefficients"), then the
    /// parameters, the batches' commitments, the mask's commitment (as the mask of batch 0) and the
    /// claims on G̃.
    static func absorbFoldedMaskStatement(_ parameters: CommitmentParameters, _ commitments: [Commitment], mask: Commitment,
                                          rho: [E], combination: FoldedCombination, claims: [EvaluationClaim],
                                          _ transcript: inout Transcript) {
        transcript.absorb("pcs.open.folded", integer: UInt64(rho.count))
        transcript.absorb("pcs.folded.rho", elements: rho)
        transcript.absorb("pcs.folded.batches", integer: UInt64(commitments.count))
        switch combination {
        case .batchPoint(let point): transcript.absorb("pcs.folded.batch.point", elements: point)
        case .coefficients(let a): transcript.absorb("pcs.folded.coefficients", elements: a)
        }
        absorbStatement(parameters, commitments, claims, &transcript, foldedMask: mask)
    }

    /// F′(i) = Σ_b e_b Σ_t eq(t, ρ)·V_b(i·2^k + t) + β·M(i), with bit s of t bound to ρ[s] and
    /// e_b = `batchWeights`[b] (eq(b, batch point) or public coefficients): the table of G̃ (what k
    /// Basefold folds of Σ_b e_b·V_b give) plus β·M, in one pass.
    static func foldedMaskTable(_ tables: [[Goldilocks]], rho: [E], batchWeights: [E], mask: [E], beta: E) -> [E] {
        let width = 1 << rho.count, count = tables[0].count >> rho.count
        precondition(mask.count == count && tables.allSatisfy { $0.count == tables[0].count } && batchWeights.count >= tables.count)
        let eq = MLE.eqTable(Array(rho.reversed()))
        // Row weights per batch: e_b·eq(t, ρ).
        let weights = tables.indices.flatMap { b in eq.map { batchWeights[b] * $0 } }
        return [E](unsafeUninitializedCapacity: count) { out, initialized in
            let dst = out.baseAddress!
            withArrayPointers(tables) { v in
                mask.withUnsafeBufferPointer { m in
                    weights.withUnsafeBufferPointer { e in
                        Parallel.forEachChunk(count: count, minimumChunk: 1 << 12) { range in
                            for i in range {
                                var acc = beta * m[i]
                                for (b, vb) in v.enumerated() {
                                    let (row, w) = (vb + i * width, e.baseAddress! + b * width)
                                    for t in 0..<width { acc += w[t] * row[t] }
                                }
                                (dst + i).initialize(to: acc)
                            }
                        }
                    }
                }
            }
            initialized = count
        }
    }
}

extension EvaluationClaim {
    /// This claim on V (n variables) as a claim on G(y) = V(y ‖ ρ_k, …, ρ_1) (the polynomial a
    /// folded-mask opening opens, `openFoldedMask`; `rho` in folding order, rho[0] binding the last
    /// coordinate): its weight W = eq(z, ·) + Σ_t c_t·eq(z_t, ·) restricted to y is
    /// Σ eq(z_lo, ρ′)·eq(z_hi, y) (ρ′ = ρ reversed, z = z_hi ‖ z_lo), normalized so that the main
    /// point's coefficient is 1. `value` is Σ_y W(y, ρ′)·G(y) (in ZKML: the claim left after the
    /// sumcheck's k rounds bound to ρ), divided here by eq(z_lo, ρ′). The result names batch 0,
    /// polynomial 0; nil when eq(z_lo, ρ′) = 0 (probability ≤ k/|E| for random ρ). A `sparse` block
    /// is bound too (`SparseWeight.boundLowVariables(to:scale:)`).
    public func boundLowVariables(to rho: [GoldilocksExt2], value: GoldilocksExt2) -> EvaluationClaim? {
        let n = point.count, k = rho.count
        precondition(k <= n && terms.allSatisfy { $0.point.count == n } && sparse?.malformation(numVariables: n) == nil,
                     "a claim of n coordinates")
        guard let inverse = EvaluationClaim.lowWeight(point, rho).inverse() else { return nil }
        return EvaluationClaim(batch: 0, polynomial: 0, point: Array(point[..<(n - k)]), value: value * inverse,
                               terms: terms.map { ClaimTerm(point: Array($0.point[..<(n - k)]),
                                                            coefficient: $0.coefficient * EvaluationClaim.lowWeight($0.point, rho) * inverse) },
                               sparse: sparse?.boundLowVariables(to: rho, scale: inverse))
    }

    /// Claims on B batches V_0 … V_(B−1) of n variables (`batch` the batch index, polynomial 0, no
    /// sparse block), combined with powers of `gamma` in list order (γ ignored for one claim: the
    /// weights Σ_ℓ γ^ℓ W_ℓ of `MaskedSumcheck.proveLowVariables(tables:…)`), as the one claim on
    /// G̃(y) = Σ_b e_b·V_b(y ‖ ρ_k, …, ρ_1) that a folded-mask opening of those batches proves
    /// (`PolynomialCommitment.openFoldedMask(_:rho:batchPoint:…)`): its weight is
    /// W̃(y) = Σ_ℓ γ^ℓ·e_(b_ℓ)·W_ℓ(y, ρ′), e_b = eq(b, `batchPoint`), ρ′ = ρ reversed, normalized so that
    /// the first claim's point has coefficient 1; `value` = Σ_y W̃(y)·G̃(y) before normalizing (the
    /// sumcheck's final value h(ρ, batchPoint)). Its terms are every claim's point and terms but the
    /// first point; its sparse block is every claim's sparse block (ZKML's pool claim, the weights'
    /// hidden offset O on the pool column: any number, on any batches), each bound
    /// (`SparseWeight.boundLowVariables(to:scale:)`), merged into one (`SparseWeight.merged`: the
    /// smallest aligned block holding them all, terms on one entry added). Nil when that coefficient is 0 (probability ≤ (k + ⌈log2 B⌉)/|E| for random ρ and
    /// batch point), or when a claim names a polynomial other than 0 or a batch beyond 2^(batch point's
    /// coordinates) (a verifier rejects then).
    public static func boundLowVariables(_ claims: [EvaluationClaim], gamma: GoldilocksExt2, rho: [GoldilocksExt2],
                                         batchPoint: [GoldilocksExt2], value: GoldilocksExt2) -> EvaluationClaim? {
        typealias E = GoldilocksExt2
        precondition(!claims.isEmpty, "at least one claim")
        let n = claims[0].point.count, k = rho.count
        let batchWeights = MLE.eqTable(Array(batchPoint.reversed()))
        precondition(k <= n && claims.allSatisfy { c in c.point.count == n && c.terms.allSatisfy { $0.point.count == n }
                                                           && c.sparse?.malformation(numVariables: n) == nil },
                     "claims of n coordinates")
        // A claim on a batch the batch point does not cover, or on another polynomial: no claim on G̃.
        guard claims.allSatisfy({ $0.polynomial == 0 && $0.batch >= 0 && $0.batch < batchWeights.count }) else { return nil }
        var weighted = [(point: [E], coefficient: E)]()
        var sparse = [(weight: SparseWeight, scale: E)]()
        var g = E.one
        for c in claims {
            let scale = g * batchWeights[c.batch]
            for (z, coefficient) in c.weightTerms {
                weighted.append((Array(z[..<(n - k)]), scale * coefficient * lowWeight(z, rho)))
            }
            if let s = c.sparse { sparse.append((s, scale)) }
            g *= claims.count > 1 ? gamma : .one
        }
        guard let inverse = weighted[0].coefficient.inverse() else { return nil }
        return EvaluationClaim(batch: 0, polynomial: 0, point: weighted[0].point, value: value * inverse,
                               terms: weighted.dropFirst().map { ClaimTerm(point: $0.point, coefficient: $0.coefficient * inverse) },
                               sparse: sparse.isEmpty ? nil
                                   : SparseWeight.merged(sparse.map { $0.weight.boundLowVariables(to: rho, scale: $0.scale * inverse) },
                                                         numVariables: n - k))
    }

    /// eq(bits of `index` below rho.count, ρ) with bit s bound to ρ[s].
    static func lowWeight(index: Int, _ rho: [GoldilocksExt2]) -> GoldilocksExt2 {
        var e = GoldilocksExt2.one
        for s in 0..<rho.count { e *= (index >> s) & 1 == 1 ? rho[s] : GoldilocksExt2.one - rho[s] }
        return e
    }

    /// eq(z_lo, ρ′): the weight a point z of n coordinates puts on the low variables bound to ρ
    /// (ρ[s] binding coordinate n − 1 − s).
    static func lowWeight(_ z: [GoldilocksExt2], _ rho: [GoldilocksExt2]) -> GoldilocksExt2 {
        var e = GoldilocksExt2.one
        for s in 0..<rho.count {
            let (x, r) = (z[z.count - 1 - s], rho[s])
            e *= GoldilocksExt2.one - x - r + (x * r).doubled()
        }
        return e
    }
}

extension SparseWeight {
    /// This weight (on a table of n variables) with its k = rho.count low index bits bound to ρ (ρ[s]
    /// binding bit s) and scaled: Σ_t scale·c_t·eq(low bits of g_t, ρ)·[y = g_t >> k], the unit-vector
    /// weight it puts on G(y) = V(y ‖ ρ_k, …, ρ_1). Terms that land on one entry of G are merged; a block
    /// of fewer than 2^k entries becomes one entry (a block of 2^0).
    public func boundLowVariables(to rho: [GoldilocksExt2], scale: GoldilocksExt2) -> SparseWeight {
        let k = rho.count
        // scale·eq(low k bits, ρ) for the 2^k values of the low bits, once (ZKML's pool claim has
        // ~1,000 terms; k = 4): one multiplication per term instead of k + 1.
        let lowWeights = (0..<(1 << k)).map { scale * EvaluationClaim.lowWeight(index: $0, rho) }
        var entries = [(index: Int, coefficient: GoldilocksExt2)]()
        entries.reserveCapacity(count)
        for t in 0..<count {
            let g = globalIndex(t)
            let e = coefficients[t] * lowWeights[g & ((1 << k) - 1)]
            if let last = entries.last, last.index == g >> k { entries[entries.count - 1].coefficient += e } else { entries.append((g >> k, e)) }
        }
        guard blockVariables >= k else {
            return SparseWeight(block: entries[0].index, blockVariables: 0, indices: [0], coefficients: [entries[0].coefficient])
        }
        let local = (1 << (blockVariables - k)) - 1
        return SparseWeight(block: block, blockVariables: blockVariables - k, indices: entries.map { $0.index & local },
                            coefficients: entries.map(\.coefficient))
    }
}

/// The proof of `PolynomialCommitment.openFoldedMask`.
public struct FoldedMaskOpeningProof: Sendable, Equatable {
    /// c = Σ_y W(y)·M(y), sent before β.
    public var maskSum: GoldilocksExt2
    /// Root of F′ = G̃ + β·M's codeword tree (never salted: F′ is uniform, docs/ZK.md §4).
    public var foldedRoot: Digest
    /// Basefold's rounds on F′ (3 evaluations each).
    public var rounds: SumcheckProof<GoldilocksExt2>
    /// Roots of F′'s further folded layers.
    public var layerRoots: [Digest]
    /// Coefficients of the last folded polynomial (F′'s own when nothing is folded).
    public var finalCoefficients: [GoldilocksExt2]
    /// Grinding nonce.
    public var powNonce: UInt64
    /// Each batch's tree at the query positions j (2^k base entries each), in batch order.
    public var registeredOpenings: [TreeOpening<Goldilocks>]
    /// The mask's tree at the leaves j >> `foldedMaskLeafLog` (M_0(i), M_1(i) for each of the leaf's positions i).
    public var maskOpening: TreeOpening<Goldilocks>
    /// F′'s tree at the leaves j >> k.
    public var foldedOpening: TreeOpening<GoldilocksExt2>
    /// Each further layer's tree at the leaves the queries reach there.
    public var layerOpenings: [TreeOpening<GoldilocksExt2>]

    static let magic: [UInt8] = Array("CPFM".utf8)
    /// Version 2: several registered batches (their openings counted), and the mask's tree holds M as
    /// (M_0, M_1) pairs, 2^`foldedMaskLeafLog` positions per leaf (version 1: M_0's then M_1's 2^k
    /// entries, the leaves of a separate mask). Version 3: F′'s tree and the further layers are
    /// unsalted whatever the parameters (version 2 salted them when hiding).
    static let version: UInt8 = 3

    /// "CPFM", version, mask sum, F′'s root, rounds, layer roots (count, digests), final coefficients,
    /// nonce, the registered openings (count, each), the mask and F′ tree openings, then the layer
    /// openings (count, each).
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(FoldedMaskOpeningProof.magic)
        w.writeUInt8(FoldedMaskOpeningProof.version)
        w.write(maskSum)
        w.write(foldedRoot)
        rounds.write(to: &w)
        w.writeCount(layerRoots.count)
        for d in layerRoots { w.write(d) }
        w.write(elements: finalCoefficients)
        w.writeUInt64(powNonce)
        w.writeCount(registeredOpenings.count)
        for o in registeredOpenings { o.write(to: &w) }
        maskOpening.write(to: &w)
        foldedOpening.write(to: &w)
        w.writeCount(layerOpenings.count)
        for o in layerOpenings { o.write(to: &w) }
        return w.bytes
    }

    /// Parses `serialized()` output with bounds on every count (layer openings must match the layer
    /// roots in number); trailing bytes are an error; never traps on malformed bytes.
    public init(serialized bytes: [UInt8]) throws(ProofError) {
        var r = ByteReader(bytes)
        try r.readHeader(magic: FoldedMaskOpeningProof.magic, version: FoldedMaskOpeningProof.version, what: "folded-mask opening proof")
        maskSum = try r.read(GoldilocksExt2.self)
        foldedRoot = try r.readDigest(what: "folded polynomial root")
        rounds = try SumcheckProof(from: &r)
        let rootCount = try r.readCount(what: "layer roots", limit: 64)
        var roots = [Digest]()
        for _ in 0..<rootCount { roots.append(try r.readDigest(what: "layer root")) }
        layerRoots = roots
        finalCoefficients = try r.readElements(GoldilocksExt2.self, what: "final coefficients", limit: 1 << 16)
        powNonce = try r.readUInt64(what: "pow nonce")
        let batchCount = try r.readCount(what: "registered openings", limit: PolynomialCommitment.maxFoldedBatches)
        guard batchCount >= 1 else { throw .invalidValue(what: "registered openings", value: 0) }
        var registered = [TreeOpening<Goldilocks>]()
        for _ in 0..<batchCount { registered.append(try TreeOpening(from: &r)) }
        registeredOpenings = registered
        maskOpening = try TreeOpening(from: &r)
        foldedOpening = try TreeOpening(from: &r)
        let layerCount = try r.readCount(what: "layer openings", limit: 64)
        guard layerCount == rootCount else { throw .shapeMismatch("\(layerCount) layer openings for \(rootCount) layer roots") }
        var openings = [TreeOpening<GoldilocksExt2>]()
        for _ in 0..<layerCount { openings.append(try TreeOpening(from: &r)) }
        layerOpenings = openings
        try r.expectEnd()
    }

    init(maskSum: GoldilocksExt2, foldedRoot: Digest, rounds: SumcheckProof<GoldilocksExt2>, layerRoots: [Digest],
         finalCoefficients: [GoldilocksExt2], powNonce: UInt64, registeredOpenings: [TreeOpening<Goldilocks>],
         maskOpening: TreeOpening<Goldilocks>, foldedOpening: TreeOpening<GoldilocksExt2>, layerOpenings: [TreeOpening<GoldilocksExt2>]) {
        self.maskSum = maskSum
        self.foldedRoot = foldedRoot
        self.rounds = rounds
        self.layerRoots = layerRoots
        self.finalCoefficients = finalCoefficients
        self.powNonce = powNonce
        self.registeredOpenings = registeredOpenings
        self.maskOpening = maskOpening
        self.foldedOpening = foldedOpening
        self.layerOpenings = layerOpenings
    }

    /// The serialized bytes by part: "mask sum", "rounds", "folded root", "layer roots", "final
    /// coefficients", the "registered", "mask", "folded" and "layer" trees' leaves, salts and
    /// siblings, and "framing" (magic, version, counts, nonce). They add up to `serialized().count`.
    public var byteParts: [ProofPart] {
        var parts = [ProofPart(name: "framing", bytes: 5 + 4 + 4 + 8 + 4 + 4),
                     ProofPart(name: "mask sum", bytes: GoldilocksExt2.byteCount),
                     ProofPart(name: "folded root", bytes: Digest.byteCount),
                     ProofPart(name: "rounds", bytes: rounds.byteCount),
                     ProofPart(name: "layer roots", bytes: layerRoots.count * Digest.byteCount),
                     ProofPart(name: "final coefficients", bytes: finalCoefficients.count * GoldilocksExt2.byteCount)]
        for o in registeredOpenings { parts += o.byteParts("registered") }
        parts += maskOpening.byteParts("mask") + foldedOpening.byteParts("folded")
        for o in layerOpenings { parts += o.byteParts("layer") }
        return ProofPart.merged(parts)
    }
}
