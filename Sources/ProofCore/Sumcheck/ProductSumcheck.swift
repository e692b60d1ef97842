extension Sumcheck {
    /// Fast path for Σ a(x)·b(x) over base-field tables with challenges in the extension `E`
    /// (degree 2; the same protocol and proof as `prove` with `SumOfProducts.product(of: 2)` over `E`,
    /// so `verify(…, degree: 2, …)` checks it).
    ///
    /// Round 1 runs in the base field; each later round is fused with the previous fold (one pass
    /// over memory per round); both cores are used for large tables.
    @inlinable
    public static func proveProduct<E: FieldElement>(
        _ a: [Goldilocks], _ b: [Goldilocks], transcript: inout Transcript, as type: E.Type = E.self
    ) -> SumcheckProverOutput<E> {
        let size = a.count
        precondition(size == b.count && size > 0 && size & (size - 1) == 0, "tables need one power-of-two length")
        let n = size.trailingZeroBitCount
        if n == 0 {
            let claim = E(a[0] * b[0])
            absorbHeader(&transcript, numVariables: 0, degree: 2, claim: claim)
            return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: []), point: [], finalEvaluations: [E(a[0]), E(b[0])], claimedSum: claim)
        }
        // Round 1 in the base field: s(0), s(1), s(2).
        let half = size / 2
        let (s0, s1, s2) = roundOneSums(a, b)
        let claim = E(s0 + s1)
        absorbHeader(&transcript, numVariables: n, degree: 2, claim: claim)
        var evals = [E(s0), E(s1), E(s2)]
        var rounds = [evals]
        transcript.absorb("sumcheck.round", elements: evals)
        let r: E = transcript.challenge("sumcheck.challenge")
        var point = [r]

        if n == 1 {
            let fa = r * (a[1] - a[0]) + E(a[0])
            let fb = r * (b[1] - b[0]) + E(b[0])
            return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [fa, fb], claimedSum: claim)
        }

        // Fold the base tables into the extension, fused with round 2's sums.
        // Every entry is written by the fused fold below: no zeroing pass over 2 × 2^(n−1) elements.
        var ta = [E](unsafeUninitializedCapacity: half) { _, count in count = half }
        var tb = [E](unsafeUninitializedCapacity: half) { _, count in count = half }
        let quarter = half / 2
        let q0 = quarter
        let fused = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                ta.withUnsafeMutableBufferPointer { oa in
                    tb.withUnsafeMutableBufferPointer { ob in
                        let pa = oa.baseAddress!, pb = ob.baseAddress!
                        let rr = r
                        return Parallel.mapChunks(count: q0) { range -> (E, E) in
                            var e0 = E.zero, e2 = E.zero
                            for i in range {
                                let a0 = rr * (x[i + half] - x[i]) + E(x[i])
                                let a1 = rr * (x[i + q0 + half] - x[i + q0]) + E(x[i + q0])
                                let b0 = rr * (y[i + half] - y[i]) + E(y[i])
                                let b1 = rr * (y[i + q0 + half] - y[i + q0]) + E(y[i + q0])
                                pa[i] = a0; pa[i + q0] = a1
                                pb[i] = b0; pb[i + q0] = b1
                                e0 += a0 * b0
                                e2 += (a1.doubled() - a0) * (b1.doubled() - b0)
                            }
                            return (e0, e2)
                        }
                    }
                }
            }
        }
        let running = interpolateAtIntegerNodes(evals, at: r)
        var e0 = E.zero, e2 = E.zero
        for p in fused { e0 += p.0; e2 += p.1 }
        evals = [e0, running - e0, e2]

        productRounds(&ta, &tb, evals: evals, running: running, rounds: &rounds, point: &point, n: n, transcript: &transcript)
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [ta[0], tb[0]], claimedSum: claim)
    }

    /// Rounds 2 … n of a degree-2 product sumcheck over extension tables of length 2^(n−1) whose
    /// round-2 evaluations are `evals`: send, squeeze, fold fused with the next round's sums.
    @inlinable
    static func productRounds<E: FieldElement>(_ ta: inout [E], _ tb: inout [E], evals first: [E], running start: E,
                                                rounds: inout [[E]], point: inout [E], n: Int, transcript: inout Transcript) {
        var evals = first
        var running = start
        var r = E.zero
        var quarter = 0
        let half = ta.count
        ta.withUnsafeMutableBufferPointer { oa in
            tb.withUnsafeMutableBufferPointer { ob in
                let pa = oa.baseAddress!, pb = ob.baseAddress!
                var length = half
                for _ in 1..<n {
                    rounds.append(evals)
                    transcript.absorb("sumcheck.round", elements: evals)
                    r = transcript.challenge("sumcheck.challenge")
                    point.append(r)
                    running = interpolateAtIntegerNodes(evals, at: r)
                    let h = length / 2
                    if h == 1 {
                        pa[0] = pa[0] + r * (pa[1] - pa[0])
                        pb[0] = pb[0] + r * (pb[1] - pb[0])
                        length = 1
                        break
                    }
                    quarter = h / 2
                    let q = quarter
                    let rr = r
                    let parts = Parallel.mapChunks(count: q, minimumChunk: 1 << 13) { range -> (E, E) in
                        var e0 = E.zero, e2 = E.zero
                        for i in range {
                            let a0 = pa[i] + rr * (pa[i + h] - pa[i])
                            let a1 = pa[i + q] + rr * (pa[i + q + h] - pa[i + q])
                            let b0 = pb[i] + rr * (pb[i + h] - pb[i])
                            let b1 = pb[i + q] + rr * (pb[i + q + h] - pb[i + q])
                            pa[i] = a0; pa[i + q] = a1
                            pb[i] = b0; pb[i + q] = b1
                            e0 += a0 * b0
                            e2 += (a1.doubled() - a0) * (b1.doubled() - b0)
                        }
                        return (e0, e2)
                    }
                    var s0 = E.zero, s2 = E.zero
                    for p in parts { s0 += p.0; s2 += p.1 }
                    evals = [s0, running - s0, s2]
                    length = h
                }
            }
        }
    }

    /// Σ a(x)·b(x) for a base table `a` and an extension table `b` (degree 2; the same protocol and
    /// proof as `prove` with `SumOfProducts.product(of: 2)` over the extension, so `verify(…, degree:
    /// 2, …)` checks it). Round 1 multiplies base by extension elements; later rounds are fused folds.
    public static func proveProduct(_ a: [Goldilocks], _ b: [GoldilocksExt2], transcript: inout Transcript) -> SumcheckProverOutput<GoldilocksExt2> {
        typealias E = GoldilocksExt2
        let size = a.count
        precondition(size == b.count && size > 0 && size & (size - 1) == 0, "tables need one power-of-two length")
        let n = size.trailingZeroBitCount
        if n == 0 {
            let claim = b[0] * a[0]
            absorbHeader(&transcript, numVariables: 0, degree: 2, claim: claim)
            return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: []), point: [], finalEvaluations: [E(a[0]), b[0]], claimedSum: claim)
        }
        let half = size / 2
        let (s0, s1, s2) = roundOneSums(a, b)
        let claim = s0 + s1
        absorbHeader(&transcript, numVariables: n, degree: 2, claim: claim)
        var evals = [s0, s1, s2]
        var rounds = [evals]
        transcript.absorb("sumcheck.round", elements: evals)
        let r: E = transcript.challenge("sumcheck.challenge")
        var point = [r]
        if n == 1 {
            let fa = r * (a[1] - a[0]) + E(a[0])
            let fb = b[0] + r * (b[1] - b[0])
            return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [fa, fb], claimedSum: claim)
        }
        // Every entry is written by the fused fold below: no zeroing pass over 2 × 2^(n−1) elements.
        var ta = [E](unsafeUninitializedCapacity: half) { _, count in count = half }
        var tb = [E](unsafeUninitializedCapacity: half) { _, count in count = half }
        let q0 = half / 2
        let fused = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                ta.withUnsafeMutableBufferPointer { oa in
                    tb.withUnsafeMutableBufferPointer { ob in
                        let pa = oa.baseAddress!, pb = ob.baseAddress!
                        return Parallel.mapChunks(count: q0) { range -> (E, E) in
                            var e0 = E.zero, e2 = E.zero
                            for i in range {
                                let a0 = r * (x[i + half] - x[i]) + x[i]
                                let a1 = r * (x[i + q0 + half] - x[i + q0]) + x[i + q0]
                                let b0 = y[i] + r * (y[i + half] - y[i])
                                let b1 = y[i + q0] + r * (y[i + q0 + half] - y[i + q0])
                                pa[i] = a0; pa[i + q0] = a1
                                pb[i] = b0; pb[i + q0] = b1
                                e0 += a0 * b0
                                e2 += (a1.doubled() - a0) * (b1.doubled() - b0)
                            }
                            return (e0, e2)
                        }
                    }
                }
            }
        }
        let running = interpolateAtIntegerNodes(evals, at: r)
        var e0 = E.zero, e2 = E.zero
        for p in fused { e0 += p.0; e2 += p.1 }
        evals = [e0, running - e0, e2]
        productRounds(&ta, &tb, evals: evals, running: running, rounds: &rounds, point: &point, n: n, transcript: &transcript)
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [ta[0], tb[0]], claimedSum: claim)
    }

    /// Round 1 of Σ a(x)·b(x) for a base table `a` and a table `b` of one length over the base field
    /// or the extension: the round polynomial at 0, 1 and 2 (products `B × Goldilocks`, both cores
    /// for large tables). Shared by both `proveProduct` fast paths and `MaskedSumcheck.proveProduct`.
    @inlinable
    static func roundOneSums<B: FieldElement>(_ a: [Goldilocks], _ b: [B]) -> (B, B, B) {
        let half = a.count / 2
        let parts = a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                Parallel.mapChunks(count: half) { range -> (B, B, B) in
                    var s0 = B.zero, s1 = B.zero, s2 = B.zero
                    for i in range {
                        let a0 = x[i], a1 = x[i + half], b0 = y[i], b1 = y[i + half]
                        s0 += b0 * a0
                        s1 += b1 * a1
                        s2 += (b1.doubled() - b0) * (a1.doubled() - a0)
                    }
                    return (s0, s1, s2)
                }
            }
        }
        var s0 = B.zero, s1 = B.zero, s2 = B.zero
        for p in parts { s0 += p.0; s1 += p.1; s2 += p.2 }
        return (s0, s1, s2)
    }
}
