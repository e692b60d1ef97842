/// A claim that polynomial `polynomial` of batch `batch` (an index into the commitments passed to
/// open/verify) takes `value` at `point` (first variable first, MLE convention).
public struct EvaluationClaim: Sendable, Equatable {
    public var batch: Int
    public var polynomial: Int
    public var point: [GoldilocksExt2]
    public var value: GoldilocksExt2
    /// Further terms of a *combination claim* `f(point) + Σ_t coefficient_t·f(point_t) = value`
    /// (empty for a plain evaluation claim; docs/ZK.md §2a uses them to open a random combination of
    /// masked claims without revealing any single value). The direct opening runs against the
    /// combined eq weight; the transcript absorbs the terms only when present.
    public var terms: [ClaimTerm]
    /// Further unit-vector terms inside one block, as (indices, coefficients) (`SparseWeight`; nil for
    /// none): the claim is then `f(point) + Σ_t c_t·f(p_t) + Σ_i c_i·f(g_i) = value`. The transcript
    /// absorbs them after `terms`, each as the `ClaimTerm` at the Boolean point of g_i would be.
    public var sparse: SparseWeight?

    public init(batch: Int, polynomial: Int, point: [GoldilocksExt2], value: GoldilocksExt2, terms: [ClaimTerm] = [],
                sparse: SparseWeight? = nil) {
        self.batch = batch
        self.polynomial = polynomial
        self.point = point
        self.value = value
        self.terms = terms
        self.sparse = sparse
    }

    /// True when the claim has terms beyond its point (either kind).
    var isCombination: Bool { !terms.isEmpty || sparse != nil }

    /// The claim's weight as (point, coefficient) pairs, Σ coefficient·eq(point, ·), without `sparse`.
    var weightTerms: [(point: [GoldilocksExt2], coefficient: GoldilocksExt2)] {
        [(point, .one)] + terms.map { ($0.point, $0.coefficient) }
    }
}

/// One further term `coefficient·f(point)` of a combination claim.
public struct ClaimTerm: Sendable, Equatable {
    public var point: [GoldilocksExt2]
    public var coefficient: GoldilocksExt2

    public init(point: [GoldilocksExt2], coefficient: GoldilocksExt2) {
        self.point = point
        self.coefficient = coefficient
    }
}

/// The opened leaves of one Merkle tree (distinct leaf indices, ascending; the verifier derives the
/// indices from the query positions) and one multiproof for all of them.
public struct TreeOpening<F: FieldElement>: Sendable, Equatable {
    /// Each opened leaf's values (all leaves of a tree have the same width).
    public var leaves: [[F]]
    /// Each opened leaf's salt (empty arrays unless hiding).
    public var salts: [[UInt8]]
    /// `MerkleTree.multiproof` of the opened indices.
    public var siblings: [Digest]

    init(leaves: [[F]], salts: [[UInt8]], siblings: [Digest]) {
        self.leaves = leaves
        self.salts = salts
        self.siblings = siblings
    }

    /// Opens `indices` (distinct, ascending) of `tree`, whose leaf i holds entries i·width ..< of each
    /// codeword in turn.
    init(tree: MerkleTree, codewords: [[F]], width: Int, indices: [Int]) {
        leaves = indices.map { i in codewords.flatMap { $0[(i * width)..<((i + 1) * width)] } }
        salts = indices.map { tree.salt($0) }
        siblings = tree.multiproof(indices)
    }

    /// Opens `indices` of `tree`, whose leaf i holds, for each position i·width ..< (i+1)·width in
    /// turn, that position's entry of every codeword (a folded `OpeningMask`'s (M_0, M_1) pairs).
    init(tree: MerkleTree, interleaving codewords: [[F]], width: Int, indices: [Int]) {
        leaves = indices.map { i in ((i * width)..<((i + 1) * width)).flatMap { j in codewords.map { $0[j] } } }
        salts = indices.map { tree.salt($0) }
        siblings = tree.multiproof(indices)
    }

