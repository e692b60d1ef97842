import ProofCore

/// Zero-knowledge settings shared by prover and verifier (docs/ZK.md).
enum ZeroKnowledge {
    /// log2 of the random blinding column in the witness and weight vectors.
    static let blindingLog = 8
    /// Least log2 size of the input/output commitment's data segments (their layout's minimum).
    static let ioBlindingLog = 6
    /// Least log2 size of the committed input/output vector: its random upper three quarters exceed
    /// the codeword entries an opening reveals (queries × 2^foldingLog = 46 × 16 = 736 ≤ 768 at 2^10), so
    /// those are jointly uniform (docs/ZK.md §6.2).
    static var ioCommittedMinLog: Int {
        var log = VectorCommitment.parameters.foldingLog
        while 3 << (log - 2) < openedEntries { log += 1 }
        return log
    }
    /// The most codeword entries of one committed vector an opening reveals: queries × 2^foldingLog
    /// (46 × 16 = 736; distinct domain points). A masked vector's random, claim-free top region must be
    /// at least this large (docs/ZK.md §6.2).
    static var openedEntries: Int { VectorCommitment.parameters.queries << VectorCommitment.parameters.foldingLog }
    /// The rounds of a folded-mask opening's masked low-variable sumcheck (protocol v15, docs/ZK.md §6
    /// item 4): the variables Basefold's first layer folds, foldingLog; its mask has that many fewer.
    static var foldedRounds: Int { VectorCommitment.parameters.foldingLog }
    /// log2 of the witness's low-round mask column Z (protocol v19, docs/ZK.md §6 item 4): four aligned
    /// blocks of 2^foldedRounds entries, A_0, A_1, B_0, B_1.
    static var lowMaskLog: Int { foldedRounds + 2 }

}

/// What a proof keeps private beyond the weights (which are always private: verifiers see only the
/// model commitment). Stated in the proof's public header and bound into the transcript.
public struct Privacy: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// Verifiers see a hiding commitment to the input instead of the input.
    public var privateInput: Bool
    /// Verifiers see a hiding commitment to the output; the output goes to the requester sealed.
    public var privateOutput: Bool

    public init(privateInput: Bool = false, privateOutput: Bool = false) {
        self.privateInput = privateInput
        self.privateOutput = privateOutput
    }

    /// Public input and output.
    public static let publicIO = Privacy()

    public var description: String {
        "input \(privateInput ? "private" : "public"), output \(privateOutput ? "private" : "public")"
    }

    var anyPrivate: Bool { privateInput || privateOutput }
}

/// How to prove. The default is zero-knowledge with public input and output and fresh randomness.
public struct ProofOptions: Sendable, Equatable {
    /// Mask every sumcheck and blind every commitment. `false` gives the plain (sound, not
    /// zero-knowledge) proof, for comparison; private input or output requires `true`.
    public var zeroKnowledge: Bool
    public var privacy: Privacy
    /// Seed of the prover's randomness: FOR DEBUGGING ONLY (a proof made from a known seed is
    /// reproducible and not zero-knowledge). nil (the default) draws a fresh seed from libsodium.
    public var debugSeed: [UInt8]?
    /// Opening seed of the private input/output commitment (32 bytes), when someone else chose it:
    /// a market requester commits to its private input before any prover is picked
    /// (`ZKMLProver.privateInputCommitment`) and hands the winner the seed, so the proof's header
    /// carries the commitment the requester signed. nil (the default) derives it from the prover's
    /// randomness. Ignored when input and output are public.
    public var ioOpeningSeed: [UInt8]?

    public init(zeroKnowledge: Bool = true, privacy: Privacy = .publicIO, debugSeed: [UInt8]? = nil,
                ioOpeningSeed: [UInt8]? = nil) {
        self.zeroKnowledge = zeroKnowledge
        self.privacy = privacy
        self.debugSeed = debugSeed
        self.ioOpeningSeed = ioOpeningSeed
    }

    /// Zero knowledge, public input and output, fresh randomness.
    public static let `default` = ProofOptions()
    /// The plain proof (no masks), for benchmarks and comparison.
    public static let plain = ProofOptions(zeroKnowledge: false)
}

