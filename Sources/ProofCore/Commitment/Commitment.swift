/// The public commitment to a batch of same-size multilinear polynomials: what a verifier holds.
public struct Commitment: Sendable, Equatable, Hashable {
    /// Merkle root over the batch's interleaved Reed-Solomon codewords.
    public var root: Digest
    /// Variables of every polynomial in the batch.
    public var numVariables: Int
    /// How many polynomials the batch holds.
    public var polynomialCount: Int

    public init(root: Digest, numVariables: Int, polynomialCount: Int) {
        self.root = root
        self.numVariables = numVariables
        self.polynomialCount = polynomialCount
    }

    static let magic: [UInt8] = Array("CCOM".utf8)
    /// Version 2: leaves hashed with BLAKE2b's salt and personalization parameters (version 1 hashed
    /// 0x00 ‖ salt ‖ leaf): the same polynomials have a different root.
    static let version: UInt8 = 2

    /// Versioned encoding: "CCOM", version, root, numVariables (u8), polynomialCount (u32).
    public func serialized() -> [UInt8] {
        var w = ByteWriter(capacity: 42)
        w.writeBytes(Commitment.magic)
        w.writeUInt8(Commitment.version)
        w.write(root)
        w.writeUInt8(UInt8(numVariables))
        w.writeCount(polynomialCount)
        return w.bytes
    }

    /// Parses `serialized()` output; throws on any malformed byte.
    public init(serialized bytes: [UInt8]) throws(ProofError) {
        var r = ByteReader(bytes)
        try r.readHeader(magic: Commitment.magic, version: Commitment.version, what: "commitment")
        root = try r.readDigest(what: "commitment root")
        numVariables = Int(try r.readUInt8(what: "commitment variables"))
        guard numVariables <= Sumcheck.maxRounds else {
            throw .lengthOutOfRange(what: "commitment variables", count: numVariables, limit: Sumcheck.maxRounds)
        }
        polynomialCount = try r.readCount(what: "commitment polynomial count", limit: 1 << 20)
        guard polynomialCount >= 1 else { throw .invalidValue(what: "commitment polynomial count", value: 0) }
        try r.expectEnd()
    }

    func absorb(into transcript: inout Transcript) {
        transcript.absorb("pcs.commitment.root", digest: root)
        transcript.absorb("pcs.commitment.variables", integer: UInt64(numVariables))
        transcript.absorb("pcs.commitment.count", integer: UInt64(polynomialCount))
    }
}

/// The prover's side of a commitment: the polynomials, their coefficients and codewords, and the
/// Merkle tree. Keep it to open later (model weights are committed once and opened by every proof).
public struct CommittedBatch: Sendable {
    /// The public commitment.
    public let commitment: Commitment
    /// The parameters it was built with.
    public let parameters: CommitmentParameters
    /// Each polynomial's evaluation table.
    public let evaluations: [[Goldilocks]]
    /// Each polynomial's monomial coefficients (empty for a batch made by `commitUniform`, an
    /// `OpeningMask`: its openings never read them).
    let coefficients: [[Goldilocks]]
    /// Each polynomial's Reed-Solomon codeword (bit-reversed order).
    let codewords: [[Goldilocks]]
    /// Leaf i holds entries i·2^k ..< (i+1)·2^k of every codeword, polynomial by polynomial.
    let tree: MerkleTree
    /// True when the last two polynomials are a uniformly random *opening mask* M = M_0 + u·M_1
    /// (u the extension's generator) that the zero-knowledge opening adds to the first polynomial
    /// (docs/ZK.md §6.2); claims may then name polynomial 0 only.
    public let openingMask: Bool

    /// Number of variables.
    public var numVariables: Int { commitment.numVariables }

    /// Bytes of the arrays it holds (evaluation tables, coefficients, codewords, Merkle nodes and salts).
    public var heldByteCount: Int {
        let element = MemoryLayout<Goldilocks>.stride
        let tables = (evaluations + coefficients + codewords).reduce(0) { $0 + $1.count * element }
        return tables + tree.nodes.count * MemoryLayout<Digest>.stride + tree.salts.count
    }
}

