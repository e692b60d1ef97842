import ProofCore

/// A model ready to prove: the public architecture, the secret integer weights, and their commitment.
/// Built once per model (`ciro model register`), reused by every proof.
public struct ProverModel: Sendable {
    public let architecture: CircuitArchitecture
    public let weights: CircuitWeights
    /// Canonical bytes of the quantization parameters (scales) the circuit was compiled with.
    public let metadata: [UInt8]
    /// The commitment to the weight vector.
    public let commitment: [UInt8]
    /// BLAKE2b-256 of the commitment, the architecture and the metadata: what proofs bind.
    public let modelID: [UInt8]

    let plan: CircuitPlan
    /// The plan of zero-knowledge proofs (`CircuitPlan.zeroKnowledgeVariant`).
    let zkPlan: CircuitPlan
    /// For tests: the committed (padded, blinded) weight vector.
    package var committedWeightVector: [Goldilocks] { weightBatch.evaluations[0] }
    /// For tests: the index ranges of the weight vector's weight segments, its blinding segment and its
    /// zero padding segments (docs/ZK.md §5.3); the rest, from `weightPrivacyBudget.usedEntries` up, is
    /// the random top.
    package var weightRegions: (weights: [Range<Int>], blinding: Range<Int>, padding: [Range<Int>]) {
        let l = plan.weightLayout
        func range(_ s: Int) -> Range<Int> { l.offsets[s]..<(l.offsets[s] + (1 << l.logSizes[s])) }
        return ((0..<plan.weightBlindingSegment).map(range), range(plan.weightBlindingSegment), plan.weightPaddingSegments.map(range))
    }
    /// All weights and biases, laid out by `plan.weightLayout`, as field elements.
    let weightVector: [Goldilocks]
    /// The committed weight vector (the prover's opening data).
    let weightBatch: CommittedBatch

    /// Commits to the weights (the one-time cost of registering a model). The commitment is hiding:
    /// salted leaves and a random blinding segment, all drawn from `blindingSeed`; when nil the seed is
    /// derived from the weights themselves (BLAKE2b), so the same model always gets the same id and the
    /// blinding is as unpredictable as the weights (docs/ZK.md §5). Pass a secret random seed (and
    /// keep it with the weights) for blinding that does not depend on the weights' entropy.
    public init(architecture: CircuitArchitecture, weights: CircuitWeights, metadata: [UInt8] = [],
                blindingSeed: [UInt8]? = nil) throws(ZKMLError) {
        let plan = try CircuitPlan(architecture)
        let linear = architecture.linearLayerIndices
        guard weights.matrices.count == linear.count, weights.biases.count == linear.count else {
            throw .invalidArchitecture("expected weights for \(linear.count) linear layers")
        }
        var columns: [[Goldilocks]] = []
        for (k, l) in linear.enumerated() {
            guard case .linear(let s) = architecture.layers[l],
                  weights.matrices[k].count == s.rows * s.inner, weights.biases[k].count == s.rows else {
                throw .invalidArchitecture("linear layer \(l): weight or bias size does not match its shape")
            }
            columns.append(weights.matrices[k].map { Goldilocks(integer: Int($0)) })
            columns.append(weights.biases[k].map { Goldilocks(integer: Int($0)) })
        }
        // Elementwise constants (mulConst, addConst), in the plan's segment order.
        var constantIndex = 0
        for l in architecture.layers.indices {
            guard let segments = plan.constantSegments[l] else { continue }
            for seg in [segments.multiplier, segments.addend].compactMap({ $0 }) {
                guard constantIndex < weights.constants.count, weights.constants[constantIndex].count == 1 << plan.weightLayout.logSizes[seg] else {
                    throw .invalidArchitecture("elementwise layer \(l): constant missing or of the wrong size")
                }
                columns.append(weights.constants[constantIndex].map { Goldilocks(integer: Int($0)) })
                constantIndex += 1
            }
        }
        guard constantIndex == weights.constants.count else { throw .invalidArchitecture("more constants than elementwise layers take") }
        self.architecture = architecture
        self.weights = weights
        self.metadata = metadata
        self.plan = plan
        self.zkPlan = plan.zeroKnowledgeVariant()
        let randomness = ProofRandomness(seed: blindingSeed ?? ProverModel.derivedSeed(columns, architecture, metadata))
        var blind = randomness.fork("weights.blinding")
        columns.append(blind.elements(1 << plan.weightLayout.logSizes[plan.weightBlindingSegment]))
        // Zero padding after the blinding segment (`CircuitPlan.weightLayout(weightSegments:)`).
        for seg in plan.weightPaddingSegments { columns.append([Goldilocks](repeating: .zero, count: 1 << plan.weightLayout.logSizes[seg])) }
        var vector = plan.weightLayout.assemble(columns, fill: .zero)
        plan.weightLayout.fillUnused(&vector, with: &blind)
        self.weightVector = vector
        self.weightBatch = VectorCommitment.commit(vector, randomness: randomness.fork("weights.salts"))
        self.commitment = weightBatch.commitment.serialized()
        self.modelID = ModelIdentity.id(commitment: commitment, architecture: architecture, metadata: metadata)
    }

