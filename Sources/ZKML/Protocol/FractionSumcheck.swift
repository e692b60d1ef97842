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

/// GKR for a sum of fractions (LogUp-GKR, Papini-Haboeck): proves Σ_i N_i / D_i over 2^n leaves as a
/// binary tree of fraction additions, one sumcheck per tree level, so no helper column (the inverses)
/// is ever committed. The verifier ends with the root fraction and a claim on N and D at one random
/// leaf point, which the caller checks against the committed columns.
///
/// Level k has 2^k nodes; node x of level k is the sum of children (x, 0) and (x, 1) of level k + 1
/// (the child bit is the last variable):
///   N_k(x) = N_{k+1}(x,0)·D_{k+1}(x,1) + N_{k+1}(x,1)·D_{k+1}(x,0),  D_k(x) = D_{k+1}(x,0)·D_{k+1}(x,1).
/// A claim N_k(ρ) + λ·D_k(ρ) becomes, by sumcheck over x with eq(ρ, x), claims on level k+1 at (r, 0)
/// and (r, 1), which a random line point μ merges into one claim at (r, μ).
enum FractionSumcheck {
    /// Proves the sum; returns the root (N, D) and the claim on the leaves.
    static func prove(numerators: [Ext], denominators: [Ext], channel: inout ProverChannel) -> (root: (Ext, Ext), leaf: LeafClaim) {
        let n = numerators.count.trailingZeroBitCount
        precondition(n >= 1 && numerators.count == 1 << n && denominators.count == numerators.count)
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
        let top = [levelsN[1][0], levelsN[1][1], levelsD[1][0], levelsD[1][1]]
        channel.send("logup.top", top)
        let root = (top[0] * top[3] + top[1] * top[2], top[2] * top[3])
        var mu = channel.challenge("logup.mu")
        var point = [mu]
        var claimN = top[0] + mu * (top[1] - top[0])
        var claimD = top[2] + mu * (top[3] - top[2])
        var offN = PoolFunctional.zero, offD = PoolFunctional.zero
        for level in 1..<n {
            let lambda = channel.challenge("logup.lambda")
            let size = 1 << level
            let cn = levelsN[level + 1], cd = levelsD[level + 1]
            var ne = [Ext](repeating: .zero, count: size), no = ne, de = ne, dOdd = ne
            for x in 0..<size {
                ne[x] = cn[2 * x]; no[x] = cn[2 * x + 1]
                de[x] = cd[2 * x]; dOdd[x] = cd[2 * x + 1]
            }
            let eq = MLE.eqTable(point)
            let combination = FractionSumcheck.combination(lambda)
            // The children's values at the sumcheck point are masked (docs/ZK.md §2a).
            let fm = channel.finalMasks(4)
            let out = channel.sumcheck(tables: [eq, ne, no, de, dOdd], combination: combination,
                                       finalMasks: [.zero] + fm.map(\.value), lastDegree: ZKDegrees.fraction,
                                       offset: offN + offD.scaled(lambda))
            let finals = Array(out.finalEvaluations[1...4])
            channel.send("logup.children", finals)
            let kappa = MaskedSumcheck.finalMaskFactor(out.point)
            mu = channel.challenge("logup.mu")
            point = out.point + [mu]
            claimN = finals[0] + mu * (finals[1] - finals[0])
            claimD = finals[2] + mu * (finals[3] - finals[2])
            offN = combine([(kappa * (Ext.one - mu), fm[0].functional), (kappa * mu, fm[1].functional)])
            offD = combine([(kappa * (Ext.one - mu), fm[2].functional), (kappa * mu, fm[3].functional)])
        }
        return (root, LeafClaim(point: point, numerator: claimN, denominator: claimD, numeratorOffset: offN, denominatorOffset: offD))
        return (root, LeafClaim(point: point, numerator: claimN, denominator: claimD))
    }

    /// eq·N0·D1 + eq·N1·D0 + λ·eq·D0·D1 over tables [eq, N0, N1, D0, D1].
    static func combination(_ lambda: Ext) -> SumOfProducts<Ext> {
        SumOfProducts(terms: [
            ProductTerm(factors: [0, 1, 4]),
            ProductTerm(factors: [0, 2, 3]),
            ProductTerm(coefficient: lambda, factors: [0, 3, 4]),
        ], tableCount: 5)
    }

    /// Checks a fraction-tree proof over 2^logSize leaves; returns the root and the leaf claim.
    static func verify(logSize n: Int, channel: inout VerifierChannel) throws(ZKMLError) -> (root: (Ext, Ext), leaf: LeafClaim) {
        guard n >= 1 else { throw .invalidArchitecture("a fraction tree needs at least 2 leaves") }
        let top = try channel.receive("logup.top", count: 4)
        let root = (top[0] * top[3] + top[1] * top[2], top[2] * top[3])
        var mu = channel.challenge("logup.mu")
        var point = [mu]
        var claimN = top[0] + mu * (top[1] - top[0])
        var claimD = top[2] + mu * (top[3] - top[2])
        var offN = PoolFunctional.zero, offD = PoolFunctional.zero
        for level in 1..<n {
            let lambda = channel.challenge("logup.lambda")
            let fm = try channel.finalMasks(4)
            let sub = try channel.sumcheck(claim: claimN + lambda * claimD, offset: offN + offD.scaled(lambda), numVariables: level,
                                           degree: 3, lastDegree: ZKDegrees.fraction)
            let f = try channel.receive("logup.children", count: 4)
            let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
            let eq = MLE.eq(point, sub.point)
            let expected = eq * (f[0] * f[3] + f[1] * f[2] + lambda * f[2] * f[3])
            try channel.expect(expected, sub.expectedValue, "fraction tree level \(level) does not match its children")
            mu = channel.challenge("logup.mu")
            point = sub.point + [mu]
            claimN = f[0] + mu * (f[1] - f[0])
            claimD = f[2] + mu * (f[3] - f[2])
            offN = combine([(kappa * (Ext.one - mu), fm[0]), (kappa * mu, fm[1])])
            offD = combine([(kappa * (Ext.one - mu), fm[2]), (kappa * mu, fm[3])])
        }
        return (root, LeafClaim(point: point, numerator: claimN, denominator: claimD, numeratorOffset: offN, denominatorOffset: offD))
    }
}
