import ProofCore

/// Where the Libra masks of every sumcheck live inside the committed witness vector.
///
/// The pool is one witness column of 2^poolLog entries. Its first half U holds the masks: for each
/// sumcheck degree d a region of `capacity` round slots, each slot the d + 1 extension coefficients of
/// one univariate g_i (lowest degree first), coefficient k as the two consecutive base entries
/// (A_k, B_k) = (pool[start + 2k], pool[start + 2k + 1]): 2(d + 1) entries per slot, no padding
/// (protocol v8; v3–v7 stored each coordinate as a power-of-two evaluation table, 2·2^⌈log2(d+1)⌉
/// entries). g_i(x) = Σ_k (A_k + u·B_k)·x^k is a linear functional of the pool.
/// The second half S is uniformly random and unused by any mask: it makes the final reduction of all
/// mask claims (one sumcheck over the pool) reveal nothing (docs/ZK.md §3).
struct MaskPoolLayout: Sendable, Equatable {
    struct Region: Sendable, Equatable {
        let degree: Int
        /// Offset of the region in the pool.
        let start: Int
        /// Round slots.
        let capacity: Int
        /// Pool entries per slot: 2(d + 1).
        var slotWidth: Int { 2 * (degree + 1) }
    }

    let regions: [Int: Region]
    /// Offset and capacity (extension elements, two pool entries each) of the final-value masks μ
    /// (docs/ZK.md §2a): one per masked evaluation the protocol sends.
    let finalStart: Int
    let finalCapacity: Int
    /// log2 of the pool column: U and the random half S in the plain layout; U alone in
    /// zero-knowledge proofs since protocol v14 (`withoutRandomHalf`).
    private(set) var poolLog: Int
    /// Entries of the pool that masks use or reserve (the regions, the final masks and the spare
    /// entries); the tail [usedEntries, poolSize) is random and touched by no claim (protocol v21's
    /// cross block lies there, `CircuitPlan.mergedOpening`).
    let usedEntries: Int
    /// Random entries of U no mask uses.
    static let spareCount = 16

    var poolSize: Int { 1 << poolLog }

    init(roundsByDegree: [Int: Int], finalMasks: Int = 0) {
        var regions: [Int: Region] = [:]
        var cursor = 0
        for d in roundsByDegree.keys.sorted(by: >) where roundsByDegree[d]! > 0 {
            let r = Region(degree: d, start: cursor, capacity: roundsByDegree[d]!)
            regions[d] = r
            cursor += r.capacity * r.slotWidth
        }
        finalStart = cursor
        finalCapacity = finalMasks
        cursor += 2 * finalMasks
        cursor += MaskPoolLayout.spareCount  // spare random entries of U (docs/ZK.md §3)
        usedEntries = cursor
        var log = 1
        while (1 << log) < cursor { log += 1 }
        self.regions = regions
        self.poolLog = log + 1
    }

    /// The sumcheck rounds the protocol runs for an architecture, by degree (an upper bound: a layer
    /// whose output has no pending claim skips its sumcheck). A sumcheck over n variables of degree d
    /// whose last round has degree D (final masks, docs/ZK.md §2a) uses n − 1 slots of d and one of D.
    static func rounds(_ arch: CircuitArchitecture, treeLog: Int) -> [Int: Int] {
        var r: [Int: Int] = [:]
        func add(_ degree: Int, _ last: Int, _ n: Int) {
            guard n > 0 else { return }
            if n > 1 { r[max(1, degree), default: 0] += n - 1 }
            r[max(1, degree, last), default: 0] += 1
        }
        // The lookup tree (2^(treeLog+1) leaves): the root, then one sumcheck per level.
        add(2, ZKDegrees.fractionRoot, 1)
        for level in 1...treeLog { add(3, ZKDegrees.fraction, level) }
        for (l, layer) in arch.layers.enumerated() {
            switch layer {
            case .linear(let s): add(2, ZKDegrees.linear, s.logInner)
            case .gather: add(2, ZKDegrees.gather, arch.valueSize(l).trailingZeroBitCount)
            case .requantize(let rq): add(4, ZKDegrees.requantize, rq.size.trailingZeroBitCount)
            case .maxPool(let mp):
                add(mp.maps.count + 1, ZKDegrees.maxPool(mp), mp.maps[0].count.trailingZeroBitCount)
                add(2, ZKDegrees.gather, arch.valueSize(l).trailingZeroBitCount)
            case .elementwise(let e):
                add(e.multiplier ? 3 : 2, e.multiplier ? ZKDegrees.elementwise : ZKDegrees.gather, e.size.trailingZeroBitCount)
            case .sumPool: add(2, ZKDegrees.gather, arch.valueSize(l).trailingZeroBitCount)
            case .lookup: break
            case .combine(let c):
                for source in c.sources { add(2, ZKDegrees.gather, arch.valueSize(source).trailingZeroBitCount) }
            }
        }
        return r
    }

