extension PolynomialCommitment {
    /// Verifies a batched opening proof of `claims` against `commitments` (the same list, in the same
    /// order, the prover opened). Throws a `ProofError` naming the first failed check; never traps on
    /// malformed proofs or claims.
    /// `maskedBatches`: the batches committed with an opening mask (`commit(openingMask:)`), each opened
    /// in zero knowledge as a size class of its own (even next to another batch of its size).
    public static func verify(_ commitments: [Commitment], parameters: CommitmentParameters, claims: [EvaluationClaim],
                              proof: OpeningProof, transcript: inout Transcript, maskedBatches: Set<Int> = []) throws(ProofError) {
        try parameters.validate()
        guard !claims.isEmpty else { throw .invalidParameters("no claims to verify") }
        for c in claims {
            guard c.batch >= 0, c.batch < commitments.count else { throw .invalidParameters("claim names batch \(c.batch)") }
            let com = commitments[c.batch]
            guard c.polynomial >= 0, c.polynomial < com.polynomialCount else {
                throw .invalidParameters("claim names polynomial \(c.polynomial) of batch \(c.batch)")
            }
            guard c.point.count == com.numVariables, c.terms.allSatisfy({ $0.point.count == com.numVariables }) else {
                throw .invalidParameters("claim point has \(c.point.count) coordinates, batch has \(com.numVariables) variables")
            }
            if let reason = c.sparse?.malformation(numVariables: com.numVariables) { throw .invalidParameters(reason) }
        }
        for com in commitments where com.numVariables < parameters.foldingLog || com.numVariables > Sumcheck.maxRounds {
            throw .invalidParameters("commitment has \(com.numVariables) variables")
        }
        absorbStatement(parameters, commitments, claims, &transcript)
        // A masked batch is a class of its own, even when another batch has its size.
        let classes = sizeClasses(commitments, claims, alone: maskedBatches)
        guard proof.classes.count == classes.count else {
            throw .shapeMismatch("\(proof.classes.count) size classes, expected \(classes.count)")
        }
        for (i, (n, batchIndices)) in classes.enumerated() {
            try verifyClass(n: n, commitments: batchIndices.map { commitments[$0] }, batchIndices: batchIndices,
                            claims: claims.filter { batchIndices.contains($0.batch) }, parameters: parameters,
                            proof: proof.classes[i], transcript: &transcript,
                            masked: batchIndices.contains(where: maskedBatches.contains))
        }
    }

