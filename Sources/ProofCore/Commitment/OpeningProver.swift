extension PolynomialCommitment {
    typealias E = GoldilocksExt2

    /// The batches (indices, ascending) grouped by number of variables, for the batches that claims
    /// mention; classes in increasing size. A batch in `alone` (a masked one: committed with an opening
    /// mask) is a class of its own, after the other batches of its size.
    static func sizeClasses(_ commitments: [Commitment], _ claims: [EvaluationClaim],
                            alone: Set<Int> = []) -> [(numVariables: Int, batches: [Int])] {
        let used = Set(claims.map(\.batch)).sorted()
        var byN = [Int: [Int]]()
        for b in used where !alone.contains(b) { byN[commitments[b].numVariables, default: []].append(b) }
        var classes = byN.keys.map { ($0, byN[$0]!) }
        for b in used where alone.contains(b) { classes.append((commitments[b].numVariables, [b])) }
        // Stable: by size, then the shared class first, then the lone batches in index order.
        return classes.enumerated().sorted { ($0.element.0, $0.offset) < ($1.element.0, $1.offset) }.map(\.element)
    }

    /// The randomness label of a class: its size, and for a lone batch sharing that size, its index.
    static func classLabel(_ n: Int, _ batches: [Int], shared: Bool) -> String {
        shared ? "pcs.open.class.\(n).batch.\(batches[0])" : "pcs.open.class.\(n)"
    }

    /// `foldedMask`: the folded-mask opening's mask commitment, absorbed as the mask of batch 0
    /// (`pcs.masks` with count 1 and `pcs.mask.batch` 0: the bytes the batched opening's separate masks,
    /// gone since session 10, used; a batched opening absorbs nothing there and is unchanged).
    static func absorbStatement(_ parameters: CommitmentParameters, _ commitments: [Commitment],
                                _ claims: [EvaluationClaim], _ transcript: inout Transcript,
                                foldedMask: Commitment? = nil) {
        transcript.absorb("pcs.open", integer: UInt64(commitments.count))
        parameters.absorb(into: &transcript)
        for c in commitments { c.absorb(into: &transcript) }
        if let foldedMask {
            transcript.absorb("pcs.masks", integer: 1)
            transcript.absorb("pcs.mask.batch", integer: 0)
            foldedMask.absorb(into: &transcript)
        }
        transcript.absorb("pcs.claims", integer: UInt64(claims.count))
        for c in claims {
            transcript.absorb("pcs.claim.batch", integer: UInt64(c.batch))
            transcript.absorb("pcs.claim.polynomial", integer: UInt64(c.polynomial))
            transcript.absorb("pcs.claim.point", elements: c.point)
            transcript.absorb("pcs.claim.value", c.value)
            if c.isCombination {
                absorbTerms(c, &transcript)
            }
        }
    }

    /// One absorb for all terms of a combination claim (a sparse claim has hundreds, docs/ZK.md §3):
    /// their count, then per term a Boolean point (a unit vector) as 0 and its index (u64), any other
    /// point as 1 and its coordinates, then the coefficient; `terms` first, then the `sparse` entries
    /// (each a unit vector at its table index).
    static func absorbTerms(_ c: EvaluationClaim, _ transcript: inout Transcript) {
        let sparseCount = c.sparse?.count ?? 0
        transcript.absorb("pcs.claim.terms", integer: UInt64(c.terms.count + sparseCount))
        var w = ByteWriter(capacity: c.terms.count * (9 + 2 * E.byteCount))
        for t in c.terms {
            if let index = DirectFolding.booleanIndex(t.point) {
                w.writeUInt8(0)
                w.writeUInt64(UInt64(index))
            } else {
                w.writeUInt8(1)
                w.write(elements: t.point)
            }
            t.coefficient.write(to: &w)
        }
        var bytes = w.bytes
        if let sparse = c.sparse {
            // 25 bytes per entry, written in place (the per-value appends of `ByteWriter` cost more
            // than hashing them for a claim of thousands of terms).
            let entry = 9 + E.byteCount
            bytes += [UInt8](unsafeUninitializedCapacity: sparseCount * entry) { buffer, n in
                let raw = UnsafeMutableRawBufferPointer(buffer)
                for t in 0..<sparseCount {
                    let o = t * entry
                    let coefficient = sparse.coefficients[t]
                    raw.storeBytes(of: 0, toByteOffset: o, as: UInt8.self)
                    raw.storeBytes(of: UInt64(sparse.globalIndex(t)).littleEndian, toByteOffset: o + 1, as: UInt64.self)
                    raw.storeBytes(of: coefficient.c0.value.littleEndian, toByteOffset: o + 9, as: UInt64.self)
                    raw.storeBytes(of: coefficient.c1.value.littleEndian, toByteOffset: o + 17, as: UInt64.self)
                }
                n = sparseCount * entry
            }
        }
        transcript.absorb("pcs.claim.term.list", bytes: bytes)
    }

    /// True when the claims need no point reduction: one common point and exactly one claim per
    /// polynomial of the class.
    static func sharesOnePoint(_ claims: [EvaluationClaim], slots: [Int: Int], polynomialCount: Int) -> Bool {
        guard let first = claims.first else { return false }
        guard claims.allSatisfy({ $0.point == first.point && !$0.isCombination }) else { return false }
        var seen = Set<Int>()
        for c in claims { seen.insert(slots[c.batch]! + c.polynomial) }
        return seen.count == claims.count && claims.count == polynomialCount
    }

    /// Opens the committed polynomials at the claimed points in one proof. Every claim's value must be
    /// true (the prover does not check). All batches must share parameters.
    /// `randomness` (hiding parameters only) seeds the folded layers' salts; libsodium when nil. A
    /// masked class's layers are unsalted (functions of the uniform F = f + β·M, docs/ZK.md §4).
    /// Every masked batch (committed with an opening mask, docs/ZK.md §6.2) is opened as a size class
    /// of its own, even when another batch has its size. (A batch committed without a mask is opened in
    /// zero knowledge by `openFoldedMask`; the full-size separate mask of protocols v11–v14 is gone.)
    public static func open(_ batches: [CommittedBatch], claims: [EvaluationClaim], transcript: inout Transcript,
                            randomness: ProofRandomness? = nil) -> OpeningProof {
        precondition(!batches.isEmpty && !claims.isEmpty, "open needs batches and claims")
        let parameters = batches[0].parameters
        precondition(batches.allSatisfy { $0.parameters == parameters }, "batches must share parameters")
        let commitments = batches.map(\.commitment)
        for c in claims {
            precondition(c.batch >= 0 && c.batch < batches.count && c.polynomial >= 0
                         && c.polynomial < batches[c.batch].commitment.polynomialCount
                         && c.point.count == batches[c.batch].numVariables
                         && c.terms.allSatisfy({ $0.point.count == c.point.count })
                         && c.sparse?.malformation(numVariables: c.point.count) == nil, "malformed claim")
        }
        absorbStatement(parameters, commitments, claims, &transcript)
        var classes = [SizeClassProof]()
        // Masked batches are classes of their own, even next to another batch of their size.
        let alone = Set(batches.indices.filter { batches[$0].openingMask })
        let sized = sizeClasses(commitments, claims, alone: alone)
        for (n, classBatches) in sized {
            let shared = sized.filter { $0.numVariables == n }.count > 1 && classBatches.count == 1 && alone.contains(classBatches[0])
            classes.append(openClass(n: n, batches: classBatches.map { batches[$0] }, batchIndices: classBatches,
                                     claims: claims.filter { classBatches.contains($0.batch) },
                                     parameters: parameters, transcript: &transcript,
                                     randomness: randomness?.fork(classLabel(n, classBatches, shared: shared))))
        }
        return OpeningProof(classes: classes)
    }

    static func openClass(n: Int, batches: [CommittedBatch], batchIndices: [Int],
                          claims: [EvaluationClaim], parameters: CommitmentParameters, transcript: inout Transcript,
                          randomness: ProofRandomness? = nil) -> SizeClassProof {
        let size = 1 << n
        var slots = [Int: Int]()
        var m = 0
        for (i, b) in batches.enumerated() {
            slots[batchIndices[i]] = m
            m += b.commitment.polynomialCount
        }
        let polys: [[Goldilocks]] = batches.flatMap(\.evaluations)
        let coefficientSets: [[Goldilocks]] = batches.flatMap(\.coefficients)

        // With one polynomial in the class, Basefold's sumcheck runs directly against the claims'
        // weight W = Σ_ℓ γ^ℓ eq(z_ℓ, ·) (the verifier evaluates W at the folding point itself): no
        // point-reduction sumcheck, no eq table of a reduced point, and the first fold reads the base
        // tables (no lift to the extension); `DirectFolding` keeps W in product form per claim, never
        // as a 2^n table. Several polynomials are reduced to one point first.
        var reduction: SumcheckProof<E>?
        var values = [E]()
        var claim = E.zero
        var table = [E]()
        var coefficients = [E]()
        var weight = [E]()
        var direct: DirectFolding?
        // Zero knowledge (docs/ZK.md §6.2): a batch carrying an opening mask M = M_0 + u·M_1 is alone
        // in its class; the prover sends c = Σ_x W(x)·M(x), the verifier draws β, and Basefold runs on
        // f + β·M (uniform) against the claim Σ_ℓ γ^ℓ v_ℓ + β·c. The leaves combine with (1, β, β·u).
        let masked = batches.count == 1 && batches[0].openingMask
        precondition(masked || !batches.contains(where: \.openingMask), "a masked batch must be alone in its size class")
        if masked {
            precondition(claims.allSatisfy { $0.polynomial == 0 }, "claims on a masked batch name polynomial 0")
            let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
            // c = Σ W·M_0 + u·Σ W·M_1 over the two base tables (no extension copy of M); the same pass
            // takes round 0's sums of f.
            var folding = DirectFolding(table: polys[0], mask: polys[1], polys[2], claims: claims, gamma: gamma)
            let maskSum = folding.maskSum()
            transcript.absorb("pcs.mask.sum", maskSum)
            let beta: E = transcript.challenge("pcs.mask.beta")
            folding.setMaskChallenge(beta)
            direct = folding
            var g = E.one
            for c in claims {
                claim += g * c.value
                g *= gamma
            }
            claim += beta * maskSum
            values = [maskSum]
        } else if m == 1 {
            let gamma: E = claims.count > 1 ? transcript.challenge("pcs.gamma") : .one
            direct = DirectFolding(table: polys[0], claims: claims, gamma: gamma)
            var g = E.one
            for c in claims {
                claim += g * c.value
                g *= gamma
            }
        } else {
            (reduction, values, claim, table, coefficients, weight) = reduceAndCombine(
                n: n, claims: claims, slots: slots, m: m, polys: polys, coefficientSets: coefficientSets, transcript: &transcript)
        }

        let k = parameters.foldingLog
        let folded = parameters.foldedVariables(n)
        var layerCodewords = [[E]]()
        var layerTrees = [MerkleTree]()
        var folder = direct == nil ? FoldBuffers(size: size) : FoldBuffers(size: 1)
        var evals = direct?.roundEvaluations(claim: claim) ?? lowBitRound(table, weight, claim: claim)
        var rounds = [[E]]()
        for t in 0..<folded {
            rounds.append(evals)
            transcript.absorb("pcs.round", elements: evals)
            let rho: E = transcript.challenge("pcs.fold")
            claim = interpolateAtIntegerNodes(evals, at: rho)
            if direct != nil {
                direct!.fold(rho)
                evals = direct!.roundEvaluations(claim: claim)
            } else {
                let s0s2 = folder.fold(round: t, table: table, weight: weight, coefficients: coefficients, rho: rho)
                evals = [s0s2.0, claim - s0s2.0, s0s2.1]
            }
            if (t + 1) % k == 0 && t + 1 < folded {
                let folding = direct?.coefficients() ?? folder.coefficients(afterRound: t)
                let plan = NTTPlan(logSize: folding.count.trailingZeroBitCount)
                let codeword = encodeExtension(folding, rateLog: parameters.rateLog, plan: plan)
                // A masked class's layers are functions of the uniform F = f + β·M and public
                // challenges (the simulator computes them, docs/ZK.md §4): unsalted.
                let tree = layerTree([codeword], foldingLog: k, salted: parameters.hiding && !masked,
                                     saltSource: randomness?.fork("pcs.layer.\(t)"))
                transcript.absorb("pcs.layer.root", digest: tree.root)
                layerCodewords.append(codeword)
                layerTrees.append(tree)
            }
        }
        if folded > 0 {
            coefficients = direct?.coefficients() ?? folder.coefficients(afterRound: folded - 1)
        } else if masked {
            coefficients = direct!.coefficients()
        } else if direct != nil {
            coefficients = coefficientSets[0].map { E($0) }
        }
        transcript.absorb("pcs.final", elements: coefficients)
        let nonce = transcript.grind(bits: parameters.grindingBits)
        let positions = queryPositions(&transcript, parameters: parameters, n: n)

        let width = 1 << k
        let batchOpenings = batches.map { TreeOpening(tree: $0.tree, codewords: $0.codewords, width: width, indices: positions) }
        let layerOpenings = layerTrees.enumerated().map { g, tree in
            TreeOpening(tree: tree, codewords: [layerCodewords[g]], width: width,
                        indices: layerIndices(positions, shift: k * (g + 1)))
        }
        return SizeClassProof(numVariables: n, pointReduction: reduction, values: values,
                              rounds: SumcheckProof(roundPolynomials: rounds), layerRoots: layerTrees.map(\.root),
                              finalCoefficients: coefficients, powNonce: nonce,
                              batchOpenings: batchOpenings, layerOpenings: layerOpenings)
    }

    /// Reed-Solomon encoding of extension-field coefficients c = u + X·v as the two base-field
    /// encodings of u and v (the code is linear over the base field and its twiddles are base): the
    /// same field operations as an extension NTT, on 8-byte elements and on the base-field NTT path.
    static func encodeExtension(_ c: [E], rateLog: Int, plan: NTTPlan) -> [E] {
        let n = c.count
        var u = [Goldilocks](unsafeUninitializedCapacity: n) { _, k in k = n }
        var v = u
        c.withUnsafeBufferPointer { src in
            u.withUnsafeMutableBufferPointer { ub in
                v.withUnsafeMutableBufferPointer { vb in
                    let (pu, pv) = (ub.baseAddress!, vb.baseAddress!)
                    Parallel.forEachChunk(count: n) { range in
                        for i in range { pu[i] = src[i].c0; pv[i] = src[i].c1 }
                    }
                }
            }
        }
        let cu = ReedSolomon.encode(u, rateLog: rateLog, plan: plan)
        let cv = ReedSolomon.encode(v, rateLog: rateLog, plan: plan)
        let m = cu.count
        return [E](unsafeUninitializedCapacity: m) { out, k in
            let dst = out.baseAddress!
            cu.withUnsafeBufferPointer { a in
                cv.withUnsafeBufferPointer { b in
                    Parallel.forEachChunk(count: m) { range in
                        for i in range { (dst + i).initialize(to: E(a[i], b[i])) }
                    }
                }
            }
            k = m
        }
    }

    /// The distinct leaf indices (ascending) that ascending query positions reach in a folded layer
    /// whose leaves cover 2^shift layer-0 leaves each.
    static func layerIndices(_ positions: [Int], shift: Int) -> [Int] {
        var out = [Int]()
        for q in positions where out.last != q >> shift { out.append(q >> shift) }
        return out
    }

    /// Several polynomials: reduces every claim to one point r (a sumcheck unless all claims share
    /// it), then combines the polynomials with powers of β. Returns the reduction proof, the values
    /// at r, the combined claim, the combined table and coefficients, and eq(r, ·).
    static func reduceAndCombine(n: Int, claims: [EvaluationClaim], slots: [Int: Int], m: Int, polys: [[Goldilocks]],
                                 coefficientSets: [[Goldilocks]], transcript: inout Transcript)
        -> (SumcheckProof<E>?, [E], E, [E], [E], [E]) {
        let size = 1 << n
        var point: [E]
        var values: [E]
        var reduction: SumcheckProof<E>?
        if sharesOnePoint(claims, slots: slots, polynomialCount: m) {
            point = claims[0].point
            values = [E](repeating: .zero, count: m)
            for c in claims { values[slots[c.batch]! + c.polynomial] = c.value }
        } else {
            let gamma: E = transcript.challenge("pcs.gamma")
            let weights = reductionWeights(claims, slots: slots, count: m, n: n, gamma: gamma)
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
        let weight = MLE.eqTable(point)

        return (reduction, values, claim, table, coefficients, weight)
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
}

extension PolynomialCommitment {
    /// The point-reduction weights Σ_ℓ γ^ℓ·eq(z_ℓ, ·) per polynomial. A claim whose leading coordinates
    /// are 0 or 1 (a segment of a larger vector) only touches the block those bits select, so its eq
    /// table is built over the remaining coordinates alone.
    static func reductionWeights(_ claims: [EvaluationClaim], slots: [Int: Int], count m: Int, n: Int, gamma: E) -> [[E]] {
        let size = 1 << n
        var weights = [[E]](repeating: [E](repeating: .zero, count: size), count: m)
        var g = E.one
        for c in claims {
          for (point, coefficient) in c.weightTerms {
            var k = 0
            var block = 0
            while k < n && (point[k] == .zero || point[k] == .one) {
                block = block << 1 | (point[k] == .one ? 1 : 0)
                k += 1
            }
            let rest = n - k
            let eq = MLE.eqTable(Array(point[k...]), scaledBy: g * coefficient)
            let start = block << rest
            let j = slots[c.batch]! + c.polynomial
            weights[j].withUnsafeMutableBufferPointer { w in
                let dst = w.baseAddress! + start
                eq.withUnsafeBufferPointer { src in
                    let from = src.baseAddress!
                    Parallel.forEachChunk(count: eq.count) { range in
                        for i in range { dst[i] += from[i] }
                    }
                }
            }
          }
            if let sparse = c.sparse {
                let j = slots[c.batch]! + c.polynomial
                for t in 0..<sparse.count { weights[j][sparse.globalIndex(t)] += g * sparse.coefficients[t] }
            }
            g *= gamma
        }
        return weights
    }
}

/// Scratch space for Basefold's folding rounds: two ping-pong buffers per table (table, weight,
/// coefficients), allocated once, so a round is one fused pass (fold the low bit, and sum the next
/// round's polynomial) with no allocation.
struct FoldBuffers {
    typealias E = GoldilocksExt2
    /// Even rounds fold into `a` (half size), odd rounds into `b` (quarter size).
    var a: (t: [E], w: [E], c: [E])
    var b: (t: [E], w: [E], c: [E])
    let size: Int

    init(size: Int) {
        self.size = size
        let h = max(size / 2, 1), q = max(size / 4, 1)
        // Not zeroed (6 buffers, 72 MB for a 2^21-entry opening): a round reads only what the round
        // before wrote, and `coefficients(afterRound:)` only the written prefix.
        func buffer(_ count: Int) -> [E] { [E](unsafeUninitializedCapacity: count) { _, n in n = count } }
        a = (buffer(h), buffer(h), buffer(h))
        b = (buffer(q), buffer(q), buffer(q))
    }

    /// The folded coefficients after round `t` (0-based).
    func coefficients(afterRound t: Int) -> [E] {
        let length = size >> (t + 1)
        return Array((t % 2 == 0 ? a.c : b.c)[0..<length])
    }

    /// Folds round `t`'s tables with ρ (t' = t[2i] + ρ·(t[2i+1] − t[2i]), the same for the weight,
    /// c' = c[2i] + ρ·c[2i+1]) and returns the next round's s(0) and s(2). Round 0 reads the given
    /// full-size arrays.
    mutating func fold(round t: Int, table: [E], weight: [E], coefficients: [E], rho: E) -> (E, E) {
        let length = size >> t
        if t == 0 {
            return table.withUnsafeBufferPointer { st in
                weight.withUnsafeBufferPointer { sw in
                    coefficients.withUnsafeBufferPointer { sc in
                        foldInto(&a, st.baseAddress!, sw.baseAddress!, sc.baseAddress!, length: length, rho: rho)
                    }
                }
            }
        }
        if t % 2 == 1 {
            return a.t.withUnsafeBufferPointer { st in
                a.w.withUnsafeBufferPointer { sw in
                    a.c.withUnsafeBufferPointer { sc in
                        foldInto(&b, st.baseAddress!, sw.baseAddress!, sc.baseAddress!, length: length, rho: rho)
                    }
                }
            }
        }
        return b.t.withUnsafeBufferPointer { st in
            b.w.withUnsafeBufferPointer { sw in
                b.c.withUnsafeBufferPointer { sc in
                    foldInto(&a, st.baseAddress!, sw.baseAddress!, sc.baseAddress!, length: length, rho: rho)
                }
            }
        }
    }

    private func foldInto<S: FoldSource>(_ dst: inout (t: [E], w: [E], c: [E]), _ st: UnsafePointer<S>, _ sw: UnsafePointer<E>,
                                         _ sc: UnsafePointer<S>, length: Int, rho: E) -> (E, E) {
        let half = length / 2
        return dst.t.withUnsafeMutableBufferPointer { dtb in
            dst.w.withUnsafeMutableBufferPointer { dwb in
                dst.c.withUnsafeMutableBufferPointer { dcb in
                    let dt = dtb.baseAddress!, dw = dwb.baseAddress!, dc = dcb.baseAddress!
                    if half < 2 {
                        dt[0] = S.fold(st[0], st[1], rho)
                        dw[0] = sw[0] + rho * (sw[1] - sw[0])
                        dc[0] = S.combine(sc[0], sc[1], rho)
                        return (E.zero, E.zero)
                    }
                    let parts = Parallel.mapChunks(count: half / 2, minimumChunk: 1 << 12) { range -> (E, E) in
                        var s0 = E.zero, s2 = E.zero
                        for j in range {
                            let i = 4 * j
                            let t0 = S.fold(st[i], st[i + 1], rho)
                            let t1 = S.fold(st[i + 2], st[i + 3], rho)
                            let w0 = sw[i] + rho * (sw[i + 1] - sw[i])
                            let w1 = sw[i + 2] + rho * (sw[i + 3] - sw[i + 2])
                            dt[2 * j] = t0; dt[2 * j + 1] = t1
                            dw[2 * j] = w0; dw[2 * j + 1] = w1
                            dc[2 * j] = S.combine(sc[i], sc[i + 1], rho)
                            dc[2 * j + 1] = S.combine(sc[i + 2], sc[i + 3], rho)
                            s0 += t0 * w0
                            s2 += (t1.doubled() - t0) * (w1.doubled() - w0)
                        }
                        return (s0, s2)
                    }
                    var s0 = E.zero, s2 = E.zero
                    for p in parts { s0 += p.0; s2 += p.1 }
                    return (s0, s2)
                }
            }
        }
    }
}

/// What Basefold's folds may read: base-field tables (a direct opening's first round) or extension tables.
protocol FoldSource {
    /// lo + ρ·(hi − lo): the table fold.
    static func fold(_ lo: Self, _ hi: Self, _ rho: GoldilocksExt2) -> GoldilocksExt2
    /// c0 + ρ·c1: the coefficient fold.
    static func combine(_ c0: Self, _ c1: Self, _ rho: GoldilocksExt2) -> GoldilocksExt2
    /// e·s.
    static func times(_ e: GoldilocksExt2, _ s: Self) -> GoldilocksExt2
}

extension Goldilocks: FoldSource {
    @inline(__always)
    static func fold(_ lo: Goldilocks, _ hi: Goldilocks, _ rho: GoldilocksExt2) -> GoldilocksExt2 { rho * (hi - lo) + lo }
    @inline(__always)
    static func combine(_ c0: Goldilocks, _ c1: Goldilocks, _ rho: GoldilocksExt2) -> GoldilocksExt2 { rho * c1 + c0 }
    @inline(__always)
    static func times(_ e: GoldilocksExt2, _ s: Goldilocks) -> GoldilocksExt2 { e * s }
}

extension GoldilocksExt2: FoldSource {
    @inline(__always)
    static func fold(_ lo: GoldilocksExt2, _ hi: GoldilocksExt2, _ rho: GoldilocksExt2) -> GoldilocksExt2 { lo + rho * (hi - lo) }
    @inline(__always)
    static func combine(_ c0: GoldilocksExt2, _ c1: GoldilocksExt2, _ rho: GoldilocksExt2) -> GoldilocksExt2 { c0 + rho * c1 }
    @inline(__always)
    static func times(_ e: GoldilocksExt2, _ s: GoldilocksExt2) -> GoldilocksExt2 { e * s }
}