/// The public header of a proof: model id, mode, and the hiding commitment to the private input
/// and/or output. Encoding: "CZKP" | version | model id (32) | mode (bit 0 zero knowledge, bit 1
/// private input, bit 2 private output) | [u32 length + input/output commitment, when either is private].
public struct ProofHeader: Sendable, Equatable {
    public let modelID: [UInt8]
    public let zeroKnowledge: Bool
    public let privacy: Privacy
    /// ProofCore `Commitment` bytes of the private input/output vector (empty when both are public).
    public let ioCommitment: [UInt8]

    init(modelID: [UInt8], zeroKnowledge: Bool, privacy: Privacy, ioCommitment: [UInt8]) {
        self.modelID = modelID
        self.zeroKnowledge = zeroKnowledge
        self.privacy = privacy
        self.ioCommitment = ioCommitment
    }

    var modeByte: UInt8 {
        (zeroKnowledge ? 1 : 0) | (privacy.privateInput ? 2 : 0) | (privacy.privateOutput ? 4 : 0)
    }

    func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 64 + ioCommitment.count)
        w.writeBytes(ZKMLProtocol.magic)
        w.writeUInt8(ZKMLProtocol.version(zeroKnowledge: zeroKnowledge))
        w.writeBytes(modelID)
        w.writeUInt8(modeByte)
        if privacy.anyPrivate { w.writeLengthPrefixed(ioCommitment) }
        return w.bytes
    }

    /// Parses the header at the start of `proof`; returns it and where the body starts.
    public static func parse(_ proof: [UInt8]) throws(ZKMLError) -> (header: ProofHeader, bodyOffset: Int) {
        var r = ByteReader(proof)
        do throws(ProofError) {
            guard try r.readBytes(ZKMLProtocol.magic.count, what: "proof magic") == ZKMLProtocol.magic else {
                throw .badMagic(what: "proof")
            }
            let version = try r.readUInt8(what: "proof version")
            let id = try r.readBytes(32, what: "model id")
            let mode = try r.readUInt8(what: "proof mode")
            guard mode & ~7 == 0 else { throw .invalidValue(what: "proof mode", value: UInt64(mode)) }
            let expected = ZKMLProtocol.version(zeroKnowledge: mode & 1 != 0)
            guard version == expected else {
                throw .unsupportedVersion(what: "proof", found: Int(version), supported: Int(expected))
            }
            let privacy = Privacy(privateInput: mode & 2 != 0, privateOutput: mode & 4 != 0)
            guard mode & 1 != 0 || !privacy.anyPrivate else {
                throw .invalidValue(what: "proof mode (private input/output needs zero knowledge)", value: UInt64(mode))
            }
            let io = privacy.anyPrivate ? try r.readLengthPrefixed(what: "input/output commitment", limit: 4096) : []
            return (ProofHeader(modelID: id, zeroKnowledge: mode & 1 != 0, privacy: privacy, ioCommitment: io),
                    proof.count - r.remaining)
        } catch {
            throw .proof(error, at: "header")
        }
    }
}

/// The hiding commitment to a private input and/or output (protocol v5, docs/ZK.md §1, §6.2). The
/// committed vector of 2^n entries is [D (2^(n−3)) ‖ Q (2^(n−3)) ‖ B (3·2^(n−2))]: the data eighth D
/// holds the segments [input? ‖ output?] (each padded to a power of two, unused space random), Q and
/// B are uniformly random; n is at least `ZeroKnowledge.ioCommittedMinLog` and differs from the
/// weight and witness sizes, so the vector has its own size class. It is committed with an opening
/// mask (ProofCore `commit(openingMask:)`): the opening runs on data + β·mask, a uniform polynomial;
/// the opened leaves of the vector itself are jointly uniform thanks to B (the entries whose two top
/// index bits are not 00: at least 768 random entries, more than the 704 an opening reveals), and the
/// zero-knowledge combination point sits on Q, (0, 0, 1, q), random in every coordinate a Basefold
/// round binds. A claim on segment s at z is a claim at (0, 0, 0, 0 … 0 ‖ prefix(s) ‖ z). Everything random in it (the random
/// entries, the mask, the salts) derives from a 32-byte opening seed, so the seed plus the values
/// open the commitment: the requester recomputes it to check a sealed output.
enum IOCommitment {
    struct Layout {
        let segments: SegmentLayout
        let input: Int?
        let output: Int?
        /// log2 of the committed vector's size.
        let committedLog: Int

        /// Entries of the committed vector.
        var committedSize: Int { 1 << committedLog }

        /// The committed vector's point for segment `s` at local point `z`.
        func point(_ s: Int, _ z: [Ext]) -> [Ext] {
            [Ext](repeating: .zero, count: committedLog - segments.logTotal) + segments.globalPoint(s, z)
        }

