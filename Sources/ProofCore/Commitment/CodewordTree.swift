extension PolynomialCommitment {
    /// Batches up to this many polynomials go through `encodeAndHash`'s fused pipeline (which holds
    /// one stack frame per codeword while it runs); larger ones are encoded and hashed in turn.
    static let fusedBatchLimit = 64

    /// The Reed-Solomon codewords of `coefficients` (monomial coefficients, one power-of-two length
    /// n ≥ 2^foldingLog for all) at rate 2^-rateLog, and the Merkle tree whose leaf i holds entries
    /// i·2^k ..< (i+1)·2^k of every codeword in turn (k = foldingLog): the same codewords as
    /// `ReedSolomon.encode` and the same tree as `layerTree`, built in one pipeline. Per coset, the
    /// wide NTT stages of every polynomial run over memory (the coset shift fused into the first
    /// pass); then each cache block is finished by one core, which runs its remaining NTT stages for
    /// every polynomial and, while the block is still in cache, hashes the leaves it holds and the
    /// subtree above them. Only the top levels of the tree are left for the end.
    static func encodeAndHash<F: FieldElement>(_ coefficients: [[F]], rateLog: Int, foldingLog: Int, salted: Bool,
                                               saltSource: ProofRandomness?) -> (codewords: [[F]], tree: MerkleTree) {
        let count = coefficients.count
        let n = coefficients[0].count
        let width = 1 << foldingLog
        precondition(n & (n - 1) == 0 && n >= width && coefficients.allSatisfy { $0.count == n })
        let plan = NTTPlan(logSize: n.trailingZeroBitCount)
        guard count <= fusedBatchLimit else {
            let codewords = coefficients.map { ReedSolomon.encode($0, rateLog: rateLog, plan: plan) }
            return (codewords, layerTree(codewords, foldingLog: foldingLog, salted: salted, saltSource: saltSource))
        }
        return withArrayPointers(coefficients) { src in
            fusedEncodeAndHash(count: count, plan: plan, rateLog: rateLog, foldingLog: foldingLog, salted: salted,
                               saltSource: saltSource) { _ in src }
        }
    }

    /// `encodeAndHash`'s pipeline for `count` ≤ `fusedBatchLimit` polynomials of 2^plan.logSize
    /// coefficients. `sources` is called once with the fresh (uninitialized) codeword buffers and
    /// returns where each polynomial's coefficients are: either memory of its own, or the **last
    /// coset** of that polynomial's own codeword buffer (entries (2^rateLog − 1)·n ..< 2^rateLog·n),
    /// which `sources` has filled: the cosets are encoded in order and the last one in place (every
    /// NTT pass reads the entries it writes), so no separate coefficient array is needed
    /// (`commitUniform`). `encoded`: codewords already encoded (of 2^rateLog·n entries each: an
    /// opening mask's, `commitWithOpeningMask`), whose segments follow the encoded polynomials' in every leaf; only the
    /// `count` new codewords are returned. `interleaved` (no `encoded`): leaf i holds, for each of its
    /// 2^foldingLog positions in turn, that position's entry of every codeword (a folded
    /// `OpeningMask`'s (M_0, M_1) pairs), gathered per cache block and hashed as one segment.
    static func fusedEncodeAndHash<F: FieldElement>(count: Int, plan: NTTPlan, rateLog: Int, foldingLog: Int, salted: Bool,
                                                    saltSource: ProofRandomness?, bulkSalts: Bool = false, encoded: [UnsafePointer<F>] = [], interleaved: Bool = false,
                                                    sources: ([UnsafeMutablePointer<F>]) -> [UnsafePointer<F>]) -> (codewords: [[F]], tree: MerkleTree) {
        precondition(!interleaved || encoded.isEmpty, "interleaved leaves of the encoded polynomials only")
        let n = plan.size
        let width = 1 << foldingLog
        let cosets = 1 << rateLog
        let length = n * cosets
        let leafCount = length / width
        let segmentBytes = width * F.byteCount
        let leafSegments = count + encoded.count
        let block = plan.blockLength
        let leavesPerBlock = block / width
        let salts = MerkleTree.salts(leafCount: leafCount, salted: salted, saltSource: saltSource, bulk: bulkSalts)
        var nodes = [Digest]()
        let lanes = LaneHash.kernels
        let codewords = withUninitializedArrays(count: count, length: length) { (cw: [UnsafeMutablePointer<F>]) in
            do {
                let src = sources(cw)
                nodes = MerkleTree.nodeArray(leafCount: leafCount) { node in
                    salts.withUnsafeBytes { saltBytes in
                        for c in 0..<cosets {
                            let shift = ReedSolomon.cosetShift(c, rateLog: rateLog, logSize: plan.logSize)
                            let offset = c * n
                            for p in 0..<count {
                                plan.forwardWideStages(from: src[p], to: cw[p] + offset, shift: shift)
                            }
                            Parallel.forEachChunk(count: plan.blockCount, minimumChunk: 1) { range in
                                // A leaf of several polynomials is gathered here when hashed alone.
                                let scratch = UnsafeMutableRawPointer.allocate(byteCount: leafSegments * segmentBytes, alignment: 16)
                                let segments = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: leafSegments)
                                // The block's leaves with their codewords' entries interleaved (`interleaved`).
                                let gathered = UnsafeMutablePointer<F>.allocate(capacity: interleaved ? block * count : 0)
                                defer { scratch.deallocate(); segments.deallocate(); gathered.deallocate() }
                                for b in range {
                                    for p in 0..<count { plan.forwardBlock(cw[p] + offset, block: b) }
                                    let first = (offset + b * block) / width
                                    if interleaved {
                                        for p in 0..<count {
                                            let src = cw[p] + offset + b * block
                                            for i in 0..<block { (gathered + i * count + p).initialize(to: src[i]) }
                                        }
                                        segments[0] = UnsafeRawPointer(gathered).assumingMemoryBound(to: UInt8.self)
                                        LaneHash.leaves(segments, segmentCount: 1, segmentBytes: leafSegments * segmentBytes,
                                                        laneStride: leafSegments * segmentBytes,
                                                        salts: salted ? saltBytes.baseAddress! + first * MerkleTree.saltByteCount : nil,
                                                        count: leavesPerBlock, into: node + leafCount + first, lanes: lanes, scratch: scratch)
                                    } else {
                                    for p in 0..<count {
                                        segments[p] = UnsafeRawPointer(cw[p] + first * width).assumingMemoryBound(to: UInt8.self)
                                    }
                                    for (e, codeword) in encoded.enumerated() {
                                        segments[count + e] = UnsafeRawPointer(codeword + first * width).assumingMemoryBound(to: UInt8.self)
                                    }
                                    LaneHash.leaves(segments, segmentCount: leafSegments, segmentBytes: segmentBytes, laneStride: segmentBytes,
                                                    salts: salted ? saltBytes.baseAddress! + first * MerkleTree.saltByteCount : nil,
                                                    count: leavesPerBlock, into: node + leafCount + first, lanes: lanes, scratch: scratch)
                                    }
                                    // The subtree above this block's leaves.
                                    var level = (leafCount + first) / 2, levelWidth = leavesPerBlock / 2
                                    while levelWidth >= 1 {
                                        LaneHash.nodes(node + 2 * level, count: levelWidth, into: node + level, lanes: lanes)
                                        level /= 2
                                        levelWidth /= 2
                                    }
                                }
                            }
                        }
                    }
                    MerkleTree.hashLevels(node, width: leafCount / leavesPerBlock, lanes: lanes)
                }
            }
        }
        let tree = MerkleTree(leafCount: leafCount, leafByteCount: leafSegments * segmentBytes, salts: salts, nodes: nodes)
        return (codewords, tree)
    }
}

/// `count` arrays of `length` elements each, which `fill` must write completely (they are not
/// zeroed first: tens of megabytes for large codewords; the interior is advised onto huge pages).
/// Each array is created in its own stack frame, so `count` should stay small.
func withUninitializedArrays<F>(count: Int, length: Int, _ fill: ([UnsafeMutablePointer<F>]) -> Void) -> [[F]] {
    func make(_ pointers: [UnsafeMutablePointer<F>]) -> [[F]] {
        if pointers.count == count {
            fill(pointers)
            return []
        }
        var inner = [[F]]()
        let array = [F](unsafeUninitializedCapacity: length) { buffer, initialized in
            LargeBuffer.adviseHugePages(buffer.baseAddress!, count: length)
            inner = make(pointers + [buffer.baseAddress!])
            initialized = length
        }
        return [array] + inner
    }
    return make([])
}
