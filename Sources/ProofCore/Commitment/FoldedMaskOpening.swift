/// The *folded-mask opening* (docs/ZK.md §6 item 4, docs/PROOF_CORE.md): a zero-knowledge opening of
/// a registered one-polynomial batch V (n variables, committed once without a mask) whose mask has
/// only n − k variables (k = foldingLog).
///
/// Leaf j of V's tree holds exactly the 2^k codeword entries that Basefold folds, with any challenges
/// ρ_1 … ρ_k, into position j of the codeword of G = V with its k low variables bound:
/// G(y) = V(y ‖ ρ_k, …, ρ_1) (ρ_1 binds the lowest index bit, the last coordinate, as Basefold's first
/// round does). The caller chooses ρ (in ZKML: the challenges of a masked sumcheck of the first k
/// rounds of the weights' claim) and states its claim on G. The opening then masks G alone:
/// 1. the prover sends c = Σ_y W(y)·M(y) (W the claims' combined weight over n − k variables,
///    M = M_0 + u·M_1 the `OpeningMask`, committed before and absorbed with the statement);
/// 2. the verifier draws β; the prover commits the codeword of F′ = G + β·M (its Reed-Solomon
///    encoding as Basefold encodes folded layers, `encodeExtension`) as a layer tree;
/// 3. Basefold runs on F′ against the claim Σ_ℓ γ^ℓ v_ℓ + β·c exactly as the direct class does;
/// 4. query position j of F′'s domain opens V's leaf j, M's and F′'s leaves holding j, and the further
///    layers as usual; the verifier checks F′(j) = fold_ρ(V's leaf j) + β·(M_0(j) + u·M_1(j)).
extension PolynomialCommitment {
    /// Opens the one-polynomial, unmasked batch `batch` (V, n variables) through G(y) = V(y ‖ ρ_k, …, ρ_1):
    /// `claims` are claims on G (batch 0, polynomial 0, points and term points of n − k variables; every
    /// value true), `rho` the k = `foldingLog` challenges in folding order (rho[0] binds V's lowest
    /// index bit), `mask` a fresh `OpeningMask` of n − k variables with the batch's parameters (use it
    /// for this opening only). Its commitment, ρ and the claims are absorbed as the statement.
    /// `randomness` (hiding parameters) seeds the salts of F′'s tree and the further layers; libsodium
    /// when nil. `EvaluationClaim.boundLowVariables(to:value:)` turns a claim on V into the claim on G.
    /// `foldedTable`: G's evaluation table when the caller has it (a sumcheck that bound V's k low
    /// variables to ρ ends with it), saving a pass over V; it must equal V(· ‖ ρ_k, …, ρ_1) (not checked
    /// here: a wrong table gives a proof that the verifier's per-query consistency check rejects).
    public static func openFoldedMask(_ batch: CommittedBatch, rho: [GoldilocksExt2], claims: [EvaluationClaim], mask: OpeningMask,
                                      transcript: inout Transcript, randomness: ProofRandomness? = nil,
                                      foldedTable: [GoldilocksExt2]? = nil) -> FoldedMaskOpeningProof {
        let parameters = batch.parameters
        let k = parameters.foldingLog
        let n = batch.numVariables, reduced = n - k
        precondition(batch.commitment.polynomialCount == 1 && !batch.openingMask, "a folded-mask opening opens one unmasked polynomial")
        precondition(rho.count == k, "a folded-mask opening binds foldingLog variables")
        precondition(mask.numVariables == reduced && mask.commitment.polynomialCount == 2 && mask.batch.parameters == parameters,
                     "the mask has n − foldingLog variables and the batch's parameters")
        precondition(foldedTable == nil || foldedTable!.count == 1 << reduced, "G's table has 2^(n − foldingLog) entries")
        precondition(!claims.isEmpty && claims.allSatisfy { $0.batch == 0 && $0.polynomial == 0 && $0.point.count == reduced
                                                              && $0.terms.allSatisfy({ $0.point.count == reduced })
                                                              && $0.sparse?.malformation(numVariables: reduced) == nil },
                     "claims on G name batch 0, polynomial 0, with points of n − foldingLog coordinates")
        absorbFoldedMaskStatement(parameters, batch.commitment, mask: mask.commitment, rho: rho, claims: claims, &transcript)
        let randomness = randomness?.fork("pcs.open.folded")

        // c = Σ W·M_0 + u·Σ W·M_1 over the two base tables.
        let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
        let (m0, m1) = (mask.batch.evaluations[0], mask.batch.evaluations[1])
        let maskSum = DirectFolding(table: m0, claims: claims, gamma: gamma).weightedSum()
            + E(.zero, .one) * DirectFolding(table: m1, claims: claims, gamma: gamma).weightedSum()
        transcript.absorb("pcs.mask.sum", maskSum)
        let beta: E = transcript.challenge("pcs.mask.beta")

        // F′ = G + β·M in one pass over V (G(i) = Σ_b eq(b, ρ)·V(i·2^k + b)) or over the caller's G,
        // then its coefficients and codeword.
        let table = foldedTable.map { g in
            (0..<g.count).map { g[$0] + beta * E(m0[$0], m1[$0]) }
        } ?? foldedMaskTable(batch.evaluations[0], rho: rho, m0: m0, m1: m1, beta: beta)
        var coefficients = table
        MLE.evaluationsToCoefficients(&coefficients)
        let codeword = encodeExtension(coefficients, rateLog: parameters.rateLog, plan: NTTPlan(logSize: reduced))
        let foldedTree = layerTree([codeword], foldingLog: k, salted: parameters.hiding, saltSource: randomness?.fork("pcs.folded.salts"))
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
                let tree = layerTree([cw], foldingLog: k, salted: parameters.hiding, saltSource: randomness?.fork("pcs.layer.\(t)"))
                transcript.absorb("pcs.layer.root", digest: tree.root)
                layerCodewords.append(cw)
                layerTrees.append(tree)
            }
        }
        let finalCoefficients = folded > 0 ? direct.coefficients() : coefficients
        transcript.absorb("pcs.final", elements: finalCoefficients)
        let nonce = transcript.grind(bits: parameters.grindingBits)
        // Positions of F′'s codeword: V's leaf indices.
        let positions = queryPositions(&transcript, parameters: parameters, n: n)

        let width = 1 << k
        let first = layerIndices(positions, shift: k)
        return FoldedMaskOpeningProof(
            maskSum: maskSum, foldedRoot: foldedTree.root, rounds: SumcheckProof(roundPolynomials: rounds),
            layerRoots: layerTrees.map(\.root), finalCoefficients: finalCoefficients, powNonce: nonce,
            registeredOpening: TreeOpening(tree: batch.tree, codewords: batch.codewords, width: width, indices: positions),
            maskOpening: TreeOpening(tree: mask.batch.tree, codewords: mask.batch.codewords, width: width, indices: first),
            foldedOpening: TreeOpening(tree: foldedTree, codewords: [codeword], width: width, indices: first),
            layerOpenings: layerTrees.enumerated().map { i, tree in
                TreeOpening(tree: tree, codewords: [layerCodewords[i]], width: width, indices: layerIndices(positions, shift: k * (i + 2)))
            })
    }

    /// Verifies `openFoldedMask`: `commitment` is V's (one polynomial), `rho` the same k challenges,
    /// `claims` the same claims on G, `mask` the commitment of the prover's `OpeningMask` (two
    /// polynomials of n − k variables). Throws a `ProofError` naming the first failed check; never
    /// traps on malformed proofs or claims.
    public static func verifyFoldedMask(_ commitment: Commitment, parameters: CommitmentParameters, rho: [GoldilocksExt2],
                                        claims: [EvaluationClaim], mask: Commitment, proof: FoldedMaskOpeningProof,
                                        transcript: inout Transcript) throws(ProofError) {
        try parameters.validate()
        let k = parameters.foldingLog
        let n = commitment.numVariables, reduced = n - k
        guard commitment.polynomialCount == 1, reduced >= k, n <= Sumcheck.maxRounds else {
            throw .invalidParameters("a folded-mask opening needs one polynomial of 2·foldingLog … \(Sumcheck.maxRounds) variables")
        }
        guard rho.count == k else { throw .invalidParameters("\(rho.count) folding challenges, expected \(k)") }
        guard mask.polynomialCount == 2, mask.numVariables == reduced else {
            throw .shapeMismatch("the mask has \(mask.polynomialCount) polynomials of \(mask.numVariables) variables, expected 2 of \(reduced)")
        }
        guard !claims.isEmpty else { throw .invalidParameters("no claims to verify") }
        for c in claims {
            guard c.batch == 0, c.polynomial == 0, c.point.count == reduced, c.terms.allSatisfy({ $0.point.count == reduced }) else {
                throw .invalidParameters("a claim on the folded polynomial names batch 0, polynomial 0, with \(reduced) coordinates")
            }
            if let reason = c.sparse?.malformation(numVariables: reduced) { throw .invalidParameters(reason) }
        }
        absorbFoldedMaskStatement(parameters, commitment, mask: mask, rho: rho, claims: claims, &transcript)

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

        // Queries: positions j of F′'s codeword (= V's leaf indices).
        try transcript.verifyGrinding(bits: parameters.grindingBits, nonce: proof.powNonce)
        let positions = queryPositions(&transcript, parameters: parameters, n: n)
        let width = 1 << k
        let saltSize = parameters.hiding ? MerkleTree.saltByteCount : 0
        let logV = n + parameters.rateLog, logF = reduced + parameters.rateLog
        let first = layerIndices(positions, shift: k)
        try checkOpening(proof.registeredOpening, indices: positions, depth: logV - k, root: commitment.root,
                         width: width, saltSize: saltSize, what: "registered batch")
        try checkOpening(proof.maskOpening, indices: first, depth: logF - k, root: mask.root,
                         width: 2 * width, saltSize: saltSize, what: "mask")
        try checkOpening(proof.foldedOpening, indices: first, depth: logF - k, root: proof.foldedRoot,
                         width: width, saltSize: saltSize, what: "folded polynomial")
        let layerIndexLists = try checkLayerOpenings(proof.layerOpenings, roots: proof.layerRoots, positions: positions,
                                                     shift: k, firstDepth: logF - k, foldingLog: k, saltSize: saltSize)
        let u = E(.zero, .one)
        var firstCursor = 0
        var layerCursors = [Int](repeating: 0, count: layerIndexLists.count)
        for (qi, j) in positions.enumerated() {
            // F′(j) = fold_ρ(V's leaf j) + β·(M_0(j) + u·M_1(j)).
            let registered = proof.registeredOpening.leaves[qi].map { E($0) }
            let g = foldLeaf(registered, leafIndex: j, logLength: logV, challenges: rho[...])
            while first[firstCursor] < j >> k { firstCursor += 1 }
            let (maskLeaf, current) = (proof.maskOpening.leaves[firstCursor], proof.foldedOpening.leaves[firstCursor])
            let slot = j & (width - 1)
            guard current[slot] == g + beta * (E(maskLeaf[slot]) + u * E(maskLeaf[width + slot])) else {
                throw .foldMismatch(round: 0, query: qi)
            }
            // Then Basefold's layer-to-layer checks from F′'s leaf.
            try checkLayers(from: current, index: j >> k, logLength: logF, rhos: rhos, layerOpenings: proof.layerOpenings,
                            layerIndexLists: layerIndexLists, cursors: &layerCursors, finalCoefficients: proof.finalCoefficients, query: qi)
        }
    }

    /// The statement of a folded-mask opening: the binding depth and ρ, then the parameters, V's
    /// commitment, the mask's commitment (as a separate mask of batch 0) and the claims on G.
    static func absorbFoldedMaskStatement(_ parameters: CommitmentParameters, _ commitment: Commitment, mask: Commitment,
                                          rho: [E], claims: [EvaluationClaim], _ transcript: inout Transcript) {
        transcript.absorb("pcs.open.folded", integer: UInt64(rho.count))
        transcript.absorb("pcs.folded.rho", elements: rho)
        absorbStatement(parameters, [commitment], claims, &transcript, separateMasks: [0: mask])
    }

    /// F′(i) = Σ_b eq(b, ρ)·V(i·2^k + b) + β·(M_0(i) + u·M_1(i)), with bit s of b bound to ρ[s]: the
    /// table of G = V(· ‖ ρ_k, …, ρ_1) (what k Basefold folds of V give) plus β·M, in one pass.
    static func foldedMaskTable(_ v: [Goldilocks], rho: [E], m0: [Goldilocks], m1: [Goldilocks], beta: E) -> [E] {
        let width = 1 << rho.count, count = v.count >> rho.count
        precondition(m0.count == count && m1.count == count)
        let eq = MLE.eqTable(Array(rho.reversed()))
        return [E](unsafeUninitializedCapacity: count) { out, initialized in
            let dst = out.baseAddress!
            v.withUnsafeBufferPointer { vb in
                m0.withUnsafeBufferPointer { p0 in
                    m1.withUnsafeBufferPointer { p1 in
                        eq.withUnsafeBufferPointer { e in
                            Parallel.forEachChunk(count: count, minimumChunk: 1 << 12) { range in
                                for i in range {
                                    let row = vb.baseAddress! + i * width
                                    var acc = beta * E(p0[i], p1[i])
                                    for b in 0..<width { acc += e[b] * row[b] }
                                    (dst + i).initialize(to: acc)
                                }
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
    /// polynomial 0; nil when eq(z_lo, ρ′) = 0 (probability ≤ k/|E| for random ρ). Claims with a
    /// `sparse` block are not supported here (a precondition).
    public func boundLowVariables(to rho: [GoldilocksExt2], value: GoldilocksExt2) -> EvaluationClaim? {
        typealias E = GoldilocksExt2
        let n = point.count, k = rho.count
        precondition(k <= n && terms.allSatisfy { $0.point.count == n } && sparse == nil,
                     "a claim of n coordinates without a sparse block (ZKML's weight claims have none)")
        func low(_ z: [E]) -> E {
            var e = E.one
            for s in 0..<k {
                let (x, r) = (z[n - 1 - s], rho[s])
                e *= E.one - x - r + (x * r).doubled()
            }
            return e
        }
        guard let inverse = low(point).inverse() else { return nil }
        return EvaluationClaim(batch: 0, polynomial: 0, point: Array(point[..<(n - k)]), value: value * inverse,
                               terms: terms.map { ClaimTerm(point: Array($0.point[..<(n - k)]), coefficient: $0.coefficient * low($0.point) * inverse) })
    }
}

/// The proof of `PolynomialCommitment.openFoldedMask`.
public struct FoldedMaskOpeningProof: Sendable, Equatable {
    /// c = Σ_y W(y)·M(y), sent before β.
    public var maskSum: GoldilocksExt2
    /// Root of F′ = G + β·M's codeword tree (salted when hiding).
    public var foldedRoot: Digest
    /// Basefold's rounds on F′ (3 evaluations each).
    public var rounds: SumcheckProof<GoldilocksExt2>
    /// Roots of F′'s further folded layers.
    public var layerRoots: [Digest]
    /// Coefficients of the last folded polynomial (F′'s own when nothing is folded).
    public var finalCoefficients: [GoldilocksExt2]
    /// Grinding nonce.
    public var powNonce: UInt64
    /// V's tree at the query positions j (2^k base entries each).
    public var registeredOpening: TreeOpening<Goldilocks>
    /// The mask's tree at the leaves j >> k (M_0's then M_1's 2^k entries).
    public var maskOpening: TreeOpening<Goldilocks>
    /// F′'s tree at the leaves j >> k.
    public var foldedOpening: TreeOpening<GoldilocksExt2>
    /// Each further layer's tree at the leaves the queries reach there.
    public var layerOpenings: [TreeOpening<GoldilocksExt2>]

    static let magic: [UInt8] = Array("CPFM".utf8)
    static let version: UInt8 = 1

    /// "CPFM", version, mask sum, F′'s root, rounds, layer roots (count, digests), final coefficients,
    /// nonce, the registered, mask and F′ tree openings, then the layer openings (count, each).
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
        registeredOpening.write(to: &w)
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
        registeredOpening = try TreeOpening(from: &r)
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
         finalCoefficients: [GoldilocksExt2], powNonce: UInt64, registeredOpening: TreeOpening<Goldilocks>,
         maskOpening: TreeOpening<Goldilocks>, foldedOpening: TreeOpening<GoldilocksExt2>, layerOpenings: [TreeOpening<GoldilocksExt2>]) {
        self.maskSum = maskSum
        self.foldedRoot = foldedRoot
        self.rounds = rounds
        self.layerRoots = layerRoots
        self.finalCoefficients = finalCoefficients
        self.powNonce = powNonce
        self.registeredOpening = registeredOpening
        self.maskOpening = maskOpening
        self.foldedOpening = foldedOpening
        self.layerOpenings = layerOpenings
    }
}