        /// log2 of the random eighth Q that the combination point sits on.
        var blindingLog: Int { committedLog - 3 }

        /// The committed vector's point of Q at local point `z`.
        func blindingPoint(_ z: [Ext]) -> [Ext] { [Ext.zero, Ext.zero, Ext.one] + z }
    }

    static func layout(_ plan: CircuitPlan, _ privacy: Privacy) -> Layout {
        let arch = plan.arch
        var logs: [Int] = []
        var input: Int?, output: Int?
        if privacy.privateInput { input = logs.count; logs.append(arch.inputSize.trailingZeroBitCount) }
        if privacy.privateOutput { output = logs.count; logs.append(arch.outputSize.trailingZeroBitCount) }
        let segments = SegmentLayout(logSizes: logs, minLog: ZeroKnowledge.ioBlindingLog)
        // Its own size class: a masked batch is opened alone (ProofCore).
        let taken: Set<Int> = [VectorCommitment.paddedCount(plan.weightLayout.totalSize).trailingZeroBitCount,
                               plan.witnessLog(zeroKnowledge: true)]
        var log = max(segments.logTotal + 3, ZeroKnowledge.ioCommittedMinLog)
        while taken.contains(log) { log += 1 }
        return Layout(segments: segments, input: input, output: output, committedLog: log)
    }

    /// Commits (deterministically in the seed) to the padded input and output.
    static func commit(_ plan: CircuitPlan, _ privacy: Privacy, paddedInput: [Int64], paddedOutput: [Int64],
                       seed: [UInt8]) -> CommittedBatch {
        let l = layout(plan, privacy)
        let randomness = ProofRandomness(seed: seed)
        var blind = randomness.fork("io.blinding")
        var columns: [[Goldilocks]] = []
        if privacy.privateInput { columns.append(paddedInput.map { Goldilocks(integer: Int($0)) }) }
        if privacy.privateOutput { columns.append(paddedOutput.map { Goldilocks(integer: Int($0)) }) }
        var vector = l.segments.assemble(columns, fill: .zero)
        vector += [Goldilocks](repeating: .zero, count: l.committedSize - vector.count)
        l.segments.fillUnusedInBulk(&vector, with: &blind)
        return VectorCommitment.commit(vector, randomness: randomness.fork("io.salts"), openingMask: true)
    }
}

extension ZKMLProver {
    /// The hiding commitment that a proof with a private input and a public output, made with
    /// `ProofOptions(privacy: Privacy(privateInput: true), ioOpeningSeed: seed)`, carries in its
    /// header (`ProofHeader.ioCommitment`). Whoever holds the input can compute it before any proof
    /// exists; it reveals nothing about the input without the seed.
    public static func privateInputCommitment(key: VerifierKey, input: [Int64], seed: [UInt8]) throws(ZKMLError) -> [UInt8] {
        let arch = key.architecture
        guard input.count == arch.inputLength else { throw .badInput("the model takes \(arch.inputLength) inputs, got \(input.count)") }
        guard seed.count == ProofRandomness.seedByteCount else { throw .badInput("an opening seed has \(ProofRandomness.seedByteCount) bytes, got \(seed.count)") }
        let padded = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
        return IOCommitment.commit(key.zkPlan, Privacy(privateInput: true), paddedInput: padded, paddedOutput: [], seed: seed)
            .commitment.serialized()
    }
}

extension SegmentLayout {
    /// Overwrites every entry no segment covers with uniform random elements, drawn one by one from
    /// the BLAKE2b stream (the weight vector's fill: the model id depends on it, so it stays as it was).
    func fillUnused(_ vector: inout [Goldilocks], with randomness: inout ProofRandomness) {
        for gap in unusedRanges(vector.count) {
            for i in gap { vector[i] = randomness.element() }
        }
    }

    /// The same with the elements drawn in bulk from a ChaCha20 keystream (`bulkElements`): per-proof
    /// vectors (witness, private input/output; protocol v10).
    func fillUnusedInBulk(_ vector: inout [Goldilocks], with randomness: inout ProofRandomness) {
        let gaps = unusedRanges(vector.count)
        let random = randomness.bulkElements(gaps.reduce(0) { $0 + $1.count })
        var next = 0
        for gap in gaps {
            vector.replaceSubrange(gap, with: random[next..<(next + gap.count)])
            next += gap.count
        }
    }

