extension MaskedSumcheck {
    /// Fast path of `prove` for Σ a(x)·b(x) with a base-field table `a` and an extension table `b`
    /// (degree 2) under a mask of degree ≤ 2 per variable: the same proof and transcript as `prove` with
    /// `SumOfProducts.product(of: 2)` over the extension (checked by `verify` with degree 2 per round).
    /// Round 1 multiplies base by extension elements without converting `a`; later rounds fold in place.
    public static func proveProduct(_ a: [Goldilocks], _ b: [GoldilocksExt2], mask: SumcheckMask<GoldilocksExt2>,
                                    rho: GoldilocksExt2, transcript: inout Transcript) -> SumcheckProverOutput<GoldilocksExt2> {
        typealias E = GoldilocksExt2
        let size = a.count
        precondition(size == b.count && size > 1 && size & (size - 1) == 0, "tables need one power-of-two length > 1")
        let n = size.trailingZeroBitCount
        precondition(mask.numVariables == n && mask.coefficients.allSatisfy { !$0.isEmpty && $0.count <= 3 }, "mask of degree <= 2")
        var pow2 = [E](repeating: .one, count: n + 1)
        for k in 1...n { pow2[k] = pow2[k - 1].doubled() }
        var suffix = [E](repeating: .zero, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { suffix[i] = suffix[i + 1] + mask.edgeSum(i) }
        func maskPart(_ round: Int, _ prefix: E) -> [E] {
            let rest = n - 1 - round
            let tail = rest >= 1 ? pow2[rest - 1] * suffix[round + 1] : E.zero
            return (0...2).map { x in rho * (pow2[rest] * (prefix + mask.evaluate(variable: round, at: E(integer: x))) + tail) }
        }

        // Round 1: base × extension.
        let half = size / 2
        let first = Sumcheck.roundOneSums(a, b)
        var sums = [first.0, first.1, first.2]
        var m = maskPart(0, .zero)
        var evals = (0..<3).map { sums[$0] + m[$0] }
        let claim = evals[0] + evals[1]
        Sumcheck.absorbHeader(&transcript, numVariables: n, degree: 2, claim: claim)
        transcript.absorb("sumcheck.round", elements: evals)
        var r: E = transcript.challenge("sumcheck.challenge")
        var rounds = [evals]
        var point = [r]
        var prefix = mask.evaluate(variable: 0, at: r)

        var ta = [E](repeating: .zero, count: half)
        var tb = [E](repeating: .zero, count: half)
        a.withUnsafeBufferPointer { x in
            b.withUnsafeBufferPointer { y in
                ta.withUnsafeMutableBufferPointer { oa in
                    tb.withUnsafeMutableBufferPointer { ob in
                        let pa = oa.baseAddress!, pb = ob.baseAddress!
                        let rr = r
                        Parallel.forEachChunk(count: half) { range in
                            for i in range {
                                pa[i] = rr * (x[i + half] - x[i]) + x[i]
                                pb[i] = y[i] + rr * (y[i + half] - y[i])
                            }
                        }
                    }
                }
            }
        }
        var length = half
        ta.withUnsafeMutableBufferPointer { oa in
            tb.withUnsafeMutableBufferPointer { ob in
                let pa = oa.baseAddress!, pb = ob.baseAddress!
                for round in 1..<n {
                    let h = length / 2
                    let parts = Parallel.mapChunks(count: h, minimumChunk: 1 << 12) { range -> (E, E, E) in
                        var s0 = E.zero, s1 = E.zero, s2 = E.zero
                        for i in range {
                            let a0 = pa[i], a1 = pa[i + h], b0 = pb[i], b1 = pb[i + h]
                            s0 += a0 * b0
                            s1 += a1 * b1
                            s2 += (a1.doubled() - a0) * (b1.doubled() - b0)
                        }
                        return (s0, s1, s2)
                    }
                    sums = [E.zero, E.zero, E.zero]
                    for p in parts { sums[0] += p.0; sums[1] += p.1; sums[2] += p.2 }
                    m = maskPart(round, prefix)
                    evals = (0..<3).map { sums[$0] + m[$0] }
                    transcript.absorb("sumcheck.round", elements: evals)
                    r = transcript.challenge("sumcheck.challenge")
                    rounds.append(evals)
                    point.append(r)
                    prefix += mask.evaluate(variable: round, at: r)
                    let rr = r
                    Parallel.forEachChunk(count: h, minimumChunk: 1 << 12) { range in
                        for i in range {
                            pa[i] = pa[i] + rr * (pa[i + h] - pa[i])
                            pb[i] = pb[i] + rr * (pb[i + h] - pb[i])
                        }
                    }
                    length = h
                }
            }
        }
        return SumcheckProverOutput(proof: SumcheckProof(roundPolynomials: rounds), point: point, finalEvaluations: [ta[0], tb[0]],
                                    claimedSum: claim)
    }
}
