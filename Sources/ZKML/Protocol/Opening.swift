import ProofCore

/// A claim that a vector's multilinear extension takes `value` at `point`.
struct ValueClaim: Sendable {
    var point: [Ext]
    var value: Ext
}

/// The commitment scheme of the protocol: ProofCore's Basefold multilinear PCS (Reed-Solomon codes
/// under BLAKE2b Merkle trees). Weights are committed once per model (batch 0), the witness vector
/// once per proof (batch 1); every claim on either is opened in ONE batched multi-point opening.
enum VectorCommitment {
    /// conjectured100: rate 1/4, 42 queries, 16 grinding bits (see docs/PROOF_CORE.md).
    static let parameters = CommitmentParameters.conjectured100

    /// Pads to the scheme's minimum size and commits.
    static func commit(_ values: [Goldilocks]) -> CommittedBatch {
        var v = values
        let minimum = 1 << parameters.foldingLog
        if v.count < minimum { v += [Goldilocks](repeating: .zero, count: minimum - v.count) }
        return PolynomialCommitment.commit([v], parameters: parameters)
    }

    /// A claim on a vector of `count` entries, lifted to the padded committed vector.
    static func paddedPoint(_ point: [Ext], count: Int) -> [Ext] {
        let minimumLog = parameters.foldingLog
        let log = count.trailingZeroBitCount
        return log >= minimumLog ? point : [Ext](repeating: .zero, count: minimumLog - log) + point
    }

    /// Opens every claim on the weights and on the witness in one proof, written length-prefixed.
    static func open(weights: CommittedBatch, weightCount: Int, weightClaims: [ValueClaim],
                     witness: CommittedBatch, witnessCount: Int, witnessClaims: [ValueClaim], channel: inout ProverChannel) {
        let claims = weightClaims.map { EvaluationClaim(batch: 0, polynomial: 0, point: paddedPoint($0.point, count: weightCount), value: $0.value) }
            + witnessClaims.map { EvaluationClaim(batch: 1, polynomial: 0, point: paddedPoint($0.point, count: witnessCount), value: $0.value) }
        let proof = PolynomialCommitment.open([weights, witness], claims: claims, transcript: &channel.transcript)
        channel.writer.writeLengthPrefixed(proof.serialized())
    }

    /// Checks the batched opening against both commitments.
    static func verify(weights: Commitment, weightCount: Int, weightClaims: [ValueClaim],
                       witness: Commitment, witnessCount: Int, witnessClaims: [ValueClaim], channel: inout VerifierChannel) throws(ZKMLError) {
        let claims = weightClaims.map { EvaluationClaim(batch: 0, polynomial: 0, point: paddedPoint($0.point, count: weightCount), value: $0.value) }
            + witnessClaims.map { EvaluationClaim(batch: 1, polynomial: 0, point: paddedPoint($0.point, count: witnessCount), value: $0.value) }
        do {
            let bytes = try channel.reader.readLengthPrefixed(what: "opening proof", limit: ZKMLProtocol.maxProofSize)
            let proof = try OpeningProof(serialized: bytes)
            try PolynomialCommitment.verify([weights, witness], parameters: parameters, claims: claims, proof: proof,
                                            transcript: &channel.transcript)
        } catch {
            throw .proof(error, at: channel.section)
        }
    }

    /// Parses a commitment and checks that it has the shape the architecture implies.
    static func parse(_ bytes: [UInt8], count: Int, what: String) throws(ZKMLError) -> Commitment {
        let c: Commitment
        do { c = try Commitment(serialized: bytes) } catch { throw .proof(error, at: what) }
        let log = max(count.trailingZeroBitCount, parameters.foldingLog)
        guard c.numVariables == log, c.polynomialCount == 1 else {
            throw .rejected("\(what): commitment shape does not match the architecture")
        }
        return c
    }
}