    static func verifyClass(n: Int, commitments: [Commitment], batchIndices: [Int], claims: [EvaluationClaim],
                            parameters: CommitmentParameters, proof: SizeClassProof,
                            transcript: inout Transcript, masked: Bool = false) throws(ProofError) {
        guard proof.numVariables == n else { throw .shapeMismatch("class has \(proof.numVariables) variables, expected \(n)") }
        var slots = [Int: Int]()
        var m = 0
        for (i, c) in commitments.enumerated() {
            slots[batchIndices[i]] = m
            m += c.polynomialCount
        }
        if masked {
            guard commitments.count == 1, m == 3, claims.allSatisfy({ $0.polynomial == 0 }) else {
                throw .shapeMismatch("a masked batch must be alone in its class, with claims on polynomial 0 only")
            }
        }
        guard m == 1 || masked || proof.values.count == m else { throw .shapeMismatch("\(proof.values.count) values, expected \(m)") }

        // One polynomial: Basefold runs against W = Σ_ℓ γ^ℓ eq(z_ℓ, ·) directly (see `open`); a masked
        // class likewise on f + β·M, with the mask's sum c = Σ W·M as its one value.
        let direct = m == 1 || masked
        var point = [E]()
        var gammas = [E]()
        var betas = [E.one]
        var claim = E.zero
        if direct {
            guard proof.pointReduction == nil, proof.values.count == (masked ? 1 : 0) else {
                throw .shapeMismatch(masked ? "a masked class carries no point reduction and one value"
                                            : "a one-polynomial class carries no point reduction or values")
            }
            let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
            var g = E.one
            for c in claims {
                claim += g * c.value
                gammas.append(g)
                g *= gamma
            }
            if masked {
                transcript.absorb("pcs.mask.sum", proof.values[0])
                let beta: E = transcript.challenge("pcs.mask.beta")
                claim += beta * proof.values[0]
                betas = [.one, beta, beta * E(.zero, .one)]
            }
        } else {
            // 1. Point reduction.
            if sharesOnePoint(claims, slots: slots, polynomialCount: m) {
                guard proof.pointReduction == nil else { throw .shapeMismatch("unexpected point reduction") }
                point = claims[0].point
                for c in claims where proof.values[slots[c.batch]! + c.polynomial] != c.value { throw .evaluationMismatch }
            } else {
                guard let reduction = proof.pointReduction else { throw .shapeMismatch("missing point reduction") }
                let gamma: E = transcript.challenge("pcs.gamma")
                var g = E.one
                var sum = E.zero
                for c in claims {
                    sum += g * c.value
                    gammas.append(g)
                    g *= gamma
                }
                let sub = try Sumcheck.verify(claimedSum: sum, numVariables: n, degree: 2, proof: reduction, transcript: &transcript)
                var expected = E.zero
                for (l, c) in claims.enumerated() {
                    var w = E.zero
                    for (p, coefficient) in c.weightTerms { w += coefficient * MLE.eq(p, sub.point) }
                    if let sparse = c.sparse { w += sparse.evaluate(at: sub.point) }
                    expected += gammas[l] * w * proof.values[slots[c.batch]! + c.polynomial]
                }
                try sub.check(expected)
                point = sub.point
            }
            transcript.absorb("pcs.values", elements: proof.values)

            // 2. Basefold rounds on the β-combination.
            let beta: E = transcript.challenge("pcs.beta")
            betas = [E](repeating: .one, count: m)
            for j in 1..<max(m, 1) { betas[j] = betas[j - 1] * beta }
            for j in 0..<m { claim += betas[j] * proof.values[j] }
        }

        let k = parameters.foldingLog
        let rhos: [E]
        let finalEvaluations: [E]
        (rhos, claim, finalEvaluations) = try verifyBasefoldTail(
            n: n, parameters: parameters, rounds: proof.rounds.roundPolynomials, layerRoots: proof.layerRoots,
            finalCoefficients: proof.finalCoefficients, claim: claim, transcript: &transcript)
        // The last claim must be Σ_b G(b)·eq(point, (b, ρ_T, …, ρ_1)).
        let expected = direct ? directWeight(claims, gammas: gammas, finalEvaluations: finalEvaluations, rhos: rhos)
                              : pointWeight(point, finalEvaluations: finalEvaluations, rhos: rhos)
        guard expected == claim else { throw .evaluationMismatch }

        // 3. Queries.
        try transcript.verifyGrinding(bits: parameters.grindingBits, nonce: proof.powNonce)
        let positions = queryPositions(&transcript, parameters: parameters, n: n)
        let width = 1 << k
        let saltSize = parameters.hiding ? MerkleTree.saltByteCount : 0
        let log0 = n + parameters.rateLog
        guard proof.batchOpenings.count == commitments.count, proof.layerOpenings.count == proof.layerRoots.count else {
            throw .shapeMismatch("\(proof.batchOpenings.count) batch openings and \(proof.layerOpenings.count) layer openings")
        }
        // Every opened tree: leaf shapes, then the multiproof up to its root.
        for (b, com) in commitments.enumerated() {
            let opening = proof.batchOpenings[b]
            try checkShape(opening, count: positions.count, width: com.polynomialCount * width, saltSize: saltSize,
                           what: "batch \(batchIndices[b])")
            guard opening.root(indices: positions, depth: log0 - k) == com.root else {
                throw .merklePathInvalid(what: "batch \(batchIndices[b])", query: -1)
            }
        }
        let layerIndexLists = try checkLayerOpenings(proof.layerOpenings, roots: proof.layerRoots, positions: positions,
                                                     shift: 0, firstDepth: log0 - k, foldingLog: k,
                                                     saltSize: masked ? 0 : saltSize)
        var layerCursors = [Int](repeating: 0, count: layerIndexLists.count)
        for (qi, q) in positions.enumerated() {
            // Combined layer-0 leaf.
            var current = [E](repeating: .zero, count: width)
            var j0 = 0
            for (b, com) in commitments.enumerated() {
                let leaf = proof.batchOpenings[b].leaves[qi]
                for p in 0..<com.polynomialCount {
                    let bj = betas[j0 + p]
                    for t in 0..<width { current[t] += bj * leaf[p * width + t] }
                }
                j0 += com.polynomialCount
            }
            try checkLayers(from: current, index: q, logLength: log0, rhos: rhos, layerOpenings: proof.layerOpenings,
                            layerIndexLists: layerIndexLists, cursors: &layerCursors, finalCoefficients: proof.finalCoefficients, query: qi)
        }
    }

