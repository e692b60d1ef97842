/// Basefold's sumcheck for a class holding one polynomial f, run against W = Σ_ℓ γ^ℓ eq(z_ℓ, ·)
/// without ever building W: each claim keeps its factor of W in product form, scale_ℓ · eq(p_ℓ, ·)
/// over the variables not yet bound, and only the table of its non-Boolean coordinates (a segment
/// claim's leading 0/1 coordinates only select a block). Round t binds the lowest index bit (the last
/// coordinate of every point), so with A_ℓ(b) = Σ_x' f(x', b)·eq(p_ℓ', x') the round polynomial is
/// s(X) = Σ_ℓ scale_ℓ·eq(p_ℓ,last, X)·(A_ℓ(0)(1 − X) + A_ℓ(1)X), read from the claim's block only,
/// with the local eq table split in two halves (eq(L, ·) = eq(L_hi, ·) ⊗ eq(L_lo, ·), ~2^(|L|/2) entries
/// each). Binding X = ρ multiplies scale_ℓ by eq(p_ℓ,last, ρ), drops that coordinate, and halves the
/// low table (then the high one) by summing pairs. The table of f is folded in full each round, and the coefficients a folded
/// layer (or the final polynomial) needs are its Möbius transform, so no coefficient table is folded.
/// The round polynomials are exactly those of the materialised sumcheck (the proof does not change).
struct DirectFolding {
    typealias E = GoldilocksExt2

    /// One claim's factor of W.
    struct ClaimWeight {
        /// γ^ℓ times eq(z_ℓ's bound coordinates, the challenges).
        var scale: E
        /// The coordinates not yet bound (first variable first).
        var point: [E]
        /// Leading coordinates of the original point that are 0 or 1.
        let booleanPrefix: Int
        /// eq(L, ·) for L = point[booleanPrefix ..< point.count − 1], split as eq(L_hi, ·) ⊗ eq(L_lo, ·)
        /// (index y = y_hi·|lo| + y_lo; `[1]` for an empty half): two tables of about 2^(|L|/2)
        /// entries instead of one of 2^|L|.
        var hi: [E]
        var lo: [E]

        init(scale: E, point: [E]) {
            self.scale = scale
            self.point = point
            var k = 0
            while k < point.count && (point[k] == .zero || point[k] == .one) { k += 1 }
            booleanPrefix = k
            let local = k < point.count - 1 ? Array(point[k..<(point.count - 1)]) : []
            let split = local.count / 2
            hi = MLE.eqTable(Array(local[..<split]))
            lo = MLE.eqTable(Array(local[split...]))
        }

        /// Entries of eq(L, ·): the block of the table's x' space that the Boolean prefix selects.
        var blockLength: Int { hi.count * lo.count }

        /// The block of the (v − 1)-variable space x' that the Boolean prefix selects, as its first
        /// index (the block has `blockLength` entries).
        var blockStart: Int {
            let v = point.count
            let prefix = min(booleanPrefix, v - 1)
            var bits = 0
            for i in 0..<prefix { bits = bits << 1 | (point[i] == .one ? 1 : 0) }
            return bits << (v - 1 - prefix)
        }

        /// Binds the last coordinate to ρ (L loses its last coordinate: eq sums over it to 1).
        mutating func bind(_ rho: E) {
            let p = point.removeLast()
            scale *= E.one - p - rho + (p * rho).doubled()
            if lo.count > 1 {
                lo = ClaimWeight.pairSums(lo)
            } else if hi.count > 1 {
                hi = ClaimWeight.pairSums(hi)
            }
        }

        static func pairSums(_ t: [E]) -> [E] {
            (0..<(t.count / 2)).map { t[2 * $0] + t[2 * $0 + 1] }
        }
    }

    /// The committed table (round 0), base field.
    let committed: [Goldilocks]
    /// A masked opening's mask (M_0, M_1) and β: round 0's table is then f + β·(M_0 + u·M_1), read
    /// from the three base tables and never materialised (the round polynomial and the fold are linear
    /// in the table). β is set by `setMaskChallenge` once the mask sum is bound.
    private(set) var mask: (m0: [Goldilocks], m1: [Goldilocks], beta: E)?
    /// Round 0 of a masked opening: each claim weight's partial sums (A(0), A(1)) over f, M_0 and M_1,
    /// computed in one pass by `maskSum()` (before β) and reused for round 0's polynomial (after β).
    private var maskedRound0: [(f: (E, E), m0: (E, E), m1: (E, E))] = []
    /// Round 0's table when it is already in the extension (`committed` is then empty): a folded-mask
    /// opening's F′ = V(·, ρ) + β·M (`PolynomialCommitment.openFoldedMask`).
    let extensionBase: [E]
    /// Entries of the round-0 table.
    let size: Int
    /// Folded tables: rounds 1, 3, 5… write `a`, rounds 2, 4… write `b` (allocated once).
    var a: [E] = []
    var b: [E] = []
    /// Variables left.
    private(set) var variables: Int
    var weights: [ClaimWeight]
    /// The factors whose point is entirely Boolean (a unit vector: one entry of the table; a claim's
    /// `SparseWeight`, docs/ZK.md §3, has hundreds), as (index, scale) in increasing index, merged: the
    /// product form would cost a table pass per factor and round, this costs one read.
    var sparse: [(index: Int, scale: E)] = []