    /// The index ranges of a vector of `count` entries that no segment covers, in order.
    func unusedRanges(_ count: Int) -> [Range<Int>] {
        let starts = offsets.indices.map { (offsets[$0], offsets[$0] + (1 << logSizes[$0])) }.sorted { $0.0 < $1.0 }
        var gaps: [Range<Int>] = []
        var cursor = 0
        for (a, b) in starts {
            if cursor < a { gaps.append(cursor..<a) }
            cursor = max(cursor, b)
        }
        if cursor < count { gaps.append(cursor..<count) }
        return gaps
    }
}

extension ZKMLVerifier {
    /// Verifies and returns every field element of the proof (base-field coordinates) with what it is.
    /// For the zero-knowledge tests: none of them may look like unmasked data.
    package static func proofElements(key: VerifierKey, publicInput input: [Int64]?, publicOutput output: [Int64]?,
                                      proof: [UInt8]) throws(ZKMLError) -> [(what: String, value: Goldilocks)] {
        let arch = key.architecture
        let (header, bodyOffset) = try ProofHeader.parse(proof)
        let paddedIn = input.map { $0 + [Int64](repeating: 0, count: arch.inputSize - $0.count) }
        let paddedOut = output.map { $0 + [Int64](repeating: 0, count: arch.outputSize - $0.count) }
        var state = try VerifierState(key: key, header: header, input: paddedIn, output: paddedOut, proof: Array(proof[bodyOffset...]))
        state.channel.recorded = []
        try state.run()
        return state.channel.recorded ?? []
    }

    /// For tests: the zero-knowledge witness commitment's shape (docs/ZK.md §6.2): log2 of the committed
    /// vector, and where its free region (random, claim-free, up to the top) starts.
    package static func zeroKnowledgeWitnessShape(key: VerifierKey) -> (log: Int, freeStart: Int) {
        (key.zkPlan.witnessLog(zeroKnowledge: true), key.zkPlan.witnessLayout.usedEnd)
    }

    /// For tests: verifies a zero-knowledge proof with public input and output against a low-round mask
    /// column weight whose eq terms' coefficients are multiplied by `scales` (term t by scales[t], the
    /// point's coefficient 1 kept; protocol v19, docs/ZK.md §6 item 4) — any change must be rejected.
    package static func verify(key: VerifierKey, input: [Int64], output: [Int64], proof: [UInt8],
                               lowMaskTermScales scales: [Ext]) throws(ZKMLError) {
        let arch = key.architecture
        let (header, bodyOffset) = try ProofHeader.parse(proof)
        let paddedIn = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
        let paddedOut = output + [Int64](repeating: 0, count: arch.outputSize - output.count)
        var state = try VerifierState(key: key, header: header, input: paddedIn, output: paddedOut, proof: Array(proof[bodyOffset...]))
        state.lowMaskChange = { claim in
            var c = claim
            for t in c.terms.indices where t < scales.count { c.terms[t].coefficient *= scales[t] }
            return c
        }
        try state.run()
    }

    /// For tests: the merged opening of a zero-knowledge proof (protocol v21, `MergedOpening`): the cross
    /// block's global index, the weights' and the witness's used ends and the pool column's used range;
    /// nil when the model's weights and witness are opened alone.
    package static func mergedOpening(key: VerifierKey)
        -> (crossBlock: Int, weightsEnd: Int, witnessEnd: Int, poolUsed: Range<Int>, poolEnd: Int)? {
        let plan = key.zkPlan
        guard let merged = plan.mergedOpening else { return nil }
        let poolStart = plan.witnessLayout.offsets[plan.maskPoolColumn]
        return (merged.crossBlock, plan.weightLayout.usedEnd, plan.witnessLayout.usedEnd,
                poolStart..<(poolStart + plan.maskPool.usedEntries), poolStart + plan.maskPool.poolSize)
    }

