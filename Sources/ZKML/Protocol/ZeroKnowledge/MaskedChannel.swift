import ProofCore

extension ProverChannel {
    /// Libra's zero-knowledge sumcheck of a claim whose value is `claim − offset(pool)`: draw ρ, send
    /// G* = ρ·G − offset(pool) (G = Σ g over the hypercube; the final reduction proves G* against the
    /// pool), prove f + ρ·g (the claimed sum is then claim + G*), send g(r). With `finalMasks` the last
    /// round works on masked tables (docs/ZK.md §2a) and `lastDegree` is its declared degree.
    mutating func maskedSumcheck(tables: [[Ext]], combination: SumOfProducts<Ext>, finalMasks: [Ext]?, lastDegree: Int,
                                 offset: PoolFunctional) -> SumcheckProverOutput<Ext> {
        maskedSumcheck(numVariables: tables[0].count.trailingZeroBitCount, degree: max(1, combination.degree), finalMasks: finalMasks,
                       lastDegree: lastDegree, offset: offset) { mask, rho, fm, transcript in
            MaskedSumcheck.prove(tables: tables, combination: combination, mask: mask, rho: rho, finalMasks: fm, transcript: &transcript)
        }
    }

    /// The bookkeeping of every masked sumcheck (slots, ρ, G*, g(r), records) around `prove`, which
    /// runs the sumcheck of the given mask, ρ and non-zero final masks (nil when all are zero).
    mutating func maskedSumcheck(numVariables n: Int, degree d: Int, finalMasks: [Ext]?, lastDegree: Int, offset: PoolFunctional,
                                 prove: (SumcheckMask<Ext>, Ext, [Ext]?, inout Transcript) -> SumcheckProverOutput<Ext>)
        -> SumcheckProverOutput<Ext> {
        let (mask, slots) = masks!.take(numVariables: n, degree: d, last: lastDegree)
        let rho = challenge("zk.mask.rho")
        let gStar = rho * mask.hypercubeSum - offset.evaluate(masks!.column)
        send("zk.mask.sum", gStar)
        masks!.linearRecords.append(LinearRecord(functional: PoolFunctional.hypercubeSum(masks!.layout, slots: slots).scaled(rho) - offset,
                                                 value: gStar))
        let fm = finalMasks.flatMap { $0.contains { !$0.isZero } ? $0 : nil }
        let out = prove(mask, rho, fm, &transcript)
        for poly in out.proof.roundPolynomials { for v in poly { v.write(to: &writer) } }
        let value = mask.evaluate(at: out.point)
        send("zk.mask.value", value)
        masks!.records.append(MaskRecord(slots: slots, point: out.point, value: value))
        return out
    }

    /// Σ_x eq(p, x)·C(tables(x)) with eq(p, ·) kept in factored form (ProofCore's
    /// `MaskedSumcheck.proveEqFactored`): the same messages and output as `sumcheck` over the tables
    /// [eq(p, ·)] + `tables` with every term of C multiplied by table 0 (`finalMasks`: one per table of
    /// C; eq gets none), at a fraction of the work.
    mutating func eqSumcheck(point: [Ext], tables: [[Ext]], combination: SumOfProducts<Ext>, finalMasks: [Ext]? = nil,
                             lastDegree: Int = 0, offset: PoolFunctional = .zero) -> SumcheckProverOutput<Ext> {
        if masks != nil {
            return maskedSumcheck(numVariables: point.count, degree: max(1, combination.degree) + 1, finalMasks: finalMasks,
                                  lastDegree: lastDegree, offset: offset) { mask, rho, fm, transcript in
                MaskedSumcheck.proveEqFactored(eqPoint: point, tables: tables, combination: combination, mask: mask, rho: rho,
                                               finalMasks: fm, transcript: &transcript)
            }
        }
        let out = MaskedSumcheck.proveEqFactored(eqPoint: point, tables: tables, combination: combination, mask: nil, rho: .zero,
                                                 transcript: &transcript)
        out.proof.write(to: &writer)
        return out
    }

