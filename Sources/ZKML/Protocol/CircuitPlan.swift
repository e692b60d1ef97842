import ProofCore

/// Everything prover and verifier derive from the architecture alone: which values are committed,
/// where each committed column sits in the witness vector, how lookups are grouped into the LogUp
/// trees, and where each linear layer's weights sit in the weight vector.
struct CircuitPlan: Sendable {
    let arch: CircuitArchitecture

    /// Committed column per value index (requantize and max-pool outputs that are not the model output).
    let valueColumn: [Int: Int]
    /// Committed helper columns by layer index (requantize: remainder limbs, low limbs, cap − low limbs,
    /// c; max-pool: the limbs of y − x_i per window element).
    let helperColumns: [Int: [Int]]
    /// Committed column of the multiplicities (laid out like the table tree).
    let multiplicityColumn: Int
    /// Layout of the committed witness vector.
    private(set) var witnessLayout: SegmentLayout
    /// Zero knowledge: the column holding every sumcheck's Libra mask (zero when not ZK), its layout,
    /// and a column of random blinding entries (zero when not ZK).
    let maskPoolColumn: Int
    private(set) var maskPool: MaskPoolLayout
    let blindingColumn: Int
    /// Zero knowledge (protocol v19): the low-round mask column Z of `ZeroKnowledge.lowMaskLog` entries
    /// (`zeroKnowledgeVariant` only; nil in the plain plan, whose layout it would change), fresh random
    /// per proof and touched by no claim but its own (docs/ZK.md §6 item 4, the witness's folded opening).
    private(set) var lowMaskColumn: Int?
    /// Weight-vector segment of random blinding entries (the weight commitment is always hiding): at
    /// least 2^foldedRounds = 16 entries, sized by `weightLayout(weightSegments:)` (docs/ZK.md §5.3).
    let weightBlindingSegment: Int
    /// Weight-vector segments of zeros after the blinding segment (`weightLayout(weightSegments:)`):
    /// they complete the last aligned 16-block of the weight segments of fewer than 16 entries, so no
    /// weight entry shares a 16-block with a blinding or random entry (docs/ZK.md §6 item 3). No claim
    /// touches them.
    let weightPaddingSegments: Range<Int>

    /// Lookup groups: one per requantize / max-pool layer, in layer order.
    let groups: [LookupGroup]
    /// The lookup fraction tree has 2^(treeLog+1) leaves: the lookups (first half) and the tables
    /// (second half, numerator −multiplicity), each half 2^treeLog leaves (docs/ZK.md §2b).
    let treeLog: Int
    /// Layout of the lookup half of the tree: one segment per lookup column (2^treeLog entries).
    let sourceLayout: SegmentLayout
    /// Layout of the tables and the committed multiplicity column: one segment per table.
    let tableLayout: SegmentLayout
    /// The same segments as `tableLayout` inside the table half of the tree (2^treeLog entries).
    let tableTreeLayout: SegmentLayout

    /// Weight vector segments: per linear layer (in order) the matrix and the bias.
    let weightLayout: SegmentLayout
    /// Linear layer index → its position among linear layers.
    let linearOrdinal: [Int: Int]
    /// Elementwise layer index → weight-vector segments of its multiplier and addend (when present).
    let constantSegments: [Int: (multiplier: Int?, addend: Int?)]

    struct LookupGroup: Sendable {
        /// The layer whose lookups these are.
        let layer: Int
        /// log2 of the layer's vector length (every segment of the group has this size).
        let logSize: Int
        /// Source-tree segments of this group, in order (requantize: one per range limb, then the sign
        /// lookup; max-pool: one per window element and limb).
        let segments: [Int]
        /// The table each segment looks up in.
        let tables: [Int]
    }

