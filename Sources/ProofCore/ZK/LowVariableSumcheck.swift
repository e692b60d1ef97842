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
        precondition(mask.coefficients.allSatisfy { !$0.isEmpty }, "one univariate per variable")
        return lowVariableRounds(table: table, claims: claims, gamma: gamma, sum: sum, numVariables: mask.numVariables,
                                 degrees: mask.coefficients.map { max(2, $0.count - 1) }, mask: mask, rho: rho, transcript: &transcript)
    }

    /// The same k low rounds **without a mask** (protocol v19's witness opening, docs/ZK.md §6 item 4:
    /// the claims themselves carry a claim-free random column whose weight hides the rounds): a plain
    /// sumcheck of degree 2 of h(x_low) = Σ_y W(y, x_low)·V(y, x_low), W = Σ_ℓ γ^ℓ W_ℓ (`gamma` ignored
    /// for one claim; sparse blocks allowed). `MaskedSumcheck.verify(claimedSum: sum, degrees: [2, …])`
    /// (k entries) checks it. Returns the proof, the challenges in binding order (ρ_1 first), as
    /// `finalEvaluations` [h(r)] (the `value` of `EvaluationClaim.boundLowVariables(_:gamma:rho:batchPoint:value:)`),
    /// the claimed sum, and G = V(· ‖ r_k, …, r_1)'s table.
    public static func proveLowVariables(table: [Goldilocks], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                         numVariables k: Int, transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        lowVariableRounds(table: table, claims: claims, gamma: gamma, sum: sum, numVariables: k,
                          degrees: [Int](repeating: 2, count: k), mask: nil, rho: .zero, transcript: &transcript)
    }

    /// The k low rounds of Σ W·V, masked by `mask` (nil: plain), with the rounds' `degrees` (≥ 2).
    static func lowVariableRounds(table: [Goldilocks], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                  numVariables k: Int, degrees: [Int], mask: SumcheckMask<GoldilocksExt2>?, rho: GoldilocksExt2,
                                  transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        typealias E = GoldilocksExt2
        let n = table.count.trailingZeroBitCount
        precondition(table.count == 1 << n && k >= 1 && k <= n && degrees.count == k, "1 … n low variables over a power-of-two table")
        precondition(claims.allSatisfy { $0.point.count == n && $0.terms.allSatisfy { $0.point.count == n }
                                         && $0.sparse?.malformation(numVariables: n) == nil }, "claims on the table")
        var direct = DirectFolding(table: table, claims: claims, gamma: claims.count > 1 ? gamma : .one)
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

extension MaskedSumcheck {
    /// The hidden part of a folded-mask opening of B ≥ 1 batches of one size
    /// (`PolynomialCommitment.openFoldedMask(_:rho:batchPoint:…)`): the masked sumcheck of
    /// Σ_b Σ_x W_b(x)·V_b(x) over the k lowest index bits of every V_b, then the m = ⌈log2 B⌉ bits of
    /// the batch index b (bit 0 first; batches B … 2^m − 1 are zero). W_b = Σ_(ℓ on b) γ^ℓ W_ℓ: `claims`
    /// name their batch (`batch` indexes `tables`), listed batch by batch (every batch at least one
    /// claim, batches in increasing order), combined with powers of `gamma` over the whole list (γ
    /// ignored for one claim); sparse blocks allowed (several per batch: the bound claim merges them). `sum` = Σ_ℓ γ^ℓ v_ℓ, the true combined value. `mask`
    /// has k + m variables (k ≥ 1). Every round has degree 2 (a product of two multilinear functions of
    /// the round's variable) or the mask's degree. Returns the proof; the challenges (ρ_1 … ρ_k, then
    /// the batch point r_1 … r_m: `rho` and `batchPoint` of the opening); as `finalEvaluations`
    /// [Σ_y W̃(y)·G̃(y)], W̃(y) = Σ_b e_b·W_b(y, ρ′), G̃ = Σ_b e_b·V_b(· ‖ ρ_k, …, ρ_1), e_b = eq(b, r)
    /// (the value of `EvaluationClaim.boundLowVariables(_:gamma:rho:batchPoint:value:)`); the claimed
    /// sum; and G̃'s table (the opening's `foldedTable`). One batch gives exactly
    /// `proveLowVariables(table:…)`'s proof.
    public static func proveLowVariables(tables: [[Goldilocks]], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                         mask: SumcheckMask<GoldilocksExt2>, rho: GoldilocksExt2, transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        checkBatches(tables, claims)
        let m = PolynomialCommitment.batchVariables(tables.count)
        precondition(mask.numVariables > m && mask.coefficients.allSatisfy { !$0.isEmpty }, "a mask of k + ⌈log2 B⌉ variables, k ≥ 1")
        return batchedLowVariableRounds(tables: tables, claims: claims, gamma: gamma, sum: sum, lowVariables: mask.numVariables - m,
                                        degrees: mask.coefficients.map { max(2, $0.count - 1) }, mask: mask, rho: rho,
                                        transcript: &transcript)
    }

    /// Σ_ℓ scale_ℓ·W_ℓ(y, ρ′) as a table over y (n − k coordinates; ρ[s] binds coordinate n − 1 − s),
    /// sparse blocks included.
    static func claimWeightTable(_ claims: [(EvaluationClaim, GoldilocksExt2)], rho: [GoldilocksExt2]) -> [GoldilocksExt2] {
        var table = [GoldilocksExt2]()
        for (c, scale) in claims {
            for (z, coefficient) in c.weightTerms {
                let hi = Array(z[..<(z.count - rho.count)])
                let e = MLE.eqTable(hi, scaledBy: scale * coefficient * EvaluationClaim.lowWeight(z, rho))
                if table.isEmpty { table = e } else { for i in table.indices { table[i] += e[i] } }
            }
            if let bound = c.sparse?.boundLowVariables(to: rho, scale: scale) {
                for t in 0..<bound.count { table[bound.globalIndex(t)] += bound.coefficients[t] }
            }
        }
        return table
    }

    /// The round polynomial at 0, 1, 2 of Σ_i Σ_y W_i(y)·G_i(y) in the lowest bit of i (pairs 2i, 2i + 1).
    static func batchRound(_ gs: [[GoldilocksExt2]], _ ws: [[GoldilocksExt2]]) -> [GoldilocksExt2] {
        var s = [GoldilocksExt2](repeating: .zero, count: 3)
        for i in stride(from: 0, to: gs.count, by: 2) {
            let (g0, g1, w0, w1) = (gs[i], gs[i + 1], ws[i], ws[i + 1])
            for y in g0.indices {
                s[0] += w0[y] * g0[y]
                s[1] += w1[y] * g1[y]
                s[2] += (w1[y].doubled() - w0[y]) * (g1[y].doubled() - g0[y])
            }
        }
        return s
    }

    /// Tables 2i and 2i + 1 folded into t_2i + r·(t_(2i+1) − t_2i).
    static func foldPairs(_ ts: [[GoldilocksExt2]], _ r: GoldilocksExt2) -> [[GoldilocksExt2]] {
        stride(from: 0, to: ts.count, by: 2).map { i in
            let (a, b) = (ts[i], ts[i + 1])
            return a.indices.map { a[$0] + r * (b[$0] - a[$0]) }
        }
    }
}

extension MaskedSumcheck {
    /// The **mask-free** form of `proveLowVariables(tables:…mask:…)` (protocol v19's merged witness
    /// opening, docs/ZK.md §6 item 4 point 3: the rounds are hidden by a claim-free random column that
    /// the claims themselves weigh — the witness's Z column —, not by a Libra mask): the plain sumcheck
    /// of Σ_b Σ_x W_b(x)·V_b(x) over the k = `lowVariables` lowest index bits of every V_b, then the
    /// m = ⌈log2 B⌉ bits of the batch index (bit 0 first; batches B … 2^m − 1 are zero), every round of
    /// degree 2. `claims` name their batch (listed batch by batch, every batch at least one claim),
    /// combined with powers of `gamma` over the whole list (γ ignored for one claim); sparse blocks
    /// allowed, several per batch (`EvaluationClaim.boundLowVariables(_:gamma:rho:batchPoint:value:)`
    /// merges them). `sum` = Σ_ℓ γ^ℓ v_ℓ, the true combined value. The verifier is
    /// `MaskedSumcheck.verify(claimedSum: sum, degrees: [2] × (k + m), …)`; its sub-claim's expected
    /// value is the bound claim's `value` (no mask to subtract). Returns the proof; the challenges
    /// (ρ_1 … ρ_k, then the batch point r_1 … r_m: `rho` and `batchPoint` of
    /// `PolynomialCommitment.openFoldedMask(_:rho:batchPoint:…)`); as `finalEvaluations`
    /// [Σ_y W̃(y)·G̃(y)] (W̃, G̃ as in the masked form); the claimed sum; and G̃'s table (the opening's
    /// `foldedTable`). One batch gives exactly `proveLowVariables(table:claims:gamma:sum:numVariables:transcript:)`'s
    /// proof (the masked form with a zero mask of degree 2 gives the same rounds).
    public static func proveLowVariables(tables: [[Goldilocks]], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                         lowVariables k: Int, transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        checkBatches(tables, claims)
        let m = PolynomialCommitment.batchVariables(tables.count)
        return batchedLowVariableRounds(tables: tables, claims: claims, gamma: gamma, sum: sum, lowVariables: k,
                                        degrees: [Int](repeating: 2, count: k + m), mask: nil, rho: .zero, transcript: &transcript)
    }

    /// Traps unless the batches have one size and the claims are listed batch by batch, at least one per batch.
    static func checkBatches(_ tables: [[Goldilocks]], _ claims: [EvaluationClaim]) {
        precondition(!tables.isEmpty && tables.allSatisfy { $0.count == tables[0].count }, "batches of one size")
        precondition(claims.map(\.batch) == claims.map(\.batch).sorted() && Set(claims.map(\.batch)) == Set(0..<tables.count),
                     "claims listed batch by batch, at least one per batch")
    }

    /// The k low rounds and the ⌈log2 B⌉ batch rounds of Σ_b Σ_x W_b(x)·V_b(x), masked by `mask`
    /// (k + m variables) or plain (`mask` nil), round i of degree `degrees[i]` ≥ 2. One batch (m = 0)
    /// is the single-table `lowVariableRounds(table:…)` (`proveLowVariables(table:…)`, masked or not).
    static func batchedLowVariableRounds(tables: [[Goldilocks]], claims: [EvaluationClaim], gamma: GoldilocksExt2, sum: GoldilocksExt2,
                                         lowVariables k: Int, degrees: [Int], mask: SumcheckMask<GoldilocksExt2>?, rho: GoldilocksExt2,
                                         transcript: inout Transcript)
        -> (output: SumcheckProverOutput<GoldilocksExt2>, foldedTable: [GoldilocksExt2]) {
        typealias E = GoldilocksExt2
        if tables.count == 1 {
            return lowVariableRounds(table: tables[0], claims: claims, gamma: gamma, sum: sum, numVariables: k, degrees: degrees,
                                     mask: mask, rho: rho, transcript: &transcript)
        }
        let batchCount = tables.count, m = PolynomialCommitment.batchVariables(batchCount)
        let n = tables[0].count.trailingZeroBitCount
        precondition(tables[0].count == 1 << n && k >= 1 && k <= n && degrees.count == k + m && degrees.allSatisfy { $0 >= 2 },
                     "1 ≤ k ≤ n low variables and a degree ≥ 2 per round")
        precondition(claims.allSatisfy { c in c.point.count == n && c.terms.allSatisfy { $0.point.count == n }
                                         && c.sparse?.malformation(numVariables: n) == nil }, "claims of n coordinates")
        let g = claims.count > 1 ? gamma : E.one
        // Per batch: its claims' DirectFolding (powers of γ from 0) and γ^(its first claim's index).
        var directs = [DirectFolding](), scales = [E](), powers = [E]()
        var power = E.one
        for _ in claims { powers.append(power); power *= g }
        for b in 0..<batchCount {
            let first = claims.firstIndex { $0.batch == b }!
            directs.append(DirectFolding(table: tables[b], claims: claims.filter { $0.batch == b }, gamma: g))
            scales.append(powers[first])
        }
        // Each batch's own sum (batch 0's from `sum`, so a false `sum` is carried as the single-batch
        // prover carries it).
        var batchSums = [E](repeating: .zero, count: batchCount)
        var rest = sum
        for b in 1..<batchCount {
            batchSums[b] = directs[b].weightedSum()
            rest -= scales[b] * batchSums[b]
        }
        batchSums[0] = rest  // scales[0] = γ^0: batch 0's first claim is the list's first

        // After the k rounds: each batch's G_b and W_b(·, ρ′) as tables, padded to 2^m batches.
        var gs = [[E]](), ws = [[E]]()
        var point = [E]()
        var batchEvals = [[E]](repeating: [], count: batchCount)
        let (rounds, challenges, claimedSum) = proveRounds(numVariables: k + m, degrees: degrees, mask: mask, rho: rho, transcript: &transcript,
                                                           evaluations: { round, deg, _ in
            var evals: [E]
            if round < k {
                evals = [.zero, .zero, .zero]
                for b in 0..<batchCount {
                    batchEvals[b] = directs[b].roundEvaluations(claim: batchSums[b])
                    for x in 0..<3 { evals[x] += scales[b] * batchEvals[b][x] }
                }
            } else {
                if round == k {
                    gs = directs.map { $0.currentTable() }
                    ws = (0..<batchCount).map { b in
                        claimWeightTable(claims.indices.filter { claims[$0].batch == b }.map { (claims[$0], powers[$0]) }, rho: point)
                    }
                    let zero = [E](repeating: .zero, count: gs[0].count)
                    while gs.count < 1 << m { gs.append(zero); ws.append(zero) }
                }
                evals = batchRound(gs, ws)
            }
            if deg > 2 {
                let known = evals
                for x in 3...deg { evals.append(interpolateAtIntegerNodes(known, at: E(integer: x))) }
            }
            return evals
        }, bind: { round, r in
            point.append(r)
            if round < k {
                for b in 0..<batchCount {
                    batchSums[b] = interpolateAtIntegerNodes(batchEvals[b], at: r)
                    directs[b].fold(r)
                }
            } else {
                gs = foldPairs(gs, r)
                ws = foldPairs(ws, r)
            }
        })
        let last = MLE.innerProduct(ws[0], gs[0])
        return (SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: challenges, finalEvaluations: [last],
                                     claimedSum: claimedSum), gs[0])
    }
}