    /// The claims (all on the one polynomial, points of `n` coordinates) combined with powers of γ;
    /// each term of a combination claim is one more product-form factor.
    init(table: [Goldilocks], claims: [EvaluationClaim], gamma: E) {
        self.init(base: table, mask: nil, claims: claims, gamma: gamma)
    }

    /// The same over an extension-field round-0 table (no mask).
    init(extensionTable: [E], claims: [EvaluationClaim], gamma: E) {
        self.init(base: [], extensionBase: extensionTable, mask: nil, claims: claims, gamma: gamma)
    }

    /// The same over f + β·(M_0 + u·M_1) (the zero-knowledge opening, docs/ZK.md §6.2): call
    /// `maskSum()` (c = Σ W·M), then `setMaskChallenge(β)` before the first round.
    init(table: [Goldilocks], mask m0: [Goldilocks], _ m1: [Goldilocks], claims: [EvaluationClaim], gamma: E) {
        precondition(m0.count == table.count && m1.count == table.count, "a mask has the table's size")
        self.init(base: table, mask: (m0, m1, .zero), claims: claims, gamma: gamma)
    }

    /// c = Σ_x W(x)·(M_0(x) + u·M_1(x)) of a masked opening. The same pass over each claim's block
    /// also sums f, so round 0's polynomial (linear in the table: f's sums plus β times M's) needs
    /// no second pass over the three tables.
    mutating func maskSum() -> E {
        guard let mask else { preconditionFailure("maskSum() needs a masked opening") }
        precondition(round == 0, "the mask sum is taken before the first fold")
        maskedRound0 = committed.withUnsafeBufferPointer { f in
            mask.m0.withUnsafeBufferPointer { m0 in
                mask.m1.withUnsafeBufferPointer { m1 in
                    weights.map { w in
                        DirectFolding.partialSums(f.baseAddress!, m0.baseAddress!, m1.baseAddress!, start: w.blockStart, hi: w.hi, lo: w.lo)
                    }
                }
            }
        }
        let u = E(.zero, .one)
        var sum = E.zero
        for (w, s) in zip(weights, maskedRound0) {
            let p = w.point[w.point.count - 1]
            sum += w.scale * ((E.one - p) * (s.m0.0 + u * s.m1.0) + p * (s.m0.1 + u * s.m1.1))
        }
        for e in sparse { sum += e.scale * E(mask.m0[e.index], mask.m1[e.index]) }
        return sum
    }

    /// Sets β of a masked opening (after `maskSum()`).
    mutating func setMaskChallenge(_ beta: E) {
        precondition(mask != nil && maskedRound0.count == weights.count && round == 0, "β follows the mask sum")
        mask!.beta = beta
    }

    private init(base: [Goldilocks], extensionBase: [E] = [], mask: (m0: [Goldilocks], m1: [Goldilocks], beta: E)?,
                 claims: [EvaluationClaim], gamma: E) {
        committed = base
        self.extensionBase = extensionBase
        self.mask = mask
        size = base.isEmpty ? extensionBase.count : base.count
        variables = size.trailingZeroBitCount
        var g = E.one
        // A combination claim contributes one factor per term (docs/PROOF_CORE.md, `EvaluationClaim.terms`).
        var weights = [ClaimWeight]()
        var sparse = [(index: Int, scale: E)]()
        for c in claims {
            for t in c.weightTerms {
                if let index = DirectFolding.booleanIndex(t.point) {
                    sparse.append((index, g * t.coefficient))
                } else {
                    weights.append(ClaimWeight(scale: g * t.coefficient, point: t.point))
                }
            }
            if let s = c.sparse {
                for t in 0..<s.count { sparse.append((s.globalIndex(t), g * s.coefficients[t])) }
            }
            g *= gamma
        }
        self.weights = weights
        // A claim's sparse block comes in increasing index order: sort only when the list is not.
        let sorted = zip(sparse, sparse.dropFirst()).allSatisfy { $0.index <= $1.index }
        self.sparse = DirectFolding.merged(sorted ? sparse : sparse.sorted { $0.index < $1.index })
    }

