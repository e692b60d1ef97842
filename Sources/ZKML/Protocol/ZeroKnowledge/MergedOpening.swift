import ProofCore

/// The merged folded opening (protocol v21, docs/ZK.md §6 item 4, point 3): when the registered
/// weights V and the zero-knowledge witness f have one size, both are opened by ONE folded-mask
/// opening (one mask of n − 4 variables, one set of query paths) instead of two.
///
/// The pieces, in proof order:
/// * the weights' combination claim keeps its hidden offset O (a functional of the mask pool), but O
///   moves onto the witness as a claim on the pool column: Σ W_V·V + Σ O·f = ŵ + Σ λ_k·v̂_k is public;
/// * G* of the low-round mask column Z (as in the alone form), then the cross point z_X = (bits of the
///   cross block X ‖ 4 fresh challenges) and S_X = V(z_X) + f(z_X), both before γ;
/// * one mask-free sumcheck of Σ_ℓ γ^ℓ W_ℓ over both batches: the 4 low rounds (hidden by Z, which
///   sits in the witness's claims) and the batch round, whose cross coefficient B is hidden by X's
///   16 fresh entries through the cross term eq(z_X, ·) carried by both batches' claims;
/// * the folded-mask opening of (1 − r_b)·V(· ‖ ρ) + r_b·f(· ‖ ρ).
///
/// X is a 16-aligned block of the zero-knowledge pool column's unused tail (random, claim-free) that
/// lies below the weights' used end u_V, so that the weights' claims (below u_V) weigh only the
/// witness's columns and never its free region; the merge also needs u_V ≤ u_W.
struct MergedOpening: Sendable, Equatable {
    /// Global index of the cross block X (a multiple of 2^foldedRounds) in both committed vectors.
    let crossBlock: Int
    /// Variables of both committed vectors (n_V = n_W).
    let numVariables: Int

    /// z_X: the cross block's index bits (n − 4 Boolean coordinates) then the 4 fresh low coordinates.
    func crossPoint(_ low: [Ext]) -> [Ext] {
        let k = ZeroKnowledge.foldedRounds
        precondition(low.count == k, "the cross point has foldedRounds low coordinates")
        return PointMath.bits(crossBlock >> k, count: numVariables - k) + low
    }

    /// The claims of the merged low rounds, batch 0 (weights) then batch 1 (witness), combined with
    /// powers of γ in list order (ProofCore `MaskedSumcheck.proveLowVariables(tables:…)`):
    /// * ℓ = 0: the weights' hidden-offset combination claim plus the cross term eq(z_X, ·); its
    ///   value is set to ŵ + Σλ_k v̂_k + S_X, the public part of everything the merge moves;
    /// * ℓ = 1 …: the witness's claims (`witness`: the combination claim, the pool claim, Z's claim),
    ///   the first with the cross term at coefficient γ^(−1) (so S_X enters the total once);
    /// * last: O on the pool column scaled by γ^(−ℓ) (`offset(scale)`, a claim on the witness), value 0
    ///   (its part of the total is inside claim 0's).
    /// Σ_ℓ γ^ℓ·value_ℓ is then the sum the rounds prove. Nil when γ = 0 (probability 1/|E|).
    static func claims(weight: ValueClaim, witness: [ValueClaim], offset: (Ext) -> ValueClaim?, crossPoint: [Ext],
                       crossSum: Ext, gamma: Ext) -> [ValueClaim]? {
        guard let inverse = gamma.inverse(), !witness.isEmpty else { return nil }
        var w = weight
        w.terms.append(ClaimTerm(point: crossPoint, coefficient: .one))
        w.value += crossSum
        w.offset = .zero
        var f = witness
        f[0].terms.append(ClaimTerm(point: crossPoint, coefficient: inverse))
        var scale = Ext.one
        for _ in 0...f.count { scale *= inverse }
        guard var o = offset(scale) else { return nil }
        o.value = .zero
        return [w] + f + [o]
    }

