extension PolynomialCommitment {
    typealias E = GoldilocksExt2

    /// The batches (indices, ascending) grouped by number of variables, for the batches that claims
    /// mention; classes in increasing size.
    static func sizeClasses(_ commitments: [Commitment], _ claims: [EvaluationClaim]) -> [(numVariables: Int, batches: [Int])] {
        let used = Set(claims.map(\.batch)).sorted()
        var byN = [Int: [Int]]()
        for b in used { byN[commitments[b].numVariables, default: []].append(b) }
        return byN.keys.sorted().map { ($0, byN[$0]!) }
    }

    static func absorbStatement(_ parameters: CommitmentParameters, _ commitments: [Commitment],
                                _ claims: [EvaluationClaim], _ transcript: inout Transcript) {
        transcript.absorb("pcs.open", integer: UInt64(commitments.count))
        parameters.absorb(into: &transcript)
        for c in commitments { c.absorb(into: &transcript) }
        transcript.absorb("pcs.claims", integer: UInt64(claims.count))
        for c in claims {
            transcript.absorb("pcs.claim.batch", integer: UInt64(c.batch))
            transcript.absorb("pcs.claim.polynomial", integer: UInt64(c.polynomial))
            transcript.absorb("pcs.claim.point", elements: c.point)
            transcript.absorb("pcs.claim.value", c.value)
        }
    }

    /// True when the claims need no point reduction: one common point and exactly one claim per
    /// polynomial of the class.
    static func sharesOnePoint(_ claims: [EvaluationClaim], slots: [Int: Int], polynomialCount: Int) -> Bool {
        guard let first = claims.first else { return false }
        guard claims.allSatisfy({ $0.point == first.point }) else { return false }
        var seen = Set<Int>()
        for c in claims { seen.insert(slots[c.batch]! + c.polynomial) }
        return seen.count == claims.count && claims.count == polynomialCount
    }

    /// Opens the committed polynomials at the claimed points in one proof. Every claim's value must be
    /// true (the prover does not check). All batches must share parameters.
    public static func open(_ batches: [CommittedBatch], claims: [EvaluationClaim], transcript: inout Transcript) -> OpeningProof {
        precondition(!batches.isEmpty && !claims.isEmpty, "open needs batches and claims")
        let parameters = batches[0].parameters
        precondition(batches.allSatisfy { $0.parameters == parameters }, "batches must share parameters")
        let commitments = batches.map(\.commitment)
        for c in claims {
            precondition(c.batch >= 0 && c.batch < batches.count && c.polynomial >= 0
                         && c.polynomial < batches[c.batch].commitment.polynomialCount
                         && c.point.count == batches[c.batch].numVariables, "malformed claim")
        }
        absorbStatement(parameters, commitments, claims, &transcript)
        var classes = [SizeClassProof]()
        for (n, classBatches) in sizeClasses(commitments, claims) {
            classes.append(openClass(n: n, batches: classBatches.map { batches[$0] }, batchIndices: classBatches,
                                     claims: claims.filter { classBatches.contains($0.batch) },
                                     parameters: parameters, transcript: &transcript))
        }
        return OpeningProof(classes: classes)
    }

