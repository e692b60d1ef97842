import CProofKernels
import Testing
import ProofCore
import TestSupport

/// The eight-message BLAKE2b kernel (`ciro_blake2b_x8`) in every vector set the CPU runs (AVX-512F,
/// AVX2) against the one-at-a-time Swift BLAKE2b (itself tested against libsodium in
/// MerkleHashTests), and Merkle trees and commitments built with each kernel set.
@Suite struct LaneHashTests {
    /// The vector sets this CPU runs, with their C codes.
    var vectorSets: [(KernelSet, Int32)] {
        ProofKernels.supported.compactMap { set in
            switch set {
            case .avx512: (set, CIRO_KERNELS_AVX512F)
            case .avx2: (set, CIRO_KERNELS_AVX2)
            case .swift: nil
            }
        }
    }

    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    /// Eight digests of `segments` (each holding eight lanes' segments `stride` apart) through the kernel of set `code`.
    func kernel(_ code: Int32, _ segments: [[UInt8]], segmentBytes: Int, stride: Int, salts: [UInt8]?, personal: (UInt64, UInt64)) -> [Digest] {
        var out = [UInt8](repeating: 0, count: 8 * 32)
        let pointers = segments.map { s -> UnsafeMutablePointer<UInt8> in
            let p = UnsafeMutablePointer<UInt8>.allocate(capacity: s.count)
            p.initialize(from: s, count: s.count)
            return p
        }
        defer { pointers.forEach { $0.deallocate() } }
        var bases: [UnsafePointer<UInt8>?] = pointers.map { UnsafePointer($0) }
        out.withUnsafeMutableBufferPointer { o in
            if let salts {
                salts.withUnsafeBufferPointer { s in
                    ciro_blake2b_x8(code, &bases, segments.count, segmentBytes, stride, s.baseAddress, personal.0, personal.1, o.baseAddress)
                }
            } else {
                ciro_blake2b_x8(code, &bases, segments.count, segmentBytes, stride, nil, personal.0, personal.1, o.baseAddress)
            }
        }
        return (0..<8).map { Digest(Array(out[(32 * $0)..<(32 * $0 + 32)]))! }
    }

    /// The leaf personalization as the kernel's two little-endian words.
    var leafPersonal: (UInt64, UInt64) {
        let p = Digest.leafPersonalization
        func word(_ at: Int) -> UInt64 { (0..<8).reduce(0) { $0 | UInt64(p[at + $1]) << (8 * UInt64($1)) } }
        return (word(0), word(8))
    }

    /// The default set is the fastest the CPU runs (AVX-512F, else AVX2, else Swift), the label says
    /// which, `ProofKernels.with` scopes another supported set to the task (and default NTT plans
    /// follow it), and refuses a set the CPU lacks.
    @Test func kernelChoiceFollowsTheCPU() throws {
        let avx512 = ciro_kernels_supported(CIRO_KERNELS_AVX512F) != 0, avx2 = ciro_kernels_supported(CIRO_KERNELS_AVX2) != 0
        let expected: KernelSet = avx512 ? .avx512 : avx2 ? .avx2 : .swift
        #expect(ProofKernels.best == expected)
        #expect(ProofKernels.current == expected)
        #expect(ProofKernels.label == ["AVX-512F", "AVX2", "portable Swift"][KernelSet.allCases.firstIndex(of: expected)!])
        #expect(ProofKernels.vectorized == (avx512 || avx2))
        #expect(ProofKernels.supported == KernelSet.allCases.filter { $0 == .swift || ($0 == .avx512 ? avx512 : avx2) })
        #expect(NTTPlan(logSize: 10).kernels == expected)
        for set in ProofKernels.supported {
            try ProofKernels.with(set) {
                #expect(ProofKernels.current == set && ProofKernels.label == set.label)
                #expect(NTTPlan(logSize: 10).kernels == set)
                #expect(NTTPlan(logSize: 20).kernels == set)
            }
            #expect(NTTPlan(logSize: 10, kernels: set).kernels == set)
        }
        #expect(ProofKernels.current == expected)
        // Negative: a set the CPU lacks is refused; the C side reports no other sets.
        for set in KernelSet.allCases where !set.isSupported {
            #expect(throws: ProofKernels.Unsupported.self) { try ProofKernels.with(set) {} }
        }
        #expect(ciro_kernels_supported(0) == 0 && ciro_kernels_supported(3) == 0 && ciro_kernels_supported(-1) == 0)
        #expect(KernelSet(rawValue: "avx2") == .avx2 && KernelSet(rawValue: "avx512") == .avx512 && KernelSet(rawValue: "sse") == nil)
        // Names as command-line options take them: every supported set, nothing else.
        for set in KernelSet.allCases {
            if set.isSupported { #expect(try ProofKernels.named(set.rawValue) == set) } else {
                #expect(throws: ProofKernels.Unsupported.self) { try ProofKernels.named(set.rawValue) }
            }
        }
        #expect(throws: ProofKernels.UnknownName.self) { try ProofKernels.named("sse") }
        #expect(throws: ProofKernels.UnknownName.self) { try ProofKernels.named("AVX2") }
        // Parallel's workers run with the caller's choice (and the default outside `with`).
        for set in ProofKernels.supported {
            let seen = try ProofKernels.with(set) {
                Parallel.mapChunks(count: 1 << 16, minimumChunk: 1 << 10) { _ in ProofKernels.current }
            }
            #expect(seen.count > 1 && seen.allSatisfy { $0 == set }, "\(set): \(seen)")
            let inner = try ProofKernels.with(set) { () -> [KernelSet] in
                var out = [KernelSet](repeating: .swift, count: 64)
                out.withUnsafeMutableBufferPointer { o in
                    let base = o.baseAddress!
                    Parallel.forEachChunk(count: 64, minimumChunk: 1) { range in for i in range { base[i] = ProofKernels.current } }
                }
                return out
            }
            #expect(inner.allSatisfy { $0 == set }, "\(set)")
        }
        #expect(Parallel.mapChunks(count: 1 << 16, minimumChunk: 1 << 10) { _ in ProofKernels.current }.allSatisfy { $0 == expected })
    }