    /// Checks that a tree opening has `count` leaves of `width` values and `saltSize` salt bytes.
    static func checkShape<F>(_ opening: TreeOpening<F>, count: Int, width: Int, saltSize: Int, what: String) throws(ProofError) {
        guard opening.leaves.count == count, opening.salts.count == count else {
            throw .shapeMismatch("\(what): \(opening.leaves.count) opened leaves, expected \(count)")
        }
        guard opening.leaves.allSatisfy({ $0.count == width }), opening.salts.allSatisfy({ $0.count == saltSize }) else {
            throw .shapeMismatch("\(what): an opened leaf has the wrong size")
        }
    }

    /// An opened tree: its leaf shapes (`checkShape`), then its multiproof up to `root`.
    static func checkOpening<F>(_ opening: TreeOpening<F>, indices: [Int], depth: Int, root: Digest, width: Int,
                                saltSize: Int, what: String) throws(ProofError) {
        try checkShape(opening, count: indices.count, width: width, saltSize: saltSize, what: what)
        guard opening.root(indices: indices, depth: depth) == root else { throw .merklePathInvalid(what: what, query: -1) }
    }

    /// The folded layers' openings of one query set, each checked against its root (`checkOpening`):
    /// layer g's leaves cover 2^(k·(g+1)) leaves of the first opened tree, whose leaf indices are
    /// `positions` shifted right by `shift` and whose depth is `firstDepth`. Returns each layer's
    /// leaf indices, in the order the queries meet them.
    static func checkLayerOpenings(_ openings: [TreeOpening<E>], roots: [Digest], positions: [Int], shift: Int,
                                   firstDepth: Int, foldingLog k: Int, saltSize: Int) throws(ProofError) -> [[Int]] {
        var lists = [[Int]]()
        for g in roots.indices {
            let indices = layerIndices(positions, shift: shift + k * (g + 1))
            try checkOpening(openings[g], indices: indices, depth: firstDepth - k * (g + 1), root: roots[g],
                             width: 1 << k, saltSize: saltSize, what: "layer \(g + 1)")
            lists.append(indices)
        }
        return lists
    }

    /// Folds one leaf (2^k entries at positions leafIndex·2^k … of a layer of length 2^logLength)
    /// with k challenges: each step maps f(x), f(−x) to (f(x) + f(−x))/2 + ρ·(f(x) − f(−x))/(2x).
    /// The domain points of a leaf of 2^s entries are x_0·ω_s^rev_s(j) (bit-reversed order, ω_s a
    /// primitive 2^s-th root), so 1/x is 1/x_0 (squared per step) times a fixed table entry
    /// (`ReedSolomon.leafInverseTwiddles`): no exponentiation, and the leaf is folded in place.
    static func foldLeaf(_ values: [E], leafIndex: Int, logLength: Int, challenges: ArraySlice<E>) -> E {
        let half = Goldilocks(0x7FFF_FFFF_8000_0001)   // 1/2 = (p + 1)/2
        var v = values
        var s = values.count.trailingZeroBitCount
        var x0Inverse = ReedSolomon.inverseDomainPoint(logLength: logLength, position: leafIndex << s)
        v.withUnsafeMutableBufferPointer { p in
            for rho in challenges {
                // Entry 2i: rev_s(2i) = rev_(s−1)(i), so 1/x = (1/x_0)·ω_s^(−rev_(s−1)(i)). Writing entry i
                // after reading 2i and 2i + 1 never overwrites an unread entry.
                let twiddles = ReedSolomon.leafInverseTwiddles(s)
                for i in 0..<(1 << (s - 1)) {
                    let xInverse = x0Inverse * twiddles[i]
                    let a = p[2 * i], b = p[2 * i + 1]
                    p[i] = (a + b + rho * ((a - b) * xInverse)) * half
                }
                s -= 1
                x0Inverse = x0Inverse * x0Inverse
            }
        }
        return v[0]
    }