    /// The claims as ProofCore's evaluation claims on the two batches of 2^`numVariables` entries.
    func evaluationClaims(_ claims: [ValueClaim]) -> [EvaluationClaim] {
        VectorCommitment.evaluationClaims([VectorCommitment.Opened(count: 1 << numVariables, claims: [claims[0]]),
                                           VectorCommitment.Opened(count: 1 << numVariables, claims: Array(claims.dropFirst()))])
    }
}

extension CircuitPlan {
    /// The merged opening of this zero-knowledge plan (protocol v21), or nil when the weights and the
    /// witness are opened alone: they differ in size, the weights end above the witness's columns
    /// (u_V > u_W), or the pool's unused tail has no aligned block below u_V. Prover and verifier
    /// derive it from the plan alone. Nil for the plain plan.
    var mergedOpening: MergedOpening? {
        guard lowMaskColumn != nil else { return nil }
        let weightLog = VectorCommitment.paddedCount(weightLayout.totalSize).trailingZeroBitCount
        let log = witnessLog(zeroKnowledge: true)
        guard weightLog == log, weightLayout.usedEnd <= witnessLayout.usedEnd else { return nil }
        let block = 1 << ZeroKnowledge.foldedRounds
        let poolStart = witnessLayout.offsets[maskPoolColumn]
        let cross = (poolStart + maskPool.usedEntries + block - 1) / block * block
        guard cross + block <= poolStart + maskPool.poolSize, cross + block <= weightLayout.usedEnd else { return nil }
        return MergedOpening(crossBlock: cross, numVariables: log)
    }

    /// `scale`·O(pool) for a pool functional O as one claim on the zero-knowledge witness of
    /// 2^`witnessLog` entries (value 0: bookkeeping for `MergedOpening.claims`): its point at O's
    /// first entry (weight 1 there), every entry's weight, less that 1, as a sparse block on the pool
    /// column. Nil when O is zero.
    func poolFunctionalClaim(_ functional: PoolFunctional, scale: Ext, witnessLog: Int) -> ValueClaim? {
        var weights = [Int: Ext]()
        for (i, c) in functional.terms { weights[i, default: .zero] += scale * c }
        let entries = weights.filter { !$0.value.isZero }.sorted { $0.key < $1.key }
        guard let first = entries.first?.key else { return nil }
        var indices = [Int](), coefficients = [Ext]()
        for (i, c) in entries {
            let w = i == first ? c - .one : c
            if !w.isZero {
                indices.append(i)
                coefficients.append(w)
            }
        }
        let onPool = ValueClaim(point: PointMath.bits(first, count: maskPool.poolLog), value: .zero,
                                sparse: indices.isEmpty ? nil : SparseWeight(block: 0, blockVariables: maskPool.poolLog,
                                                                             indices: indices, coefficients: coefficients))
        return poolClaimOnWitness(onPool, witnessLog: witnessLog)
    }
}

