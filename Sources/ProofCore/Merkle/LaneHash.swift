import CProofKernels

/// Merkle leaves and inner nodes hashed eight at a time (`ciro_blake2b_x8`: BLAKE2b-256 in the eight
/// 64-bit lanes of AVX-512F registers or two groups of four AVX2 lanes) with a vector `KernelSet`,
/// one at a time in Swift (`MerkleHash`) with `.swift`. Same digests either way (LaneHashTests
/// compare them).
enum LaneHash {
    /// The kernel set serving the calling task (`ProofKernels.current`). Read it on the calling
    /// thread (worker threads do not see task locals) and pass it down as `lanes`.
    static var kernels: KernelSet { ProofKernels.current }

    /// Whether a leaf of `segmentCount` segments of `segmentBytes` each fits the kernel's layout.
    static func fits(segmentCount: Int, segmentBytes: Int) -> Bool {
        segmentBytes > 0 && segmentBytes % 8 == 0 && (segmentBytes % 128 == 0 || (segmentCount == 1 && segmentBytes <= 128))
    }

    /// Digests of `count` consecutive leaves into `out[0 ..< count]`: leaf j is the concatenation,
    /// over the segments, of `segmentBytes` bytes at `segments[p] + j · laneStride`, salted with the
    /// 16 bytes at `salts + 16 j` (zeros when nil), with the leaf personalization. `segments` has
    /// room for the moving pointers (the caller's scratch, `segmentCount` entries). Groups of eight
    /// go through the vector kernels of `lanes` (when not `.swift` and the layout `fits`); the rest,
    /// and everything with `.swift`, one leaf at a time (`scratch` holds a gathered leaf: segmentCount · segmentBytes).
    static func leaves(_ segments: UnsafeMutablePointer<UnsafePointer<UInt8>?>, segmentCount: Int, segmentBytes: Int,
                       laneStride: Int, salts: UnsafeRawPointer?, count: Int, into out: UnsafeMutablePointer<Digest>,
                       lanes: KernelSet, scratch: UnsafeMutableRawPointer) {
        var done = 0
        if let code = lanes.code, fits(segmentCount: segmentCount, segmentBytes: segmentBytes) {
            let bases = (0..<segmentCount).map { segments[$0] }
            while count - done >= 8 {
                for p in 0..<segmentCount { segments[p] = bases[p]! + done * laneStride }
                ciro_blake2b_x8(code, segments, segmentCount, segmentBytes, laneStride,
                                salts.map { $0.assumingMemoryBound(to: UInt8.self) + 16 * done },
                                MerkleHash.leafPersonal0, MerkleHash.leafPersonal1,
                                UnsafeMutableRawPointer(out + done).assumingMemoryBound(to: UInt8.self))
                done += 8
            }
            for p in 0..<segmentCount { segments[p] = bases[p] }
        }
        while done < count {
            let bytes: UnsafeRawBufferPointer
            if segmentCount == 1 {
                bytes = UnsafeRawBufferPointer(start: segments[0]! + done * laneStride, count: segmentBytes)
            } else {
                for p in 0..<segmentCount {
                    (scratch + p * segmentBytes).copyMemory(from: segments[p]! + done * laneStride, byteCount: segmentBytes)
                }
                bytes = UnsafeRawBufferPointer(start: scratch, count: segmentCount * segmentBytes)
            }
            if let salts {
                let s = salts + 16 * done
                out[done] = MerkleHash.leaf(bytes, salt0: UInt64(littleEndian: s.loadUnaligned(as: UInt64.self)),
                                            salt1: UInt64(littleEndian: s.loadUnaligned(fromByteOffset: 8, as: UInt64.self)))
            } else {
                out[done] = MerkleHash.leaf(bytes, salt0: 0, salt1: 0)
            }
            done += 1
        }
    }

    /// `out[i]` = the inner node over `children[2i]` and `children[2i + 1]` for i < `count`, eight at
    /// a time with a vector set `lanes`.
    static func nodes(_ children: UnsafePointer<Digest>, count: Int, into out: UnsafeMutablePointer<Digest>, lanes: KernelSet) {
        var done = 0
        if let code = lanes.code {
            var segment: UnsafePointer<UInt8>? = nil
            while count - done >= 8 {
                segment = UnsafeRawPointer(children + 2 * done).assumingMemoryBound(to: UInt8.self)
                ciro_blake2b_x8(code, &segment, 1, 64, 64, nil, 0, 0, UnsafeMutableRawPointer(out + done).assumingMemoryBound(to: UInt8.self))
                done += 8
            }
        }
        while done < count {
            out[done] = MerkleHash.node(children[2 * done], children[2 * done + 1])
            done += 1
        }
    }
}