/// The multilinear polynomial commitment: Reed-Solomon codewords of the monomial coefficients under
/// BLAKE2b Merkle trees, opened Basefold-style (sumcheck interleaved with FRI folding).
public enum PolynomialCommitment {
    /// Commits to polynomials given by their evaluation tables (all of one power-of-two size, at least
    /// 2^foldingLog entries). Hiding parameters salt every leaf. With `openingMask` (one polynomial
    /// only) two uniformly random polynomials are appended, drawn from `randomness` (fork
    /// "pcs.commit.mask") or libsodium: the opening mask of the zero-knowledge opening.
    public static func commit(_ polynomials: [[Goldilocks]], parameters: CommitmentParameters,
                              randomness: ProofRandomness? = nil, openingMask: Bool = false) -> CommittedBatch {
        precondition(!polynomials.isEmpty, "commit at least one polynomial")
        precondition(!openingMask || polynomials.count == 1, "an opening mask goes with one polynomial")
        if openingMask { return commitWithOpeningMask(polynomials[0], parameters: parameters, randomness: randomness) }
        precondition((try? parameters.validate()) != nil, "invalid commitment parameters")
        let size = polynomials[0].count
        precondition(size & (size - 1) == 0 && polynomials.allSatisfy { $0.count == size }, "one power-of-two size per batch")
        let n = size.trailingZeroBitCount
        precondition(n >= parameters.foldingLog, "polynomials need at least 2^foldingLog entries (pad them)")
        let coefficients = polynomials.map { MLE.coefficients(ofEvaluations: $0) }
        let (codewords, tree) = encodeAndHash(coefficients, rateLog: parameters.rateLog, foldingLog: parameters.foldingLog,
                                              salted: parameters.hiding, saltSource: randomness?.fork("pcs.commit.salts"))
        let commitment = Commitment(root: tree.root, numVariables: n, polynomialCount: polynomials.count)
        return CommittedBatch(commitment: commitment, parameters: parameters, evaluations: polynomials,
                              coefficients: coefficients, codewords: codewords, tree: tree, openingMask: openingMask)
    }

    /// Commits f with an opening mask: M_0 then M_1 (2^n evaluations each, ChaCha20 keyed from fork
    /// "pcs.commit.mask" of `randomness`, or from libsodium when nil), encoded; leaves f ‖ M_0 ‖ M_1,
    /// salts from fork "pcs.commit.salts". Only f's transform and encoding are fused with the hashing;
    /// the mask's codewords are read into the leaves as they are hashed.
    static func commitWithOpeningMask(_ f: [Goldilocks], parameters: CommitmentParameters, randomness: ProofRandomness?) -> CommittedBatch {
        precondition((try? parameters.validate()) != nil, "invalid commitment parameters")
        let size = f.count
        precondition(size & (size - 1) == 0, "one power-of-two size per batch")
        let n = size.trailingZeroBitCount
        precondition(n >= parameters.foldingLog && n <= Sumcheck.maxRounds, "a mask needs foldingLog ... maxRounds variables")
        var source = randomness?.fork("pcs.commit.mask") ?? .fresh()
        let maskEvaluations = [source.bulkElements(size), source.bulkElements(size)]
        let maskCoefficients = maskEvaluations.map { MLE.coefficients(ofEvaluations: $0) }
        let plan = NTTPlan(logSize: n)
        let maskCodewords = maskCoefficients.map { ReedSolomon.encode($0, rateLog: parameters.rateLog, plan: plan) }
        let coefficients = MLE.coefficients(ofEvaluations: f)
        let (codewords, tree) = withArrayPointers([coefficients]) { src in
            withArrayPointers(maskCodewords) { extra in
                fusedEncodeAndHash(count: 1, plan: plan, rateLog: parameters.rateLog, foldingLog: parameters.foldingLog,
                                   salted: parameters.hiding, saltSource: randomness?.fork("pcs.commit.salts"),
                                   encoded: extra) { _ in src }
            }
        }
        let commitment = Commitment(root: tree.root, numVariables: n, polynomialCount: 3)
        return CommittedBatch(commitment: commitment, parameters: parameters, evaluations: [f] + maskEvaluations,
                              coefficients: [coefficients] + maskCoefficients, codewords: codewords + maskCodewords,
                              tree: tree, openingMask: true)
    }

