import ProofCore

/// Checks inference proofs. Needs the model's public key (architecture + weight commitment), the
/// public input and output (or, where private, the proof header's commitment) and the proof bytes;
/// no weights and no trusted setup.
public enum ZKMLVerifier {
    /// Returns normally when the proof shows that the committed model maps `input` to `output`
    /// (`inputLength` and `outputLength` integers); throws a `ZKMLError` saying why otherwise. The proof
    /// must state a public input and output (zero-knowledge or not).
    public static func verify(key: VerifierKey, input: [Int64], output: [Int64], proof: [UInt8]) throws(ZKMLError) {
        _ = try verify(key: key, publicInput: input, publicOutput: output, proof: proof)
    }

    /// Checks a proof in any privacy mode: pass the input (output) when the proof states it public,
    /// nil when private (the header's commitment then stands for it). Returns the verified header.
    @discardableResult
    public static func verify(key: VerifierKey, publicInput input: [Int64]?, publicOutput output: [Int64]?,
                              proof: [UInt8]) throws(ZKMLError) -> ProofHeader {
        let arch = key.architecture
        if let input { guard input.count == arch.inputLength else { throw .badInput("the model takes \(arch.inputLength) inputs, got \(input.count)") } }
        if let output { guard output.count == arch.outputLength else { throw .badInput("the model gives \(arch.outputLength) outputs, got \(output.count)") } }
        guard proof.count <= ZKMLProtocol.maxProofSize else { throw .badInput("proof larger than \(ZKMLProtocol.maxProofSize) bytes") }
        let (header, bodyOffset) = try ProofHeader.parse(proof)
        guard header.modelID == key.modelID else {
            throw .wrongStatement("the proof is for another model id")
        }
        guard header.privacy.privateInput == (input == nil), header.privacy.privateOutput == (output == nil) else {
            throw .wrongStatement("the proof states \(header.privacy), the verifier was given input \(input == nil ? "none" : "public"), output \(output == nil ? "none" : "public")")
        }
        let paddedIn = input.map { $0 + [Int64](repeating: 0, count: arch.inputSize - $0.count) }
        let paddedOut = output.map { $0 + [Int64](repeating: 0, count: arch.outputSize - $0.count) }
        var state = try VerifierState(key: key, header: header, input: paddedIn, output: paddedOut, proof: Array(proof[bodyOffset...]))
        try state.run()
        return header
    }
}

struct VerifierState {
    let key: VerifierKey
    let plan: CircuitPlan
    let inputField: [Goldilocks]
    let outputField: [Goldilocks]
    var channel: VerifierChannel
    var claims: [[ValueClaim]]
    var poolClaims: [Int: [(Int, ValueClaim)]] = [:]
    var witnessClaims: [ValueClaim] = []
    var weightClaims: [ValueClaim] = []
    let header: ProofHeader
    let ioLayout: IOCommitment.Layout
    let ioCommitment: Commitment?
    var ioClaims: [ValueClaim] = []
    /// When non-nil, every routed claim (value index, point, claimed value) and, at the end, every claim
    /// on the weight vector before the zero-knowledge reduction (tests check that they are masked).
    var claimLog: (values: [(Int, [Ext], Ext)], weights: [([Ext], Ext)])?
    /// When non-nil, applied to the low-round mask column's claim (its public weight L, protocol v19):
    /// tests check that a verifier with another weight rejects the proof.
    var lowMaskChange: (@Sendable (ValueClaim) -> ValueClaim)?