    /// How many final-value masks (extension elements) the protocol takes for an architecture: mirrors
    /// the prover's claim routing (docs/ZK.md §2a). `committed` says which values are witness columns.
    static func finalMaskCount(_ arch: CircuitArchitecture, committed: Set<Int>, treeLog: Int) -> Int {
        let last = arch.layers.count
        var claims = [Int](repeating: 0, count: last + 1)
        func route(_ v: Int, _ k: Int = 1) { if !committed.contains(v) && v != 0 { claims[v] += k } }
        var count = 0
        for (l, layer) in arch.layers.enumerated() {
            switch layer {
            case .requantize(let rq): count += 1 + rq.helperCount; route(l)
            case .maxPool(let mp): count += 1 + mp.helperCount; route(l + 1)
            case .lookup: count += 2; route(l); route(l + 1)
            default: break
            }
        }
        count += 2 + 4 * treeLog  // the lookup tree: root finals, then four children per level
        count += 1  // output.value
        count += 3  // one blinding mask per committed vector (weights, input/output, witness): combineVector
        claims[last] += 1
        for l in stride(from: last - 1, through: 0, by: -1) {
            switch arch.layers[l] {
            case .linear:
                let pending = claims[l + 1]
                count += 3 * pending
                route(l, pending)
            case .gather:
                if claims[l + 1] > 0 { count += 1; route(l) }
            case .maxPool(let mp):
                count += 1 + mp.maps.count + 1
                route(l + 1)
                route(l)
            case .requantize(let rq):
                count += 2 + rq.lowLimbs.count
                route(l + 1)
            case .elementwise(let e):
                let pending = claims[l + 1]
                if pending > 0 { count += (e.addend ? pending : 0) + (e.multiplier ? 2 : 1); route(l) }
            case .sumPool:
                if claims[l + 1] > 0 { count += 1; route(l) }
            case .lookup:
                break
            case .combine(let c):
                let pending = claims[l + 1]
                if pending > 0 {
                    count += c.sources.count * pending + c.sources.count  // the terms' values, one gather final each
                    for source in c.sources { route(source) }
                }
            }
        }
        return count
    }

    /// Pool offset of slot `slot` in the region of `degree` (its 2(d + 1) entries follow).
    func slotStart(degree: Int, slot: Int) -> Int {
        let region = regions[degree]!
        return region.start + slot * region.slotWidth
    }
}

/// One masked sumcheck, as the final reduction needs it: its slots (degree and slot per round), its
/// point and the value g(r).
struct MaskRecord: Sendable {
    let slots: [(degree: Int, slot: Int)]
    let point: [Ext]
    let value: Ext
}

/// A claimed value of a linear combination of pool entries (G* of a masked sumcheck, or a relation
/// between masked values that the verifier checks through the pool; docs/ZK.md §2a).
struct LinearRecord: Sendable {
    let functional: PoolFunctional
    let value: Ext
}

/// Σ_k coefficient_k · pool[index_k] with extension coefficients: the hidden part of a masked value.
struct PoolFunctional: Sendable {
    var terms: [(index: Int, coefficient: Ext)] = []

    static let zero = PoolFunctional()
    var isZero: Bool { terms.isEmpty }

    /// The final-value mask in slot `slot` (μ = pool[a] + u·pool[a + 1]).
    static func finalMask(_ layout: MaskPoolLayout, slot: Int) -> PoolFunctional {
        let a = layout.finalStart + 2 * slot
        return PoolFunctional(terms: [(a, .one), (a + 1, Ext(.zero, .one))])
    }

    /// Σ_x g(x) of a mask: 2^(n−1)·Σ_i (g_i(0) + g_i(1)) with g_i(0) + g_i(1) = 2·a_0 + Σ_{k≥1} a_k, each
    /// coefficient a_k = pool[s + 2k] + u·pool[s + 2k + 1].
    static func hypercubeSum(_ layout: MaskPoolLayout, slots: [(degree: Int, slot: Int)]) -> PoolFunctional {
        guard !slots.isEmpty else { return .zero }
        var c = Ext.one
        for _ in 1..<slots.count { c = c.doubled() }
        let u = Ext(.zero, .one)
        let (c2, cu, c2u) = (c.doubled(), c * u, (c * u).doubled())
        var f = PoolFunctional()
        f.terms.reserveCapacity(slots.reduce(0) { $0 + 2 * ($1.degree + 1) })
        for (d, slot) in slots {
            let s = layout.slotStart(degree: d, slot: slot)
            f.terms.append((s, c2))
            f.terms.append((s + 1, c2u))
            for k in stride(from: 1, through: d, by: 1) {
                f.terms.append((s + 2 * k, c))
                f.terms.append((s + 2 * k + 1, cu))
            }
        }
        return f
    }