    init(_ arch: CircuitArchitecture) throws(ZKMLError) {
        try CircuitPlan.validate(arch)
        self.arch = arch
        let last = arch.layers.count - 1
        var columns: [Int] = []  // log sizes
        var valueColumn: [Int: Int] = [:]
        var helperColumns: [Int: [Int]] = [:]
        var groups: [LookupGroup] = []
        var sourceSegments: [Int] = []
        for (l, layer) in arch.layers.enumerated() {
            switch layer {
            case .requantize(let rq):
                let log = rq.size.trailingZeroBitCount
                if l != last { valueColumn[l + 1] = columns.count; columns.append(log) }
                helperColumns[l] = Array(columns.count..<(columns.count + rq.helperCount))
                columns.append(contentsOf: Array(repeating: log, count: rq.helperCount))
                let tables = try rq.rangeWidths.map { w throws(ZKMLError) in try arch.rangeTable(bits: w) } + [rq.signTable]
                let first = sourceSegments.count
                sourceSegments.append(contentsOf: Array(repeating: log, count: tables.count))
                groups.append(LookupGroup(layer: l, logSize: log, segments: Array(first..<(first + tables.count)), tables: tables))
            case .maxPool(let mp):
                let log = mp.maps[0].count.trailingZeroBitCount
                if l != last { valueColumn[l + 1] = columns.count; columns.append(log) }
                helperColumns[l] = Array(columns.count..<(columns.count + mp.helperCount))
                columns.append(contentsOf: Array(repeating: log, count: mp.helperCount))
                let limbTables = try mp.spreadLimbs.map { w throws(ZKMLError) in try arch.rangeTable(bits: w) }
                let tables = mp.maps.flatMap { _ in limbTables }
                let first = sourceSegments.count
                sourceSegments.append(contentsOf: Array(repeating: log, count: tables.count))
                groups.append(LookupGroup(layer: l, logSize: log, segments: Array(first..<(first + tables.count)), tables: tables))
            case .lookup(let f):
                let log = f.size.trailingZeroBitCount
                if l != last { valueColumn[l + 1] = columns.count; columns.append(log) }
                helperColumns[l] = []
                let first = sourceSegments.count
                sourceSegments.append(log)
                groups.append(LookupGroup(layer: l, logSize: log, segments: [first], tables: [f.table]))
            case .linear, .gather, .elementwise, .sumPool, .combine:
                break
            }
        }
        let tableLayout = SegmentLayout(logSizes: arch.tables.map(\.logSize))
        multiplicityColumn = columns.count
        columns.append(tableLayout.logTotal)
        var weightSegments: [Int] = []
        var ordinal: [Int: Int] = [:]
        for l in arch.linearLayerIndices {
            guard case .linear(let s) = arch.layers[l] else { continue }
            ordinal[l] = ordinal.count
            weightSegments.append(s.logRows + s.logInner)
            weightSegments.append(s.logRows)
        }
        var constantSegments: [Int: (multiplier: Int?, addend: Int?)] = [:]
        for (l, layer) in arch.layers.enumerated() {
            guard case .elementwise(let e) = layer else { continue }
            let log = e.size.trailingZeroBitCount
            var entry: (multiplier: Int?, addend: Int?) = (nil, nil)
            if e.multiplier { entry.multiplier = weightSegments.count; weightSegments.append(log) }
            if e.addend { entry.addend = weightSegments.count; weightSegments.append(log) }
            constantSegments[l] = entry
        }
        self.constantSegments = constantSegments
        weightBlindingSegment = weightSegments.count
        let (weightLayout, padding) = CircuitPlan.weightLayout(weightSegments: weightSegments)
        self.weightLayout = weightLayout
        self.weightPaddingSegments = padding
        self.linearOrdinal = ordinal
        let treeLog = max(SegmentLayout(logSizes: sourceSegments).logTotal, tableLayout.logTotal)
        let finalMasks = MaskPoolLayout.finalMaskCount(arch, committed: Set(valueColumn.keys), treeLog: treeLog)
        let maskPool = MaskPoolLayout(roundsByDegree: MaskPoolLayout.rounds(arch, treeLog: treeLog), finalMasks: finalMasks)
        self.maskPool = maskPool
        maskPoolColumn = columns.count
        columns.append(maskPool.poolLog)
        // The blinding column is the smallest and last column, so it ends the vector (docs/ZK.md §4).
        blindingColumn = columns.count
        columns.append(min(ZeroKnowledge.blindingLog, columns.min() ?? ZeroKnowledge.blindingLog))
        self.valueColumn = valueColumn
        self.helperColumns = helperColumns
        self.witnessLayout = SegmentLayout(logSizes: columns)
        self.groups = groups
        self.treeLog = treeLog
        self.sourceLayout = SegmentLayout(logSizes: sourceSegments, minLog: treeLog)
        self.tableLayout = tableLayout
        self.tableTreeLayout = SegmentLayout(logSizes: arch.tables.map(\.logSize), minLog: treeLog)

    }

