import ProofCore

/// Where the Libra masks of every sumcheck live inside the committed witness vector.
///
/// The pool is one witness column of 2^poolLog entries. Its first half U holds the masks: for each
/// sumcheck degree d a region of `capacity` round slots, each slot two segments of 2^segmentLog
/// entries (the two base-field coordinates A, B of an extension-valued univariate of degree d, stored
/// as evaluation tables so that the column's extension at (X^(2^(b-1)), …, X^2, X) is Σ_k a_k X^k).
/// The second half S is uniformly random and unused by any mask: it makes the final reduction of all
/// mask claims (one sumcheck over the pool) reveal nothing (docs/ZK.md §3).
struct MaskPoolLayout: Sendable, Equatable {
    struct Region: Sendable, Equatable {
        let degree: Int
        let segmentLog: Int
        /// Offset of the region in the pool.
        let start: Int
        /// Round slots.
        let capacity: Int
    }

    let regions: [Int: Region]
    let poolLog: Int
    /// Random entries of U no mask uses.
    static let spareCount = 16

    var poolSize: Int { 1 << poolLog }

    init(roundsByDegree: [Int: Int]) {
        var regions: [Int: Region] = [:]
        var cursor = 0
        // Largest segments first keeps every segment aligned to its size.
        for d in roundsByDegree.keys.sorted(by: >) where roundsByDegree[d]! > 0 {
            var b = 0
            while (1 << b) < d + 1 { b += 1 }
            let r = Region(degree: d, segmentLog: b, start: cursor, capacity: roundsByDegree[d]!)
            regions[d] = r
            cursor += r.capacity * 2 << b
        }
        cursor += MaskPoolLayout.spareCount  // spare random entries of U (docs/ZK.md §3)
        var log = 1
        while (1 << log) < cursor { log += 1 }
        self.regions = regions
        self.poolLog = log + 1
    }

    /// The sumcheck rounds the protocol runs for an architecture, by degree (an upper bound: a layer
    /// whose output has no pending claim skips its sumcheck).
    static func rounds(_ arch: CircuitArchitecture, sourceLog: Int, tableLog: Int) -> [Int: Int] {
        var r: [Int: Int] = [:]
        func add(_ degree: Int, _ rounds: Int) { if rounds > 0 { r[max(1, degree), default: 0] += rounds } }
        for n in [sourceLog, tableLog] where n >= 2 { add(3, (1..<n).reduce(0, +)) }
        for (l, layer) in arch.layers.enumerated() {
            switch layer {
            case .linear(let s): add(2, s.logInner)
            case .gather: add(2, arch.valueSize(l).trailingZeroBitCount)
            case .requantize(let rq): add(4, rq.size.trailingZeroBitCount)
            case .maxPool(let mp):
                add(mp.maps.count + 1, mp.maps[0].count.trailingZeroBitCount)
                add(2, arch.valueSize(l).trailingZeroBitCount)
            }
        }
        return r
    }

    /// Pool offsets of slot `slot`'s two segments in the region of `degree`.
    func segments(degree: Int, slot: Int) -> (a: Int, b: Int) {
        let region = regions[degree]!
        let a = region.start + (2 * slot) << region.segmentLog
        return (a, a + (1 << region.segmentLog))
    }

    /// The segment's local point for evaluating its univariate at x: (x^(2^(b-1)), …, x^2, x).
    static func powerPoint(_ x: Ext, segmentLog b: Int) -> [Ext] {
        var powers = [Ext](repeating: x, count: b)
        var p = x
        for i in stride(from: b - 1, through: 0, by: -1) {
            powers[i] = p
            p = p.squared()
        }
        return powers
    }

    /// The pool-wide point of a segment starting at `offset` (2^b entries) at local point `z`.
    func poolPoint(offset: Int, segmentLog b: Int, _ z: [Ext]) -> [Ext] {
        PointMath.bits(offset >> b, count: poolLog - b) + z
    }
}

/// One masked sumcheck, as the final reduction needs it: its slots, its point and the value g(r).
struct MaskRecord: Sendable {
    let degree: Int
    let firstSlot: Int
    let point: [Ext]
    let value: Ext
}

