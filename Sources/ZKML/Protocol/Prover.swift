import ProofCore

/// A proof and what only the requester may see.
public struct ZKMLProofResult: Sendable {
    /// The integer output (`outputLength` entries). With a private output, hand it to the requester
    /// only (`PrivateOutputOpening(...).seal(to:)`), never to verifiers.
    public let output: [Int64]
    /// The proof bytes (public header first).
    public let proof: [UInt8]
    /// Opens the hiding commitment to the private input and/or output (nil when both are public):
    /// for the requester only.
    public let ioOpeningSeed: [UInt8]?
}

/// Proves that a committed model, run on an input, gives an output (see docs/ZKML.md, docs/ZK.md).
public enum ZKMLProver {
    /// Runs the integer inference and proves it. `input` has the architecture's `inputLength` entries
    /// (quantized integers); the returned output has `outputLength` entries. By default the proof is
    /// zero-knowledge with public input and output (`ProofOptions.default`).
    public static func prove(model: ProverModel, input: [Int64], options: ProofOptions = .default,
                             progress: (@Sendable (String) -> Void)? = nil) throws(ZKMLError) -> (output: [Int64], proof: [UInt8]) {
        let r = try proveWithOpening(model: model, input: input, options: options, progress: progress)
        return (r.output, r.proof)
    }

    /// Like `prove`, and also returns the opening seed of a private input/output commitment.
    /// `weightMask`: a mask prepared ahead for this model (`PreparedWeightMask`, zero-knowledge proofs
    /// only); nil makes it inside the proof. A mask that a proof has already used (any copy of it) is
    /// refused: it is consumed by the call once its checks pass, even if the proof then fails.
    public static func proveWithOpening(model: ProverModel, input: [Int64], options: ProofOptions = .default,
                                        weightMask: PreparedWeightMask? = nil,
                                        progress: (@Sendable (String) -> Void)? = nil) throws(ZKMLError) -> ZKMLProofResult {
        let arch = model.architecture
        guard input.count == arch.inputLength else {
            throw .badInput("the model takes \(arch.inputLength) inputs, got \(input.count)")
        }
        guard options.zeroKnowledge || !options.privacy.anyPrivate else {
            throw .badInput("a private input or output needs a zero-knowledge proof")
        }
        if let seed = options.ioOpeningSeed, seed.count != ProofRandomness.seedByteCount {
            throw .badInput("an opening seed has \(ProofRandomness.seedByteCount) bytes, got \(seed.count)")
        }
        if let weightMask {
            guard options.zeroKnowledge, weightMask.modelID == model.modelID else {
                throw .badInput("a prepared weight mask goes with a zero-knowledge proof of the model it was made for")
            }
            guard weightMask.mask.numVariables == PreparedWeightMask.weightMaskLog(model) else {
                throw .badInput("a prepared weight mask has \(PreparedWeightMask.weightMaskLog(model)) variables (protocol v15), this one \(weightMask.mask.numVariables)")
            }
            let witnessLog = PreparedWeightMask.witnessMaskLog(model)
            guard weightMask.witnessMask?.numVariables == witnessLog else {
                func variables(_ n: Int?) -> String { n.map { "\($0) variables" } ?? "none" }
                throw .badInput("a prepared witness mask has \(variables(witnessLog)) for this model (protocol v21: none when its weights and witness are opened together), this one \(variables(weightMask.witnessMask?.numVariables))")
            }
            guard weightMask.use.claim() else {
                throw .badInput("this prepared weight mask was already used by a proof (a mask is used by one proof only)")
            }
        }
        // Zero knowledge: the masks depend on nothing but sizes and randomness, so they are made on
        // another thread from here on, unless prepared ahead (`ProofMasks`).
        let randomness = ProverState.randomness(options)
        let masks = options.zeroKnowledge ? weightMask.map { ProofMasks(prepared: $0) } ?? .start(model: model, randomness: randomness) : nil
        let padded = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
        progress?("inference")
        let witness = try CircuitWitness(architecture: arch, weights: model.weights, input: padded)
        let fullOutput = witness.values[arch.layers.count]
        let output = Array(fullOutput[0..<arch.outputLength])
        guard fullOutput[arch.outputLength...].allSatisfy({ $0 == 0 }) else {
            throw .invalidArchitecture("the output's padding is not zero")
        }
        var state = ProverState(model: model, witness: witness, options: options, randomness: randomness)
        state.masks = masks
        let proof = state.run(progress: progress)
        return ZKMLProofResult(output: output, proof: proof, ioOpeningSeed: state.ioSeed)
    }
}

extension ZKMLProver {
    /// Proves whatever `witness` holds (tests use it to play a cheating prover); returns its output.
    package static func prove(model: ProverModel, witness: CircuitWitness, options: ProofOptions = .default) -> (output: [Int64], proof: [UInt8]) {
        let arch = model.architecture
        var state = ProverState(model: model, witness: witness, options: options)
        let proof = state.run(progress: nil)
        return (Array(witness.values[arch.layers.count][0..<arch.outputLength]), proof)
    }
}