    /// The weight vector's layout (protocol v20, docs/ZK.md §5.3 and §6 item 3): the weight segments
    /// (`weightSegments`, log sizes), then the blinding segment (index `weightSegments.count`), then
    /// zero padding segments (the returned range). Three rules:
    /// * the weight segments of fewer than 2^k entries (k = `ZeroKnowledge.foldedRounds` = 4) are
    ///   completed by zero segments to whole aligned 2^k-blocks (largest-first packing puts every
    ///   segment of ≥ 2^k entries, the blinding segment included, before them), so every 2^k-block
    ///   holds weights and zeros only, or no weight: `WeightCopyLink` can link every model;
    /// * the random claim-free top [u, N) holds at least one proof's opened entries (736): the vector
    ///   doubles until it does (budget (b) ≥ 1);
    /// * the blinding segment has s = 2^j ≥ 2^k entries, the least such that budget (a) = ⌊s/2⌋ is at
    ///   least budget (b) = ⌊(N − u)/736⌋ (u grows with s; N never does: while ⌊s/2⌋ < (b), doubling s
    ///   adds s < N − u entries), so the budget is the random top's and the blinding never binds.
    static func weightLayout(weightSegments: [Int]) -> (layout: SegmentLayout, padding: Range<Int>) {
        let k = ZeroKnowledge.foldedRounds
        let small = weightSegments.filter { $0 < k }.reduce(0) { $0 + (1 << $1) }
        let gap = ((1 << k) - small % (1 << k)) % (1 << k)
        // The gap's binary digits, largest first: zero segments that fill the last small block.
        let pads = (0..<k).reversed().filter { gap >> $0 & 1 == 1 }
        let blinding = weightSegments.count
        func layout(_ blindingLog: Int, minLog: Int) -> SegmentLayout {
            SegmentLayout(logSizes: weightSegments + [blindingLog] + pads, minLog: minLog)
        }
        var blindingLog = k
        var result = layout(blindingLog, minLog: 1)
        while result.totalSize - result.usedEnd < ZeroKnowledge.openedEntries {
            result = layout(blindingLog, minLog: result.logTotal + 1)
        }
        func budgets(_ l: SegmentLayout) -> (a: Int, b: Int) {
            ((1 << l.logSizes[blinding]) / 2, (l.totalSize - l.usedEnd) / ZeroKnowledge.openedEntries)
        }
        while budgets(result).a < budgets(result).b {
            blindingLog += 1
            let next = layout(blindingLog, minLog: result.logTotal)
            precondition(next.logTotal == result.logTotal, "a larger blinding segment grew the weight vector")
            result = next
        }
        return (result, (blinding + 1)..<(blinding + 1 + pads.count))
    }

    /// The plan of zero-knowledge proofs (protocol v14, docs/ZK.md §3): the mask pool is U alone (the
    /// mask relations are sparse claims on the witness, opened in zero knowledge, so the random half S
    /// of the plain layout is gone) with the slots of the folded-mask openings' low rounds (v15), and
    /// the witness layout is rebuilt with that pool column and the low-round mask column Z (v19).
    /// Plain proofs keep this plan's layout (their pool column is zero), byte for byte.
    func zeroKnowledgeVariant() -> CircuitPlan {
        var plan = self
        // Protocol v15: the weights' folded-mask opening starts with a masked sumcheck of foldingLog
        // rounds of degree 2 (docs/ZK.md §6 item 4).
        plan.maskPool = maskPool.addingRounds(ZeroKnowledge.foldedRounds, degree: 2).withoutRandomHalf()
        var logs = witnessLayout.logSizes
        logs[maskPoolColumn] = plan.maskPool.poolLog
        // Protocol v19: the witness's low-round mask column Z, appended (the plain layout is unchanged).
        plan.lowMaskColumn = logs.count
        logs.append(ZeroKnowledge.lowMaskLog)
        plan.witnessLayout = SegmentLayout(logSizes: logs)
        return plan
    }

