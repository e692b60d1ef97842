extension MaskedSumcheck {
    /// The first k rounds of the sumcheck of Σ_x W(x)·V(x), binding V's k **lowest index bits** (its
    /// last coordinates, in the order Basefold's rounds bind them) — the hidden part of a folded-mask
    /// opening (docs/ZK.md §6 item 4, `PolynomialCommitment.openFoldedMask`). W = Σ_ℓ γ^ℓ (eq(z_ℓ, ·) +
    /// Σ_t c_ℓt·eq(z_ℓt, ·)) are `claims` on V (γ = `gamma`, ignored for one claim; W is kept in
    /// product form, never as a table) and `sum` = Σ_x W(x)·V(x), their true combined value. It is a
    /// masked sumcheck (Libra: Σ h + ρ·g, `mask` of k variables) of the k-variable polynomial
    /// h(x_low) = Σ_y W(y, x_low)·V(y, x_low): round i's polynomial has degree
    /// max(2, `mask.coefficients[i].count − 1`), and `MaskedSumcheck.verify` with those degrees and
    /// claimed sum `sum + ρ·G` (G = the mask's hypercube sum) checks it. Returns the proof, the
    /// challenges in binding order (ρ_1 first: the `rho` of `openFoldedMask`), as `finalEvaluations`
    /// [h(r)] = [Σ_y W(y, r)·G(y)] (the value of the claims on G, `EvaluationClaim.boundLowVariables`),
    /// the claimed sum, and G = V(· ‖ r_k, …, r_1)'s evaluation table (`openFoldedMask(foldedTable:)`).
    public static func proveLowVariables(table: [Goldilocks], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                         mask: SumcheckMask<GoldilocksExt2>, rho: GoldilocksExt2, transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        typealias E = GoldilocksExt2
        let n = table.count.trailingZeroBitCount, k = mask.numVariables
        precondition(table.count == 1 << n && k >= 1 && k <= n && mask.coefficients.allSatisfy { !$0.isEmpty },
                     "a mask of 1 … n variables over a power-of-two table")
        precondition(claims.allSatisfy { $0.point.count == n && $0.terms.allSatisfy { $0.point.count == n }
                                         && $0.sparse?.malformation(numVariables: n) == nil }, "claims on the table")
        var direct = DirectFolding(table: table, claims: claims, gamma: claims.count > 1 ? gamma : .one)
        let degrees = mask.coefficients.map { max(2, $0.count - 1) }
        let (rounds, point, claimedSum) = proveRounds(numVariables: k, degrees: degrees, mask: mask, rho: rho, transcript: &transcript,
                                                      evaluations: { _, deg, current in
            var evals = direct.roundEvaluations(claim: current ?? sum)
            if deg > 2 {
                let known = evals
                for x in 3...deg { evals.append(interpolateAtIntegerNodes(known, at: E(integer: x))) }
            }
            return evals
        }, bind: { _, r in direct.fold(r) })
        let folded = direct.currentTable()
        let last = direct.weightedSum()
        return (SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [last],
                                     claimedSum: claimedSum), folded)
    }
}
