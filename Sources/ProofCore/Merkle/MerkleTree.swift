import Sodium

/// A binary Merkle tree of BLAKE2b-256 over fixed-size leaves.
///
/// Leaf digest = BLAKE2b-256(leaf bytes) with BLAKE2b's salt parameter = the leaf's salt (zeros when
/// unsalted) and personalization "ciro.merkle.leaf"; inner node = plain BLAKE2b-256(left ‖ right). With `salted`, every leaf
/// gets 16 fresh random bytes of salt (revealed only for opened leaves), so a root reveals nothing
/// about unopened leaves: the hook the zero-knowledge layer builds hiding commitments on.
public struct MerkleTree: Sendable {
    /// Salt bytes per leaf when salted.
    public static let saltByteCount = 16

    /// Number of leaves (a power of two).
    public let leafCount: Int
    /// Bytes per leaf (without salt).
    public let leafByteCount: Int
    /// nodes[1] is the root; leaf i is nodes[leafCount + i]; nodes[0] is unused.
    @usableFromInline let nodes: [Digest]
    /// 16 bytes per leaf when salted, empty otherwise.
    let salts: [UInt8]

    /// The root digest (the commitment).
    public var root: Digest { nodes[1] }
    /// Whether leaves carry salt.
    public var isSalted: Bool { !salts.isEmpty }
    /// Path length (log2 of the leaf count).
    public var depth: Int { leafCount.trailingZeroBitCount }

