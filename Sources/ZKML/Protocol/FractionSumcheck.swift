import ProofCore

/// A claim on the leaves of a fraction tree: the leaves' numerator and denominator extensions at `point`.
/// In zero-knowledge mode both values are masked: the true values are `value − offset(pool)`.
struct LeafClaim {
    var point: [Ext]
    var numerator: Ext
    var denominator: Ext
    var numeratorOffset: PoolFunctional = .zero
    var denominatorOffset: PoolFunctional = .zero
}

/// GKR for a sum of fractions (LogUp-GKR, Papini-Haboeck) that must be zero: proves Σ_i N_i / D_i = 0
/// over 2^n leaves as a binary tree of fraction additions, one sumcheck per tree level, so no helper
/// column (the inverses) is ever committed. The lookups use one tree whose first half is the lookups
/// (numerator 1) and whose second half is the tables (numerator −multiplicity): the lookups are in
/// their tables iff the root numerator is 0. No value of the tree is sent in the clear: the root is a
/// sumcheck too (docs/ZK.md §2b). The verifier ends with a claim on N and D at one random leaf point,
/// which the caller checks against the committed columns.
///
/// Level k has 2^k nodes; node x of level k is the sum of children (x, 0) and (x, 1) of level k + 1
/// (the child bit is the last variable):
///   N_k(x) = N_{k+1}(x,0)·D_{k+1}(x,1) + N_{k+1}(x,1)·D_{k+1}(x,0),  D_k(x) = D_{k+1}(x,0)·D_{k+1}(x,1).
/// The root: N_0 = Σ_{x∈{0,1}} N_1(x)·D_1(1 − x) = 0, a one-variable sumcheck that ends in claims on
/// N_1 at r and on D_1 at 1 − r. A claim N_k(p_N) + λ·D_k(p_D) becomes, by sumcheck over x with
/// eq(p_N, x) and eq(p_D, x), claims on level k+1 at (r, 0) and (r, 1), which a random line point μ
/// merges into one claim at (r, μ); after level 1 the two points coincide.
///
/// Soundness of "root numerator 0": N_0 = Σ_i N_i·Π_{j≠i} D_j, which is 0 iff Σ N_i/D_i = 0 when every
/// leaf denominator is non-zero. Every leaf denominator is 1 or β − (a combination of committed or public
/// values fixed before β), so one is zero with probability at most 2^n/|E|.
enum FractionSumcheck {
    /// Proves that the fractions sum to zero; returns the claim on the leaves.
    static func prove(numerators: [Ext], denominators: [Ext], channel: inout ProverChannel) -> LeafClaim {
        let n = numerators.count.trailingZeroBitCount
        precondition(n >= 2 && numerators.count == 1 << n && denominators.count == numerators.count)
        // levels[k] = (N_k, D_k) for k = 1 ... n.
        var levelsN = [[Ext]](repeating: [], count: n + 1)
        var levelsD = [[Ext]](repeating: [], count: n + 1)
        levelsN[n] = numerators
        levelsD[n] = denominators
        var k = n
        while k > 1 {
            let half = 1 << (k - 1)
            var nn = [Ext](repeating: .zero, count: half)
            var dd = [Ext](repeating: .zero, count: half)
            let cn = levelsN[k], cd = levelsD[k]
            for x in 0..<half {
                let n0 = cn[2 * x], n1 = cn[2 * x + 1], d0 = cd[2 * x], d1 = cd[2 * x + 1]
                nn[x] = n0 * d1 + n1 * d0
                dd[x] = d0 * d1
            }
            levelsN[k - 1] = nn
            levelsD[k - 1] = dd
            k -= 1
        }
        // The root: Σ_x N_1(x)·D_1(1 − x) = 0, its two finals masked.
        let rm = channel.finalMasks(2)
        let root = channel.sumcheck(tables: [levelsN[1], [levelsD[1][1], levelsD[1][0]]], combination: .product(of: 2),
                                    finalMasks: rm.map(\.value), lastDegree: ZKDegrees.fractionRoot)
        channel.send("logup.root", root.finalEvaluations)
        let r = root.point[0]
        let kappa0 = MaskedSumcheck.finalMaskFactor(root.point)
        var pointN = [r], pointD = [Ext.one - r]
        var claimN = root.finalEvaluations[0], claimD = root.finalEvaluations[1]
        var offN = rm[0].functional.scaled(kappa0), offD = rm[1].functional.scaled(kappa0)
        for level in 1..<n {
            let lambda = channel.challenge("logup.lambda")
            let size = 1 << level
            let cn = levelsN[level + 1], cd = levelsD[level + 1]
            var ne = [Ext](repeating: .zero, count: size), no = ne, de = ne, dOdd = ne
            for x in 0..<size {
                ne[x] = cn[2 * x]; no[x] = cn[2 * x + 1]
                de[x] = cd[2 * x]; dOdd[x] = cd[2 * x + 1]
            }
            let twoPoints = pointN != pointD
            // The children's values at the sumcheck point are masked (docs/ZK.md §2a).
            let fm = channel.finalMasks(4)
            let out: SumcheckProverOutput<Ext>
            if twoPoints {
                let eqs = [MLE.eqTable(pointN), MLE.eqTable(pointD)]
                out = channel.sumcheck(tables: eqs + [ne, no, de, dOdd], combination: FractionSumcheck.twoPointCombination(lambda),
                                       finalMasks: [.zero, .zero] + fm.map(\.value), lastDegree: ZKDegrees.fraction,
                                       offset: offN + offD.scaled(lambda))
            } else {
                // One point: eq(p, ·) factors out of every term (the same messages, less work).
                out = channel.eqSumcheck(point: pointN, tables: [ne, no, de, dOdd], combination: FractionSumcheck.innerCombination(lambda),
                                         finalMasks: fm.map(\.value), lastDegree: ZKDegrees.fraction, offset: offN + offD.scaled(lambda))
            }
            let eqCount = twoPoints ? 2 : 1
            let finals = Array(out.finalEvaluations[eqCount...])
            channel.send("logup.children", finals)
            let kappa = MaskedSumcheck.finalMaskFactor(out.point)
            let mu = channel.challenge("logup.mu")
            pointN = out.point + [mu]
            pointD = pointN
            claimN = finals[0] + mu * (finals[1] - finals[0])
            claimD = finals[2] + mu * (finals[3] - finals[2])
            offN = combine([(kappa * (Ext.one - mu), fm[0].functional), (kappa * mu, fm[1].functional)])
            offD = combine([(kappa * (Ext.one - mu), fm[2].functional), (kappa * mu, fm[3].functional)])
        }
        return LeafClaim(point: pointN, numerator: claimN, denominator: claimD, numeratorOffset: offN, denominatorOffset: offD)
    }

