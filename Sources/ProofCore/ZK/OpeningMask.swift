/// A per-proof *opening mask in its own batch*: two uniformly random polynomials M_0, M_1 of 2^n
/// entries, committed alone (docs/ZK.md §6.2), M = M_0 + u·M_1 ∈ E^(2^n). It comes in two shapes:
/// * a **full-size mask** (`init(numVariables:parameters:randomness:)`) of n variables, whose tree has
///   leaves of 2^foldingLog positions of M_0 then of M_1. No opening takes it since session 10 (the
///   batched opening's `separateMasks`, the weights' form of protocols v11–v14, unused since v15, is
///   gone); it remains a commitment shape that `verifyFoldedMask` and ZKML refuse;
/// * a **folded mask** (`init(foldedFor:parameters:randomness:)`) of n − foldingLog variables for
///   `PolynomialCommitment.openFoldedMask`, whose tree holds M's extension codeword with
///   2^`PolynomialCommitment.foldedMaskLeafLog` positions per leaf (each position's M_0 and M_1
///   entries side by side): a query reads M at one position, so a small leaf saves proof bytes.
/// It depends on nothing but its size and fresh randomness, so a prover can prepare it before the
/// statement is known (another core while the witness is built, idle time).
/// **Use each mask for one opening only**: two openings with one mask reveal functionals of f.
public struct OpeningMask: Sendable {
    /// The committed pair (M_0, M_1). A separate mask: two base polynomials, leaves of 2^foldingLog
    /// positions. A folded mask: `evaluations` and `coefficients` empty (the opening reads `table`),
    /// M_0's and M_1's codewords, leaves of 2^`leafLog` (M_0, M_1) pairs.
    public let batch: CommittedBatch
    /// Positions of M per leaf of its tree, as a power of two: foldingLog for a separate mask,
    /// `PolynomialCommitment.foldedMaskLeafLog(parameters, maskVariables:)` for a folded mask.
    public let leafLog: Int
    /// M = M_0 + u·M_1's evaluation table (a folded mask; empty for a separate mask, whose opening
    /// reads M_0 and M_1 from `batch`).
    let table: [GoldilocksExt2]

    /// The public commitment the verifier is given (`verifyFoldedMask`).
    public var commitment: Commitment { batch.commitment }
    /// Variables of M_0 and M_1 (those of the batch it masks; n − foldingLog for a folded mask).
    public var numVariables: Int { batch.numVariables }
    /// True for a folded mask (`init(foldedFor:parameters:randomness:)`).
    public var isFolded: Bool { !table.isEmpty }

    /// A full-size mask of n variables (no opening takes it; see the type's comment). Draws M_0, M_1 in bulk (ChaCha20 keystream keyed from fork
    /// "pcs.mask.values" of `randomness`, or from libsodium when nil) and commits them with
    /// `parameters` (salts from fork "pcs.mask.salts", then "pcs.commit.salts"). What is drawn
    /// uniformly is each polynomial's monomial coefficient vector (written in place into its codeword
    /// buffer, `PolynomialCommitment.commitUniform`); the evaluation tables the opening reads are
    /// derived from it. The Möbius transform is a bijection of F^(2^n), so M_0 and M_1 are exactly
    /// uniform and independent, as drawing the evaluations was (docs/ZK.md §6.2, §9). Fixed randomness
    /// reproduces it bit for bit.
    public init(numVariables n: Int, parameters: CommitmentParameters, randomness: ProofRandomness? = nil) {
        precondition(n >= parameters.foldingLog && n <= Sumcheck.maxRounds, "a mask needs foldingLog ... maxRounds variables")
        var values = randomness?.fork("pcs.mask.values") ?? .fresh()
        batch = PolynomialCommitment.commitUniform(count: 2, numVariables: n, parameters: parameters, values: &values,
                                                   saltSource: randomness?.fork("pcs.mask.salts").fork("pcs.commit.salts"))
        leafLog = parameters.foldingLog
        table = []
    }

    /// The folded mask of a folded-mask opening of batches of `n` variables: M_0, M_1 of
    /// n − foldingLog variables, leaves of 2^`PolynomialCommitment.foldedMaskLeafLog(parameters, maskVariables:)`
    /// positions. Drawn as the separate mask is (monomial coefficients of M_0 then M_1 from fork
    /// "pcs.mask.values" of `randomness` or libsodium; salts from fork "pcs.mask.salts", then
    /// "pcs.commit.salts"): exactly uniform, reproducible from fixed randomness.
    public init(foldedFor n: Int, parameters: CommitmentParameters, randomness: ProofRandomness? = nil) {
        self.init(folded: n - parameters.foldingLog, leafLog: PolynomialCommitment.foldedMaskLeafLog(parameters, maskVariables: n - parameters.foldingLog),
                  parameters: parameters, randomness: randomness)
    }