    /// Mirrors the verifier's `expectPool`: records that `functional(pool)` takes its (true) value.
    mutating func recordPool(_ functional: PoolFunctional) {
        guard masks != nil, !functional.isZero else { return }
        masks!.linearRecords.append(LinearRecord(functional: functional, value: functional.evaluate(masks!.column)))
    }

    /// `count` fresh final-value masks μ (functional and value); zero when not zero-knowledge.
    mutating func finalMasks(_ count: Int) -> [(functional: PoolFunctional, value: Ext)] {
        guard masks != nil else { return Array(repeating: (.zero, .zero), count: count) }
        return masks!.takeFinal(count)
    }

    /// Turns every claim on one committed vector (masked values with pool offsets) into ONE combination
    /// claim for the opening, without revealing any single value (docs/ZK.md §2a): at a fresh random
    /// point q of the vector's random blinding entries (`blinding.place` of `blinding.count` random
    /// coordinates) the prover sends ŵ = V(q) + μ (μ a fresh final mask), then, for challenges λ_k, the
    /// combination T = V(q) + Σ_k λ_k·v_k of the true values; the verifier records that
    /// μ + Σ_k λ_k·offset_k takes the value ŵ + Σ_k λ_k v̂_k − T (checked by the pool reduction), and the
    /// opening proves V(q) + Σ_k λ_k V(p_k) = T against the combined eq weight. T is uniform: V(q) is a
    /// random combination of random entries.
    mutating func combineVector(_ vector: [Goldilocks], _ claims: [ValueClaim], blinding: BlindingPoint) -> ValueClaim {
        let hidden = combineVectorHidden(vector, claims, blinding: blinding)
        send("zk.vector.sum", hidden.total)
        recordPool(hidden.claim.offset)
        return ValueClaim(point: hidden.claim.point, value: hidden.total, terms: hidden.claim.terms)
    }

    /// `combineVector` up to T, which it does not send (protocol v15, the weights' folded-mask
    /// opening, docs/ZK.md §6 item 4): returns the hidden-offset claim (value ŵ + Σ_k λ_k v̂_k, offset
    /// μ + Σ_k λ_k·offset_k, terms λ_k at p_k) and its true value T.
    mutating func combineVectorHidden(_ vector: [Goldilocks], _ claims: [ValueClaim], blinding: BlindingPoint)
        -> (claim: ValueClaim, total: Ext) {
        let q = blinding.place(challenges("zk.vector.point", count: blinding.count))
        let mu = finalMasks(1)[0]
        let w = evaluateOnSegment(vector, at: q)
        send("zk.vector.blind", w + mu.value)
        let lambdas = challenges("zk.vector.lambda", count: claims.count)
        var total = w, masked = w + mu.value
        for (k, c) in claims.enumerated() {
            total += lambdas[k] * (c.value - c.offset.evaluate(masks!.column))
            masked += lambdas[k] * c.value
        }
        let offset = mu.functional + combine(claims.indices.map { (lambdas[$0], claims[$0].offset) })
        return (ValueClaim(point: q, value: masked, offset: offset,
                           terms: claims.indices.map { ClaimTerm(point: claims[$0].point, coefficient: lambdas[$0]) }), total)
    }