    init(key: VerifierKey, header: ProofHeader, input: [Int64]?, output: [Int64]?, proof: [UInt8]) throws(ZKMLError) {
        self.key = key
        self.plan = header.zeroKnowledge ? key.zkPlan : key.plan
        self.header = header
        self.inputField = input.map { $0.map { Goldilocks(integer: Int($0)) } } ?? []
        self.outputField = output.map { $0.map { Goldilocks(integer: Int($0)) } } ?? []
        ioLayout = IOCommitment.layout(key.zkPlan, header.privacy)
        ioCommitment = header.privacy.anyPrivate
            ? try VectorCommitment.parse(header.ioCommitment, count: ioLayout.committedSize, polynomials: 3, what: "input/output commitment")
            : nil
        channel = VerifierChannel(transcript: ZKMLProtocol.transcript(header: header, input: input, output: output), proof: proof)
        if header.zeroKnowledge { channel.masks = MaskPoolVerifier(layout: key.zkPlan.maskPool) }
        claims = Array(repeating: [], count: key.architecture.layers.count + 1)
    }

    /// Mirrors `ProverState.route`; public values are checked here and now.
    mutating func route(value v: Int, point: [Ext], _ value: Ext, offset: PoolFunctional = .zero) throws(ZKMLError) {
        let last = key.architecture.layers.count
        claimLog?.values.append((v, point, value))
        if let col = plan.valueColumn[v] {
            witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(col, point), value: value, offset: offset))
        } else if v == 0 {
            if let seg = ioLayout.input {
                ioClaims.append(ValueClaim(point: ioLayout.point(seg, point), value: value, offset: offset))
            } else {
                try channel.expect(MLE.evaluate(inputField, at: point), value, "claim on the input does not match the input")
            }
        } else {
            if v == last {
                if let seg = ioLayout.output {
                    ioClaims.append(ValueClaim(point: ioLayout.point(seg, point), value: value, offset: offset))
                } else {
                    try channel.expect(MLE.evaluate(outputField, at: point), value, "claim on the output does not match the output")
                }
            }
            claims[v].append(ValueClaim(point: point, value: value, offset: offset))
        }
    }

    /// True for a value the verifier holds (public input or output): its evaluations are not masked.
    func isPublicValue(_ v: Int) -> Bool {
        (v == 0 && !header.privacy.privateInput) || (v == key.architecture.layers.count && !header.privacy.privateOutput)
    }

    func mask(_ f: PoolFunctional, forValue v: Int) -> PoolFunctional { isPublicValue(v) ? .zero : f }

    /// cap − low − Σ cap limbs, from the values a requantize leaf sends (acc, then the helpers).
    static func capGap(_ rq: RequantizeLayer) -> ([Ext]) -> Ext {
        let (nr, nl, nc) = (rq.remainderLimbs.count, rq.lowLimbs.count, rq.capLimbs.count)
        return { v in
            PointMath.field(rq.cap) - LimbSum.ext(v[(1 + nr)..<(1 + nr + nl)]) - LimbSum.ext(v[(1 + nr + nl)..<(1 + nr + nl + nc)])
        }
    }

    /// A requantize group's part of the lookup tree's leaf denominator, from the values its leaf sends.
    static func requantizeLeafDenominator(_ rq: RequantizeLayer, _ group: CircuitPlan.LookupGroup, _ sels: [Ext],
                                          _ ch: LookupChallenges) -> ([Ext]) -> Ext {
        let (nr, nl) = (rq.remainderLimbs.count, rq.lowLimbs.count)
        return { v in
            var d = Ext.zero
            for k in 0..<rq.rangeWidths.count {
                d += sels[k] * ch.denominator(tag: LookupTable.tag(group.tables[k]), a: v[1 + k], b: .zero)
            }
            let high = RequantizeRelation.high(rq, acc: v[0], r: LimbSum.ext(v[1..<(1 + nr)]), low: LimbSum.ext(v[(1 + nr)..<(1 + nr + nl)]))
            return d + sels[rq.rangeWidths.count] * ch.denominator(tag: LookupTable.tag(rq.signTable), a: high, b: v[rq.helperCount])
        }
    }

    /// A lookup layer's part of the lookup tree's leaf denominator, from (x(ρ), y(ρ)).
    static func lookupLeafDenominator(_ f: LookupLayer, _ sel: Ext, _ ch: LookupChallenges) -> ([Ext]) -> Ext {
        { v in sel * ch.denominator(tag: LookupTable.tag(f.table), a: v[0], b: v[1]) }
    }

    /// The linear part Σ_j (f(e_j) − f(0))·masks_j of an affine function of masked values: what the
    /// masks contribute when f is applied to the sent values (docs/ZK.md §2a).
    static func linearPart(_ count: Int, _ masks: [PoolFunctional], _ f: ([Ext]) -> Ext) -> PoolFunctional {
        let zero = [Ext](repeating: .zero, count: count)
        let f0 = f(zero)
        var parts: [(Ext, PoolFunctional)] = []
        for j in 0..<count where !masks[j].isZero {
            var e = zero
            e[j] = .one
            parts.append((f(e) - f0, masks[j]))
        }
        return combine(parts)
    }

    mutating func run() throws(ZKMLError) {
        let arch = key.architecture
        channel.section = "witness commitment"
        // One polynomial in both modes: since protocol v19 a zero-knowledge witness has no same-batch
        // mask (v10–v18: 3 polynomials); its folded-mask opening's mask comes at the end.
        let commitment = try VectorCommitment.parse(try channel.receiveBytes("witness.commitment", limit: 4096),
                                                     count: 1 << plan.witnessLog(zeroKnowledge: header.zeroKnowledge),
                                                     what: "witness commitment")
        let weightCommitment = try VectorCommitment.parse(key.commitment, count: plan.weightLayout.totalSize, what: "model commitment")

        channel.section = "lookups"
        let ch = LookupChallenges(beta: channel.challenge("lookup.beta"), gamma: channel.challenge("lookup.gamma"),
                                  delta: channel.challenge("lookup.delta"))
        let leaf = try FractionSumcheck.verify(logSize: plan.treeLog + 1, channel: &channel)
        // The leaf point is (c, ρ): c selects lookups (0) or tables (1).
        let c = leaf.point[0]
        let leafS = LeafClaim(point: Array(leaf.point.dropFirst()), numerator: .zero, denominator: .zero)
        // Recompute the leaf extensions N(ρ), D(ρ) from the per-layer values the prover sends.
        var numerator = Ext.zero
        var denominator = Ext.zero
        var denominatorMasks = PoolFunctional.zero
        var covered = Ext.zero
        for group in plan.groups {
            let rho = Array(leafS.point.suffix(group.logSize))
            let l = group.layer
            let sels = group.segments.map { plan.sourceLayout.selector($0, at: leafS.point) }
            switch arch.layers[l] {
            case .requantize(let rq):
                var fm = try channel.finalMasks(1 + rq.helperCount)
                fm[0] = mask(fm[0], forValue: l)
                let v = try channel.receive("leaf.requantize", count: 1 + rq.helperCount)
                if rq.checksCap {
                    // cap − low = Σ cap limbs at a random point after the commitment: equal as vectors.
                    // On masked values: the masks' part of the difference must equal the difference.
                    let gap = VerifierState.capGap(rq)
                    try channel.expectPool(VerifierState.linearPart(v.count, fm, gap), gap(v), "the cap limbs do not match the low part")
                }
                let groupDenominator = VerifierState.requantizeLeafDenominator(rq, group, sels, ch)
                denominator += groupDenominator(v)
                denominatorMasks = denominatorMasks + VerifierState.linearPart(v.count, fm, groupDenominator)
                try route(value: l, point: rho, v[0], offset: fm[0])
                for (i, col) in plan.helperColumns[l]!.enumerated() {
                    witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(col, rho), value: v[1 + i], offset: fm[1 + i]))
                }
            case .maxPool(let mp):
                var fm = try channel.finalMasks(1 + mp.helperCount)
                fm[0] = mask(fm[0], forValue: l + 1)
                let v = try channel.receive("leaf.maxpool", count: 1 + mp.helperCount)
                let k = mp.spreadLimbs.count
                // Same claim order as the prover: the output, the limb columns, then the window gathers.
                try route(value: l + 1, point: rho, v[0], offset: fm[0])
                for (i, col) in plan.helperColumns[l]!.enumerated() {
                    denominator += sels[i] * ch.denominator(tag: LookupTable.tag(group.tables[i]), a: v[1 + i], b: .zero)
                    denominatorMasks = denominatorMasks + fm[1 + i].scaled(-sels[i])
                    witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(col, rho), value: v[1 + i], offset: fm[1 + i]))
                }
                for i in mp.maps.indices {
                    let gathered = v[0] - LimbSum.ext(v[(1 + i * k)..<(1 + (i + 1) * k)])
                    let offset = fm[0] - combine((0..<k).map { (LimbSum.weight($0), fm[1 + i * k + $0]) })
                    poolClaims[l, default: []].append((i, ValueClaim(point: rho, value: gathered, offset: offset)))
                }
            case .lookup(let f):
                var fm = try channel.finalMasks(2)
                fm[0] = mask(fm[0], forValue: l)
                fm[1] = mask(fm[1], forValue: l + 1)
                let v = try channel.receive("leaf.lookup", count: 2)
                let groupDenominator = VerifierState.lookupLeafDenominator(f, sels[0], ch)
                denominator += groupDenominator(v)
                denominatorMasks = denominatorMasks + VerifierState.linearPart(2, fm, groupDenominator)
                try route(value: l, point: rho, v[0], offset: fm[0])
                try route(value: l + 1, point: rho, v[1], offset: fm[1])
            default:
                break
            }
            for s in sels { numerator += s; covered += s }
        }
        denominator += Ext.one - covered
        var tableDen = Ext.zero
        var tableCovered = Ext.zero
        for (i, table) in arch.tables.enumerated() {
            let sel = plan.tableTreeLayout.selector(i, at: leafS.point)
            let (a, b) = table.evaluateColumns(at: plan.tableTreeLayout.localPoint(i, leafS.point))
            tableDen += sel * ch.denominator(tag: LookupTable.tag(i), a: a, b: b)
            tableCovered += sel
        }
        tableDen += Ext.one - tableCovered
        // D(c, ρ) = (1 − c)·D_lookups(ρ) + c·D_tables(ρ); the lookups' values are masked (true value
        // = denominator − denominatorMasks(pool)), the tables are public.
        try channel.expectPool(leaf.denominatorOffset - denominatorMasks.scaled(Ext.one - c),
                               leaf.denominator - (Ext.one - c) * denominator - c * tableDen,
                               "lookup tree denominators differ from the layers' lookups and the tables")
        // N(c, ρ) = (1 − c)·N_lookups(ρ) − c·m(ρ): a claim on the committed multiplicities.
        guard let m = LookupLeaves.multiplicityClaim(plan, leaf, lookupNumerator: numerator) else {
            throw .rejected("lookups: degenerate leaf point")
        }
        witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(plan.multiplicityColumn, m.point),
                                        value: m.value, offset: m.offset))

        let last = arch.layers.count
        let zOut = channel.challenges("output.point", count: arch.outputSize.trailingZeroBitCount)
        let outMask = mask(try channel.finalMasks(1)[0], forValue: last)
        if let seg = ioLayout.output {
            let v = try channel.receive("output.value")
            ioClaims.append(ValueClaim(point: ioLayout.point(seg, zOut), value: v, offset: outMask))
            claims[last].append(ValueClaim(point: zOut, value: v, offset: outMask))
        } else {
            claims[last].append(ValueClaim(point: zOut, value: MLE.evaluate(outputField, at: zOut)))
        }
        for l in stride(from: arch.layers.count - 1, through: 0, by: -1) {
            channel.section = "layer \(l) (\(arch.layers[l].kindName))"
            switch arch.layers[l] {
            case .linear(let s):
                try verifyLinear(l, s)
            case .gather(let g):
                let items = claims[l + 1].map { ([g.map], $0) }
                if !items.isEmpty { try verifyGather(input: l, items) }
            case .sumPool(let p):
                let items = claims[l + 1].map { (p.maps, $0) }
                if !items.isEmpty { try verifyGather(input: l, items) }
            case .elementwise(let e):
                try verifyElementwise(l, e)
            case .combine(let c):
                try verifyCombine(l, c)
            case .lookup:
                break
            case .maxPool(let mp):
                try verifyMaxPool(l, mp)
            case .requantize(let rq):
                try verifyRequantize(l, rq)
            }
        }

        let sizes = VectorCommitment.Sizes(plan, ioLayout, zeroKnowledge: header.zeroKnowledge)
        sizes.pad(weights: &weightClaims, witness: &witnessClaims, io: &ioClaims)
        claimLog?.weights = weightClaims.map { ($0.point, $0.value) }
        // The weights' folded opening: of the weights alone, or (protocol v21, merged) of the weights and
        // the witness at `batchPoint`.
        var weightFold: (rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim)?
        // Protocol v21: the weights and the witness of one size are opened together (`MergedOpening`).
        let merged = header.zeroKnowledge && !weightClaims.isEmpty ? plan.mergedOpening : nil
        var mergedWeightClaim: ValueClaim?
        if header.zeroKnowledge {
            channel.section = "zero-knowledge claim reduction"
            let blinding = plan.blindingPoints(io: ioLayout)
            // Protocol v15 (docs/ZK.md §6 item 4): the weights' claim becomes a claim on G = V(· ‖ ρ).
            if !weightClaims.isEmpty {
                let hidden = try channel.combineVectorHidden(weightClaims, blinding: blinding.weights)
                if merged == nil {
                    let fold = try channel.foldLowVariables(numVariables: weightCommitment.numVariables, claim: hidden)
                    weightFold = (fold.rho, [], fold.claim)
                } else {
                    mergedWeightClaim = hidden
                }
                weightClaims = []
            }
            if ioCommitment != nil && !ioClaims.isEmpty {
                ioClaims = [try channel.combineVector(ioClaims, blinding: blinding.io)]
            }
            witnessClaims = [try channel.combineVector(witnessClaims, blinding: blinding.witness)]
        }
        channel.section = "zero-knowledge masks"
        if let pool = try channel.reduceMasks() { witnessClaims.append(plan.poolClaimOnWitness(pool, witnessLog: sizes.witnessLog)) }
        // Protocol v19 (docs/ZK.md §6 item 4): the witness's claims and the low-round mask column's
        // become a claim on G = f(· ‖ ρ′) through plain low rounds.
        var witnessFold: (rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim)? = nil
        if header.zeroKnowledge {
            guard witnessClaims.allSatisfy({ plan.missesWitnessFreeRegion($0) }) else {
                throw .rejected("a witness claim touches the free region")
            }
            let lowMask = { [plan, lowMaskChange] (gStar: Ext) -> ValueClaim in
                let claim = plan.lowMaskClaim(sum: gStar, witnessLog: sizes.witnessLog)!
                return lowMaskChange?(claim) ?? claim
            }
            if let merged, let weight = mergedWeightClaim {
                channel.section = "merged low rounds"
                weightFold = try channel.foldMergedLowVariables(merged, weight: weight, witnessClaims: witnessClaims, lowMask: lowMask,
                                                                offset: { [plan] in plan.poolFunctionalClaim(weight.offset, scale: $0, witnessLog: sizes.witnessLog) },
                                                                checkRegion: { [plan] in $0.allSatisfy { plan.missesWitnessFreeRegion($0) } })
            } else {
                channel.section = "witness low rounds"
                let fold = try channel.foldWitnessLowVariables(numVariables: commitment.numVariables, claims: witnessClaims, lowMask: lowMask)
                witnessFold = (fold.rho, [], fold.claim)
            }
            witnessClaims = []
        }
        channel.section = "opening"
        var commitments = [weightCommitment, commitment]
        var vectors = [VectorCommitment.Opened(count: sizes.weight, claims: weightClaims),
                       VectorCommitment.Opened(count: sizes.witness, claims: witnessClaims)]
        if let ioCommitment {
            commitments.append(ioCommitment)
            vectors.append(VectorCommitment.Opened(count: sizes.io, claims: ioClaims))
        }
        // In zero-knowledge mode the private input/output vector (batch 2) carries an opening mask in
        // its own batch; the weights (batch 0) and the witness (batch 1) have no claim here: their
        // claims on G = V(· ‖ ρ) and G = f(· ‖ ρ′) are opened next, each with a per-proof mask of
        // n − 4 variables (protocol v15 / v19, docs/ZK.md §6 item 4). With no claim left, no batched opening.
        let masked: Set<Int> = header.zeroKnowledge && ioCommitment != nil ? [2] : []
        if vectors.contains(where: { !$0.claims.isEmpty }) {
            try VectorCommitment.verify(commitments, vectors, masked: masked, channel: &channel)
        }
        // Each folded opening: its mask's commitment (2 polynomials of n − 4 variables), then its proof.
        // Merged (protocol v21): the weights' opening also opens the witness, at the batch point.
        let (weightsName, witnessName) = ("batch 0 (registered weights)", "batch 1 (witness)")
        let isMerged = merged != nil
        for (fold, vectors, batches, count, name, section) in [
            (weightFold, isMerged ? [weightCommitment, commitment] : [weightCommitment], isMerged ? [weightsName, witnessName] : [weightsName],
             sizes.weight, "weights", isMerged ? "merged opening" : "weights opening"),
            (witnessFold, [commitment], [witnessName], sizes.witness, "witness", "witness opening")] {
            guard let fold else { continue }
            channel.section = section
            let mask = try VectorCommitment.parse(try channel.receiveBytes("\(name).mask.commitment", limit: 4096),
                                                  count: count >> ZeroKnowledge.foldedRounds, polynomials: 2,
                                                  what: "\(name) mask commitment")
            try VectorCommitment.verifyFoldedMask(vectors, rho: fold.rho, batchPoint: fold.batchPoint, claim: fold.claim, mask: mask,
                                                  batches: batches, channel: &channel)
        }
        channel.section = "end"
        do { try channel.reader.expectEnd() } catch { throw .proof(error, at: "end") }
    }

    mutating func verifyLinear(_ l: Int, _ s: LinearLayer) throws(ZKMLError) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let matrixSeg = plan.matrixSegment(l), biasSeg = plan.biasSegment(l)
        let zo = pending.map { Array($0.point.prefix(s.logRows)) }
        let zp = pending.map { Array($0.point.suffix(s.logCols)) }
        let biasMasks = try channel.finalMasks(pending.count)
        let biasValues = try channel.receive("linear.bias", count: pending.count)
        let alpha = channel.challenges("linear.alpha", count: pending.count)
        var claim = Ext.zero
        for k in pending.indices { claim += alpha[k] * (pending[k].value - biasValues[k]) }
        let offset = combine(pending.indices.flatMap { [(alpha[$0], pending[$0].offset), (-alpha[$0], biasMasks[$0])] })
        var fm = try channel.finalMasks(2 * pending.count)
        for k in pending.indices { fm[2 * k + 1] = mask(fm[2 * k + 1], forValue: l) }
        let sub = try channel.sumcheck(claim: claim, offset: offset, numVariables: s.logInner, degree: 2, lastDegree: ZKDegrees.linear)
        let finals = try channel.receive("linear.finals", count: 2 * pending.count)
        var expected = Ext.zero
        for k in pending.indices { expected += alpha[k] * finals[2 * k] * finals[2 * k + 1] }
        try channel.expect(expected, sub.expectedValue, "matrix product sumcheck does not end at W·x")
        let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
        for k in pending.indices {
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(matrixSeg, zo[k] + sub.point), value: finals[2 * k],
                                           offset: fm[2 * k].scaled(kappa)))
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(biasSeg, zo[k]), value: biasValues[k], offset: biasMasks[k]))
            try route(value: l, point: sub.point + zp[k], finals[2 * k + 1], offset: fm[2 * k + 1].scaled(kappa))
        }
    }

    /// Each item is a claim on Σ_i x[maps[i][·]] (one map: a gather; several: a sum pool).
    mutating func verifyGather(input: Int, _ items: [([[Int32]], ValueClaim)]) throws(ZKMLError) {
        let alpha = channel.challenges("gather.alpha", count: items.count)
        let logSize = key.architecture.valueSize(input).trailingZeroBitCount
        var claim = Ext.zero
        for (k, item) in items.enumerated() { claim += alpha[k] * item.1.value }
        let offset = combine(items.indices.map { (alpha[$0], items[$0].1.offset) })
        let fm = mask(try channel.finalMasks(1)[0], forValue: input)
        let sub = try channel.sumcheck(claim: claim, offset: offset, numVariables: logSize, degree: 2, lastDegree: ZKDegrees.gather)
        let x = try channel.receive("gather.final")
        let eqR = MLE.eqTable(sub.point)
        var weight = Ext.zero
        for (k, (maps, c)) in items.enumerated() {
            let eq = MLE.eqTable(c.point)
            var acc = Ext.zero
            for map in maps {
                for (t, a) in map.enumerated() where a >= 0 { acc += eq[t] * eqR[Int(a)] }
            }
            weight += alpha[k] * acc
        }
        try channel.expect(x * weight, sub.expectedValue, "index-map sumcheck does not end at the input")
        try route(value: input, point: sub.point, x, offset: fm.scaled(MaskedSumcheck.finalMaskFactor(sub.point)))
    }

    /// Mirrors `ProverState.proveCombine`.
    mutating func verifyCombine(_ l: Int, _ c: CombineLayer) throws(ZKMLError) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let terms = c.maps.count
        let fm = try channel.finalMasks(pending.count * terms)
        let sent = try channel.receive("combine.terms", count: pending.count * terms)
        for (j, claim) in pending.enumerated() {
            var sum = Ext.zero
            for k in 0..<terms { sum += PointMath.field(c.coefficients[k]) * sent[j * terms + k] }
            try channel.expectPool(claim.offset - combine((0..<terms).map { (PointMath.field(c.coefficients[$0]), fm[j * terms + $0]) }),
                                   claim.value - sum, "combined value is not the sum of its terms")
        }
        for k in 0..<terms {
            let items = pending.indices.map { j in
                ([c.maps[k]], ValueClaim(point: pending[j].point, value: sent[j * terms + k], offset: fm[j * terms + k]))
            }
            try verifyGather(input: c.sources[k], items)
        }
    }

    /// Mirrors `ProverState.proveElementwise`.
    mutating func verifyElementwise(_ l: Int, _ e: ElementwiseLayer) throws(ZKMLError) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let segments = plan.constantSegments[l]!
        var offsets = pending.map(\.offset)
        var values = pending.map(\.value)
        if let seg = segments.addend {
            let am = try channel.finalMasks(pending.count)
            let sent = try channel.receive("elementwise.addend", count: pending.count)
            for k in pending.indices {
                weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(seg, pending[k].point), value: sent[k], offset: am[k]))
                values[k] = values[k] - sent[k]
                offsets[k] = offsets[k] - am[k]
            }
        }
        let alpha = channel.challenges("elementwise.alpha", count: pending.count)
        var claim = Ext.zero
        for k in pending.indices { claim += alpha[k] * values[k] }
        let offset = combine(pending.indices.map { (alpha[$0], offsets[$0]) })
        var fm = try channel.finalMasks(e.multiplier ? 2 : 1)
        fm[fm.count - 1] = mask(fm[fm.count - 1], forValue: l)
        let sub = try channel.sumcheck(claim: claim, offset: offset, numVariables: e.size.trailingZeroBitCount, degree: e.multiplier ? 3 : 2,
                                       lastDegree: e.multiplier ? ZKDegrees.elementwise : ZKDegrees.gather)
        let finals = try channel.receive("elementwise.finals", count: e.multiplier ? 2 : 1)
        var combined = Ext.zero
        for k in pending.indices { combined += alpha[k] * MLE.eq(pending[k].point, sub.point) }
        var expected = PointMath.field(e.scale) * combined
        for f in finals { expected *= f }
        try channel.expect(expected, sub.expectedValue, "elementwise sumcheck does not end at scale·m·x")
        let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
        if let seg = segments.multiplier {
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(seg, sub.point), value: finals[0], offset: fm[0].scaled(kappa)))
        }
        try route(value: l, point: sub.point, finals[finals.count - 1], offset: fm[fm.count - 1].scaled(kappa))
    }

    mutating func verifyRequantize(_ l: Int, _ rq: RequantizeLayer) throws(ZKMLError) {
        let tau = channel.challenges("requantize.tau", count: rq.size.trailingZeroBitCount)
        let nl = rq.lowLimbs.count
        var fm = try channel.finalMasks(2 + nl)
        fm[0] = mask(fm[0], forValue: l + 1)
        let sub = try channel.sumcheck(claim: .zero, numVariables: tau.count, degree: 4, lastDegree: ZKDegrees.requantize)
        let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
        let f = try channel.receive("requantize.finals", count: 2 + nl)
        let m = LimbSum.ext(f[1..<(1 + nl)])
        let expected = MLE.eq(tau, sub.point) * RequantizeRelation.residual(rq, y: f[0], m: m, c: f[1 + nl])
        try channel.expect(expected, sub.expectedValue, "output is not the clamp its helper columns select")
        try route(value: l + 1, point: sub.point, f[0], offset: fm[0].scaled(kappa))
        let cols = plan.helperColumns[l]!
        let nr = rq.remainderLimbs.count
        for (i, c) in (Array(cols[nr..<(nr + nl)]) + [cols.last!]).enumerated() {
            witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(c, sub.point), value: f[1 + i], offset: fm[1 + i].scaled(kappa)))
        }
    }

    mutating func verifyMaxPool(_ l: Int, _ mp: MaxPoolLayer) throws(ZKMLError) {
        let n = mp.maps[0].count
        let tau = channel.challenges("maxpool.tau", count: n.trailingZeroBitCount)
        var fm = try channel.finalMasks(1 + mp.maps.count)
        fm[0] = mask(fm[0], forValue: l + 1)
        for i in mp.maps.indices { fm[1 + i] = mask(fm[1 + i], forValue: l) }
        let sub = try channel.sumcheck(claim: .zero, numVariables: tau.count, degree: mp.maps.count + 1, lastDegree: ZKDegrees.maxPool(mp))
        let kappa = MaskedSumcheck.finalMaskFactor(sub.point)
        let v = try channel.receive("maxpool.finals", count: 1 + mp.maps.count)
        var product = MLE.eq(tau, sub.point)
        for i in mp.maps.indices { product *= v[0] - v[1 + i] }
        try channel.expect(product, sub.expectedValue, "max is not one of its window's values")
        try route(value: l + 1, point: sub.point, v[0], offset: fm[0].scaled(kappa))
        for i in mp.maps.indices {
            poolClaims[l, default: []].append((i, ValueClaim(point: sub.point, value: v[1 + i], offset: fm[1 + i].scaled(kappa))))
        }
        let items = (poolClaims[l] ?? []).map { ([mp.maps[$0.0]], $0.1) }
        try verifyGather(input: l, items)
    }
}