    /// Σ c_i x^i by Horner's rule.
    static func evaluateUnivariate(_ coefficients: [E], at x: Goldilocks) -> E {
        var acc = E.zero
        for c in coefficients.reversed() { acc = acc * x + c }
        return acc
    }
}

extension ReedSolomon {
    /// ω_L^(±rev_L(position)) as a product of table roots: rev_L(position) = Σ 2^(L−1−i) over the set
    /// bits i of position, and ω_L^(2^(L−1−i)) = ω_(i+1), so the point is Π ω_(i+1)^(±1) — at most L
    /// multiplications, no exponentiation, whatever L (position < 2^L).
    @inlinable
    static func rootProduct(position: Int, table: [Goldilocks]) -> Goldilocks {
        var acc = Goldilocks.one
        var rest = position, i = 1
        while rest != 0 {
            if rest & 1 == 1 { acc = acc * table[i] }
            rest >>= 1
            i += 1
        }
        return acc
    }

    /// ω_k^(−1) for k = 0 … 32.
    @usableFromInline
    static let inverseRootsOfUnity: [Goldilocks] = (0...Goldilocks.twoAdicity).map { Goldilocks.rootOfUnity(logOrder: $0).inverse()! }

    /// ω_k for k = 0 … 32.
    @usableFromInline
    static let rootsOfUnity: [Goldilocks] = (0...Goldilocks.twoAdicity).map { Goldilocks.rootOfUnity(logOrder: $0) }

    /// The inverse of `domainPoint(logLength:position:)`.
    @inlinable
    public static func inverseDomainPoint(logLength: Int, position: Int) -> Goldilocks {
        precondition(position >= 0 && position < 1 << logLength, "a position of the domain")
        return rootProduct(position: position, table: inverseRootsOfUnity)
    }

    /// `domainPoint(logLength:position:)` (the same element) from the root table: at most L
    /// multiplications instead of an exponentiation (the verifier's query points).
    public static func domainPointFromRoots(logLength: Int, position: Int) -> Goldilocks {
        precondition(position >= 0 && position < 1 << logLength, "a position of the domain")
        return rootProduct(position: position, table: rootsOfUnity)
    }

    /// ω_s^(−rev_(s−1)(i)) for i < 2^(s−1): the inverse domain points of the even entries of a leaf of
    /// 2^s entries relative to its first (`foldLeaf`), for s ≤ 6 (CommitmentParameters' largest
    /// foldingLog) from a table built once, larger s computed.
    static func leafInverseTwiddles(_ s: Int) -> [Goldilocks] {
        s < leafTwiddleTable.count ? leafTwiddleTable[s] : makeLeafInverseTwiddles(s)
    }

    static let leafTwiddleTable: [[Goldilocks]] = (0...6).map { makeLeafInverseTwiddles($0) }

    static func makeLeafInverseTwiddles(_ s: Int) -> [Goldilocks] {
        guard s >= 1 else { return [] }
        let inverseRoot = inverseRootsOfUnity[s]
        var powers = [Goldilocks](repeating: .one, count: 1 << s)
        for e in 1..<(1 << s) { powers[e] = powers[e - 1] * inverseRoot }
        return (0..<(1 << (s - 1))).map { powers[reverseBits($0, bits: s - 1)] }
    }
}