    /// The masked sumcheck of the first `ZeroKnowledge.foldedRounds` rounds of a one-polynomial
    /// vector's hidden-offset claim (protocol v15, docs/ZK.md §6 item 4): Libra-masked from the pool
    /// (degree 2), it binds the vector's low index bits to ρ and ends at the claim on
    /// G = V(· ‖ ρ) that `openFoldedMask` proves. `claim`: the combination claim on the padded
    /// vector (point of `batch.numVariables` coordinates), `total` its true value. Returns ρ, the claim
    /// on G and G's table.
    mutating func foldLowVariables(_ batch: CommittedBatch, claim: ValueClaim, total: Ext)
        -> (rho: [Ext], claim: EvaluationClaim, foldedTable: [Ext]) {
        let onVector = VectorCommitment.evaluationClaims([VectorCommitment.Opened(count: 1 << batch.numVariables, claims: [claim])])[0]
        var folded: [Ext] = []
        let out = maskedSumcheck(numVariables: ZeroKnowledge.foldedRounds, degree: 2, finalMasks: nil, lastDegree: 0,
                                 offset: claim.offset) { mask, rho, _, transcript in
            let r = MaskedSumcheck.proveLowVariables(table: batch.evaluations[0], claims: [onVector], gamma: .one, sum: total,
                                                     mask: mask, rho: rho, transcript: &transcript)
            folded = r.foldedTable
            return r.output
        }
        // eq(z_low, ρ) = 0 has probability ≤ 4/|E|; the verifier rejects such a proof.
        let bound = onVector.boundLowVariables(to: out.point, value: out.finalEvaluations[0])!
        return (out.point, bound, folded)
    }

    /// The witness's low rounds (protocol v19, docs/ZK.md §6 item 4, point 2): `claims` on the committed
    /// witness (the combination claim with T sent, the sparse pool claim; true values) and the low-round
    /// mask column's claim `lowMask` (value G*/16, `CircuitPlan.lowMaskClaim`) after sending
    /// G* = Σ L·f; draws γ and runs the `foldedRounds` **plain** rounds of degree 2 of
    /// Σ (W_c + γ·W_pool + γ²·L)·f (no pool mask: the pool claim needs no record of them), written as
    /// they go. Returns ρ, the claim on G = f(· ‖ ρ) and G's table.
    mutating func foldWitnessLowVariables(_ batch: CommittedBatch, claims: [ValueClaim], lowMask: ValueClaim, lowMaskSum: Ext)
        -> (rho: [Ext], claim: EvaluationClaim, foldedTable: [Ext]) {
        send("zk.witness.lowmask.sum", lowMaskSum)
        let all = VectorCommitment.evaluationClaims([VectorCommitment.Opened(count: 1 << batch.numVariables, claims: claims + [lowMask])])
        let gamma = challenge("zk.witness.gamma")
        let out = MaskedSumcheck.proveLowVariables(table: batch.evaluations[0], claims: all, gamma: gamma,
                                                   sum: ProverChannel.combinedValue(all, gamma), numVariables: ZeroKnowledge.foldedRounds,
                                                   transcript: &transcript)
        for poly in out.output.proof.roundPolynomials { for v in poly { v.write(to: &writer) } }
        // A zero weight on G (probability ≤ 4/|E|) is rejected by the verifier.
        let bound = EvaluationClaim.boundLowVariables(all, gamma: gamma, rho: out.output.point, batchPoint: [],
                                                      value: out.output.finalEvaluations[0])!
        return (out.output.point, bound, out.foldedTable)
    }

    /// Σ_ℓ γ^ℓ·v_ℓ over `claims` (γ ignored for one claim, as ProofCore combines them).
    static func combinedValue(_ claims: [EvaluationClaim], _ gamma: Ext) -> Ext {
        var sum = Ext.zero, g = Ext.one
        for c in claims {
            sum += g * c.value
            g *= claims.count > 1 ? gamma : .one
        }
        return sum
    }

    /// Every mask value and pool relation as one sparse claim on the pool column (protocol v14,
    /// docs/ZK.md §3): challenges λ, nothing sent; the witness's zero-knowledge opening proves
    /// Σ_x pool(x)·L(x) = Σ_k λ_k v_k. Returns the claim (pool coordinates).
    mutating func reduceMasks() -> ValueClaim? {
        guard let pool = masks, !pool.records.isEmpty || !pool.linearRecords.isEmpty else { return nil }
        let lambdas = challenges("zk.reduce.lambda", count: pool.records.count + pool.linearRecords.count)
        return pool.layout.relationClaim(pool.records, pool.linearRecords, lambdas)
    }
}

