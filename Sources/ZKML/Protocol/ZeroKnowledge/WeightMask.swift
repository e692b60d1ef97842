import ProofCore
import Synchronization

/// The statement-independent masks of one zero-knowledge proof of a model (docs/ZK.md §6.2):
/// * the per-proof opening mask of the registered weight commitment (protocol v11; since v15 of
///   n − 4 variables, 1/16 of the padded weight vector's size): two uniformly random vectors committed
///   on their own, so that the weights' folded-mask opening runs on G + β·M (G the weights with their
///   4 low variables bound by a masked sumcheck, docs/ZK.md §6 item 4) and reveals nothing of them;
/// * the witness's per-proof opening mask (protocol v19; before it v12's same-batch mask of the
///   witness's full size): a folded mask of n_W − 4 variables, committed on its own, so that the
///   witness's folded-mask opening runs on G + β·M (G the witness with its 4 low variables bound by
///   plain rounds hidden by the low-round mask column Z, docs/ZK.md §6 item 4); none for a model
///   whose weights and witness share one folded opening (protocol v21, `MergedOpening`), whose one
///   mask is the weight mask.
/// Both depend only on the model's sizes and fresh randomness, never on the statement: a node can
/// make them before a job arrives (idle time, another core while the witness is built;
/// `WeightMaskSupply`) and hand them to `ZKMLProver.proveWithOpening(weightMask:)`. **One proof per
/// value**: two proofs with the same masks reveal functionals of the weights and of the witnesses,
/// so every copy shares one use flag and the prover refuses masks that a proof has already used.
public struct PreparedWeightMask: Sendable {
    /// The model it was made for.
    public let modelID: [UInt8]
    let mask: OpeningMask
    /// The witness's folded opening mask (2^(`CircuitPlan.witnessLog(zeroKnowledge: true)` − 4) entries);
    /// nil for a model with a merged opening (protocol v21).
    let witnessMask: OpeningMask?
    /// Shared by every copy of this value: set by the first proof that uses it.
    let use: UseOnce

    /// Draws and commits a fresh mask (libsodium randomness) for `model`: the part of a
    /// zero-knowledge proof's work that can be done ahead of the statement.
    public init(model: ProverModel) {
        self.init(model: model, weightMaskVariables: PreparedWeightMask.weightMaskLog(model))
    }

    /// A prepared value whose weight mask has `weightMaskVariables` variables and whose witness mask has
    /// `witnessMaskVariables` (default: the right size, none for a merged model): for tests that check
    /// the prover refuses a mask of another size (v11–v14's weight mask, v12–v18's witness-sized one).
    package init(model: ProverModel, weightMaskVariables: Int, witnessMaskVariables: Int? = nil) {
        modelID = model.modelID
        mask = PreparedWeightMask.make(weightMaskVariables, nil)
        witnessMask = (witnessMaskVariables ?? PreparedWeightMask.witnessMaskLog(model)).map { PreparedWeightMask.make($0, nil) }
        use = UseOnce()
    }

    /// Variables of the weight mask (protocol v15): the registered weight vector's less the
    /// foldingLog low variables the masked sumcheck binds (`ZeroKnowledge.foldedRounds`).
    static func weightMaskLog(_ model: ProverModel) -> Int {
        model.weightBatch.numVariables - ZeroKnowledge.foldedRounds
    }

    /// Variables of the witness mask (protocol v19): the zero-knowledge witness vector's less the
    /// foldingLog low variables its plain low rounds bind; nil when the model's weights and witness
    /// share one folded opening (protocol v21, `CircuitPlan.mergedOpening`): no witness mask.
    static func witnessMaskLog(_ model: ProverModel) -> Int? {
        model.zkPlan.mergedOpening == nil ? witnessFoldedMaskLog(model) : nil
    }

    /// Variables of a folded mask of the zero-knowledge witness, whether or not the model merges.
    static func witnessFoldedMaskLog(_ model: ProverModel) -> Int {
        max(model.zkPlan.witnessLog(zeroKnowledge: true), VectorCommitment.parameters.foldingLog) - ZeroKnowledge.foldedRounds
    }

    /// The commitment it adds to a proof (the weight mask's).
    public var commitment: [UInt8] { mask.commitment.serialized() }

    /// The witness mask's commitment, which a proof carries before the witness's folded-mask opening
    /// (nil for a model with a merged opening, protocol v21).
    public var witnessCommitment: [UInt8]? { witnessMask?.commitment.serialized() }