extension ProverChannel {
    /// The merged low rounds (protocol v21): sends G* (Z's sum), draws z_X's low coordinates, sends
    /// S_X, draws γ, then runs the 4 low rounds and the batch round of degree 2 over [V, f] (no mask),
    /// written as they go. `weight`: the weights' hidden-offset claim (`combineVectorHidden`);
    /// `witness`: the witness's claims (combination claim with T sent, pool claim), padded; `lowMask`
    /// Z's claim for G*. Returns ρ, the batch point, the claim on G̃ and G̃'s table.
    mutating func foldMergedLowVariables(_ merged: MergedOpening, weights: CommittedBatch, witness: CommittedBatch,
                                         weight: ValueClaim, witnessClaims: [ValueClaim], lowMask: ValueClaim, lowMaskSum: Ext,
                                         offset: (Ext) -> ValueClaim?)
        -> (rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim, foldedTable: [Ext]) {
        let k = ZeroKnowledge.foldedRounds
        send("zk.witness.lowmask.sum", lowMaskSum)
        let crossPoint = merged.crossPoint(challenges("zk.merged.cross.point", count: k))
        let (v, f) = (weights.evaluations[0], witness.evaluations[0])
        let crossSum = evaluateOnSegment(v, at: crossPoint) + evaluateOnSegment(f, at: crossPoint)
        send("zk.merged.cross.sum", crossSum)
        let gamma = challenge("zk.merged.gamma")
        let claims = MergedOpening.claims(weight: weight, witness: witnessClaims + [lowMask], offset: offset,
                                          crossPoint: crossPoint, crossSum: crossSum, gamma: gamma)!
        let all = merged.evaluationClaims(claims)
        let out = MaskedSumcheck.proveLowVariables(tables: [v, f], claims: all, gamma: gamma, sum: ProverChannel.combinedValue(all, gamma),
                                                   lowVariables: k, transcript: &transcript)
        for poly in out.output.proof.roundPolynomials { for x in poly { x.write(to: &writer) } }
        let point = out.output.point
        // A zero weight on G̃ (probability ≤ 5/|E|) is rejected by the verifier.
        let bound = EvaluationClaim.boundLowVariables(all, gamma: gamma, rho: Array(point[..<k]), batchPoint: Array(point[k...]),
                                                      value: out.output.finalEvaluations[0])!
        return (Array(point[..<k]), Array(point[k...]), bound, out.foldedTable)
    }
}

extension VerifierChannel {
    /// The prover's `foldMergedLowVariables`: receives G* and S_X, checks the merged rounds of the
    /// claims' total and returns ρ, the batch point and the claim on G̃. `lowMask` makes Z's claim of
    /// the received G*; `checkRegion` checks the claims (the weights' in witness coordinates) miss the
    /// witness's free region.
    mutating func foldMergedLowVariables(_ merged: MergedOpening, weight: ValueClaim, witnessClaims: [ValueClaim],
                                         lowMask: (Ext) -> ValueClaim, offset: (Ext) -> ValueClaim?,
                                         checkRegion: ([ValueClaim]) -> Bool) throws(ZKMLError)
        -> (rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim) {
        let k = ZeroKnowledge.foldedRounds
        let gStar = try receive("zk.witness.lowmask.sum")
        let crossPoint = merged.crossPoint(challenges("zk.merged.cross.point", count: k))
        let crossSum = try receive("zk.merged.cross.sum")
        let gamma = challenge("zk.merged.gamma")
        guard let claims = MergedOpening.claims(weight: weight, witness: witnessClaims + [lowMask(gStar)], offset: offset,
                                                crossPoint: crossPoint, crossSum: crossSum, gamma: gamma) else {
            throw .rejected("zero knowledge: the merged opening's challenge γ is zero or the weights' offset is empty")
        }
        guard checkRegion(claims) else { throw .rejected("a merged claim touches the witness's free region") }
        let all = merged.evaluationClaims(claims)
        let sub: SumcheckSubClaim<Ext>
        do {
            var rounds: [[Ext]] = []
            for _ in 0...k {
                let poly = try reader.readElements(Ext.self, count: 3, what: "merged low round")
                record("merged low round", poly)
                rounds.append(poly)
            }
            sub = try MaskedSumcheck.verify(claimedSum: ProverChannel.combinedValue(all, gamma),
                                            degrees: [Int](repeating: 2, count: k + 1), rounds: rounds, transcript: &transcript)
        } catch {
            throw .proof(error, at: section)
        }
        let (rho, batchPoint) = (Array(sub.point[..<k]), Array(sub.point[k...]))
        guard let bound = EvaluationClaim.boundLowVariables(all, gamma: gamma, rho: rho, batchPoint: batchPoint, value: sub.expectedValue) else {
            throw .rejected("zero knowledge: the merged opening's challenges miss the combination point")
        }
        return (rho, batchPoint, bound)
    }
}