/// Where a committed vector's random blinding entries are: a point of them is `place(r)` for
/// `count` random coordinates r (a segment's global point, or the odd entries of the I/O vector).
struct BlindingPoint {
    let count: Int
    let place: ([Ext]) -> [Ext]
}

/// V(p) for a point whose leading Boolean coordinates select a block: evaluates that block only.
func evaluateOnSegment(_ vector: [Goldilocks], at p: [Ext]) -> Ext {
    var prefix = 0, block = 0
    while prefix < p.count && (p[prefix] == .zero || p[prefix] == .one) {
        block = block * 2 + (p[prefix] == .one ? 1 : 0)
        prefix += 1
    }
    let local = p.count - prefix
    return MLE.evaluate(Array(vector[(block << local)..<((block + 1) << local)]), at: Array(p[prefix...]))
}

extension VerifierChannel {
    mutating func maskedSumcheck(claim: Ext, offset: PoolFunctional, numVariables n: Int, degree: Int,
                                 lastDegree: Int) throws(ZKMLError) -> SumcheckSubClaim<Ext> {
        let slots = try masks!.take(numVariables: n, degree: max(1, degree), last: lastDegree)
        let rho = challenge("zk.mask.rho")
        let gStar = try receive("zk.mask.sum")
        masks!.linearRecords.append(LinearRecord(functional: PoolFunctional.hypercubeSum(masks!.layout, slots: slots).scaled(rho) - offset,
                                                 value: gStar))
        let sub: SumcheckSubClaim<Ext>
        do {
            var rounds: [[Ext]] = []
            for (deg, _) in slots {
                let poly = try reader.readElements(Ext.self, count: deg + 1, what: "masked sumcheck round")
                record("masked sumcheck round", poly)
                rounds.append(poly)
            }
            sub = try MaskedSumcheck.verify(claimedSum: claim + gStar, degrees: slots.map(\.degree), rounds: rounds,
                                            transcript: &transcript)
        } catch {
            throw .proof(error, at: section)
        }
        let value = try receive("zk.mask.value")
        masks!.records.append(MaskRecord(slots: slots, point: sub.point, value: value))
        return SumcheckSubClaim(point: sub.point, expectedValue: sub.expectedValue - rho * value)
    }

    /// The functionals of `count` fresh final-value masks; zero when not zero-knowledge.
    mutating func finalMasks(_ count: Int) throws(ZKMLError) -> [PoolFunctional] {
        guard masks != nil else { return Array(repeating: .zero, count: count) }
        return try masks!.takeFinal(count)
    }

    /// Records that `functional(pool)` must equal `value` (checked by the final reduction).
    mutating func expectPool(_ functional: PoolFunctional, _ value: Ext, _ what: @autoclosure () -> String) throws(ZKMLError) {
        if functional.isZero || masks == nil {
            try expect(value, .zero, what())
        } else {
            masks!.linearRecords.append(LinearRecord(functional: functional, value: value))
        }
    }

    /// Checks the combination of the claims on one committed vector of 2^n entries (see the prover's
    /// `combineVector`); returns the combination claim the opening proves.
    mutating func combineVector(_ claims: [ValueClaim], blinding: BlindingPoint) throws(ZKMLError) -> ValueClaim {
        let hidden = try combineVectorHidden(claims, blinding: blinding)
        let total = try receive("zk.vector.sum")
        try expectPool(hidden.offset, hidden.value - total, "claims on a committed vector do not combine")
        return ValueClaim(point: hidden.point, value: total, terms: hidden.terms)
    }