    /// Where each committed vector's random blinding entries are (docs/ZK.md §2a, `combineVector`): the
    /// weights' blinding segment, the witness's blinding column, the I/O vector's random eighth Q;
    /// points lifted to the padded committed vectors.
    func blindingPoints(io: IOCommitment.Layout) -> (weights: BlindingPoint, witness: BlindingPoint, io: BlindingPoint) {
        let (weights, witness) = (weightLayout, witnessLayout)
        let (wSeg, xSeg) = (weightBlindingSegment, blindingColumn)
        return (BlindingPoint(count: weights.logSizes[wSeg]) {
                    VectorCommitment.paddedPoint(weights.globalPoint(wSeg, $0), count: weights.totalSize)
                },
                BlindingPoint(count: witness.logSizes[xSeg]) { [log = witnessLog(zeroKnowledge: true)] in
                    VectorCommitment.lift(witness.globalPoint(xSeg, $0), toLog: log)
                },
                BlindingPoint(count: io.blindingLog) { io.blindingPoint($0) })
    }

    /// log2 of the committed witness vector. Plain: the layout's size (at least the scheme's minimum).
    /// Zero knowledge (docs/ZK.md §6.2): the witness is committed with an opening mask, so its top
    /// `openedEntries` (736) entries must lie above every column — the free region
    /// [`witnessLayout.usedEnd`, 2^log), random fill that no claim's eq weight touches, which makes the
    /// opened entries jointly uniform. The vector doubles until that holds; the columns keep their
    /// offsets and claims are lifted with leading zeros (`VectorCommitment.lift`). Its size may equal
    /// the weight vector's (protocol v13): ProofCore opens a masked batch as a size class of its own.
    func witnessLog(zeroKnowledge: Bool) -> Int {
        var log = VectorCommitment.paddedCount(witnessLayout.totalSize).trailingZeroBitCount
        guard zeroKnowledge else { return log }
        while (1 << log) - witnessLayout.usedEnd < ZeroKnowledge.openedEntries { log += 1 }
        return log
    }

    /// The pool column's sparse relation claim (`MaskPoolLayout.relationClaim`) as a claim on the
    /// committed witness vector of 2^`witnessLog` entries: its point moved to the pool column and
    /// lifted, its sparse terms' block moved to the column's (leading zeros keep the block index).
    func poolClaimOnWitness(_ pool: ValueClaim, witnessLog: Int) -> ValueClaim {
        func place(_ p: [Ext]) -> [Ext] { VectorCommitment.lift(witnessLayout.globalPoint(maskPoolColumn, p), toLog: witnessLog) }
        let column = (offset: witnessLayout.offsets[maskPoolColumn], log: witnessLayout.logSizes[maskPoolColumn])
        return ValueClaim(point: place(pool.point), value: pool.value,
                          terms: pool.terms.map { ClaimTerm(point: place($0.point), coefficient: $0.coefficient) },
                          sparse: pool.sparse.map { s in
                              precondition(s.block == 0 && s.blockVariables == column.log, "a sparse claim on the whole pool column")
                              return SparseWeight(block: column.offset >> column.log, blockVariables: column.log,
                                                  indices: s.indices, coefficients: s.coefficients)
                          })
    }

    /// The low-round mask column Z's public weight L (protocol v19, docs/ZK.md §6 item 4, point 1): 1 on
    /// block A_0, u on A_1, popcount(x_low) on B_0, u·popcount(x_low) on B_1 (u the extension's generator,
    /// x_low the 4 low index bits), as a claim on the committed witness of 2^`witnessLog` entries with
    /// value `sum`/16 for Σ_x L(x)·f(x) = `sum`: Σ_(x ∈ A) f(x) = 16·f̃(y_A, ½, ½, ½, ½) and
    /// Σ_(x ∈ B) x_i·f(x) = 8·f̃(y_B, ½ … 1 at i … ½), ten eq terms normalized to A_0's. Nil in the
    /// plain plan.
    func lowMaskClaim(sum: Ext, witnessLog: Int) -> ValueClaim? {
        guard let z = lowMaskColumn else { return nil }
        let k = ZeroKnowledge.foldedRounds
        let half = Ext(Goldilocks(UInt64(2)).inverse()!), u = Ext(.zero, .one)
        func place(_ block: Int, _ low: [Ext]) -> [Ext] {
            let bits = [Ext(Goldilocks(UInt64(block >> 1))), Ext(Goldilocks(UInt64(block & 1)))]
            return VectorCommitment.lift(witnessLayout.globalPoint(z, bits + low), toLog: witnessLog)
        }
        let center = [Ext](repeating: half, count: k)
        var terms = [ClaimTerm(point: place(1, center), coefficient: u)]
        for (block, scale) in [(2, half), (3, u * half)] {
            for i in 0..<k {
                var low = center
                low[i] = .one
                terms.append(ClaimTerm(point: place(block, low), coefficient: scale))
            }
        }
        return ValueClaim(point: place(0, center), value: sum * Ext(Goldilocks(UInt64(16)).inverse()!), terms: terms)
    }

