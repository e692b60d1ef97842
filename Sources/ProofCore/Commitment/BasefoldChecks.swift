/// The verifier's Basefold checks shared by a size class (`verifyClass`) and the folded-mask opening
/// (`verifyFoldedMask`): the folding rounds, and a query's walk from its first committed leaf through
/// the folded layers to the final polynomial.
extension PolynomialCommitment {
    /// Checks Basefold's folding rounds (3 evaluations each, s(0) + s(1) = the running claim) against
    /// `claim`, absorbing each round, drawing its challenge, and absorbing layer root g after round
    /// (g + 1)·k (all but the last layer; the caller checks `layerRoots`' count). Returns the
    /// challenges and the last claim.
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
            for t in 0..<width where evaluateUnivariate(finalCoefficients, at: ReedSolomon.domainPoint(logLength: leafLog, position: leafIndex * width + t)) != leaf[t] {
                throw .finalPolynomialMismatch(query: qi)
            }
            return
        }
        var (current, index, logLength) = (leaf, leafIndex, leafLog)
        for g in 0..<layers {
            let value = foldLeaf(current, leafIndex: index, logLength: logLength, challenges: rhos[(g * k)..<((g + 1) * k)])
            logLength -= k
            if g == layers - 1 {
                guard evaluateUnivariate(finalCoefficients, at: ReedSolomon.domainPoint(logLength: logLength, position: index)) == value else {
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