    /// Leaf count, leaf width, salt size (u32 each), the leaves' values and salts back to back, then
    /// the sibling count and digests.
    func write(to w: inout ByteWriter) {
        let width = leaves.first?.count ?? 0, saltSize = salts.first?.count ?? 0
        precondition(leaves.allSatisfy { $0.count == width } && salts.count == leaves.count
                     && salts.allSatisfy { $0.count == saltSize }, "uniform leaves")
        w.writeCount(leaves.count)
        w.writeCount(width)
        w.writeCount(saltSize)
        for (values, salt) in zip(leaves, salts) {
            for v in values { v.write(to: &w) }
            w.writeBytes(salt)
        }
        w.writeCount(siblings.count)
        for d in siblings { w.write(d) }
    }

    init(from r: inout ByteReader) throws(ProofError) {
        let count = try r.readCount(what: "opened leaves", limit: 1024)
        let width = try r.readCount(what: "leaf values", limit: 1 << 16)
        let saltSize = try r.readCount(what: "leaf salt", limit: MerkleTree.saltByteCount)
        guard count * (width * F.byteCount + saltSize) <= r.remaining else {
            throw .truncated(what: "opened leaves", offset: r.offset, needed: count * (width * F.byteCount + saltSize))
        }
        var leaves = [[F]]()
        var salts = [[UInt8]]()
        leaves.reserveCapacity(count)
        salts.reserveCapacity(count)
        for _ in 0..<count {
            leaves.append(try r.readElements(F.self, count: width, what: "leaf values"))
            salts.append(try r.readBytes(saltSize, what: "leaf salt"))
        }
        let siblingCount = try r.readCount(what: "Merkle multiproof", limit: 1 << 16)
        guard siblingCount * Digest.byteCount <= r.remaining else {
            throw .truncated(what: "Merkle multiproof", offset: r.offset, needed: siblingCount * Digest.byteCount)
        }
        var siblings = [Digest]()
        siblings.reserveCapacity(siblingCount)
        for _ in 0..<siblingCount { siblings.append(try r.readDigest(what: "Merkle multiproof node")) }
        self.leaves = leaves
        self.salts = salts
        self.siblings = siblings
    }

    /// The root these leaves and siblings lead to, for leaf indices `indices`; nil on a shape error.
    func root(indices: [Int], depth: Int) -> Digest? {
        guard indices.count == leaves.count, salts.count == leaves.count else { return nil }
        var digests = [(index: Int, digest: Digest)]()
        digests.reserveCapacity(indices.count)
        for (j, i) in indices.enumerated() {
            // A leaf's bytes are its values' little-endian words: on a little-endian machine the
            // memory of a Goldilocks or GoldilocksExt2 array, hashed in place (no byte copy).
            #if _endian(little)
            if (F.self == Goldilocks.self || F.self == GoldilocksExt2.self) && MemoryLayout<F>.stride == F.byteCount {
                let digest = leaves[j].withUnsafeBytes { bytes in
                    salts[j].isEmpty ? Digest.leafHash(bytes, salt: nil) : salts[j].withUnsafeBytes { Digest.leafHash(bytes, salt: $0) }
                }
                digests.append((i, digest))
                continue
            }
            #endif
            var w = ByteWriter(capacity: leaves[j].count * F.byteCount)
            for v in leaves[j] { v.write(to: &w) }
            digests.append((i, MerkleTree.leafDigest(salt: salts[j], bytes: w.bytes)))
        }
        return MerkleTree.root(leaves: digests, depth: depth, siblings: siblings)
    }
}

/// The opening proof for all claims on polynomials with one number of variables.
public struct SizeClassProof: Sendable, Equatable {
    public var numVariables: Int
    /// Reduction of many points to one (absent when every claim shares one point and polynomial
    /// claims are one each).
    public var pointReduction: SumcheckProof<GoldilocksExt2>?
    /// Each polynomial's value at the common point (polynomials of the class's batches, in order).
    public var values: [GoldilocksExt2]
    /// Basefold sumcheck rounds (3 evaluations each).
    public var rounds: SumcheckProof<GoldilocksExt2>
    /// Roots of the folded layers 1 … G-1.
    public var layerRoots: [Digest]
    /// Coefficients of the last folded polynomial.
    public var finalCoefficients: [GoldilocksExt2]
    /// Grinding nonce.
    public var powNonce: UInt64
    /// Each batch tree's opened leaves at the distinct query positions (ascending).
    public var batchOpenings: [TreeOpening<Goldilocks>]
    /// Each folded layer tree's opened leaves at the distinct positions the queries reach there.
    public var layerOpenings: [TreeOpening<GoldilocksExt2>]
}