    /// eqN·N0·D1 + eqN·N1·D0 + λ·eqD·D0·D1 over tables [eqN, eqD, N0, N1, D0, D1] (the level below the
    /// root, whose numerator and denominator claims sit at r and 1 − r).
    static func twoPointCombination(_ lambda: Ext) -> SumOfProducts<Ext> {
        SumOfProducts(terms: [
            ProductTerm(factors: [0, 2, 5]),
            ProductTerm(factors: [0, 3, 4]),
            ProductTerm(coefficient: lambda, factors: [1, 4, 5]),
        ], tableCount: 6)
    }

    /// N0·D1 + N1·D0 + λ·D0·D1 over tables [N0, N1, D0, D1]: a level's relation without its eq factor
    /// (the prover's `eqSumcheck`; the verifier checks eq·(this) at the sumcheck point).
    static func innerCombination(_ lambda: Ext) -> SumOfProducts<Ext> {
        SumOfProducts(terms: [
            ProductTerm(factors: [0, 3]),
            ProductTerm(factors: [1, 2]),
            ProductTerm(coefficient: lambda, factors: [2, 3]),
        ], tableCount: 4)
    }

    /// Checks a fraction-tree proof over 2^logSize leaves whose fractions sum to zero; returns the leaf claim.
    static func verify(logSize n: Int, channel: inout VerifierChannel) throws(ZKMLError) -> LeafClaim {
        guard n >= 2 else { throw .invalidArchitecture("a lookup tree needs at least 4 leaves") }
        let rm = try channel.finalMasks(2)
        let root = try channel.sumcheck(claim: .zero, numVariables: 1, degree: 2, lastDegree: ZKDegrees.fractionRoot)
        let f0 = try channel.receive("logup.root", count: 2)
        try channel.expect(f0[0] * f0[1], root.expectedValue, "the lookups are not all in their tables")
        let r = root.point[0]
        let kappa0 = MaskedSumcheck.finalMaskFactor(root.point)
        var pointN = [r], pointD = [Ext.one - r]
        var claimN = f0[0], claimD = f0[1]
        var offN = rm[0].scaled(kappa0), offD = rm[1].scaled(kappa0)
        for level in 1..<n {
            let lambda = channel.challenge("logup.lambda")
            let fm = try channel.finalMasks(4)
            let sub = try channel.sumcheck(claim: claimN + lambda * claimD, offset: offN + offD.scaled(lambda), numVariables: level,
                                           degree: 3, lastDegree: ZKDegrees.fraction)
            let f = try channel.receive("logup.children", count: 4)
            let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
            let expected = MLE.eq(pointN, sub.point) * (f[0] * f[3] + f[1] * f[2]) + lambda * MLE.eq(pointD, sub.point) * f[2] * f[3]
            try channel.expect(expected, sub.expectedValue, "fraction tree level \(level) does not match its children")
            let mu = channel.challenge("logup.mu")
            pointN = sub.point + [mu]
            pointD = pointN
            claimN = f[0] + mu * (f[1] - f[0])
            claimD = f[2] + mu * (f[3] - f[2])
            offN = combine([(kappa * (Ext.one - mu), fm[0]), (kappa * mu, fm[1])])
            offD = combine([(kappa * (Ext.one - mu), fm[2]), (kappa * mu, fm[3])])
        }
        return LeafClaim(point: pointN, numerator: claimN, denominator: claimD, numeratorOffset: offN, denominatorOffset: offD)
    }
}