    /// The index a point of 0/1 coordinates names (first coordinate on the top bit); nil otherwise.
    static func booleanIndex(_ point: [E]) -> Int? {
        var index = 0
        for p in point {
            guard p == .zero || p == .one else { return nil }
            index = index << 1 | (p == .one ? 1 : 0)
        }
        return index
    }

    /// Entries with equal indices (sorted input) summed.
    static func merged(_ entries: [(index: Int, scale: E)]) -> [(index: Int, scale: E)] {
        var out = [(index: Int, scale: E)]()
        out.reserveCapacity(entries.count)
        for e in entries {
            if let last = out.last, last.index == e.index { out[out.count - 1].scale += e.scale } else { out.append(e) }
        }
        return out
    }

    /// Entry `i` of the current table (round 0: f, or f + β·(M_0 + u·M_1) for a masked opening).
    private func entry(_ i: Int) -> E {
        guard round == 0 else { return round % 2 == 1 ? a[i] : b[i] }
        guard extensionBase.isEmpty else { return extensionBase[i] }
        guard let mask else { return E(committed[i]) }
        return E(committed[i]) + mask.beta * E(mask.m0[i], mask.m1[i])
    }

    /// Folds done so far.
    var round: Int { size.trailingZeroBitCount - variables }

    /// Calls `body` with the current table (base field before the first fold).
    private func withTable<R>(_ base: (UnsafePointer<Goldilocks>) -> R, _ ext: (UnsafePointer<E>) -> R) -> R {
        if round == 0 && !extensionBase.isEmpty { return extensionBase.withUnsafeBufferPointer { ext($0.baseAddress!) } }
        if round == 0 { return committed.withUnsafeBufferPointer { base($0.baseAddress!) } }
        return (round % 2 == 1 ? a : b).withUnsafeBufferPointer { ext($0.baseAddress!) }
    }

    /// `partialSums` of the current table for claim weight `k`; round 0 of a masked table combines the
    /// sums of f, M_0 and M_1 that `maskSum()` took (base × extension products, one pass).
    private func sums(_ k: Int) -> (E, E) {
        let w = weights[k]
        let start = w.blockStart
        if round == 0, let mask {
            // From `maskSum()`'s pass: f's sums plus β times M's.
            let (f, m0, m1) = maskedRound0[k]
            let u = E(.zero, .one)
            return (f.0 + mask.beta * (m0.0 + u * m1.0), f.1 + mask.beta * (m0.1 + u * m1.1))
        }
        return withTable({ DirectFolding.partialSums($0, start: start, hi: w.hi, lo: w.lo) },
                         { DirectFolding.partialSums($0, start: start, hi: w.hi, lo: w.lo) })
    }

    /// Σ_x W(x)·t(x) over the current table t: s(0) + s(1) of the next round, without a claim.
    func weightedSum() -> E {
        var sum = E.zero
        for (k, w) in weights.enumerated() {
            let (a0, a1) = sums(k)
            let p = w.point[w.point.count - 1]
            sum += w.scale * ((E.one - p) * a0 + p * a1)
        }
        for e in sparse { sum += e.scale * entry(e.index) }
        return sum
    }

    /// The round polynomial at 0, 1, 2 (s(1) = claim − s(0)).
    func roundEvaluations(claim: E) -> [E] {
        var s0 = E.zero, s2 = E.zero
        for (k, w) in weights.enumerated() {
            let (a0, a1) = sums(k)
            let p = w.point[w.point.count - 1]
            s0 += w.scale * (E.one - p) * a0
            // eq(p, 2) = 3p − 1; the table's line at 2 is 2·A(1) − A(0).
            s2 += w.scale * (p.doubled() + p - E.one) * (a1.doubled() - a0)
        }
        // A unit vector at index i: its last coordinate is bit 0 of i (eq at 0: 1 − bit; at 2: 3·bit − 1).
        if round == 0 && mask != nil {
            for e in sparse {
                let (t0, t1) = (entry(e.index & ~1), entry(e.index | 1))
                if e.index & 1 == 0 {
                    s0 += e.scale * t0
                    s2 -= e.scale * (t1.doubled() - t0)
                } else {
                    s2 += e.scale.doubled() * (t1.doubled() - t0)
                }
            }
        } else if !sparse.isEmpty {
            // Read straight from the current table (ZKML's pool claim: ~1,000 entries per round).
            let (a0, a2) = withTable({ DirectFolding.sparseRound($0, sparse) }, { DirectFolding.sparseRound($0, sparse) })
            s0 += a0
            s2 += a2
        }
        return [s0, claim - s0, s2]
    }