    /// Σ_x L(x)·f(x) over the low-round mask column's entries `column` (its 64 values; see `lowMaskClaim`).
    static func lowMaskSum(_ column: [Goldilocks]) -> Ext {
        let k = ZeroKnowledge.foldedRounds, block = 1 << k
        var a0 = Goldilocks.zero, a1 = Goldilocks.zero, b0 = Goldilocks.zero, b1 = Goldilocks.zero
        for x in 0..<block {
            let s = Goldilocks(UInt64(x.nonzeroBitCount))
            a0 += column[x]
            a1 += column[block + x]
            b0 += s * column[2 * block + x]
            b1 += s * column[3 * block + x]
        }
        return Ext(a0 + b0, a1 + b1)
    }

    /// True when the claim's eq weight, and every term's, is zero on the zero-knowledge witness's
    /// free region [`witnessLayout.usedEnd`, 2^`witnessLog`): the point's leading Boolean coordinates
    /// select a block of the vector (eq is zero outside it) that ends at or below the region; a
    /// sparse weight's block (one range check for all its terms) likewise. Every witness claim sits
    /// on a column, the pool or the blinding column, so this holds by construction; prover and
    /// verifier check it.
    func missesWitnessFreeRegion(_ claim: ValueClaim) -> Bool {
        let log = witnessLog(zeroKnowledge: true)
        func misses(_ p: [Ext]) -> Bool {
            guard p.count == log else { return false }
            var block = 0, k = 0
            while k < log && (p[k] == .zero || p[k] == .one) { block = block << 1 | (p[k] == .one ? 1 : 0); k += 1 }
            return (block + 1) << (log - k) <= witnessLayout.usedEnd
        }
        return misses(claim.point) && claim.terms.allSatisfy { misses($0.point) }
            && (claim.sparse.map { $0.blockVariables <= log && $0.range.upperBound <= witnessLayout.usedEnd } ?? true)
    }

    /// Weight-vector segment of linear layer `l`'s matrix, and of its bias.
    func matrixSegment(_ l: Int) -> Int { 2 * linearOrdinal[l]! }
    func biasSegment(_ l: Int) -> Int { 2 * linearOrdinal[l]! + 1 }

    /// True for the model input and output (the verifier knows them).
    func isPublic(_ value: Int) -> Bool { value == 0 || value == arch.layers.count }

