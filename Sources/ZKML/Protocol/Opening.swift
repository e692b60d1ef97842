import ProofCore

/// A claim that a vector's multilinear extension takes `value − offset(pool)` at `point`: in
/// zero-knowledge mode `value` is masked and `offset` (a combination of mask-pool entries the
/// verifier never sees) removes the mask (docs/ZK.md §2a); otherwise `offset` is zero.
struct ValueClaim: Sendable {
    var point: [Ext]
    var value: Ext
    var offset: PoolFunctional = .zero
    /// Further terms of a combination claim `V(point) + Σ_t c_t·V(p_t) = value` (zero knowledge, §2a).
    var terms: [ClaimTerm] = []
    /// Further unit-vector terms in one block of the vector (ProofCore's `SparseWeight`: the mask
    /// pool's relation claim, docs/ZK.md §3).
    var sparse: SparseWeight? = nil
}

/// The commitment scheme of the protocol: ProofCore's Basefold multilinear PCS (Reed-Solomon codes
/// under BLAKE2b Merkle trees). Weights are committed once per model (batch 0), the witness vector
/// once per proof (batch 1); every claim on either is opened in ONE batched multi-point opening.
enum VectorCommitment {
    /// 100 bits under the Reed-Solomon proximity-gaps conjecture like `conjectured100` (rate 1/4, leaves
    /// of 16), with fewer grinding bits and two more queries: 46 queries · 2 bits + 8 grinding bits.
    /// Every size class of an opening grinds once, and 2^12 hashes per class were about 15 % of a small
    /// model's proof; 2^8 cost nothing, two more queries a few KB of proof (docs/ZKML.md §4). With
    /// hiding (salted Merkle leaves) for every commitment: weights, witness and private input/output.
    static let parameters = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 46, grindingBits: 8, hiding: true)

    /// Pads to the scheme's minimum size and commits; salts (and the opening mask, with
    /// `openingMask`: zero-knowledge opening of the private input/output vector, docs/ZK.md §6.2) come
    /// from `randomness` when given.
    static func commit(_ values: [Goldilocks], randomness: ProofRandomness? = nil, openingMask: Bool = false) -> CommittedBatch {
        var v = values
        let minimum = 1 << parameters.foldingLog
        if v.count < minimum { v += [Goldilocks](repeating: .zero, count: minimum - v.count) }
        return PolynomialCommitment.commit([v], parameters: parameters, randomness: randomness, openingMask: openingMask)
    }

    /// The committed length of a vector of `count` entries.
    static func paddedCount(_ count: Int) -> Int { max(count, 1 << parameters.foldingLog) }

    /// A claim on a vector of `count` entries, lifted to the padded committed vector.
    static func paddedPoint(_ point: [Ext], count: Int) -> [Ext] {
        let minimumLog = parameters.foldingLog
        let log = count.trailingZeroBitCount
        return log >= minimumLog ? point : [Ext](repeating: .zero, count: minimumLog - log) + point
    }

    /// A point on a vector of 2^`point.count` entries lifted to a vector of 2^`log` entries that holds it
    /// as its first block (leading zero coordinates).
    static func lift(_ point: [Ext], toLog log: Int) -> [Ext] {
        [Ext](repeating: .zero, count: log - point.count) + point
    }

    /// The committed vectors (weights, witness, private input/output) before and after padding to
    /// the scheme's minimum size (the witness: to its committed size, `CircuitPlan.witnessLog`), and
    /// the lift of the claims on them: prover and verifier share it.
    struct Sizes {
        let weightCount: Int, ioCount: Int
        let witnessLog: Int
        var weight: Int { VectorCommitment.paddedCount(weightCount) }
        var witness: Int { 1 << witnessLog }
        var io: Int { VectorCommitment.paddedCount(ioCount) }

        init(_ plan: CircuitPlan, _ ioLayout: IOCommitment.Layout, zeroKnowledge: Bool) {
            (weightCount, ioCount) = (plan.weightLayout.totalSize, ioLayout.committedSize)
            witnessLog = plan.witnessLog(zeroKnowledge: zeroKnowledge)
        }

        /// Lifts every claim to its padded committed vector.
        func pad(weights: inout [ValueClaim], witness: inout [ValueClaim], io: inout [ValueClaim]) {
            func lift(_ c: [ValueClaim], _ log: Int) -> [ValueClaim] {
                c.map { ValueClaim(point: VectorCommitment.lift($0.point, toLog: max(log, $0.point.count)), value: $0.value, offset: $0.offset) }
            }
            weights = lift(weights, self.weight.trailingZeroBitCount)
            witness = lift(witness, witnessLog)
            io = lift(io, self.io.trailingZeroBitCount)
        }
    }

    /// One committed vector and the claims on it.
    struct Opened {
        let count: Int
        let claims: [ValueClaim]
    }

    static func evaluationClaims(_ vectors: [Opened]) -> [EvaluationClaim] {
        vectors.enumerated().flatMap { (b, v) in
            v.claims.map { c in
                EvaluationClaim(batch: b, polynomial: 0, point: paddedPoint(c.point, count: v.count), value: c.value,
                                terms: c.terms.map { ClaimTerm(point: paddedPoint($0.point, count: v.count), coefficient: $0.coefficient) },
                                sparse: c.sparse)   // leading zero coordinates keep its block index
            }
        }
    }

    /// Opens every claim on every vector (weights, witness, private input/output) in one proof,
    /// written length-prefixed.
    static func open(_ batches: [CommittedBatch], _ vectors: [Opened], randomness: ProofRandomness?, channel: inout ProverChannel) {
        let proof = PolynomialCommitment.open(batches, claims: evaluationClaims(vectors), transcript: &channel.transcript,
                                              randomness: randomness)
        channel.writer.writeLengthPrefixed(proof.serialized())
    }

    /// Checks the batched opening against the commitments; `masked`: the batches committed with an
    /// opening mask.
    static func verify(_ commitments: [Commitment], _ vectors: [Opened], masked: Set<Int> = [],
                       channel: inout VerifierChannel) throws(ZKMLError) {
        do {
            let bytes = try channel.reader.readLengthPrefixed(what: "opening proof", limit: ZKMLProtocol.maxProofSize)
            let proof = try OpeningProof(serialized: bytes)
            if channel.recorded != nil { recordElements(proof, batchCount: commitments.count, &channel) }
            try PolynomialCommitment.verify(commitments, parameters: parameters, claims: evaluationClaims(vectors), proof: proof,
                                            transcript: &channel.transcript, maskedBatches: masked)
        } catch {
            throw .proof(error, at: channel.section)
        }
    }

    /// Checks a folded-mask opening (the weights' since protocol v15, the witness's since v19,
    /// docs/ZK.md §6 item 4; the prover's `openFoldedMask` bytes, length-prefixed) of the claim on
    /// G = V(· ‖ ρ) against V's commitment and the per-proof mask's; `batch` names V in the records.
    static func verifyFoldedMask(_ commitment: Commitment, rho: [Ext], claim: EvaluationClaim, mask: Commitment,
                                 batch: String, channel: inout VerifierChannel) throws(ZKMLError) {
        try verifyFoldedMask([commitment], rho: rho, batchPoint: [], claim: claim, mask: mask, batches: [batch], channel: &channel)
    }

    /// Checks a folded-mask opening of several batches of one size (protocol v21's merged opening of
    /// the weights and the witness, `MergedOpening`) at `batchPoint`; `batches` names each in the records.
    static func verifyFoldedMask(_ commitments: [Commitment], rho: [Ext], batchPoint: [Ext], claim: EvaluationClaim, mask: Commitment,
                                 batches: [String], channel: inout VerifierChannel) throws(ZKMLError) {
        do {
            let bytes = try channel.reader.readLengthPrefixed(what: "folded-mask opening proof", limit: ZKMLProtocol.maxProofSize)
            let proof = try FoldedMaskOpeningProof(serialized: bytes)
            if channel.recorded != nil { recordElements(proof, batches: batches, &channel) }
            try PolynomialCommitment.verifyFoldedMask(commitments, parameters: parameters, rho: rho, batchPoint: batchPoint, claims: [claim],
                                                      mask: mask, proof: proof, transcript: &channel.transcript)
        } catch {
            throw .proof(error, at: channel.section)
        }
    }

    /// Tags every field element of a folded-mask opening proof for the zero-knowledge tests (each
    /// opened vector's leaves as "opening leaf of `batches[b]`", like the batched opening's).
    static func recordElements(_ proof: FoldedMaskOpeningProof, batches: [String], _ channel: inout VerifierChannel) {
        channel.record("folded opening mask sum", [proof.maskSum])
        channel.record("folded opening rounds", proof.rounds.roundPolynomials.flatMap { $0 })
        channel.record("folded opening final polynomial", proof.finalCoefficients)
        for (b, opening) in proof.registeredOpenings.enumerated() {
            let batch = b < batches.count ? batches[b] : "batch \(b)"
            for leaf in opening.leaves { channel.recorded! += leaf.map { ("opening leaf of \(batch)", $0) } }
        }
        for leaf in proof.maskOpening.leaves {
            channel.recorded! += leaf.map { ("folded opening mask leaf", $0) }
        }
        for leaf in proof.foldedOpening.leaves { channel.record("folded opening leaf", leaf) }
        for opening in proof.layerOpenings {
            for leaf in opening.leaves { channel.record("folded opening layer leaf", leaf) }
        }
    }

    /// Tags every field element of an opening proof for the zero-knowledge tests.
    static func recordElements(_ proof: OpeningProof, batchCount: Int, _ channel: inout VerifierChannel) {
        for c in proof.classes {
            channel.record("opening point reduction", c.pointReduction?.roundPolynomials.flatMap { $0 } ?? [])
            channel.record("opening values", c.values)
            channel.record("opening rounds", c.rounds.roundPolynomials.flatMap { $0 })
            channel.record("opening final polynomial", c.finalCoefficients)
            for (b, opening) in c.batchOpenings.enumerated() {
                for leaf in opening.leaves {
                    channel.recorded! += leaf.map { ("opening leaf of batch \(b) (\(c.numVariables) variables)", $0) }
                }
            }
            for opening in c.layerOpenings {
                for leaf in opening.leaves { channel.record("opening folded layer leaf", leaf) }
            }
        }
    }

    /// Parses a commitment and checks that it has the shape the architecture implies (`polynomials`:
    /// 3 for a vector committed with an opening mask).
    static func parse(_ bytes: [UInt8], count: Int, polynomials: Int = 1, what: String) throws(ZKMLError) -> Commitment {
        let c: Commitment
        do { c = try Commitment(serialized: bytes) } catch { throw .proof(error, at: what) }
        let log = max(count.trailingZeroBitCount, parameters.foldingLog)
        guard c.numVariables == log, c.polynomialCount == polynomials else {
            throw .rejected("\(what): commitment shape does not match the architecture")
        }
        return c
    }
}