    /// The prover's `combineVectorHidden`: the hidden-offset combination claim, T not received.
    mutating func combineVectorHidden(_ claims: [ValueClaim], blinding: BlindingPoint) throws(ZKMLError) -> ValueClaim {
        let q = blinding.place(challenges("zk.vector.point", count: blinding.count))
        let mu = try finalMasks(1)[0]
        let blinded = try receive("zk.vector.blind")
        let lambdas = challenges("zk.vector.lambda", count: claims.count)
        var masked = blinded
        for (k, c) in claims.enumerated() { masked += lambdas[k] * c.value }
        return ValueClaim(point: q, value: masked, offset: mu + combine(claims.indices.map { (lambdas[$0], claims[$0].offset) }),
                          terms: claims.indices.map { ClaimTerm(point: claims[$0].point, coefficient: lambdas[$0]) })
    }

    /// The prover's `foldLowVariables` for a vector of 2^`numVariables` entries: checks the masked
    /// low-round sumcheck of the hidden-offset `claim` and returns ρ and the claim on G = V(· ‖ ρ).
    mutating func foldLowVariables(numVariables: Int, claim: ValueClaim) throws(ZKMLError) -> (rho: [Ext], claim: EvaluationClaim) {
        let onVector = VectorCommitment.evaluationClaims([VectorCommitment.Opened(count: 1 << numVariables, claims: [claim])])[0]
        let sub = try maskedSumcheck(claim: claim.value, offset: claim.offset, numVariables: ZeroKnowledge.foldedRounds,
                                     degree: 2, lastDegree: 0)
        guard let bound = onVector.boundLowVariables(to: sub.point, value: sub.expectedValue) else {
            throw .rejected("zero knowledge: the folded-mask challenges miss the combination point")
        }
        return (sub.point, bound)
    }

    /// The prover's `foldWitnessLowVariables` on the witness of 2^`numVariables` entries: receives G*,
    /// checks the plain low rounds of the combined claim T + γ·P + γ²·G* (`lowMask` from
    /// `CircuitPlan.lowMaskClaim` of the received G*) and returns ρ and the claim on G = f(· ‖ ρ).
    mutating func foldWitnessLowVariables(numVariables: Int, claims: [ValueClaim],
                                          lowMask: (Ext) -> ValueClaim) throws(ZKMLError) -> (rho: [Ext], claim: EvaluationClaim) {
        let gStar = try receive("zk.witness.lowmask.sum")
        let all = VectorCommitment.evaluationClaims([VectorCommitment.Opened(count: 1 << numVariables, claims: claims + [lowMask(gStar)])])
        let gamma = challenge("zk.witness.gamma")
        let sub: SumcheckSubClaim<Ext>
        do {
            var rounds: [[Ext]] = []
            for _ in 0..<ZeroKnowledge.foldedRounds {
                let poly = try reader.readElements(Ext.self, count: 3, what: "witness low round")
                record("witness low round", poly)
                rounds.append(poly)
            }
            sub = try MaskedSumcheck.verify(claimedSum: ProverChannel.combinedValue(all, gamma),
                                            degrees: [Int](repeating: 2, count: ZeroKnowledge.foldedRounds), rounds: rounds,
                                            transcript: &transcript)
        } catch {
            throw .proof(error, at: section)
        }
        guard let bound = EvaluationClaim.boundLowVariables(all, gamma: gamma, rho: sub.point, batchPoint: [], value: sub.expectedValue) else {
            throw .rejected("zero knowledge: the witness's folded-opening challenges miss the combination point")
        }
        return (sub.point, bound)
    }

    /// The sparse claim on the pool column of every mask value and pool relation (see the prover's).
    mutating func reduceMasks() throws(ZKMLError) -> ValueClaim? {
        guard let pool = masks, !pool.records.isEmpty || !pool.linearRecords.isEmpty else { return nil }
        let lambdas = challenges("zk.reduce.lambda", count: pool.records.count + pool.linearRecords.count)
        guard let claim = pool.layout.relationClaim(pool.records, pool.linearRecords, lambdas) else {
            throw .rejected("zero knowledge: the mask relations have no weight on the pool")
        }
        return claim
    }
}