    /// Checks every shape and reference so that prover and verifier can index without traps.
    static func validate(_ arch: CircuitArchitecture) throws(ZKMLError) {
        func pow2(_ n: Int) -> Bool { n > 0 && n & (n - 1) == 0 }
        guard !arch.layers.isEmpty else { throw .invalidArchitecture("no layers") }
        guard arch.layers.allSatisfy({ if case .requantize(let r) = $0 { r.lo.magnitude < 1 << 40 && r.hi.magnitude < 1 << 40 } else { true } }),
              pow2(arch.inputSize), arch.inputSize <= 1 << 24, arch.inputLength <= arch.inputSize else {
            throw .invalidArchitecture("input size \(arch.inputSize) must be a power of two >= the input length")
        }
        for (t, table) in arch.tables.enumerated() {
            guard table.logSize >= 0 && table.logSize <= 22 else { throw .invalidArchitecture("table \(t) too large") }
            switch table {
            case let .sign(start, _): guard start.magnitude < 1 << 40 else { throw .invalidArchitecture("table \(t): bad start") }
            case .range(let bits): guard bits <= Limbs.bits else { throw .invalidArchitecture("table \(t): range wider than a limb") }
            case let .function(start, values):
                guard pow2(values.count), start.magnitude < 1 << 40, values.allSatisfy({ $0.magnitude < 1 << 40 }) else {
                    throw .invalidArchitecture("table \(t): a function table needs a power-of-two length and entries below 2^40")
                }
            }
        }
        func hasRange(_ widths: [Int]) -> Bool { widths.allSatisfy { arch.tables.contains(.range(bits: $0)) } }
        var size = arch.inputSize
        for (l, layer) in arch.layers.enumerated() {
            switch layer {
            case .linear(let s):
                guard s.logRows >= 0, s.logInner >= 0, s.logCols >= 0, s.logRows + s.logInner <= 26, s.logRows + s.logCols <= 24,
                      size == 1 << (s.logInner + s.logCols) else {
                    throw .invalidArchitecture("layer \(l) (linear): input size \(size) does not match \(s)")
                }
            case .requantize(let rq):
                guard rq.size == size, rq.shift >= 0, rq.shift <= 40, rq.lo <= rq.hi,
                      arch.tables.indices.contains(rq.signTable), hasRange(rq.rangeWidths),
                      case .sign = arch.tables[rq.signTable] else {
                    throw .invalidArchitecture("layer \(l) (requantize): bad size, shift, bounds or tables")
                }
            case .gather(let g):
                guard pow2(g.map.count), g.map.count <= 1 << 24, g.map.allSatisfy({ $0 >= -1 && Int($0) < size }) else {
                    throw .invalidArchitecture("layer \(l) (gather): bad map")
                }
            case .elementwise(let e):
                guard e.size == size, e.scale != 0, e.scale.magnitude < 1 << 40 else {
                    throw .invalidArchitecture("layer \(l) (elementwise): bad size or scale")
                }
            case .sumPool(let p):
                guard !p.maps.isEmpty, pow2(p.maps[0].count), p.maps[0].count <= 1 << 24,
                      p.maps.allSatisfy({ $0.count == p.maps[0].count && $0.allSatisfy { $0 >= -1 && Int($0) < size } }) else {
                    throw .invalidArchitecture("layer \(l) (sumpool): bad maps")
                }
            case .combine(let c):
                guard !c.maps.isEmpty, c.sources.count == c.maps.count, c.coefficients.count == c.maps.count,
                      pow2(c.maps[0].count), c.maps[0].count <= 1 << 24,
                      c.coefficients.allSatisfy({ $0 != 0 && $0.magnitude < 1 << 40 }),
                      zip(c.sources, c.maps).allSatisfy({ source, map in
                          source >= 0 && source <= l && map.count == c.maps[0].count
                              && map.allSatisfy { $0 >= -1 && Int($0) < arch.valueSize(source) } }) else {
                    throw .invalidArchitecture("layer \(l) (combine): bad sources, coefficients or maps")
                }
            case .lookup(let f):
                guard f.size == size, arch.tables.indices.contains(f.table), case .function = arch.tables[f.table] else {
                    throw .invalidArchitecture("layer \(l) (lookup): bad size or table")
                }
            case .maxPool(let mp):
                guard !mp.maps.isEmpty, mp.maps.count + 1 <= Sumcheck.maxDegree, pow2(mp.maps[0].count),
                      mp.maps.allSatisfy({ $0.count == mp.maps[0].count && $0.allSatisfy { $0 >= -1 && Int($0) < size } }),
                      mp.spreadBits >= 0, mp.spreadBits <= 40, hasRange(mp.spreadLimbs) else {
                    throw .invalidArchitecture("layer \(l) (maxpool): bad maps or table")
                }
                for t in 0..<mp.maps[0].count {
                    let padded = mp.maps.map { $0[t] < 0 }
                    guard padded.allSatisfy({ $0 }) || !padded.contains(true) else {
                        throw .invalidArchitecture("layer \(l) (maxpool): output \(t) mixes padding and inputs")
                    }
                }
            }
            size = layer.outputSize
        }
        guard arch.outputLength <= size else { throw .invalidArchitecture("output length exceeds the last value") }
    }
}