    /// The unit vectors' part of a round polynomial at 0 and 2 over table `t` (see `roundEvaluations`).
    static func sparseRound<S: FoldSource & FieldElement>(_ t: UnsafePointer<S>, _ sparse: [(index: Int, scale: E)]) -> (E, E) {
        var s0 = E.zero, s2 = E.zero
        for e in sparse {
            let (t0, t1) = (t[e.index & ~1], t[e.index | 1])
            let line = S.times(e.scale, t1.doubled() - t0)
            if e.index & 1 == 0 {
                s0 += S.times(e.scale, t0)
                s2 -= line
            } else {
                s2 += line.doubled()
            }
        }
        return (s0, s2)
    }

    /// (Σ_y e(y)·t[2(start + y)], Σ_y e(y)·t[2(start + y) + 1]) with e(y_hi·|lo| + y_lo) = hi[y_hi]·lo[y_lo].
    static func partialSums<S: FoldSource>(_ t: UnsafePointer<S>, start: Int, hi: [E], lo: [E]) -> (E, E) {
        let base = t + 2 * start
        let width = lo.count
        let parts = hi.withUnsafeBufferPointer { h in
            lo.withUnsafeBufferPointer { l in
                Parallel.mapChunks(count: h.count, minimumChunk: max(1, (1 << 13) / width)) { range -> (E, E) in
                    var a0 = E.zero, a1 = E.zero
                    for yh in range {
                        let row = base + 2 * yh * width
                        var b0 = E.zero, b1 = E.zero
                        for yl in 0..<width {
                            b0 += S.times(l[yl], row[2 * yl])
                            b1 += S.times(l[yl], row[2 * yl + 1])
                        }
                        a0 += h[yh] * b0
                        a1 += h[yh] * b1
                    }
                    return (a0, a1)
                }
            }
        }
        var a0 = E.zero, a1 = E.zero
        for p in parts { a0 += p.0; a1 += p.1 }
        return (a0, a1)
    }

    /// `partialSums` of three base tables at once (f, M_0, M_1 of a masked opening): one pass over
    /// the claim's block of each.
    static func partialSums(_ f: UnsafePointer<Goldilocks>, _ m0: UnsafePointer<Goldilocks>, _ m1: UnsafePointer<Goldilocks>,
                            start: Int, hi: [E], lo: [E]) -> (f: (E, E), m0: (E, E), m1: (E, E)) {
        let offset = 2 * start
        let width = lo.count
        typealias Sums = (f: (E, E), m0: (E, E), m1: (E, E))
        let zero: Sums = ((.zero, .zero), (.zero, .zero), (.zero, .zero))
        let parts = hi.withUnsafeBufferPointer { h in
            lo.withUnsafeBufferPointer { l in
                Parallel.mapChunks(count: h.count, minimumChunk: max(1, (1 << 12) / width)) { range -> Sums in
                    var acc = zero
                    for yh in range {
                        let row = offset + 2 * yh * width
                        let (rf, r0, r1) = (f + row, m0 + row, m1 + row)
                        var b = zero
                        for yl in 0..<width {
                            let e = l[yl]
                            b.f.0 += e * rf[2 * yl]; b.f.1 += e * rf[2 * yl + 1]
                            b.m0.0 += e * r0[2 * yl]; b.m0.1 += e * r0[2 * yl + 1]
                            b.m1.0 += e * r1[2 * yl]; b.m1.1 += e * r1[2 * yl + 1]
                        }
                        let c = h[yh]
                        acc.f.0 += c * b.f.0; acc.f.1 += c * b.f.1
                        acc.m0.0 += c * b.m0.0; acc.m0.1 += c * b.m0.1
                        acc.m1.0 += c * b.m1.0; acc.m1.1 += c * b.m1.1
                    }
                    return acc
                }
            }
        }
        var total = zero
        for p in parts {
            total.f.0 += p.f.0; total.f.1 += p.f.1
            total.m0.0 += p.m0.0; total.m0.1 += p.m0.1
            total.m1.0 += p.m1.0; total.m1.1 += p.m1.1
        }
        return total
    }