/// The prover's working state for one proof.
struct ProverState {
    let model: ProverModel
    let plan: CircuitPlan
    let witness: CircuitWitness
    /// Every value as field elements.
    let fieldValues: [[Goldilocks]]
    var channel: ProverChannel
    /// Pending claims on intermediate (uncommitted) values, by value index.
    var claims: [[ValueClaim]]
    /// Pending claims on each max-pool layer's window gathers: (window, claim).
    var poolClaims: [Int: [(Int, ValueClaim)]] = [:]
    var witnessClaims: [ValueClaim] = []
    var weightClaims: [ValueClaim] = []
    /// The committed columns (filled when the witness is committed).
    var columns: [[Goldilocks]] = []
    /// Zero knowledge and privacy.
    let options: ProofOptions
    var randomness: ProofRandomness
    let header: ProofHeader
    /// The private input/output commitment, its layout, opening seed and claims.
    let ioBatch: CommittedBatch?
    let ioLayout: IOCommitment.Layout
    let ioSeed: [UInt8]?
    var ioClaims: [ValueClaim] = []
    /// The zero-knowledge masks, prepared ahead or being made on another thread (`ProofMasks`); nil:
    /// drawn in `run` where they are used, from the same forks.
    var masks: ProofMasks?

    /// The proof's randomness: from the debug seed, else fresh.
    static func randomness(_ options: ProofOptions) -> ProofRandomness {
        options.debugSeed.map { ProofRandomness(seed: $0) } ?? .fresh()
    }

    init(model: ProverModel, witness: CircuitWitness, options: ProofOptions, randomness given: ProofRandomness? = nil) {
        self.model = model
        self.plan = options.zeroKnowledge ? model.zkPlan : model.plan
        self.witness = witness
        self.options = options
        self.fieldValues = witness.values.map { $0.map { Goldilocks(integer: Int($0)) } }
        let arch = model.architecture
        let padOut = witness.values[arch.layers.count]
        self.randomness = given ?? ProverState.randomness(options)
        let privacy = options.privacy
        ioLayout = IOCommitment.layout(model.zkPlan, privacy)
        if privacy.anyPrivate {
            let seed = options.ioOpeningSeed ?? randomness.derivedSeed("io")
            ioSeed = seed
            ioBatch = IOCommitment.commit(model.zkPlan, privacy, paddedInput: witness.values[0], paddedOutput: padOut, seed: seed)
        } else {
            ioSeed = nil
            ioBatch = nil
        }
        header = ProofHeader(modelID: model.modelID, zeroKnowledge: options.zeroKnowledge, privacy: privacy,
                             ioCommitment: ioBatch?.commitment.serialized() ?? [])
        channel = ProverChannel(transcript: ZKMLProtocol.transcript(header: header,
                                                                    input: privacy.privateInput ? nil : witness.values[0],
                                                                    output: privacy.privateOutput ? nil : padOut))
        claims = Array(repeating: [], count: arch.layers.count + 1)
    }

    func evaluate(value v: Int, at point: [Ext]) -> Ext { MLE.evaluate(fieldValues[v], at: point) }