    /// Commits `count` uniformly random polynomials of 2^`n` entries (an opening mask, docs/ZK.md
    /// §6.2) without drawing evaluation tables first: the monomial coefficients are drawn (ChaCha20,
    /// `values.bulkElements`) straight into the last coset of each polynomial's codeword buffer, the
    /// evaluation table is derived from them (the inverse Möbius transform — a bijection of F^(2^n), so
    /// uniform coefficients are exactly uniform evaluations), and the cosets are encoded and hashed with
    /// the last one in place (`fusedEncodeAndHash`). No coefficient array is allocated, cleared or
    /// kept: the batch's `coefficients` are empty (an opening with a separate mask never reads them).
    /// The tree's salts are one ChaCha20 keystream keyed from `saltSource` (`MerkleTree.salts`'s `bulk`).
    /// Fixed randomness reproduces it bit for bit.
    /// `leafLog` (default foldingLog): positions per leaf, as a power of two; `interleaved`: each leaf
    /// holds its positions' entries of every polynomial side by side (a folded `OpeningMask`).
    public static func commitUniform(count: Int, numVariables n: Int, parameters: CommitmentParameters,
                                     values: inout ProofRandomness, saltSource: ProofRandomness?,
                                     leafLog: Int? = nil, interleaved: Bool = false) -> CommittedBatch {
        precondition((try? parameters.validate()) != nil, "invalid commitment parameters")
        precondition(count >= 1 && count <= fusedBatchLimit && n >= parameters.foldingLog && n <= Sumcheck.maxRounds)
        let size = 1 << n
        let lastCoset = ((1 << parameters.rateLog) - 1) * size
        var evaluations = [[Goldilocks]]()
        let (codewords, tree) = fusedEncodeAndHash(count: count, plan: NTTPlan(logSize: n), rateLog: parameters.rateLog,
                                                   foldingLog: leafLog ?? parameters.foldingLog, salted: parameters.hiding,
                                                   saltSource: saltSource, bulkSalts: true, interleaved: interleaved) { (cw: [UnsafeMutablePointer<Goldilocks>]) in
            cw.map { buffer in
                let coefficients = buffer + lastCoset
                values.bulkElements(into: coefficients, count: size)
                evaluations.append([Goldilocks](unsafeUninitializedCapacity: size) { table, initialized in
                    LargeBuffer.adviseHugePages(table.baseAddress!, count: size)
                    MLE.transform(from: coefficients, to: table.baseAddress!, count: size, subtract: false)
                    initialized = size
                })
                return UnsafePointer(coefficients)
            }
        }
        let commitment = Commitment(root: tree.root, numVariables: n, polynomialCount: count)
        return CommittedBatch(commitment: commitment, parameters: parameters, evaluations: evaluations,
                              coefficients: [], codewords: codewords, tree: tree, openingMask: false)
    }

    /// A Merkle tree whose leaf i holds entries i·2^k ..< (i+1)·2^k of each codeword in turn.
    static func layerTree<F: FieldElement>(_ codewords: [[F]], foldingLog: Int, salted: Bool,
                                           saltSource: ProofRandomness? = nil) -> MerkleTree {
        let width = 1 << foldingLog
        let length = codewords[0].count
        let leafBytes = codewords.count * width * F.byteCount
        #if _endian(little)
        // One codeword of 8- or 16-byte words: its leaves are runs of its memory, hashed in place.
        if codewords.count == 1 && MemoryLayout<F>.stride == F.byteCount && (F.self == Goldilocks.self || F.self == GoldilocksExt2.self) {
            return codewords[0].withUnsafeBytes {
                MerkleTree(contiguousLeaves: $0.baseAddress!, leafCount: length / width, leafByteCount: leafBytes, salted: salted,
                           saltSource: saltSource)
            }
        }
        #endif
        return withArrayPointers(codewords) { pointers in
            MerkleTree(leafCount: length / width, leafByteCount: leafBytes, salted: salted, saltSource: saltSource) { i, buffer in
                var offset = 0
                for p in pointers {
                    let src = UnsafeRawBufferPointer(start: p + i * width, count: width * F.byteCount)
                    UnsafeMutableRawBufferPointer(rebasing: buffer[offset..<(offset + src.count)]).copyMemory(from: src)
                    offset += src.count
                }
            }
        }
    }
}

/// Calls `body` with base pointers of every array (kept alive for the call).
func withArrayPointers<F, R>(_ arrays: [[F]], _ body: ([UnsafePointer<F>]) -> R) -> R {
    func go(_ i: Int, _ acc: [UnsafePointer<F>]) -> R {
        if i == arrays.count { return body(acc) }
        return arrays[i].withUnsafeBufferPointer { go(i + 1, acc + [$0.baseAddress!]) }
    }
    return go(0, [])
}