    /// A folded-shape mask of `reduced` variables with 2^`leafLog` positions per leaf (any shape, for
    /// benchmarks and the tests that a verifier refuses another shape).
    package init(folded reduced: Int, leafLog: Int, parameters: CommitmentParameters, randomness: ProofRandomness? = nil) {
        precondition((try? parameters.validate()) != nil, "invalid commitment parameters")
        precondition(reduced >= parameters.foldingLog && reduced <= Sumcheck.maxRounds && leafLog >= 0 && leafLog <= parameters.foldingLog,
                     "a folded mask needs foldingLog ... maxRounds variables and at most 2^foldingLog positions per leaf")
        var values = randomness?.fork("pcs.mask.values") ?? .fresh()
        // M_0, M_1 encoded and hashed in one pipeline, each leaf the (M_0, M_1) pairs of its positions.
        let pair = PolynomialCommitment.commitUniform(count: 2, numVariables: reduced, parameters: parameters, values: &values,
                                                      saltSource: randomness?.fork("pcs.mask.salts").fork("pcs.commit.salts"),
                                                      leafLog: leafLog, interleaved: true)
        table = PolynomialCommitment.interleaved(pair.evaluations[0], pair.evaluations[1])
        batch = CommittedBatch(commitment: pair.commitment, parameters: parameters, evaluations: [], coefficients: [],
                               codewords: pair.codewords, tree: pair.tree, openingMask: false)
        self.leafLog = leafLog
    }

    /// Bytes a separate mask of 2^`n` entries holds (evaluation tables, codewords, Merkle nodes and
    /// salts): what a supply of prepared masks budgets per mask, known before making it.
    public static func byteCount(numVariables n: Int, parameters: CommitmentParameters) -> Int {
        heldBytes(size: 1 << n, leafLog: parameters.foldingLog, parameters: parameters)
    }

    /// Bytes a folded mask for batches of `n` variables holds (M's table, its codeword, Merkle nodes
    /// and salts).
    public static func byteCount(foldedFor n: Int, parameters: CommitmentParameters) -> Int {
        heldBytes(size: 1 << (n - parameters.foldingLog), leafLog: PolynomialCommitment.foldedMaskLeafLog(parameters, maskVariables: n - parameters.foldingLog),
                  parameters: parameters)
    }

    static func heldBytes(size: Int, leafLog: Int, parameters: CommitmentParameters) -> Int {
        let length = size << parameters.rateLog
        let leaves = length >> leafLog
        let element = MemoryLayout<Goldilocks>.stride
        return 2 * size * element + 2 * length * element + 2 * leaves * Digest.byteCount
            + (parameters.hiding ? leaves * MerkleTree.saltByteCount : 0)
    }

    /// Bytes of this mask's tree opening at codeword positions `positions` (distinct, ascending): its
    /// leaves, salts and Merkle siblings (benchmarks of leaf shapes). A folded mask only.
    package func openingByteCount(at positions: [Int]) -> Int {
        precondition(isFolded, "a folded mask")
        let opening = TreeOpening(tree: batch.tree, interleaving: batch.codewords, width: 1 << leafLog,
                                  indices: PolynomialCommitment.layerIndices(positions, shift: leafLog))
        return opening.byteParts("mask").filter { $0.name != "framing" }.reduce(0) { $0 + $1.bytes }
    }

    /// Bytes this mask holds (`byteCount(numVariables:parameters:)` or `byteCount(foldedFor:parameters:)`
    /// of its size, counted from its arrays).
    public var byteCount: Int { batch.heldByteCount + table.count * MemoryLayout<GoldilocksExt2>.stride }
}

extension PolynomialCommitment {
    /// Positions of a folded mask of `maskVariables` variables per leaf of its tree, as a power of two
    /// (`OpeningMask(foldedFor:)`): foldingLog / 2 (4 positions at the shipped foldingLog 4) up to
    /// 2^14-entry masks, foldingLog (16 positions) above (wide_mlp's 2^17). A query of a folded-mask
    /// opening reads M at one position, so a leaf of 2^foldingLog positions sends 15 unused pairs;
    /// smaller leaves trade those for more Merkle siblings and leaves to hash: 4 positions save ~5.8 KB
    /// per opening against 16. Above 2^14 entries the mask's hashing is what a proof that makes its
    /// masks inside waits for: at 2^17, on an AVX2 machine, 16 positions take ~34 ms against 8
    /// positions' ~41 and 4 positions' ~57, for ~4.4 KB more than 8 (protocol v22; v17-v21 had 8;
    /// `ciro bench core --only mask`, docs/PROOF_CORE.md "The folded-mask opening").
    public static func foldedMaskLeafLog(_ parameters: CommitmentParameters, maskVariables: Int) -> Int {
        maskVariables > 14 ? parameters.foldingLog : parameters.foldingLog / 2
    }

    /// (a[i] + u·b[i]) for two base arrays of one length.
    static func interleaved(_ a: [Goldilocks], _ b: [Goldilocks]) -> [GoldilocksExt2] {
        precondition(a.count == b.count)
        return [GoldilocksExt2](unsafeUninitializedCapacity: a.count) { out, initialized in
            let dst = out.baseAddress!
            a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in
                    Parallel.forEachChunk(count: a.count) { range in
                        for i in range { (dst + i).initialize(to: GoldilocksExt2(pa[i], pb[i])) }
                    }
                }
            }
            initialized = a.count
        }
    }
}
