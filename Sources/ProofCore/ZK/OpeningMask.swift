/// A per-proof *opening mask in its own batch*: two uniformly random polynomials M_0, M_1 of 2^n
/// entries, committed alone (docs/ZK.md §6.2). It makes the opening of a batch committed elsewhere
/// (a registered model's weights, whose tree cannot hold a fresh mask) zero-knowledge:
/// `PolynomialCommitment.open(separateMasks:)` runs Basefold on f + β·(M_0 + u·M_1) and opens both
/// trees at the same leaves. It depends on nothing but n and fresh randomness, so a prover can
/// prepare it before the statement is known (another core while the witness is built, idle time).
/// **Use each mask for one opening only**: two openings with one mask reveal functionals of f.
public struct OpeningMask: Sendable {
    /// The committed pair (M_0, M_1).
    public let batch: CommittedBatch

    /// The public commitment the verifier is given (`verify(separateMasks:)`).
    public var commitment: Commitment { batch.commitment }
    /// Variables of M_0 and M_1 (those of the batch it masks).
    public var numVariables: Int { batch.numVariables }

    /// Draws M_0, M_1 in bulk (ChaCha20 keystream keyed from fork "pcs.mask.values" of `randomness`, or from libsodium when nil) and commits them
    /// with `parameters` (salts from fork "pcs.mask.salts"). Fixed randomness reproduces it bit for bit.
    public init(numVariables n: Int, parameters: CommitmentParameters, randomness: ProofRandomness? = nil) {
        precondition(n >= parameters.foldingLog && n <= Sumcheck.maxRounds, "a mask needs foldingLog ... maxRounds variables")
        var values = randomness?.fork("pcs.mask.values") ?? .fresh()
        let tables = [values.bulkElements(1 << n), values.bulkElements(1 << n)]
        batch = PolynomialCommitment.commit(tables, parameters: parameters, randomness: randomness?.fork("pcs.mask.salts"))
    }
}