    /// For tests: the merged opening's claims formed as the verifier forms them (`MergedOpening.claims`,
    /// here with the weights', the witness's and the offset's claims at block 0) with the cross block
    /// at `crossBlock` and challenge `gamma`: whether they all miss the witness's free region (the
    /// verifier's `checkRegion`), or nil when they cannot be formed (γ = 0) or the model does not merge.
    /// The verifier rejects a proof in either case.
    package static func mergedClaimsMissFreeRegion(key: VerifierKey, crossBlock: Int, gamma: Ext) -> Bool? {
        let plan = key.zkPlan
        guard let merged = plan.mergedOpening else { return nil }
        let moved = MergedOpening(crossBlock: crossBlock, numVariables: merged.numVariables)
        let zeros = [Ext](repeating: .zero, count: merged.numVariables)
        let atStart = ValueClaim(point: zeros, value: .zero)
        let low = [Ext](repeating: Ext(Goldilocks(5), Goldilocks(7)), count: ZeroKnowledge.foldedRounds)
        guard let claims = MergedOpening.claims(weight: atStart, witness: [atStart], offset: { _ in atStart },
                                                crossPoint: moved.crossPoint(low), crossSum: .zero, gamma: gamma) else { return nil }
        return claims.allSatisfy { plan.missesWitnessFreeRegion($0) }
    }

    /// For tests: log2 of the mask pool column in plain and in zero-knowledge proofs (docs/ZK.md §3).
    package static func maskPoolLogs(key: VerifierKey) -> (plain: Int, zeroKnowledge: Int) {
        (key.plan.maskPool.poolLog, key.zkPlan.maskPool.poolLog)
    }

    /// For tests: whether a claim at `point` (with further combination terms at `terms`, and sparse
    /// terms `sparse`) on the zero-knowledge witness vector has zero eq weight on its free region (the
    /// check prover and verifier run on every witness claim).
    package static func claimMissesWitnessFreeRegion(key: VerifierKey, point: [Ext], terms: [[Ext]] = [],
                                                     sparse: SparseWeight? = nil) -> Bool {
        key.zkPlan.missesWitnessFreeRegion(ValueClaim(point: point, value: .zero,
                                                    terms: terms.map { ClaimTerm(point: $0, coefficient: .one) }, sparse: sparse))
    }

    /// For tests: the mask pool column of the zero-knowledge witness as a block (index, log2 size):
    /// where the pool's sparse relation claim lies (docs/ZK.md §3).
    package static func zeroKnowledgePoolBlock(key: VerifierKey) -> (block: Int, blockVariables: Int) {
        let (layout, column) = (key.zkPlan.witnessLayout, key.zkPlan.maskPoolColumn)
        return (layout.offsets[column] >> layout.logSizes[column], layout.logSizes[column])
    }

    /// For tests: every claim the verifier routes on a circuit value (value index, point, claimed
    /// value) and every claim on the (padded) weight vector, before the zero-knowledge reduction. In
    /// zero-knowledge mode the claimed values are masked: none is the true evaluation.
    package static func routedClaims(key: VerifierKey, publicInput input: [Int64]?, publicOutput output: [Int64]?,
                                     proof: [UInt8]) throws(ZKMLError) -> (values: [(Int, [Ext], Ext)], weights: [([Ext], Ext)]) {
        let arch = key.architecture
        let (header, bodyOffset) = try ProofHeader.parse(proof)
        let paddedIn = input.map { $0 + [Int64](repeating: 0, count: arch.inputSize - $0.count) }
        let paddedOut = output.map { $0 + [Int64](repeating: 0, count: arch.outputSize - $0.count) }
        var state = try VerifierState(key: key, header: header, input: paddedIn, output: paddedOut, proof: Array(proof[bodyOffset...]))
        state.claimLog = ([], [])
        try state.run()
        return state.claimLog!
    }
}

/// The last-round degrees of the protocol's masked sumchecks when their final values carry masks
/// (`MaskedSumcheck.lastRoundDegree`: every masked factor counts twice; docs/ZK.md §2a). Prover and
/// verifier both use these (upper bounds: a table that is public gets a zero mask).
enum ZKDegrees {
    /// Fraction-tree level: eq·N0·D1 + eq·N1·D0 + λ·eq·D0·D1, all but eq masked.
    static let fraction = 5
    /// Lookup-tree root: N_1(x)·D_1(1 − x), both masked.
    static let fractionRoot = 4
    /// W(z_o, j)·X(j, z_p), both masked.
    static let linear = 4
    /// x·weights, x masked.
    static let gather = 3
    /// eq·c·c·m is the largest term; y, m, c masked.
    static let requantize = 7
    /// eq·Π_i (y − x_i), every window difference masked.
    static func maxPool(_ mp: MaxPoolLayer) -> Int { 1 + 2 * mp.maps.count }
    /// eq-combination·m·x (elementwise product), m and x masked.
    static let elementwise = 5
}