/// The prover's pool: the committed column and every slot's coefficients.
struct MaskPoolProver {
    let layout: MaskPoolLayout
    /// The pool column (U then S).
    let column: [Goldilocks]
    /// Per degree, per slot: the d + 1 extension coefficients of the slot's univariate.
    let coefficients: [Int: [[Ext]]]
    var used: [Int: Int] = [:]
    var records: [MaskRecord] = []

    init(layout: MaskPoolLayout, randomness: inout ProofRandomness) {
        self.layout = layout
        var column = randomness.elements(layout.poolSize)  // S half (and unused U space) stays random
        var coefficients: [Int: [[Ext]]] = [:]
        for (d, region) in layout.regions.sorted(by: { $0.key < $1.key }) {
            var slots: [[Ext]] = []
            slots.reserveCapacity(region.capacity)
            let width = 1 << region.segmentLog
            for slot in 0..<region.capacity {
                let c = (0...d).map { _ in randomness.extensionElement() }
                slots.append(c)
                let (a, b) = layout.segments(degree: d, slot: slot)
                let ta = MaskPoolProver.subsetSums(c.map(\.c0), width: width)
                let tb = MaskPoolProver.subsetSums(c.map(\.c1), width: width)
                for j in 0..<width { column[a + j] = ta[j]; column[b + j] = tb[j] }
            }
            coefficients[d] = slots
        }
        self.column = column
        self.coefficients = coefficients
    }

    /// T[j] = Σ_{k ⊆ j} c_k: the evaluation table whose extension in monomial form has coefficients c.
    static func subsetSums(_ c: [Goldilocks], width: Int) -> [Goldilocks] {
        var t = [Goldilocks](repeating: .zero, count: width)
        for (k, v) in c.enumerated() { t[k] = v }
        var bit = 1
        while bit < width {
            for j in 0..<width where j & bit != 0 { t[j] += t[j ^ bit] }
            bit <<= 1
        }
        return t
    }

    /// Takes the next `n` slots of degree `d` as a mask.
    mutating func take(numVariables n: Int, degree d: Int) -> (mask: SumcheckMask<Ext>, firstSlot: Int) {
        let first = used[d, default: 0]
        precondition(first + n <= layout.regions[d]?.capacity ?? 0, "mask pool exhausted for degree \(d)")
        used[d] = first + n
        return (SumcheckMask(coefficients: Array(coefficients[d]![first..<(first + n)])), first)
    }
}

/// The verifier's view of the pool: slot counters and the records to reduce at the end.
struct MaskPoolVerifier {
    let layout: MaskPoolLayout
    var used: [Int: Int] = [:]
    var records: [MaskRecord] = []

    mutating func take(numVariables n: Int, degree d: Int) throws(ZKMLError) -> Int {
        let first = used[d, default: 0]
        guard first + n <= layout.regions[d]?.capacity ?? 0 else {
            throw .rejected("zero knowledge: more masked sumcheck rounds of degree \(d) than the architecture allows")
        }
        used[d] = first + n
        return first
    }
}

extension MaskPoolLayout {
    /// L(x) = Σ_k λ_k Σ_i [eq((A_ki, pow(r_ki)), x) + u·eq((B_ki, pow(r_ki)), x)] on U and eq(κ, ·) on S:
    /// Σ_x pool(x)·L(x) is S(κ) + Σ_k λ_k·g_k(r_k), the combination of every mask value sent.
    func reductionWeights(_ records: [MaskRecord], _ lambdas: [Ext], spare kappa: [Ext]) -> [Ext] {
        var table = [Ext](repeating: .zero, count: poolSize)
        let eqS = MLE.eqTable(kappa)
        for j in eqS.indices { table[poolSize / 2 + j] = eqS[j] }
        let u = Ext(.zero, .one)
        for (k, rec) in records.enumerated() {
            let b = regions[rec.degree]!.segmentLog
            for (i, r) in rec.point.enumerated() {
                let (a, bo) = segments(degree: rec.degree, slot: rec.firstSlot + i)
                let eq = MLE.eqTable(MaskPoolLayout.powerPoint(r, segmentLog: b), scaledBy: lambdas[k])
                for j in eq.indices {
                    table[a + j] += eq[j]
                    table[bo + j] += u * eq[j]
                }
            }
        }
        return table
    }
}