/// A batched opening proof of many polynomials at many points.
public struct OpeningProof: Sendable, Equatable {
    public var classes: [SizeClassProof]

    static let magic: [UInt8] = Array("CPCS".utf8)
    /// Version 4: a one-polynomial size class opens directly against its claims' combined eq weight
    /// (no point reduction, no values). Version 3: per tree, the distinct opened leaves once and one
    /// Merkle multiproof (version 2 sent a Merkle cap and one path per query and leaf).
    static let version: UInt8 = 4

    /// Versioned binary encoding.
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(OpeningProof.magic)
        w.writeUInt8(OpeningProof.version)
        w.writeCount(classes.count)
        for c in classes {
            w.writeUInt8(UInt8(c.numVariables))
            if let pr = c.pointReduction {
                w.writeUInt8(1)
                pr.write(to: &w)
            } else {
                w.writeUInt8(0)
            }
            w.write(elements: c.values)
            c.rounds.write(to: &w)
            w.writeCount(c.layerRoots.count)
            for d in c.layerRoots { w.write(d) }
            w.write(elements: c.finalCoefficients)
            w.writeUInt64(c.powNonce)
            w.writeCount(c.batchOpenings.count)
            for o in c.batchOpenings { o.write(to: &w) }
            w.writeCount(c.layerOpenings.count)
            for o in c.layerOpenings { o.write(to: &w) }
        }
        return w.bytes
    }

    /// Parses `serialized()` output with bounds on every count; never traps on malformed bytes.
    public init(serialized bytes: [UInt8]) throws(ProofError) {
        var r = ByteReader(bytes)
        try r.readHeader(magic: OpeningProof.magic, version: OpeningProof.version, what: "opening proof")
        let count = try r.readCount(what: "size classes", limit: 64)
        var classes = [SizeClassProof]()
        for _ in 0..<count {
            let n = Int(try r.readUInt8(what: "class variables"))
            let flag = try r.readUInt8(what: "point reduction flag")
            var reduction: SumcheckProof<GoldilocksExt2>?
            switch flag {
            case 0: reduction = nil
            case 1: reduction = try SumcheckProof(from: &r)
            default: throw .invalidValue(what: "point reduction flag", value: UInt64(flag))
            }
            let values = try r.readElements(GoldilocksExt2.self, what: "class values", limit: 1 << 20)
            let rounds = try SumcheckProof<GoldilocksExt2>(from: &r)
            let rootCount = try r.readCount(what: "layer roots", limit: 64)
            var roots = [Digest]()
            for _ in 0..<rootCount { roots.append(try r.readDigest(what: "layer root")) }
            let finals = try r.readElements(GoldilocksExt2.self, what: "final coefficients", limit: 1 << 16)
            let nonce = try r.readUInt64(what: "pow nonce")
            let batchCount = try r.readCount(what: "batch openings", limit: 1 << 10)
            var batchOpenings = [TreeOpening<Goldilocks>]()
            for _ in 0..<batchCount { batchOpenings.append(try TreeOpening(from: &r)) }
            let layerCount = try r.readCount(what: "layer openings", limit: 64)
            var layerOpenings = [TreeOpening<GoldilocksExt2>]()
            for _ in 0..<layerCount { layerOpenings.append(try TreeOpening(from: &r)) }
            classes.append(SizeClassProof(numVariables: n, pointReduction: reduction, values: values, rounds: rounds,
                                          layerRoots: roots, finalCoefficients: finals, powNonce: nonce,
                                          batchOpenings: batchOpenings, layerOpenings: layerOpenings))
        }
        try r.expectEnd()
        self.classes = classes
    }

    init(classes: [SizeClassProof]) { self.classes = classes }
}