    @Test func kernelLeavesEqualOneAtATime() throws {
        for (set, code) in vectorSets { try leavesEqualOneAtATime(set, code) }
    }

    func leavesEqualOneAtATime(_ set: KernelSet, _ code: Int32) throws {
        // (segments, segment bytes, lane stride): one block, short, multi-block, several segments, padding between lanes.
        let layouts = [(1, 128, 128), (1, 8, 8), (1, 64, 64), (1, 120, 136), (2, 128, 128), (3, 256, 256), (1, 384, 400), (4, 128, 192)]
        for (index, (count, segmentBytes, stride)) in layouts.enumerated() {
            let seed = UInt64(index) * 100
            let segments = (0..<count).map { bytes(7 * stride + segmentBytes, seed: seed + UInt64($0)) }
            let salts = bytes(8 * 16, seed: seed + 50)
            func message(_ lane: Int, _ segs: [[UInt8]]) -> [UInt8] {
                segs.flatMap { $0[(lane * stride)..<(lane * stride + segmentBytes)] }
            }
            let salted = kernel(code, segments, segmentBytes: segmentBytes, stride: stride, salts: salts, personal: leafPersonal)
            let unsalted = kernel(code, segments, segmentBytes: segmentBytes, stride: stride, salts: nil, personal: leafPersonal)
            for lane in 0..<8 {
                let salt = Array(salts[(16 * lane)..<(16 * lane + 16)])
                #expect(salted[lane] == MerkleTree.leafDigest(salt: salt, bytes: message(lane, segments)), "\(set) layout \(index) lane \(lane)")
                #expect(unsalted[lane] == MerkleTree.leafDigest(salt: [], bytes: message(lane, segments)), "\(set) layout \(index) lane \(lane)")
            }
            // Negative: one flipped byte of lane 3's last segment changes lane 3's digest only.
            var flipped = segments
            flipped[count - 1][3 * stride + segmentBytes - 1] ^= 1
            let changed = kernel(code, flipped, segmentBytes: segmentBytes, stride: stride, salts: salts, personal: leafPersonal)
            for lane in 0..<8 { #expect((changed[lane] == salted[lane]) == (lane != 3)) }
            // And a changed salt of lane 5 changes lane 5's digest only.
            var otherSalts = salts
            otherSalts[5 * 16 + 9] ^= 0x40
            let resalted = kernel(code, segments, segmentBytes: segmentBytes, stride: stride, salts: otherSalts, personal: leafPersonal)
            for lane in 0..<8 { #expect((resalted[lane] == salted[lane]) == (lane != 5)) }
        }
    }

    @Test func kernelNodesEqualOneAtATime() {
        let children = bytes(8 * 64, seed: 7)
        for (_, code) in vectorSets {
            let digests = kernel(code, [children], segmentBytes: 64, stride: 64, salts: nil, personal: (0, 0))
            for lane in 0..<8 {
                let left = Digest(Array(children[(64 * lane)..<(64 * lane + 32)]))!
                let right = Digest(Array(children[(64 * lane + 32)..<(64 * lane + 64)]))!
                #expect(digests[lane] == Digest.hash(left, right))
                #expect(digests[lane] != Digest.hash(right, left))
            }
        }
    }

    /// Trees of every shape the lanes split differently (fewer than eight leaves, tails, wide parallel
    /// levels; leaf sizes that fit the kernel and one that does not) have the same nodes with every
    /// kernel set the CPU runs.
    @Test func treesEqualWithEveryKernelSet() throws {
        for (leafCount, leafBytes) in [(1, 128), (2, 64), (4, 256), (8, 128), (16, 24), (64, 384), (4096, 128), (8192, 256)] {
            for salted in [false, true] {
                let data = bytes(leafCount * leafBytes, seed: UInt64(leafCount * 31 + leafBytes))
                func build() -> MerkleTree {
                    MerkleTree(leafCount: leafCount, leafByteCount: leafBytes, salted: salted,
                               saltSource: ProofRandomness(seed: [UInt8](repeating: 3, count: 32))) { i, buffer in
                        data.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[(i * leafBytes)..<((i + 1) * leafBytes)])) }
                    }
                }
                let single = try ProofKernels.with(.swift) { build() }
                for set in ProofKernels.supported {
                    let lanes = try ProofKernels.with(set) { build() }
                    #expect(lanes.root == single.root, "\(set) \(leafCount) × \(leafBytes) salted \(salted)")
                    for i in Set([0, leafCount / 2, leafCount - 1]) { #expect(lanes.path(i) == single.path(i)) }
                }
                let lanes = build()
                for i in Set([0, leafCount / 2, leafCount - 1]) {
                    // Each leaf digest is the public one-at-a-time digest of its bytes.
                    let leaf = Array(data[(i * leafBytes)..<((i + 1) * leafBytes)])
                    #expect(MerkleTree.verify(root: lanes.root, index: i, leaf: MerkleTree.leafDigest(salt: lanes.salt(i), bytes: leaf),
                                              path: lanes.path(i), depth: lanes.depth))
                }
                // Negative: a tree over other bytes has another root.
                let other = MerkleTree(leafCount: leafCount, leafByteCount: leafBytes, salted: salted,
                                       saltSource: ProofRandomness(seed: [UInt8](repeating: 3, count: 32))) { i, buffer in
                    data.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[(i * leafBytes)..<((i + 1) * leafBytes)])) }
                    if i == leafCount - 1 { buffer[0] ^= 1 }
                }
                #expect(other.root != lanes.root)
            }
        }
    }

    func table(_ n: Int, _ seed: UInt64) -> [Goldilocks] {
        var rng = SplitMix64(seed: seed)
        return (0..<(1 << n)).map { _ in Goldilocks(rng.next() >> 1) }
    }

    /// The fused commit pipeline (one and several polynomials, salted, sizes below and above one NTT
    /// block) and opening masks give the same roots with every kernel set the CPU runs.
    @Test func commitmentsEqualWithEveryKernelSet() throws {
        let hiding = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 44, grindingBits: 12, hiding: true)
        let seed = ProofRandomness(seed: [UInt8](repeating: 5, count: 32))
        let cases: [([[Goldilocks]], CommitmentParameters)] = [
            ([table(4, 1)], .conjectured100), ([table(9, 2)], hiding), ([table(14, 3)], .conjectured100),
            ([table(12, 4), table(12, 5)], hiding), ((0..<3).map { table(5, 10 + UInt64($0)) }, .testing),
        ]
        for (polys, params) in cases {
            let single = try ProofKernels.with(.swift) {
                PolynomialCommitment.commit(polys, parameters: params, randomness: seed).commitment
            }
            for set in ProofKernels.supported {
                #expect(try ProofKernels.with(set) { PolynomialCommitment.commit(polys, parameters: params, randomness: seed).commitment } == single)
            }
        }
        let mask = OpeningMask(numVariables: 13, parameters: hiding, randomness: seed).commitment
        for set in ProofKernels.supported {
            #expect(try ProofKernels.with(set) { OpeningMask(numVariables: 13, parameters: hiding, randomness: seed).commitment } == mask)
        }
        #expect(mask != OpeningMask(numVariables: 13, parameters: hiding, randomness: ProofRandomness(seed: [UInt8](repeating: 6, count: 32))).commitment)
    }
}
