/// The verifier's Basefold checks shared by a size class (`verifyClass`) and the folded-mask opening
/// (`verifyFoldedMask`): the folding rounds, the claims' weight at the folding point, and a query's
/// walk from its first committed leaf through the folded layers to the final polynomial.
extension PolynomialCommitment {
    /// W(b, ρ_T, …, ρ_1) summed against the final polynomial's evaluations for one point z of W's
    /// terms (n = z.count variables, `rhos` the T folding challenges): a Boolean prefix of the final
    /// polynomial's coordinates picks one evaluation; otherwise the eq table's inner product.
    static func pointWeight(_ z: [E], finalEvaluations: [E], rhos: [E]) -> E {
        let n = z.count, folded = rhos.count, remaining = n - folded
        var top = 0
        var booleanTop = true
        for c in z[0..<remaining] where booleanTop {
            if c == .zero || c == .one { top = top << 1 | (c == .one ? 1 : 0) } else { booleanTop = false }
        }
        var term = booleanTop ? finalEvaluations[top] : MLE.innerProduct(finalEvaluations, MLE.eqTable(Array(z[0..<remaining])))
        for i in 0..<folded {
            // eq(c, ρ) = 1 − c − ρ + 2cρ, without the two one-element arrays of `MLE.eq`.
            let (c, rho) = (z[n - 1 - i], rhos[i])
            term *= c == .one ? rho : c == .zero ? E.one - rho : E.one - c - rho + (c * rho).doubled()
        }
        return term
    }

    /// What a direct opening's last claim must be: Σ_ℓ γ^ℓ (eq(z_ℓ, ·) + Σ_t c_t·eq(z_ℓt, ·) + sparse
    /// terms) summed against the final polynomial at the folding point; a claim's `SparseWeight` in one
    /// pass over its entries (eq over the folded coordinates, whose point order is ρ_T, …, ρ_1, and the
    /// final evaluation its top bits pick).
    static func directWeight(_ claims: [EvaluationClaim], gammas: [E], finalEvaluations: [E], rhos: [E]) -> E {
        let inner = Array(rhos.reversed())
        var expected = E.zero
        for (l, c) in claims.enumerated() {
            var w = pointWeight(c.point, finalEvaluations: finalEvaluations, rhos: rhos)
            for t in c.terms { w += t.coefficient * pointWeight(t.point, finalEvaluations: finalEvaluations, rhos: rhos) }
            if let sparse = c.sparse { w += sparse.contract(inner: inner) { finalEvaluations[$0] } }
            expected += gammas[l] * w
        }
        return expected
    }

    /// Checks Basefold's folding rounds (3 evaluations each, s(0) + s(1) = the running claim) against
    /// `claim`, absorbing each round, drawing its challenge, and absorbing layer root g after round
    /// (g + 1)·k (all but the last layer; the caller checks `layerRoots`' count). Returns the
    /// challenges and the last claim.
    /// The rounds-to-final part of a Basefold opening of `n` variables, shared by every opening form:
    /// checks the round and layer-root counts, runs the rounds (`verifyBasefoldRounds`), checks the
    /// final polynomial's size and absorbs it. Returns the folding challenges, the last claim and the
    /// final polynomial's evaluations over its hypercube.
    static func verifyBasefoldTail(n: Int, parameters: CommitmentParameters, rounds: [[E]], layerRoots: [Digest],
                                   finalCoefficients: [E], claim: E, transcript: inout Transcript)
        throws(ProofError) -> (rhos: [E], claim: E, finalEvaluations: [E]) {
        let k = parameters.foldingLog
        let folded = parameters.foldedVariables(n)
        let layers = folded / k
        guard rounds.count == folded else { throw .wrongRoundCount(expected: folded, actual: rounds.count) }
        guard layerRoots.count == max(0, layers - 1) else {
            throw .shapeMismatch("\(layerRoots.count) layer roots, expected \(max(0, layers - 1))")
        }
        let (rhos, last) = try verifyBasefoldRounds(rounds, claim: claim, foldingLog: k, layerRoots: layerRoots, transcript: &transcript)
        guard finalCoefficients.count == 1 << (n - folded) else {
            throw .shapeMismatch("\(finalCoefficients.count) final coefficients, expected \(1 << (n - folded))")
        }
        transcript.absorb("pcs.final", elements: finalCoefficients)
        var finalEvaluations = finalCoefficients
        MLE.coefficientsToEvaluations(&finalEvaluations)
        return (rhos, last, finalEvaluations)
    }

    static func verifyBasefoldRounds(_ rounds: [[E]], claim: E, foldingLog k: Int, layerRoots: [Digest],
                                     transcript: inout Transcript) throws(ProofError) -> (rhos: [E], claim: E) {
        var claim = claim
        var rhos = [E]()
        for (t, poly) in rounds.enumerated() {
            guard poly.count == 3 else { throw .wrongRoundDegree(round: t, expected: 3, actual: poly.count) }
            guard poly[0] + poly[1] == claim else { throw .sumMismatch(round: t) }
            transcript.absorb("pcs.round", elements: poly)
            let rho: E = transcript.challenge("pcs.fold")
            claim = interpolateAtIntegerNodes(poly, at: rho)
            rhos.append(rho)
            if (t + 1) % k == 0 && t + 1 < rounds.count {
                transcript.absorb("pcs.layer.root", digest: layerRoots[(t + 1) / k - 1])
            }
        }
        return (rhos, claim)
    }

    /// One query's checks from its opened first-layer leaf `leaf` (index `index` of a codeword of length
    /// 2^logLength, 2^k entries): with no folded layer (no challenges) every entry against the final
    /// polynomial; otherwise fold k challenges per layer, compare with the next layer's opened leaf
    /// (`layerIndexLists[g]`, met in ascending order through `cursors`), and the last fold with the
    /// final polynomial.
    static func checkLayers(from leaf: [E], index leafIndex: Int, logLength leafLog: Int, rhos: [E],
                            layerOpenings: [TreeOpening<E>], layerIndexLists: [[Int]], cursors: inout [Int],
                            finalCoefficients: [E], query qi: Int) throws(ProofError) {
        let width = leaf.count, k = width.trailingZeroBitCount
        let layers = rhos.count / k
        if layers == 0 {
            for t in 0..<width where evaluateUnivariate(finalCoefficients, at: ReedSolomon.domainPointFromRoots(logLength: leafLog, position: leafIndex * width + t)) != leaf[t] {
                throw .finalPolynomialMismatch(query: qi)
            }
            return
        }
        var (current, index, logLength) = (leaf, leafIndex, leafLog)
        for g in 0..<layers {
            let value = foldLeaf(current, leafIndex: index, logLength: logLength, challenges: rhos[(g * k)..<((g + 1) * k)])
            logLength -= k
            if g == layers - 1 {
                guard evaluateUnivariate(finalCoefficients, at: ReedSolomon.domainPointFromRoots(logLength: logLength, position: index)) == value else {
                    throw .finalPolynomialMismatch(query: qi)
                }
                return
            }
            let next = index >> k
            // Positions ascend, so each layer's opened indices are met in order.
            let indices = layerIndexLists[g]
            while cursors[g] < indices.count && indices[cursors[g]] < next { cursors[g] += 1 }
            guard cursors[g] < indices.count, indices[cursors[g]] == next else {
                throw .shapeMismatch("query \(qi): layer \(g + 1) leaf missing")
            }
            let opened = layerOpenings[g].leaves[cursors[g]]
            guard opened[index & (width - 1)] == value else { throw .foldMismatch(round: g + 1, query: qi) }
            (current, index) = (opened, next)
        }
    }
}