    func scaled(_ c: Ext) -> PoolFunctional {
        c.isZero ? .zero : PoolFunctional(terms: terms.map { ($0.index, $0.coefficient * c) })
    }

    static func + (a: PoolFunctional, b: PoolFunctional) -> PoolFunctional { PoolFunctional(terms: a.terms + b.terms) }
    static func - (a: PoolFunctional, b: PoolFunctional) -> PoolFunctional { a + b.scaled(-Ext.one) }

    func evaluate(_ pool: [Goldilocks]) -> Ext {
        var acc = Ext.zero
        for (i, c) in terms { acc += c * pool[i] }
        return acc
    }
}

/// A linear combination of functionals with public coefficients (Σ c_k·f_k).
func combine(_ parts: [(Ext, PoolFunctional)]) -> PoolFunctional {
    var f = PoolFunctional()
    for (c, p) in parts where !p.isZero { f = f + p.scaled(c) }
    return f
}

/// The prover's pool: the committed column and every slot's coefficients.
struct MaskPoolProver {
    let layout: MaskPoolLayout
    /// The pool column (U then S).
    let column: [Goldilocks]
    var used: [Int: Int] = [:]
    var records: [MaskRecord] = []
    var linearRecords: [LinearRecord] = []
    var finalUsed = 0

    /// The whole column is uniformly random; each slot's coefficients are read from it when the slot
    /// is taken (`coefficients(degree:slot:)`).
    init(layout: MaskPoolLayout, randomness: inout ProofRandomness) {
        self.layout = layout
        column = randomness.bulkElements(layout.poolSize)
    }

    /// The d + 1 extension coefficients of a slot's univariate: pool[s + 2k] + u·pool[s + 2k + 1].
    func coefficients(degree d: Int, slot: Int) -> [Ext] {
        let s = layout.slotStart(degree: d, slot: slot)
        return (0...d).map { k in Ext(column[s + 2 * k], column[s + 2 * k + 1]) }
    }

    /// Takes the next slots as a mask: n − 1 of degree d, the last of degree `last`.
    mutating func take(numVariables n: Int, degree d: Int, last: Int) -> (mask: SumcheckMask<Ext>, slots: [(degree: Int, slot: Int)]) {
        var coefficients: [[Ext]] = []
        var slots: [(degree: Int, slot: Int)] = []
        for i in 0..<n {
            let deg = i == n - 1 ? max(d, last) : d
            let slot = used[deg, default: 0]
            precondition(slot < layout.regions[deg]?.capacity ?? 0, "mask pool exhausted for degree \(deg)")
            used[deg] = slot + 1
            coefficients.append(self.coefficients(degree: deg, slot: slot))
            slots.append((deg, slot))
        }
        return (SumcheckMask(coefficients: coefficients), slots)
    }

    /// The next `count` final-value masks: their functionals and values.
    mutating func takeFinal(_ count: Int) -> [(functional: PoolFunctional, value: Ext)] {
        precondition(finalUsed + count <= layout.finalCapacity, "final-value masks exhausted")
        defer { finalUsed += count }
        return (finalUsed..<(finalUsed + count)).map { s in
            let a = layout.finalStart + 2 * s
            return (PoolFunctional.finalMask(layout, slot: s), Ext(column[a], column[a + 1]))
        }
    }
}

/// The verifier's view of the pool: slot counters and the records to reduce at the end.
struct MaskPoolVerifier {
    let layout: MaskPoolLayout
    var used: [Int: Int] = [:]
    var records: [MaskRecord] = []
    var linearRecords: [LinearRecord] = []
    var finalUsed = 0

    mutating func take(numVariables n: Int, degree d: Int, last: Int) throws(ZKMLError) -> [(degree: Int, slot: Int)] {
        var slots: [(degree: Int, slot: Int)] = []
        for i in 0..<n {
            let deg = i == n - 1 ? max(d, last) : d
            let slot = used[deg, default: 0]
            guard slot < layout.regions[deg]?.capacity ?? 0 else {
                throw .rejected("zero knowledge: more masked sumcheck rounds of degree \(deg) than the architecture allows")
            }
            used[deg] = slot + 1
            slots.append((deg, slot))
        }
        return slots
    }