    /// Bytes it holds (each mask's evaluation tables, codewords and Merkle tree; `byteCount(for:)`
    /// before making one). Each mask has 1/16 of its vector's entries (the weights' since protocol v15,
    /// the witness's since v19): about 13 MB for 2^21 weight entries, plus the witness mask.
    public var byteCount: Int { mask.byteCount + (witnessMask?.byteCount ?? 0) }

    /// Whether a proof has used it (it cannot be used again).
    public var isUsed: Bool { use.isUsed }

    /// Bytes a prepared mask for `model` holds, known before it is made.
    public static func byteCount(for model: ProverModel) -> Int {
        let k = VectorCommitment.parameters.foldingLog
        return OpeningMask.byteCount(foldedFor: weightMaskLog(model) + k, parameters: VectorCommitment.parameters)
            + (witnessMaskLog(model).map { OpeningMask.byteCount(foldedFor: $0 + k, parameters: VectorCommitment.parameters) } ?? 0)
    }

    /// A weight mask of 2^`numVariables` entries (randomness nil: libsodium): a folded mask (since
    /// protocol v16 its tree holds 4 positions of M per leaf, 16 above 2^14 entries since v22,
    /// `PolynomialCommitment.foldedMaskLeafLog`).
    static func make(_ numVariables: Int, _ randomness: ProofRandomness?) -> OpeningMask {
        OpeningMask(foldedFor: numVariables + VectorCommitment.parameters.foldingLog, parameters: VectorCommitment.parameters,
                    randomness: randomness)
    }

    /// A use-once flag shared by the copies of one prepared mask.
    final class UseOnce: Sendable {
        private let used = Atomic<Bool>(false)
        /// True the first time only.
        func claim() -> Bool { used.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged }
        var isUsed: Bool { used.load(ordering: .acquiring) }
    }
}

/// How many zero-knowledge proofs of one registered weight commitment keep the weights
/// information-theoretically hidden (docs/ZK.md §5.3). Since protocol v10 the weight class's
/// Basefold messages are masked per proof; what every proof still shows of the fixed vector is
/// (a) one extension-field value per proof (since v15 the low rounds' claim′, before it the combination
/// T of docs/ZK.md §2a): two base-field functionals of the fixed blinding segment's s base-field
/// entries, so hidden for at most ⌊s / 2⌋ proofs, and (b) ≤ `openedEntriesPerProof` entries of the fixed codeword, jointly
/// uniform while all proofs together open at most `randomTopEntries` distinct points (the random,
/// claim-free top [u, N) of the vector, an up-set of the bit lattice).
public struct WeightPrivacyBudget: Sendable, Equatable {
    /// N: entries of the committed (padded) weight vector.
    public let committedEntries: Int
    /// u: end of the last segment (weights, biases, blinding); [u, N) is random fill no claim touches.
    public let usedEntries: Int
    /// s: entries of the blinding segment that hides each proof's combination T.
    public let blindingEntries: Int
    /// Codeword entries one proof opens at most: queries × 2^foldingLog.
    public let openedEntriesPerProof: Int

    public init(committedEntries: Int, usedEntries: Int, blindingEntries: Int, openedEntriesPerProof: Int) {
        (self.committedEntries, self.usedEntries) = (committedEntries, usedEntries)
        (self.blindingEntries, self.openedEntriesPerProof) = (blindingEntries, openedEntriesPerProof)
    }

    /// N − u.
    public var randomTopEntries: Int { committedEntries - usedEntries }
    /// ⌊(N − u) / opened per proof⌋: the proofs whose opened entries stay jointly uniform.
    public var proofsByOpenedEntries: Int { randomTopEntries / openedEntriesPerProof }
    /// ⌊s / 2⌋: the proofs whose blinded values stay jointly uniform. Each proof shows one value of
    /// E = F_p[u] that is F_p-linear in the s base-field blinding entries, i.e. two F_p functionals;
    /// k proofs' 2k functionals are independent (w.h.p. over the points) only while 2k ≤ s.
    public var proofsByBlindingEntries: Int { blindingEntries / 2 }
    /// The budget: min(⌊s / 2⌋, ⌊(N − u) / opened⌋) proofs.
    public var proofs: Int { min(proofsByBlindingEntries, proofsByOpenedEntries) }
}

extension ProverModel {
    /// The zero-knowledge budget of this model's registered commitment (docs/ZK.md §5.3).
    public var weightPrivacyBudget: WeightPrivacyBudget {
        let layout = plan.weightLayout
        return WeightPrivacyBudget(committedEntries: VectorCommitment.paddedCount(layout.totalSize), usedEntries: layout.usedEnd,
                                   blindingEntries: 1 << layout.logSizes[plan.weightBlindingSegment],
                                   openedEntriesPerProof: ZeroKnowledge.openedEntries)
    }
}