    /// Builds a tree; `fillLeaf(i, buffer)` writes leaf i's `leafByteCount` bytes into `buffer`.
    /// Leaves and levels are hashed on all cores for large trees.
    /// With `salted`, salts come from `saltSource` when given (a seeded proof randomness: reproducible
    /// proofs for debugging), from libsodium otherwise.
    public init(leafCount: Int, leafByteCount: Int, salted: Bool, saltSource: ProofRandomness? = nil,
                fillLeaf: (Int, UnsafeMutableRawBufferPointer) -> Void) {
        precondition(leafCount >= 1 && leafCount & (leafCount - 1) == 0, "leaf count must be a power of two")
        let salts = MerkleTree.salts(leafCount: leafCount, salted: salted, saltSource: saltSource)
        let saltSize = salted ? MerkleTree.saltByteCount : 0
        let lanes = LaneHash.kernels
        let nodes = MerkleTree.nodeArray(leafCount: leafCount) { nodePtr in
            salts.withUnsafeBytes { saltBytes in
                Parallel.forEachChunk(count: leafCount, minimumChunk: 1 << 10) { range in
                    // Eight leaves are filled side by side, then hashed together (`LaneHash.leaves`).
                    let group = 8
                    let scratch = UnsafeMutableRawBufferPointer.allocate(byteCount: max(group * leafByteCount, 1), alignment: 64)
                    defer { scratch.deallocate() }
                    let segment = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: 1)
                    defer { segment.deallocate() }
                    segment.initialize(to: UnsafePointer(scratch.baseAddress!.assumingMemoryBound(to: UInt8.self)))
                    var start = range.lowerBound
                    while start < range.upperBound {
                        let count = min(group, range.upperBound - start)
                        for j in 0..<count {
                            let at = j * leafByteCount
                            fillLeaf(start + j, UnsafeMutableRawBufferPointer(rebasing: scratch[at..<(at + leafByteCount)]))
                        }
                        LaneHash.leaves(segment, segmentCount: 1, segmentBytes: leafByteCount, laneStride: leafByteCount,
                                        salts: saltSize > 0 ? saltBytes.baseAddress! + start * saltSize : nil, count: count,
                                        into: nodePtr + leafCount + start, lanes: lanes, scratch: scratch.baseAddress!)
                        start += count
                    }
                }
            }
            MerkleTree.hashLevels(nodePtr, width: leafCount, lanes: lanes)
        }
        self.init(leafCount: leafCount, leafByteCount: leafByteCount, salts: salts, nodes: nodes)
    }

    /// The tree whose leaf i is the `leafByteCount` bytes at `bytes` + i·`leafByteCount` (leaves stored
    /// back to back, e.g. one codeword's runs of 2^foldingLog entries): the same tree as
    /// `init(leafCount:leafByteCount:salted:saltSource:fillLeaf:)` over those bytes, hashed in place
    /// (no per-leaf copy or call; eight leaves at a time where the layout allows).
    init(contiguousLeaves bytes: UnsafeRawPointer, leafCount: Int, leafByteCount: Int, salted: Bool, saltSource: ProofRandomness? = nil) {
        precondition(leafCount >= 1 && leafCount & (leafCount - 1) == 0 && leafByteCount > 0, "leaf count must be a power of two")
        let salts = MerkleTree.salts(leafCount: leafCount, salted: salted, saltSource: saltSource)
        let lanes = LaneHash.kernels
        let nodes = MerkleTree.nodeArray(leafCount: leafCount) { nodePtr in
            salts.withUnsafeBytes { saltBytes in
                Parallel.forEachChunk(count: leafCount, minimumChunk: 1 << 10) { range in
                    let scratch = UnsafeMutableRawPointer.allocate(byteCount: leafByteCount, alignment: 64)
                    let segment = UnsafeMutablePointer<UnsafePointer<UInt8>?>.allocate(capacity: 1)
                    defer { scratch.deallocate(); segment.deallocate() }
                    segment.initialize(to: (bytes + range.lowerBound * leafByteCount).assumingMemoryBound(to: UInt8.self))
                    LaneHash.leaves(segment, segmentCount: 1, segmentBytes: leafByteCount, laneStride: leafByteCount,
                                    salts: salted ? saltBytes.baseAddress! + range.lowerBound * MerkleTree.saltByteCount : nil,
                                    count: range.count, into: nodePtr + leafCount + range.lowerBound, lanes: lanes, scratch: scratch)
                }
            }
            MerkleTree.hashLevels(nodePtr, width: leafCount, lanes: lanes)
        }
        self.init(leafCount: leafCount, leafByteCount: leafByteCount, salts: salts, nodes: nodes)
    }

    /// A tree from its complete node array (`nodeArray`) and salts.
    init(leafCount: Int, leafByteCount: Int, salts: [UInt8], nodes: [Digest]) {
        precondition(nodes.count == 2 * leafCount && (salts.isEmpty || salts.count == leafCount * MerkleTree.saltByteCount))
        self.leafCount = leafCount
        self.leafByteCount = leafByteCount
        self.salts = salts
        self.nodes = nodes
    }

    /// 16 bytes of salt per leaf when `salted` (from `saltSource` when given, libsodium otherwise),
    /// empty otherwise. `bulk`: drawn as one ChaCha20 keystream keyed from the source
    /// (`ProofRandomness.bulkFill`; a per-proof mask's tree, 2^15 salts for a 2^17-entry mask) rather
    /// than its BLAKE2b stream (`fill`, one call per 64 bytes; what the registered weights' salts, and so
    /// the model ids, were made with). Without a source, libsodium's generator keys the keystream.
    static func salts(leafCount: Int, salted: Bool, saltSource: ProofRandomness?, bulk: Bool = false) -> [UInt8] {
        guard salted else { return [] }
        var salts = [UInt8](repeating: 0, count: leafCount * MerkleTree.saltByteCount)
        var source = saltSource ?? .fresh()
        salts.withUnsafeMutableBytes { bulk || saltSource == nil ? source.bulkFill($0) : source.fill($0) }
        return salts
    }

    /// The 2·leafCount node slots (nodes[1] the root, leaf i at leafCount + i), which `fill` must
    /// write completely (the array is not zeroed first: megabytes for large trees); slot 0 is set to
    /// the root afterwards for a one-leaf tree and is zero otherwise.
    static func nodeArray(leafCount: Int, fill: (UnsafeMutablePointer<Digest>) -> Void) -> [Digest] {
        [Digest](unsafeUninitializedCapacity: 2 * leafCount) { buffer, initialized in
            let nodes = buffer.baseAddress!
            LargeBuffer.adviseHugePages(nodes, count: 2 * leafCount)
            fill(nodes)
            nodes[0] = leafCount == 1 ? nodes[1] : .zero
            initialized = 2 * leafCount
        }
    }

    /// Hashes every level above the one of `width` nodes (nodes[width ..< 2·width], already
    /// written) up to the root, wide levels on all cores.
    /// Eight nodes at a time with a vector set `lanes` (`LaneHash.nodes`).
    static func hashLevels(_ nodes: UnsafeMutablePointer<Digest>, width top: Int, lanes: KernelSet) {
        var width = top / 2
        while width >= 1 {
            let w = width
            Parallel.forEachChunk(count: w, minimumChunk: 1 << 10) { range in
                let first = w + range.lowerBound
                LaneHash.nodes(nodes + 2 * first, count: range.count, into: nodes + first, lanes: lanes)
            }
            width /= 2
        }
    }

    /// The sibling digests from leaf `index` up to (not including) the root.
    public func path(_ index: Int) -> [Digest] {
        precondition(index >= 0 && index < leafCount)
        var out = [Digest]()
        out.reserveCapacity(depth)
        var node = leafCount + index
        while node > 1 {
            out.append(nodes[node ^ 1])
            node >>= 1
        }
        return out
    }

    /// The first `length` sibling digests of leaf `index`'s path (from the leaf up): the path to the
    /// node at depth `depth − length`, for proofs that send a cap of the tree.
    public func path(_ index: Int, length: Int) -> [Digest] {
        Array(path(index).prefix(length))
    }

    /// The 2^c nodes at depth c (c ≤ depth), left to right: a Merkle cap.
    public func cap(log c: Int) -> [Digest] {
        precondition(c >= 0 && c <= depth)
        return Array(nodes[(1 << c)..<(1 << (c + 1))])
    }

    /// The root above a cap (a power-of-two number of nodes at one depth, left to right).
    public static func root(ofCap cap: [Digest]) -> Digest? {
        guard !cap.isEmpty, cap.count & (cap.count - 1) == 0 else { return nil }
        var level = cap
        while level.count > 1 {
            level = (0..<(level.count / 2)).map { Digest.hash(level[2 * $0], level[2 * $0 + 1]) }
        }
        return level[0]
    }

    /// A Merkle multiproof for the leaves at `indices` (distinct, ascending): walking up level by
    /// level, every sibling that is not itself an opened node or computable from opened leaves, in
    /// ascending node order. Shared upper nodes are sent once, so many queries into one tree cost far
    /// less than one full path each. `root(leaves:depth:siblings:)` reverses it.
    public func multiproof(_ indices: [Int]) -> [Digest] {
        precondition(!indices.isEmpty && zip(indices, indices.dropFirst()).allSatisfy { $0 < $1 }
                     && indices.first! >= 0 && indices.last! < leafCount, "indices must be distinct, ascending, in range")
        var level = indices.map { leafCount + $0 }
        var siblings = [Digest]()
        for _ in 0..<depth {
            var next = [Int]()
            next.reserveCapacity(level.count)
            var i = 0
            while i < level.count {
                let x = level[i]
                if x & 1 == 0, i + 1 < level.count, level[i + 1] == x + 1 {
                    i += 2
                } else {
                    siblings.append(nodes[x ^ 1])
                    i += 1
                }
                next.append(x >> 1)
            }
            level = next
        }
        return siblings
    }

    /// The root a multiproof leads to: `leaves` are (leaf index, leaf digest) with distinct ascending
    /// indices below 2^depth, `siblings` what `multiproof` sent. Nil when the shape is wrong (indices
    /// out of order or range, too few or too many siblings).
    public static func root(leaves: [(index: Int, digest: Digest)], depth: Int, siblings: [Digest]) -> Digest? {
        guard !leaves.isEmpty, depth >= 0, depth <= 48 else { return nil }
        var previous = -1
        for l in leaves {
            guard l.index > previous, l.index < (1 << depth) else { return nil }
            previous = l.index
        }
        var level = leaves.map { (index: $0.index, digest: $0.digest) }
        var used = 0
        for _ in 0..<depth {
            var next = [(index: Int, digest: Digest)]()
            next.reserveCapacity(level.count)
            var i = 0
            while i < level.count {
                let (x, d) = level[i]
                if x & 1 == 0, i + 1 < level.count, level[i + 1].index == x + 1 {
                    next.append((x >> 1, Digest.hash(d, level[i + 1].digest)))
                    i += 2
                } else {
                    guard used < siblings.count else { return nil }
                    let s = siblings[used]
                    used += 1
                    next.append((x >> 1, x & 1 == 0 ? Digest.hash(d, s) : Digest.hash(s, d)))
                    i += 1
                }
            }
            level = next
        }
        guard used == siblings.count else { return nil }
        return level[0].digest
    }

    /// Leaf `index`'s salt (empty when unsalted).
    public func salt(_ index: Int) -> [UInt8] {
        guard isSalted else { return [] }
        return Array(salts[(index * MerkleTree.saltByteCount)..<((index + 1) * MerkleTree.saltByteCount)])
    }

    /// The digest of a leaf's bytes with its salt (16 bytes, or empty when unsalted): BLAKE2b-256 with
    /// the salt as BLAKE2b's salt parameter and the leaf personalization (`Digest.leafHash`).
    public static func leafDigest(salt: [UInt8], bytes: [UInt8]) -> Digest {
        bytes.withUnsafeBytes { b in
            salt.isEmpty ? Digest.leafHash(b, salt: nil) : salt.withUnsafeBytes { Digest.leafHash(b, salt: $0) }
        }
    }

    /// Recomputes the root from a leaf digest and its path; true when it equals `root`.
    public static func verify(root: Digest, index: Int, leaf: Digest, path: [Digest], depth: Int) -> Bool {
        guard path.count == depth, index >= 0, index < (1 << depth) else { return false }
        var digest = leaf
        var i = index
        for sibling in path {
            digest = (i & 1 == 0) ? Digest.hash(digest, sibling) : Digest.hash(sibling, digest)
            i >>= 1
        }
        return digest == root
    }
}
