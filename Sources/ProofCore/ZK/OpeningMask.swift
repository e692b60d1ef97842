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

    /// Draws M_0, M_1 in bulk (ChaCha20 keystream keyed from fork "pcs.mask.values" of `randomness`,
    /// or from libsodium when nil) and commits them with `parameters` (salts from fork
    /// "pcs.mask.salts", then "pcs.commit.salts"). What is drawn uniformly is each polynomial's monomial coefficient vector
    /// (written in place into its codeword buffer, `PolynomialCommitment.commitUniform`); the
    /// evaluation tables the opening reads are derived from it. The Möbius transform is a bijection of
    /// F^(2^n), so M_0 and M_1 are exactly uniform and independent, as drawing the evaluations was
    /// (docs/ZK.md §6.2, §9). Fixed randomness reproduces it bit for bit.
    public init(numVariables n: Int, parameters: CommitmentParameters, randomness: ProofRandomness? = nil) {
        precondition(n >= parameters.foldingLog && n <= Sumcheck.maxRounds, "a mask needs foldingLog ... maxRounds variables")
        var values = randomness?.fork("pcs.mask.values") ?? .fresh()
        batch = PolynomialCommitment.commitUniform(count: 2, numVariables: n, parameters: parameters, values: &values,
                                                   saltSource: randomness?.fork("pcs.mask.salts").fork("pcs.commit.salts"))
    }

    /// Bytes a mask of 2^`n` entries holds (evaluation tables, codewords, Merkle nodes and salts):
    /// what a supply of prepared masks budgets per mask, known before making it.
    public static func byteCount(numVariables n: Int, parameters: CommitmentParameters) -> Int {
        let size = 1 << n, length = size << parameters.rateLog
        let leaves = length >> parameters.foldingLog
        let element = MemoryLayout<Goldilocks>.stride
        return 2 * size * element + 2 * length * element + 2 * leaves * Digest.byteCount
            + (parameters.hiding ? leaves * MerkleTree.saltByteCount : 0)
    }

    /// Bytes this mask holds (`byteCount(numVariables:parameters:)` of its size, counted from its arrays).
    public var byteCount: Int { batch.heldByteCount }
}