    static func openClass(n: Int, batches: [CommittedBatch], batchIndices: [Int], claims: [EvaluationClaim],
                          parameters: CommitmentParameters, transcript: inout Transcript) -> SizeClassProof {
        let size = 1 << n
        var slots = [Int: Int]()
        var m = 0
        for (i, b) in batches.enumerated() {
            slots[batchIndices[i]] = m
            m += b.commitment.polynomialCount
        }
        let polys: [[Goldilocks]] = batches.flatMap(\.evaluations)
        let coefficientSets: [[Goldilocks]] = batches.flatMap(\.coefficients)

        // 1. Reduce every claim to one point r.
        var point: [E]
        var values: [E]
        var reduction: SumcheckProof<E>?
        if sharesOnePoint(claims, slots: slots, polynomialCount: m) {
            point = claims[0].point
            values = [E](repeating: .zero, count: m)
            for c in claims { values[slots[c.batch]! + c.polynomial] = c.value }
        } else {
            let gamma: E = transcript.challenge("pcs.gamma")
            var weights = [[E]](repeating: [E](repeating: .zero, count: size), count: m)
            var g = E.one
            for c in claims {
                let eq = MLE.eqTable(c.point, scaledBy: g)
                let j = slots[c.batch]! + c.polynomial
                weights[j].withUnsafeMutableBufferPointer { w in
                    let dst = w.baseAddress!
                    eq.withUnsafeBufferPointer { src in
                        Parallel.forEachChunk(count: size) { range in
                            for i in range { dst[i] += src[i] }
                        }
                    }
                }
                g *= gamma
            }
            let tables: [[E]] = polys.map { $0.map { E($0) } } + weights
            let combination = SumOfProducts<E>(terms: (0..<m).map { ProductTerm(factors: [$0, m + $0]) }, tableCount: 2 * m)
            let out = Sumcheck.prove(tables: tables, combination: combination, transcript: &transcript)
            point = out.point
            values = Array(out.finalEvaluations[0..<m])
            reduction = out.proof
        }
        transcript.absorb("pcs.values", elements: values)

        // 2. Combine the polynomials with powers of β and open the combination at `point`.
        let beta: E = transcript.challenge("pcs.beta")
        var betas = [E](repeating: .one, count: m)
        for j in 1..<max(m, 1) { betas[j] = betas[j - 1] * beta }
        var table = [E](repeating: .zero, count: size)
        var coefficients = [E](repeating: .zero, count: size)
        table.withUnsafeMutableBufferPointer { tb in
            coefficients.withUnsafeMutableBufferPointer { cb in
                let t = tb.baseAddress!, c = cb.baseAddress!
                for j in 0..<m {
                    let bj = betas[j]
                    polys[j].withUnsafeBufferPointer { p in
                        coefficientSets[j].withUnsafeBufferPointer { q in
                            Parallel.forEachChunk(count: size) { range in
                                for i in range {
                                    t[i] += bj * p[i]
                                    c[i] += bj * q[i]
                                }
                            }
                        }
                    }
                }
            }
        }
        var claim = E.zero
        for j in 0..<m { claim += betas[j] * values[j] }
        var weight = MLE.eqTable(point)

        let k = parameters.foldingLog
        let folded = parameters.foldedVariables(n)
        var rounds = [[E]]()
        var layerCodewords = [[E]]()
        var layerTrees = [MerkleTree]()
        for t in 0..<folded {
            let evals = lowBitRound(table, weight, claim: claim)
            rounds.append(evals)
            transcript.absorb("pcs.round", elements: evals)
            let rho: E = transcript.challenge("pcs.fold")
            claim = interpolateAtIntegerNodes(evals, at: rho)
            table = foldLowBit(table, rho)
            weight = foldLowBit(weight, rho)
            coefficients = foldCoefficients(coefficients, rho)
            if (t + 1) % k == 0 && t + 1 < folded {
                let plan = NTTPlan(logSize: coefficients.count.trailingZeroBitCount)
                let codeword = ReedSolomon.encode(coefficients, rateLog: parameters.rateLog, plan: plan)
                let tree = layerTree([codeword], foldingLog: k, salted: parameters.hiding)
                transcript.absorb("pcs.layer.root", digest: tree.root)
                layerCodewords.append(codeword)
                layerTrees.append(tree)
            }
        }
        transcript.absorb("pcs.final", elements: coefficients)
        let nonce = transcript.grind(bits: parameters.grindingBits)
        let positions = queryPositions(&transcript, parameters: parameters, n: n)

        let width = 1 << k
        var queries = [QueryOpening]()
        for q in positions {
            var batchLeaves = [LeafOpening<Goldilocks>]()
            for b in batches {
                var v = [Goldilocks]()
                v.reserveCapacity(b.codewords.count * width)
                for cw in b.codewords { v.append(contentsOf: cw[(q * width)..<((q + 1) * width)]) }
                batchLeaves.append(LeafOpening(values: v, salt: b.tree.salt(q), path: b.tree.path(q)))
            }
            var layerLeaves = [LeafOpening<E>]()
            for (g, tree) in layerTrees.enumerated() {
                let idx = q >> (k * (g + 1))
                let cw = layerCodewords[g]
                layerLeaves.append(LeafOpening(values: Array(cw[(idx * width)..<((idx + 1) * width)]),
                                               salt: tree.salt(idx), path: tree.path(idx)))
            }
            queries.append(QueryOpening(batchLeaves: batchLeaves, layerLeaves: layerLeaves))
        }
        return SizeClassProof(numVariables: n, pointReduction: reduction, values: values,
                              rounds: SumcheckProof(roundPolynomials: rounds), layerRoots: layerTrees.map(\.root),
                              finalCoefficients: coefficients, powNonce: nonce, queries: queries)
    }

    /// Distinct query positions (layer-0 leaf indices), ascending.
    static func queryPositions(_ transcript: inout Transcript, parameters: CommitmentParameters, n: Int) -> [Int] {
        let logLeaves = n + parameters.rateLog - parameters.foldingLog
        return Array(Set(transcript.challengeIndices("pcs.query", count: parameters.queries, logBound: logLeaves))).sorted()
    }

    /// Round polynomial (at 0, 1, 2) of Σ f·w when binding the lowest index bit.
    static func lowBitRound(_ f: [E], _ w: [E], claim: E) -> [E] {
        let half = f.count / 2
        let parts = f.withUnsafeBufferPointer { fb in
            w.withUnsafeBufferPointer { wb in
                Parallel.mapChunks(count: half) { range -> (E, E) in
                    var s0 = E.zero, s2 = E.zero
                    for i in range {
                        let f0 = fb[2 * i], f1 = fb[2 * i + 1], w0 = wb[2 * i], w1 = wb[2 * i + 1]
                        s0 += f0 * w0
                        s2 += (f1.doubled() - f0) * (w1.doubled() - w0)
                    }
                    return (s0, s2)
                }
            }
        }
        var s0 = E.zero, s2 = E.zero
        for p in parts { s0 += p.0; s2 += p.1 }
        return [s0, claim - s0, s2]
    }

    /// t'[i] = t[2i] + ρ·(t[2i+1] − t[2i]).
    static func foldLowBit(_ t: [E], _ rho: E) -> [E] {
        let half = t.count / 2
        var out = [E](repeating: .zero, count: half)
        t.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst.baseAddress!
                Parallel.forEachChunk(count: half) { range in
                    for i in range { d[i] = src[2 * i] + rho * (src[2 * i + 1] - src[2 * i]) }
                }
            }
        }
        return out
    }

    /// c'[i] = c[2i] + ρ·c[2i+1] (binds the variable of index bit 0 in monomial form).
    static func foldCoefficients(_ c: [E], _ rho: E) -> [E] {
        let half = c.count / 2
        var out = [E](repeating: .zero, count: half)
        c.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                let d = dst.baseAddress!
                Parallel.forEachChunk(count: half) { range in
                    for i in range { d[i] = src[2 * i] + rho * src[2 * i + 1] }
                }
            }
        }
        return out
    }
}