/// The lookup tree's leaf claim at (c, ρ), split into its halves: the lookups at ρ (first half) and the
/// tables at ρ (second half, numerator −multiplicity). N(c, ρ) = (1 − c)·N_lookups(ρ) − c·m̃(ρ), where m̃ is
/// the multiplicity column (laid out like `tableLayout`, 2^nT entries) zero-padded to 2^treeLog entries.
enum LookupLeaves {
    /// The claim on the committed multiplicity column that the leaf numerator implies:
    /// m(ρ_low) = ((1 − c)·N_lookups(ρ) − N(c, ρ)) / (c·pad(ρ)), pad(ρ) = Π (1 − ρ_i) over the padding bits,
    /// with the leaf's offset scaled alike. Nil when c·pad(ρ) = 0 (probability 2^-127).
    static func multiplicityClaim(_ plan: CircuitPlan, _ leaf: LeafClaim, lookupNumerator: Ext)
        -> (point: [Ext], value: Ext, offset: PoolFunctional)? {
        let c = leaf.point[0]
        let rho = Array(leaf.point.dropFirst())
        let padBits = plan.treeLog - plan.tableLayout.logTotal
        var scale = c
        for i in 0..<padBits { scale *= Ext.one - rho[i] }
        guard let inverse = scale.inverse() else { return nil }
        return (Array(rho[padBits...]), ((Ext.one - c) * lookupNumerator - leaf.numerator) * inverse,
                leaf.numeratorOffset.scaled(-inverse))
    }
}