    mutating func takeFinal(_ count: Int) throws(ZKMLError) -> [PoolFunctional] {
        guard finalUsed + count <= layout.finalCapacity else {
            throw .rejected("zero knowledge: more masked values than the architecture allows")
        }
        defer { finalUsed += count }
        return (finalUsed..<(finalUsed + count)).map { PoolFunctional.finalMask(layout, slot: $0) }
    }
}

extension MaskPoolLayout {
    /// The pool of zero-knowledge proofs (protocol v14): U alone, half the plain layout's column.
    func withoutRandomHalf() -> MaskPoolLayout {
        var layout = self
        layout.poolLog -= 1
        return layout
    }

    /// This layout (with its random half) with `count` more round slots of degree `degree`: the
    /// zero-knowledge pool reserves the low-round sumchecks of the folded-mask openings (protocol v15,
    /// docs/ZK.md §6 item 4) that the plain layout, kept byte for byte, does not have.
    func addingRounds(_ count: Int, degree: Int) -> MaskPoolLayout {
        var rounds = regions.mapValues(\.capacity)
        rounds[degree, default: 0] += count
        return MaskPoolLayout(roundsByDegree: rounds, finalMasks: finalCapacity)
    }

    /// L = Σ_k λ_k Σ_i Σ_j r_ki^j·(1_{A_kij} + u·1_{B_kij}) + Σ_j λ_j·functional_j on the pool:
    /// Σ_x pool(x)·L(x) = Σ_k λ_k·g_k(r_k) + Σ_j λ_j·value_j, the combination of every mask value and
    /// pool relation (docs/ZK.md §3).
    func relationWeights(_ records: [MaskRecord], _ linear: [LinearRecord], _ lambdas: [Ext]) -> [Ext] {
        var table = [Ext](repeating: .zero, count: poolSize)
        let seven = Goldilocks(7)
        for (k, rec) in records.enumerated() {
            let lambda = lambdas[k]
            for (i, r) in rec.point.enumerated() {
                // g_i(r) = Σ_j (A_j + u·B_j)·r^j: weight w = λ·r^j on A_j, u·w on B_j
                // (u·(w_0 + u·w_1) = 7·w_1 + u·w_0, as u² = 7: no extension product).
                let (deg, slot) = rec.slots[i]
                let s = slotStart(degree: deg, slot: slot)
                var w = lambda
                for j in 0...deg {
                    table[s + 2 * j] += w
                    table[s + 2 * j + 1] += Ext(seven * w.c1, w.c0)
                    w *= r
                }
            }
        }
        for (k, rec) in linear.enumerated() {
            let lambda = lambdas[records.count + k]
            for (i, c) in rec.functional.terms { table[i] += lambda * c }
        }
        return table
    }

    /// Every mask value and pool relation as ONE sparse claim on the pool column (protocol v14,
    /// docs/ZK.md §3): with challenges λ, Σ_x pool(x)·L(x) = Σ λ·(claimed values), written as a
    /// combination claim on L's non-zero entries: the first at its Boolean point (coefficient
    /// normalised to 1), the others as a `SparseWeight` over the whole column (indices and
    /// coefficients; no point per term). Nil when L is zero.
    func relationClaim(_ records: [MaskRecord], _ linear: [LinearRecord], _ lambdas: [Ext]) -> ValueClaim? {
        let weights = relationWeights(records, linear, lambdas)
        var total = Ext.zero
        for (k, r) in records.enumerated() { total += lambdas[k] * r.value }
        for (k, r) in linear.enumerated() { total += lambdas[records.count + k] * r.value }
        guard let first = weights.firstIndex(where: { !$0.isZero }) else { return nil }
        func bits(_ i: Int) -> [Ext] { (0..<poolLog).map { (i >> (poolLog - 1 - $0)) & 1 == 1 ? .one : .zero } }
        let scale = weights[first].inverse()!   // non-zero: the first non-zero weight
        var indices = [Int](), coefficients = [Ext]()
        for i in (first + 1)..<poolSize where !weights[i].isZero {
            indices.append(i)
            coefficients.append(weights[i] * scale)
        }
        return ValueClaim(point: bits(first), value: total * scale,
                          sparse: indices.isEmpty ? nil : SparseWeight(block: 0, blockVariables: poolLog, indices: indices,
                                                                       coefficients: coefficients))
    }
}