    /// Files a claim on value `v`: committed values go to the witness opening, public values are
    /// checked by the verifier, intermediate values wait for the layer that produced them.
    mutating func route(value v: Int, point: [Ext], _ value: Ext, offset: PoolFunctional = .zero) {
        if let col = plan.valueColumn[v] {
            witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(col, point), value: value, offset: offset))
        } else if v == 0 {
            if let seg = ioLayout.input { ioClaims.append(ValueClaim(point: ioLayout.point(seg, point), value: value, offset: offset)) }
        } else {
            if v == model.architecture.layers.count, let seg = ioLayout.output {
                ioClaims.append(ValueClaim(point: ioLayout.point(seg, point), value: value, offset: offset))
            }
            claims[v].append(ValueClaim(point: point, value: value, offset: offset))
        }
    }

    /// True for a value the verifier holds (public input or output): its evaluations are not masked.
    func isPublicValue(_ v: Int) -> Bool {
        (v == 0 && !options.privacy.privateInput) || (v == model.architecture.layers.count && !options.privacy.privateOutput)
    }

    /// A final-value mask for value `v`: zero for public values (the verifier checks those directly).
    func mask(_ m: (functional: PoolFunctional, value: Ext), forValue v: Int) -> (functional: PoolFunctional, value: Ext) {
        isPublicValue(v) ? (.zero, .zero) : m
    }

    mutating func run(progress: (@Sendable (String) -> Void)?) -> [UInt8] {
        let arch = model.architecture
        // 1. Commit the witness columns.
        progress?("commit witness")
        var columns: [[Goldilocks]] = Array(repeating: [], count: plan.witnessLayout.logSizes.count)
        for (v, c) in plan.valueColumn { columns[c] = fieldValues[v] }
        for (l, cols) in plan.helperColumns {
            for (i, c) in cols.enumerated() { columns[c] = witness.helpers[l][i].map { Goldilocks(integer: Int($0)) } }
        }
        let multiplicities = plan.tableLayout.assemble(witness.multiplicities, fill: 0)
        columns[plan.multiplicityColumn] = multiplicities.map { Goldilocks(integer: Int($0)) }
        if options.zeroKnowledge {
            var masks = randomness.fork("masks")
            let pool = MaskPoolProver(layout: plan.maskPool, randomness: &masks)
            columns[plan.maskPoolColumn] = pool.column
            var blind = randomness.fork("witness.blinding")
            columns[plan.blindingColumn] = blind.bulkElements(1 << plan.witnessLayout.logSizes[plan.blindingColumn])
            // Protocol v19: the low-round mask column Z, fresh and uniform (docs/ZK.md §6 item 4).
            var lowMask = randomness.fork("witness.lowmask")
            columns[plan.lowMaskColumn!] = lowMask.bulkElements(1 << ZeroKnowledge.lowMaskLog)
            channel.masks = pool
        } else {
            columns[plan.maskPoolColumn] = [Goldilocks](repeating: .zero, count: plan.maskPool.poolSize)
            columns[plan.blindingColumn] = [Goldilocks](repeating: .zero, count: 1 << plan.witnessLayout.logSizes[plan.blindingColumn])
        }
        var witnessVector = plan.witnessLayout.assemble(columns, fill: .zero)
        if options.zeroKnowledge {
            // Zero knowledge (protocol v10, docs/ZK.md §6.2): the committed vector may be larger than the
            // layout (`witnessLog`); everything outside the columns, including the claim-free top block,
            // is random. Since protocol v19 it is committed without a mask and opened through a folded
            // mask of n − 4 variables (docs/ZK.md §6 item 4), like the weights.
            witnessVector += [Goldilocks](repeating: .zero, count: (1 << plan.witnessLog(zeroKnowledge: true)) - witnessVector.count)
            var blind = randomness.fork("witness.unused")
            plan.witnessLayout.fillUnusedInBulk(&witnessVector, with: &blind)
        }
        self.columns = columns
        let witnessBatch = VectorCommitment.commit(witnessVector, randomness: randomness.fork("witness.salts"))
        channel.sendBytes("witness.commitment", witnessBatch.commitment.serialized())

        // 2. Lookups: one fraction tree, the lookups (1/(β − a)) then the tables (−m/(β − t)), sum 0.
        progress?("lookups")
        let ch = LookupChallenges(beta: channel.challenge("lookup.beta"), gamma: channel.challenge("lookup.gamma"),
                                  delta: channel.challenge("lookup.delta"))
        let (srcN, srcD) = sourceLeaves(ch)
        let tableN = plan.tableTreeLayout.assemble(witness.multiplicities, fill: 0).map { -Ext(Goldilocks(integer: Int($0))) }
        let leaf = FractionSumcheck.prove(numerators: srcN + tableN, denominators: srcD + tableLeaves(ch), channel: &channel)
        // The leaf point is (c, ρ): c selects lookups (0) or tables (1).
        let c = leaf.point[0]
        let leafS = LeafClaim(point: Array(leaf.point.dropFirst()), numerator: .zero, denominator: .zero)
        // The verifier checks the leaf values through the pool (masked values): the same relations
        // are recorded here, in the same order (docs/ZK.md §2a).
        var denominatorMasks = PoolFunctional.zero
        for group in plan.groups {
            let rho = Array(leafS.point.suffix(group.logSize))
            let l = group.layer
            let sels = group.segments.map { plan.sourceLayout.selector($0, at: leafS.point) }
            switch arch.layers[l] {
            case .requantize(let rq):
                let acc = evaluate(value: l, at: rho)
                let cols = plan.helperColumns[l]!
                var fm = channel.finalMasks(1 + cols.count)
                fm[0] = mask(fm[0], forValue: l)
                let sent = ([acc] + cols.map { MLE.evaluate(columns[$0], at: rho) }).enumerated().map { $1 + fm[$0].value }
                channel.send("leaf.requantize", sent)
                if rq.checksCap {
                    channel.recordPool(VerifierState.linearPart(sent.count, fm.map(\.functional), VerifierState.capGap(rq)))
                }
                denominatorMasks = denominatorMasks + VerifierState.linearPart(
                    sent.count, fm.map(\.functional), VerifierState.requantizeLeafDenominator(rq, group, sels, ch))
                route(value: l, point: rho, sent[0], offset: fm[0].functional)
                for (i, c) in cols.enumerated() {
                    witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(c, rho), value: sent[1 + i], offset: fm[1 + i].functional))
                }
            case .maxPool(let mp):
                let cols = plan.helperColumns[l]!
                var fm = channel.finalMasks(1 + cols.count)
                fm[0] = mask(fm[0], forValue: l + 1)
                let sent = ([evaluate(value: l + 1, at: rho)] + cols.map { MLE.evaluate(columns[$0], at: rho) })
                    .enumerated().map { $1 + fm[$0].value }
                let y = sent[0], limbs = Array(sent[1...])
                channel.send("leaf.maxpool", sent)
                for i in cols.indices { denominatorMasks = denominatorMasks + fm[1 + i].functional.scaled(-sels[i]) }
                route(value: l + 1, point: rho, y, offset: fm[0].functional)
                for (i, c) in cols.enumerated() {
                    witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(c, rho), value: limbs[i], offset: fm[1 + i].functional))
                }
                let k = mp.spreadLimbs.count
                for i in mp.maps.indices {
                    let gathered = y - LimbSum.ext(limbs[(i * k)..<((i + 1) * k)])
                    let offset = fm[0].functional - combine((0..<k).map { (LimbSum.weight($0), fm[1 + i * k + $0].functional) })
                    poolClaims[l, default: []].append((i, ValueClaim(point: rho, value: gathered, offset: offset)))
                }
            case .lookup(let f):
                // (x, y) at ρ, both masked unless public; the tuple is looked up in the function table.
                var fm = channel.finalMasks(2)
                fm[0] = mask(fm[0], forValue: l)
                fm[1] = mask(fm[1], forValue: l + 1)
                let sent = [evaluate(value: l, at: rho) + fm[0].value, evaluate(value: l + 1, at: rho) + fm[1].value]
                channel.send("leaf.lookup", sent)
                denominatorMasks = denominatorMasks + VerifierState.linearPart(
                    2, fm.map(\.functional), VerifierState.lookupLeafDenominator(f, sels[0], ch))
                route(value: l, point: rho, sent[0], offset: fm[0].functional)
                route(value: l + 1, point: rho, sent[1], offset: fm[1].functional)
            default:
                break
            }
        }
        channel.recordPool(leaf.denominatorOffset - denominatorMasks.scaled(Ext.one - c))
        let m = LookupLeaves.multiplicityClaim(plan, leaf, lookupNumerator: lookupNumerator(at: leafS.point))!
        witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(plan.multiplicityColumn, m.point),
                                        value: m.value, offset: m.offset))

        // 3. The output claim, then every layer from the output back to the input.
        let last = arch.layers.count
        let zOut = channel.challenges("output.point", count: arch.outputSize.trailingZeroBitCount)
        let outMask = mask(channel.finalMasks(1)[0], forValue: last)
        let outValue = evaluate(value: last, at: zOut) + outMask.value
        if let seg = ioLayout.output {
            channel.send("output.value", outValue)
            ioClaims.append(ValueClaim(point: ioLayout.point(seg, zOut), value: outValue, offset: outMask.functional))
        }
        claims[last].append(ValueClaim(point: zOut, value: outValue, offset: outMask.functional))
        for l in stride(from: arch.layers.count - 1, through: 0, by: -1) {
            progress?("layer \(l) (\(arch.layers[l].kindName))")
            switch arch.layers[l] {
            case .linear(let s):
                proveLinear(l, s)
            case .gather(let g):
                let items = claims[l + 1].map { ([g.map], $0) }
                if !items.isEmpty { proveGather(input: l, items) }
            case .sumPool(let p):
                let items = claims[l + 1].map { (p.maps, $0) }
                if !items.isEmpty { proveGather(input: l, items) }
            case .elementwise(let e):
                proveElementwise(l, e)
            case .combine(let c):
                proveCombine(l, c)
            case .lookup:
                break  // its input and output claims come from the lookup tree's leaf
            case .maxPool(let mp):
                proveMaxPool(l, mp)
            case .requantize(let rq):
                proveRequantize(l, rq)
            }
        }

        // 4. Open every claim on the weights and on the witness in one batched opening.
        progress?("opening")
        // Zero knowledge: the claims on each committed vector carry masked values; they become one
        // combination claim per vector whose value is uniform (docs/ZK.md §2a, `combineVector`).
        let sizes = VectorCommitment.Sizes(plan, ioLayout, zeroKnowledge: options.zeroKnowledge)
        sizes.pad(weights: &weightClaims, witness: &witnessClaims, io: &ioClaims)
        // Zero knowledge (protocol v15, docs/ZK.md §6 item 4): the weights' combination claim is not
        // sent; a masked sumcheck binds the weights' 4 low variables to ρ and leaves a claim on
        // G = V(· ‖ ρ), which the folded-mask opening proves after the batched opening.
        // The weights' folded opening: of the weights alone, or (protocol v21, merged) of the weights and
        // the witness at `batchPoint`.
        var weightFold: (batches: [CommittedBatch], rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim, foldedTable: [Ext])?
        // Protocol v21: the weights and the witness of one size are opened together (`MergedOpening`).
        let merged = options.zeroKnowledge && !weightClaims.isEmpty ? plan.mergedOpening : nil
        var mergedWeightClaim: ValueClaim?
        if options.zeroKnowledge {
            let blinding = plan.blindingPoints(io: ioLayout)
            if !weightClaims.isEmpty {
                let hidden = channel.combineVectorHidden(model.weightBatch.evaluations[0], weightClaims, blinding: blinding.weights)
                if merged == nil {
                    let fold = channel.foldLowVariables(model.weightBatch, claim: hidden.claim, total: hidden.total)
                    weightFold = ([model.weightBatch], fold.rho, [], fold.claim, fold.foldedTable)
                } else {
                    mergedWeightClaim = hidden.claim
                }
                weightClaims = []
            }
            if let ioBatch, !ioClaims.isEmpty { ioClaims = [channel.combineVector(ioBatch.evaluations[0], ioClaims, blinding: blinding.io)] }
            witnessClaims = [channel.combineVector(witnessBatch.evaluations[0], witnessClaims, blinding: blinding.witness)]
        }
        if let pool = channel.reduceMasks() { witnessClaims.append(plan.poolClaimOnWitness(pool, witnessLog: sizes.witnessLog)) }
        // Zero knowledge (protocol v19, docs/ZK.md §6 item 4): the witness's claims and the low-round mask
        // column's become one claim on G = f(· ‖ ρ) through plain low rounds, opened by a folded mask.
        var witnessFold: (rho: [Ext], claim: EvaluationClaim, foldedTable: [Ext])?
        if options.zeroKnowledge {
            let gStar = CircuitPlan.lowMaskSum(columns[plan.lowMaskColumn!])
            let lowMask = plan.lowMaskClaim(sum: gStar, witnessLog: sizes.witnessLog)!
            precondition((witnessClaims + [lowMask]).allSatisfy { plan.missesWitnessFreeRegion($0) }, "a witness claim touches the free region")
            if let merged, let weight = mergedWeightClaim {
                precondition(plan.missesWitnessFreeRegion(weight), "a weight claim touches the witness's free region")
                let fold = channel.foldMergedLowVariables(merged, weights: model.weightBatch, witness: witnessBatch, weight: weight,
                                                          witnessClaims: witnessClaims, lowMask: lowMask, lowMaskSum: gStar) { [plan] in
                    plan.poolFunctionalClaim(weight.offset, scale: $0, witnessLog: sizes.witnessLog)
                }
                weightFold = ([model.weightBatch, witnessBatch], fold.rho, fold.batchPoint, fold.claim, fold.foldedTable)
            } else {
                witnessFold = channel.foldWitnessLowVariables(witnessBatch, claims: witnessClaims, lowMask: lowMask, lowMaskSum: gStar)
            }
            witnessClaims = []
        }
        var batches = [model.weightBatch, witnessBatch]
        var vectors = [VectorCommitment.Opened(count: sizes.weight, claims: weightClaims),
                       VectorCommitment.Opened(count: sizes.witness, claims: witnessClaims)]
        if let ioBatch {
            batches.append(ioBatch)
            vectors.append(VectorCommitment.Opened(count: sizes.io, claims: ioClaims))
        }
        // The weights (batch 0) and the witness (batch 1) have no claim here in zero-knowledge mode:
        // their claims are on G = V(· ‖ ρ) and G = f(· ‖ ρ′); with no private input/output nothing is left.
        if vectors.contains(where: { !$0.claims.isEmpty }) {
            VectorCommitment.open(batches, vectors, randomness: randomness.fork("opening"), channel: &channel)
        }
        // Zero knowledge (protocol v15, docs/ZK.md §6 item 4): the registered weight tree cannot hold a
        // fresh mask, so a per-proof mask of n − 4 variables is committed on its own, sent here, and G is
        // opened as G + β·M against the registered tree's leaves (ProofCore `openFoldedMask`).
        // Protocol v21 (merged): one folded-mask opening of (1 − r_b)·V(· ‖ ρ) + r_b·f(· ‖ ρ), with the weights' mask.
        if let weightFold {
            progress?("weight mask")
            let mask = masks?.weights.value ?? PreparedWeightMask.make(PreparedWeightMask.weightMaskLog(model), randomness.fork("weights.mask"))
            channel.sendBytes("weights.mask.commitment", mask.commitment.serialized())
            let proof = PolynomialCommitment.openFoldedMask(weightFold.batches, rho: weightFold.rho, batchPoint: weightFold.batchPoint,
                                                            claims: [weightFold.claim], mask: mask, transcript: &channel.transcript,
                                                            foldedTable: weightFold.foldedTable)
            channel.writer.writeLengthPrefixed(proof.serialized())
        }
        // Protocol v19: the witness's folded-mask opening, its own mask of n_W − 4 variables.
        if let witnessFold {
            progress?("witness mask")
            let mask = masks?.witness?.value ?? PreparedWeightMask.make(PreparedWeightMask.witnessFoldedMaskLog(model), randomness.fork("witness.mask"))
            channel.sendBytes("witness.mask.commitment", mask.commitment.serialized())
            let proof = PolynomialCommitment.openFoldedMask(witnessBatch, rho: witnessFold.rho, claims: [witnessFold.claim], mask: mask,
                                                            transcript: &channel.transcript, foldedTable: witnessFold.foldedTable)
            channel.writer.writeLengthPrefixed(proof.serialized())
        }
        return header.encoded() + channel.writer.bytes
    }

    /// The gathered vector `x[map[t]]` (0 where the map is -1) of value `v`.
    func gatherField(_ v: Int, _ map: [Int32]) -> [Goldilocks] {
        let x = fieldValues[v]
        return map.map { $0 < 0 ? .zero : x[Int($0)] }
    }

    /// Numerators and denominators of the lookup tree: every segment of every group looks up one
    /// committed limb column in a range table, except a requantize group's last segment (high, c) in
    /// the sign table.
    func sourceLeaves(_ ch: LookupChallenges) -> ([Ext], [Ext]) {
        let arch = model.architecture
        var nums: [[Ext]] = []
        var dens: [[Ext]] = []
        for group in plan.groups {
            let l = group.layer
            let h = witness.helpers[l]
            let size = 1 << group.logSize
            if case .lookup = arch.layers[l] {
                // (x_t, y_t) in the function table.
                let (x, y) = (witness.values[l], witness.values[l + 1])
                let tag = Goldilocks(UInt64(LookupTable.tag(group.tables[0])))
                dens.append((0..<size).map { t in
                    ch.beta - (PointMath.field(x[t]) + ch.gamma * Goldilocks(integer: Int(y[t])) + ch.delta * tag)
                })
                nums.append(Array(repeating: Ext.one, count: size))
                continue
            }
            let rangeSegments: Int
            if case .requantize = arch.layers[l] { rangeSegments = group.segments.count - 1 } else { rangeSegments = group.segments.count }
            for k in 0..<rangeSegments {
                let table = ch.rangeDenominators(tag: LookupTable.tag(group.tables[k]), bits: arch.tables[group.tables[k]].logSize)
                let column = h[k]
                dens.append((0..<size).map { table[Int(column[$0])] })
            }
            if case .requantize(let rq) = arch.layers[l] {
                let acc = witness.values[l]
                let half: Int64 = rq.shift == 0 ? 0 : 1 << Int64(rq.shift - 1)
                let (nr, nl) = (rq.remainderLimbs.count, rq.lowLimbs.count)
                let tag = Ext(Goldilocks(UInt64(LookupTable.tag(rq.signTable))))
                let cColumn = h[rq.helperCount - 1]
                dens.append((0..<size).map { t in
                    let r = LimbSum.integers(h[0..<nr], at: t), low = LimbSum.integers(h[nr..<(nr + nl)], at: t)
                    let q = (acc[t] + half - r) >> Int64(rq.shift)
                    let high = NetworkCompiler.floorDiv(q - rq.lo - low, rq.cap + 1)
                    return ch.beta - (PointMath.field(high) + ch.gamma * Goldilocks(integer: Int(cColumn[t])) + ch.delta * tag)
                })
            }
            nums.append(contentsOf: Array(repeating: Array(repeating: Ext.one, count: size), count: group.segments.count))
        }
        return (plan.sourceLayout.assemble(nums, fill: .zero), plan.sourceLayout.assemble(dens, fill: .one))
    }

    /// Denominators of the table tree.
    func tableLeaves(_ ch: LookupChallenges) -> [Ext] {
        let dens = model.architecture.tables.enumerated().map { (i, table) in
            (0..<(1 << table.logSize)).map { j in
                let (a, b) = table.entry(j)
                return ch.denominator(tag: LookupTable.tag(i), a: PointMath.field(a), b: PointMath.field(b))
            }
        }
        return plan.tableTreeLayout.assemble(dens, fill: .one)
    }

    /// The lookup half's numerator at ρ: Σ of the lookup segments' selectors (public).
    func lookupNumerator(at rho: [Ext]) -> Ext {
        plan.groups.flatMap(\.segments).reduce(Ext.zero) { $0 + plan.sourceLayout.selector($1, at: rho) }
    }

    /// y(z) = b(z_o) + Σ_j W(z_o, j)·X(j, z_p) for every pending claim, by one sumcheck over j.
    mutating func proveLinear(_ l: Int, _ s: LinearLayer) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let matrixSeg = plan.matrixSegment(l), biasSeg = plan.biasSegment(l)
        let wOffset = plan.weightLayout.offsets[matrixSeg], bOffset = plan.weightLayout.offsets[biasSeg]
        let bias = Array(model.weightVector[bOffset..<(bOffset + s.rows)])
        let zo = pending.map { Array($0.point.prefix(s.logRows)) }
        let zp = pending.map { Array($0.point.suffix(s.logCols)) }
        let biasMasks = channel.finalMasks(pending.count)
        let biasValues = zo.indices.map { MLE.evaluate(bias, at: zo[$0]) + biasMasks[$0].value }
        channel.send("linear.bias", biasValues)
        let alpha = channel.challenges("linear.alpha", count: pending.count)
        let offset = combine(pending.indices.flatMap { [(alpha[$0], pending[$0].offset), (-alpha[$0], biasMasks[$0].functional)] })
        var fm = channel.finalMasks(2 * pending.count)
        for k in pending.indices { fm[2 * k + 1] = mask(fm[2 * k + 1], forValue: l) }
        var tables: [[Ext]] = []
        var terms: [ProductTerm<Ext>] = []
        let x = fieldValues[l]
        for k in pending.indices {
            tables.append(rowCombination(offset: wOffset, rows: s.rows, inner: s.inner, point: zo[k]))
            tables.append(columnCombination(x, inner: s.inner, cols: s.cols, point: zp[k]))
            terms.append(ProductTerm(coefficient: alpha[k], factors: [2 * k, 2 * k + 1]))
        }
        let out = channel.sumcheck(tables: tables, combination: SumOfProducts(terms: terms, tableCount: tables.count),
                                   finalMasks: fm.map(\.value), lastDegree: ZKDegrees.linear, offset: offset)
        channel.send("linear.finals", out.finalEvaluations)
        let kappa = MaskedSumcheck.finalMaskFactor(out.point)
        for k in pending.indices {
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(matrixSeg, zo[k] + out.point), value: out.finalEvaluations[2 * k],
                                           offset: fm[2 * k].functional.scaled(kappa)))
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(biasSeg, zo[k]), value: biasValues[k], offset: biasMasks[k].functional))
            route(value: l, point: out.point + zp[k], out.finalEvaluations[2 * k + 1], offset: fm[2 * k + 1].functional.scaled(kappa))
        }
    }

    /// W(z, ·) = Σ_o eq(z, o)·W[o][·] (one pass over the matrix).
    func rowCombination(offset: Int, rows: Int, inner: Int, point: [Ext]) -> [Ext] {
        let eq = MLE.eqTable(point)
        var out = [Ext](repeating: .zero, count: inner)
        model.weightVector.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                let dst = o.baseAddress!
                // Chunks of at least 2^14 multiplications: smaller work (digits_mlp) stays on this thread.
                Parallel.forEachChunk(count: inner, minimumChunk: max(64, (1 << 14) / max(1, rows))) { range in
                    for r in 0..<rows {
                        let e = eq[r]
                        if e.isZero { continue }
                        let row = offset + r * inner
                        for j in range { dst[j] += e * w[row + j] }
                    }
                }
            }
        }
        return out
    }

    /// X(·, z) = Σ_p eq(z, p)·X[·][p].
    func columnCombination(_ x: [Goldilocks], inner: Int, cols: Int, point: [Ext]) -> [Ext] {
        if cols == 1 { return x.map { Ext($0) } }
        let eq = MLE.eqTable(point)
        return (0..<inner).map { j in
            var acc = Ext.zero
            for p in 0..<cols { acc += eq[p] * x[j * cols + p] }
            return acc
        }
    }

    /// Merges claims on gathered copies of value `input` into one claim on it.
    /// Each item is a claim on Σ_i x[maps[i][·]] (one map: a gather; several: a sum pool).
    mutating func proveGather(input: Int, _ items: [([[Int32]], ValueClaim)]) {
        let alpha = channel.challenges("gather.alpha", count: items.count)
        let size = fieldValues[input].count
        var weights = [Ext](repeating: .zero, count: size)
        for (k, (maps, claim)) in items.enumerated() {
            let eq = MLE.eqTable(claim.point).map { alpha[k] * $0 }
            for map in maps {
                for (t, a) in map.enumerated() where a >= 0 { weights[Int(a)] += eq[t] }
            }
        }
        let x = fieldValues[input].map { Ext($0) }
        let offset = combine(items.indices.map { (alpha[$0], items[$0].1.offset) })
        let fm = mask(channel.finalMasks(1)[0], forValue: input)
        let out = channel.sumcheck(tables: [x, weights], combination: .product(of: 2), finalMasks: [fm.value, .zero],
                                   lastDegree: ZKDegrees.gather, offset: offset)
        channel.send("gather.final", out.finalEvaluations[0])
        route(value: input, point: out.point, out.finalEvaluations[0], offset: fm.functional.scaled(MaskedSumcheck.finalMaskFactor(out.point)))
    }

    /// y(z_j) = Σ_k c_k·g_k(z_j) with g_k the k-th term's gathered vector: the prover sends every
    /// g_k(z_j) (masked), the verifier checks the sum through the pool, and each term's claims become
    /// one claim on its source value by the gather sumcheck.
    mutating func proveCombine(_ l: Int, _ c: CombineLayer) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let terms = c.maps.count
        let fm = channel.finalMasks(pending.count * terms)
        var sent: [Ext] = []
        for (j, claim) in pending.enumerated() {
            for k in 0..<terms {
                sent.append(MLE.evaluate(gatherField(c.sources[k], c.maps[k]), at: claim.point) + fm[j * terms + k].value)
            }
        }
        channel.send("combine.terms", sent)
        for (j, claim) in pending.enumerated() {
            channel.recordPool(claim.offset - combine((0..<terms).map { (PointMath.field(c.coefficients[$0]), fm[j * terms + $0].functional) }))
        }
        for k in 0..<terms {
            let items = pending.indices.map { j in
                ([c.maps[k]], ValueClaim(point: pending[j].point, value: sent[j * terms + k], offset: fm[j * terms + k].functional))
            }
            proveGather(input: c.sources[k], items)
        }
    }

    /// y(z_k) = a(z_k) + scale·Σ_t eq(z_k, t)·m_t·x_t for every pending claim, by one sumcheck over t
    /// on the α-combination E = Σ_k α_k·eq(z_k, ·) (which the verifier evaluates itself).
    mutating func proveElementwise(_ l: Int, _ e: ElementwiseLayer) {
        let pending = claims[l + 1]
        if pending.isEmpty { return }
        let segments = plan.constantSegments[l]!
        func constant(_ seg: Int) -> [Goldilocks] {
            let offset = plan.weightLayout.offsets[seg]
            return Array(model.weightVector[offset..<(offset + e.size)])
        }
        var offsets = pending.map(\.offset)
        if let seg = segments.addend {
            let a = constant(seg)
            let am = channel.finalMasks(pending.count)
            let sent = pending.indices.map { MLE.evaluate(a, at: pending[$0].point) + am[$0].value }
            channel.send("elementwise.addend", sent)
            for k in pending.indices {
                weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(seg, pending[k].point), value: sent[k], offset: am[k].functional))
                offsets[k] = offsets[k] - am[k].functional
            }
        }
        let alpha = channel.challenges("elementwise.alpha", count: pending.count)
        let offset = combine(pending.indices.map { (alpha[$0], offsets[$0]) })
        var combined = [Ext](repeating: .zero, count: e.size)
        for k in pending.indices {
            let eq = MLE.eqTable(pending[k].point)
            for t in 0..<e.size { combined[t] += alpha[k] * eq[t] }
        }
        // Final masks of m (when present) and x.
        var fm = channel.finalMasks(e.multiplier ? 2 : 1)
        fm[fm.count - 1] = mask(fm[fm.count - 1], forValue: l)
        var tables: [[Ext]] = [combined]
        if let seg = segments.multiplier { tables.append(constant(seg).map { Ext($0) }) }
        tables.append(fieldValues[l].map { Ext($0) })
        let combination = SumOfProducts(terms: [ProductTerm(coefficient: PointMath.field(e.scale), factors: Array(tables.indices))],
                                        tableCount: tables.count)
        let out = channel.sumcheck(tables: tables, combination: combination, finalMasks: [.zero] + fm.map(\.value),
                                   lastDegree: e.multiplier ? ZKDegrees.elementwise : ZKDegrees.gather, offset: offset)
        let finals = Array(out.finalEvaluations.dropFirst())
        channel.send("elementwise.finals", finals)
        let kappa = MaskedSumcheck.finalMaskFactor(out.point)
        if let seg = segments.multiplier {
            weightClaims.append(ValueClaim(point: plan.weightLayout.globalPoint(seg, out.point), value: finals[0], offset: fm[0].functional.scaled(kappa)))
        }
        route(value: l, point: out.point, finals[finals.count - 1], offset: fm[fm.count - 1].functional.scaled(kappa))
    }

    /// Σ_t eq(τ, t)·(y − lo − (1 − c²)·m − (c² + c)/2·(hi − lo)) = 0 with m the low part (the sum of
    /// its limbs): y is the clamp that the helper columns select.
    mutating func proveRequantize(_ l: Int, _ rq: RequantizeLayer) {
        let tau = channel.challenges("requantize.tau", count: rq.size.trailingZeroBitCount)
        let cols = plan.helperColumns[l]!
        let lowCols = Array(cols[rq.remainderLimbs.count..<(rq.remainderLimbs.count + rq.lowLimbs.count)])
        let lowColumn = (0..<rq.size).map { t in LimbSum.integers(witness.helpers[l][rq.remainderLimbs.count...], limbs: rq.lowLimbs.count, at: t) }
        let tables: [[Ext]] = [MLE.eqTable(tau), fieldValues[l + 1].map { Ext($0) },
                               lowColumn.map { PointMath.field($0) }, columns[cols.last!].map { Ext($0) }]
        // Masks of y, the low limbs and c; the low table's mask is the limbs' combination.
        var fm = channel.finalMasks(2 + lowCols.count)
        fm[0] = mask(fm[0], forValue: l + 1)
        let lowMask = LimbSum.ext(fm[1..<(1 + lowCols.count)].map(\.value)[...])
        let out = channel.sumcheck(tables: tables, combination: RequantizeRelation.combination(rq),
                                   finalMasks: [.zero, fm[0].value, lowMask, fm[1 + lowCols.count].value],
                                   lastDegree: ZKDegrees.requantize)
        let kappa = MaskedSumcheck.finalMaskFactor(out.point)
        let lowLimbValues = lowCols.enumerated().map { MLE.evaluate(columns[$1], at: out.point) + kappa * fm[1 + $0].value }
        let finals = [out.finalEvaluations[1]] + lowLimbValues + [out.finalEvaluations[3]]
        channel.send("requantize.finals", finals)
        route(value: l + 1, point: out.point, finals[0], offset: fm[0].functional.scaled(kappa))
        for (i, c) in (lowCols + [cols.last!]).enumerated() {
            witnessClaims.append(ValueClaim(point: plan.witnessLayout.globalPoint(c, out.point), value: finals[1 + i],
                                            offset: fm[1 + i].functional.scaled(kappa)))
        }
    }

    /// Σ_t eq(τ, t)·Π_i (y_t − x_i,t) = 0 (y is one of the window's values), then merges every claim on
    /// the window gathers into one claim on the input.
    mutating func proveMaxPool(_ l: Int, _ mp: MaxPoolLayer) {
        let n = mp.maps[0].count
        let tau = channel.challenges("maxpool.tau", count: n.trailingZeroBitCount)
        let y = fieldValues[l + 1]
        var tables: [[Ext]] = [MLE.eqTable(tau)]
        for map in mp.maps {
            let g = gatherField(l, map)
            tables.append((0..<n).map { Ext(y[$0] - g[$0]) })
        }
        // Masks of y and of each window gather; table i's mask is their difference.
        var fm = channel.finalMasks(1 + mp.maps.count)
        fm[0] = mask(fm[0], forValue: l + 1)
        for i in mp.maps.indices { fm[1 + i] = mask(fm[1 + i], forValue: l) }
        let out = channel.sumcheck(tables: tables, combination: .product(of: tables.count),
                                   finalMasks: [.zero] + mp.maps.indices.map { fm[0].value - fm[1 + $0].value },
                                   lastDegree: ZKDegrees.maxPool(mp))
        let kappa = MaskedSumcheck.finalMaskFactor(out.point)
        let yr = evaluate(value: l + 1, at: out.point) + kappa * fm[0].value
        let gathered = mp.maps.indices.map { MLE.evaluate(gatherField(l, mp.maps[$0]), at: out.point) + kappa * fm[1 + $0].value }
        channel.send("maxpool.finals", [yr] + gathered)
        route(value: l + 1, point: out.point, yr, offset: fm[0].functional.scaled(kappa))
        for (i, g) in gathered.enumerated() {
            poolClaims[l, default: []].append((i, ValueClaim(point: out.point, value: g, offset: fm[1 + i].functional.scaled(kappa))))
        }
        let items = (poolClaims[l] ?? []).map { ([mp.maps[$0.0]], $0.1) }
        proveGather(input: l, items)
    }
}