    /// BLAKE2b-256 of a domain tag, the architecture, the metadata and every weight.
    static func derivedSeed(_ columns: [[Goldilocks]], _ architecture: CircuitArchitecture, _ metadata: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.writeLengthPrefixed(Array("ciro.weights.blinding.v1".utf8))
        w.writeLengthPrefixed(architecture.encoded())
        w.writeLengthPrefixed(metadata)
        for c in columns { w.write(elements: c) }
        return w.bytes.withUnsafeBytes { Digest.hash($0) }.bytes
    }

    /// What a verifier needs: the architecture, the metadata and the weight commitment (no weights).
    public func verifierKey() -> VerifierKey {
        VerifierKey(architecture: architecture, metadata: metadata, commitment: commitment, plan: plan, modelID: modelID)
    }
}

/// The public description of a committed model: everything a verifier uses.
public struct VerifierKey: Sendable {
    public let architecture: CircuitArchitecture
    public let metadata: [UInt8]
    public let commitment: [UInt8]
    let plan: CircuitPlan
    /// The plan of zero-knowledge proofs (`CircuitPlan.zeroKnowledgeVariant`).
    let zkPlan: CircuitPlan
    public let modelID: [UInt8]

    init(architecture: CircuitArchitecture, metadata: [UInt8], commitment: [UInt8], plan: CircuitPlan, modelID: [UInt8]) {
        self.architecture = architecture
        self.metadata = metadata
        self.commitment = commitment
        self.plan = plan
        self.zkPlan = plan.zeroKnowledgeVariant()
        self.modelID = modelID
    }

    /// Rebuilds a key from stored parts, checking that they hash to `expectedID` when given.
    public init(architecture: CircuitArchitecture, metadata: [UInt8], commitment: [UInt8], expectedID: [UInt8]? = nil) throws(ZKMLError) {
        let id = ModelIdentity.id(commitment: commitment, architecture: architecture, metadata: metadata)
        if let expectedID, expectedID != id { throw .wrongStatement("stored model data does not hash to the model id") }
        self.init(architecture: architecture, metadata: metadata, commitment: commitment,
                  plan: try CircuitPlan(architecture), modelID: id)
    }
}

/// The model id: BLAKE2b-256 over a domain tag, the weight commitment, the architecture and the
/// quantization metadata (each length-prefixed).
public enum ModelIdentity {
    public static func id(commitment: [UInt8], architecture: CircuitArchitecture, metadata: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.writeLengthPrefixed(Array("ciro.model.v1".utf8))
        w.writeLengthPrefixed(commitment)
        w.writeLengthPrefixed(architecture.encoded())
        w.writeLengthPrefixed(metadata)
        return w.bytes.withUnsafeBytes { Digest.hash($0) }.bytes
    }
}