    /// Binds the lowest variable to ρ: folds the table and every claim's weight.
    mutating func fold(_ rho: E) {
        let half = 1 << (variables - 1)
        let target = round % 2 == 0
        if a.isEmpty { a = DirectFolding.buffer(half) }
        if b.isEmpty && half > 1 { b = DirectFolding.buffer(half / 2) }
        func run<S: FoldSource>(_ src: UnsafePointer<S>, _ dst: UnsafeMutablePointer<E>) {
            // One multiplication per entry: a fold of up to 2^15 entries (digits_mlp's weights, ~50 µs)
            // stays on this thread, where waking a worker cost more than it saved under load.
            Parallel.forEachChunk(count: half, minimumChunk: 1 << 14) { range in
                for i in range { dst[i] = S.fold(src[2 * i], src[2 * i + 1], rho) }
            }
        }
        if round == 0, let mask {
            // F = f + β·M_0 + βu·M_1 folded: F(lo) + ρ·(F(hi) − F(lo)) = f_lo + ρ·Δf + β·M_0,lo + βρ·ΔM_0
            // + βu·M_1,lo + βuρ·ΔM_1, with the Δ base-field differences: five extension × base products.
            let beta = mask.beta
            let (betaU, betaRho) = (beta * E(.zero, .one), beta * rho)
            let betaURho = betaU * rho
            committed.withUnsafeBufferPointer { f in
                mask.m0.withUnsafeBufferPointer { m0 in
                    mask.m1.withUnsafeBufferPointer { m1 in
                        a.withUnsafeMutableBufferPointer { d in
                            let (pf, p0, p1, dst) = (f.baseAddress!, m0.baseAddress!, m1.baseAddress!, d.baseAddress!)
                            Parallel.forEachChunk(count: half, minimumChunk: 1 << 14) { range in
                                for i in range {
                                    let (f0, a0, b0) = (pf[2 * i], p0[2 * i], p1[2 * i])
                                    var v = rho * (pf[2 * i + 1] - f0) + beta * a0
                                    v += betaRho * (p0[2 * i + 1] - a0)
                                    v += betaU * b0
                                    v += betaURho * (p1[2 * i + 1] - b0)
                                    dst[i] = v + E(f0)
                                }
                            }
                        }
                    }
                }
            }
        } else if round == 0 && !extensionBase.isEmpty {
            extensionBase.withUnsafeBufferPointer { s in a.withUnsafeMutableBufferPointer { run(s.baseAddress!, $0.baseAddress!) } }
        } else if round == 0 {
            committed.withUnsafeBufferPointer { s in a.withUnsafeMutableBufferPointer { run(s.baseAddress!, $0.baseAddress!) } }
        } else if target {
            b.withUnsafeBufferPointer { s in a.withUnsafeMutableBufferPointer { run(s.baseAddress!, $0.baseAddress!) } }
        } else {
            a.withUnsafeBufferPointer { s in b.withUnsafeMutableBufferPointer { run(s.baseAddress!, $0.baseAddress!) } }
        }
        variables -= 1
        for i in weights.indices { weights[i].bind(rho) }
        // The unit vectors: index i moves to i >> 1 with its scale times eq(bit 0 of i, ρ); the list
        // stays increasing, so entries landing on one index are adjacent and merged in the same pass.
        let oneMinusRho = E.one - rho
        var next = [(index: Int, scale: E)]()
        next.reserveCapacity(sparse.count)
        for e in sparse {
            let (index, scale) = (e.index >> 1, e.scale * (e.index & 1 == 1 ? rho : oneMinusRho))
            if let last = next.last, last.index == index { next[next.count - 1].scale += scale } else { next.append((index, scale)) }
        }
        sparse = next
    }

    /// The current table's entries (round 0: the committed base table, lifted; its mask not added).
    func currentTable() -> [E] {
        let count = 1 << variables
        return withTable({ p in (0..<count).map { E(p[$0]) } }, { p in Array(UnsafeBufferPointer(start: p, count: count)) })
    }

    /// The monomial coefficients of the current (folded) table.
    func coefficients() -> [E] {
        let count = 1 << variables
        var c = withTable({ p in (0..<count).map { E(p[$0]) } }, { p in Array(UnsafeBufferPointer(start: p, count: count)) })
        if round == 0, let mask {
            for i in 0..<count { c[i] += mask.beta * E(mask.m0[i], mask.m1[i]) }
        }
        MLE.evaluationsToCoefficients(&c)
        return c
    }

    /// An uninitialized buffer: every round writes the prefix it later reads.
    static func buffer(_ count: Int) -> [E] { [E](unsafeUninitializedCapacity: count) { _, n in n = count } }
}
