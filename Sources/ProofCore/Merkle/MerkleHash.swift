/// BLAKE2b-256 (RFC 7693) computed in Swift for the Merkle tree's inputs: a leaf (any length, with
/// BLAKE2b's 16-byte salt and personalization parameters) and an inner node (64 bytes, no
/// parameters). The digests are exactly libsodium's (`crypto_generichash_blake2b_salt_personal` and
/// `crypto_generichash`, both tested against it); computing them here skips libsodium's per-call
/// state set-up, buffering and wiping, and the fully inlined compression keeps all 16 state words in
/// registers: a 128-byte leaf or a node costs about half of the libsodium call (docs/PROOF_CORE.md).
@usableFromInline
enum MerkleHash {
    /// The BLAKE2b initialization vector.
    static let iv0: UInt64 = 0x6a09_e667_f3bc_c908, iv1: UInt64 = 0xbb67_ae85_84ca_a73b
    static let iv2: UInt64 = 0x3c6e_f372_fe94_f82b, iv3: UInt64 = 0xa54f_f53a_5f1d_36f1
    static let iv4: UInt64 = 0x510e_527f_ade6_82d1, iv5: UInt64 = 0x9b05_688c_2b3e_6c1f
    static let iv6: UInt64 = 0x1f83_d9ab_fb41_bd6b, iv7: UInt64 = 0x5be0_cd19_137e_2179
    /// Parameter block word 0 for a 32-byte digest, no key, fanout 1, depth 1.
    static let parameterWord0: UInt64 = 0x0101_0020

    /// Personalization words of "ciro.merkle.leaf" (`Digest.leafPersonalization`), little-endian.
    /// (The words spell "ciro.mer" and "kle.leaf"; the tests check them against the string.)
    static let leafPersonal0: UInt64 = 0x7265_6d2e_6f72_6963, leafPersonal1: UInt64 = 0x6661_656c_2e65_6c6b

    /// The eight chaining words.
    @usableFromInline
    struct State {
        var h0, h1, h2, h3, h4, h5, h6, h7: UInt64
    }

    /// The 16 working words of one compression.
    struct Work {
        var v0, v1, v2, v3, v4, v5, v6, v7, v8, v9, v10, v11, v12, v13, v14, v15: UInt64
    }

    /// Inner node: BLAKE2b-256 of left ‖ right (64 bytes, one zero-padded block).
    @usableFromInline
    static func node(_ left: Digest, _ right: Digest) -> Digest {
        var h = State(h0: iv0 ^ parameterWord0, h1: iv1, h2: iv2, h3: iv3, h4: iv4, h5: iv5, h6: iv6, h7: iv7)
        compress(&h, left.w0, left.w1, left.w2, left.w3, right.w0, right.w1, right.w2, right.w3,
                 0, 0, 0, 0, 0, 0, 0, 0, counter: 64, last: true)
        return Digest(w0: h.h0, w1: h.h1, w2: h.h2, w3: h.h3)
    }

    /// Leaf: BLAKE2b-256 of `bytes` with salt words (s0, s1) (zeros when unsalted) and the leaf
    /// personalization.
    static func leaf(_ bytes: UnsafeRawBufferPointer, salt0: UInt64, salt1: UInt64) -> Digest {
        var h = State(h0: iv0 ^ parameterWord0, h1: iv1, h2: iv2, h3: iv3, h4: iv4 ^ salt0, h5: iv5 ^ salt1,
                      h6: iv6 ^ leafPersonal0, h7: iv7 ^ leafPersonal1)
        let count = bytes.count
        var offset = 0
        // Every full block but the last; the last (full, partial or the empty message's) is padded.
        while count - offset > 128 {
            compressBlock(&h, bytes.baseAddress! + offset, counter: UInt64(offset + 128), last: false)
            offset += 128
        }
        if count - offset == 128 {
            compressBlock(&h, bytes.baseAddress! + offset, counter: UInt64(count), last: true)
        } else {
            var block = (UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0),
                         UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0), UInt64(0))
            withUnsafeMutableBytes(of: &block) { b in
                if count > offset {
                    b.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count - offset)
                }
                compressBlock(&h, UnsafeRawPointer(b.baseAddress!), counter: UInt64(count), last: true)
            }
        }
        return Digest(w0: h.h0, w1: h.h1, w2: h.h2, w3: h.h3)
    }

    /// Compresses the 128-byte block at `p` (any alignment, little-endian words).
    @inline(__always)
    static func compressBlock(_ h: inout State, _ p: UnsafeRawPointer, counter: UInt64, last: Bool) {
        @inline(__always) func word(_ i: Int) -> UInt64 {
            UInt64(littleEndian: p.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self))
        }
        compress(&h, word(0), word(1), word(2), word(3), word(4), word(5), word(6), word(7),
                 word(8), word(9), word(10), word(11), word(12), word(13), word(14), word(15),
                 counter: counter, last: last)
    }

    /// One compression of message words m0 … m15 with byte counter `counter` (< 2^64).
    @inline(__always)
    static func compress(_ h: inout State, _ m0: UInt64, _ m1: UInt64, _ m2: UInt64, _ m3: UInt64,
                         _ m4: UInt64, _ m5: UInt64, _ m6: UInt64, _ m7: UInt64,
                         _ m8: UInt64, _ m9: UInt64, _ m10: UInt64, _ m11: UInt64,
                         _ m12: UInt64, _ m13: UInt64, _ m14: UInt64, _ m15: UInt64,
                         counter: UInt64, last: Bool) {
        var v = Work(v0: h.h0, v1: h.h1, v2: h.h2, v3: h.h3, v4: h.h4, v5: h.h5, v6: h.h6, v7: h.h7,
                     v8: iv0, v9: iv1, v10: iv2, v11: iv3, v12: iv4 ^ counter, v13: iv5,
                     v14: last ? ~iv6 : iv6, v15: iv7)
        // The twelve rounds, each with RFC 7693's message permutation σ(r mod 10) written out.
        round(&v, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
        round(&v, m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)
        round(&v, m11, m8, m12, m0, m5, m2, m15, m13, m10, m14, m3, m6, m7, m1, m9, m4)
        round(&v, m7, m9, m3, m1, m13, m12, m11, m14, m2, m6, m5, m10, m4, m0, m15, m8)
        round(&v, m9, m0, m5, m7, m2, m4, m10, m15, m14, m1, m11, m12, m6, m8, m3, m13)
        round(&v, m2, m12, m6, m10, m0, m11, m8, m3, m4, m13, m7, m5, m15, m14, m1, m9)
        round(&v, m12, m5, m1, m15, m14, m13, m4, m10, m0, m7, m6, m3, m9, m2, m8, m11)
        round(&v, m13, m11, m7, m14, m12, m1, m3, m9, m5, m0, m15, m4, m8, m6, m2, m10)
        round(&v, m6, m15, m14, m9, m11, m3, m0, m8, m12, m2, m13, m7, m1, m4, m10, m5)
        round(&v, m10, m2, m8, m4, m7, m6, m1, m5, m15, m11, m9, m14, m3, m12, m13, m0)
        round(&v, m0, m1, m2, m3, m4, m5, m6, m7, m8, m9, m10, m11, m12, m13, m14, m15)
        round(&v, m14, m10, m4, m8, m9, m15, m13, m6, m1, m12, m0, m2, m11, m7, m5, m3)
        h.h0 ^= v.v0 ^ v.v8; h.h1 ^= v.v1 ^ v.v9; h.h2 ^= v.v2 ^ v.v10; h.h3 ^= v.v3 ^ v.v11
        h.h4 ^= v.v4 ^ v.v12; h.h5 ^= v.v5 ^ v.v13; h.h6 ^= v.v6 ^ v.v14; h.h7 ^= v.v7 ^ v.v15
    }

    /// One round: the column then the diagonal G steps, message words already permuted.
    @inline(__always)
    static func round(_ v: inout Work, _ s0: UInt64, _ s1: UInt64, _ s2: UInt64, _ s3: UInt64,
                      _ s4: UInt64, _ s5: UInt64, _ s6: UInt64, _ s7: UInt64,
                      _ s8: UInt64, _ s9: UInt64, _ s10: UInt64, _ s11: UInt64,
                      _ s12: UInt64, _ s13: UInt64, _ s14: UInt64, _ s15: UInt64) {
        g(&v.v0, &v.v4, &v.v8, &v.v12, s0, s1)
        g(&v.v1, &v.v5, &v.v9, &v.v13, s2, s3)
        g(&v.v2, &v.v6, &v.v10, &v.v14, s4, s5)
        g(&v.v3, &v.v7, &v.v11, &v.v15, s6, s7)
        g(&v.v0, &v.v5, &v.v10, &v.v15, s8, s9)
        g(&v.v1, &v.v6, &v.v11, &v.v12, s10, s11)
        g(&v.v2, &v.v7, &v.v8, &v.v13, s12, s13)
        g(&v.v3, &v.v4, &v.v9, &v.v14, s14, s15)
    }

    /// The mixing function G.
    @inline(__always)
    static func g(_ a: inout UInt64, _ b: inout UInt64, _ c: inout UInt64, _ d: inout UInt64, _ x: UInt64, _ y: UInt64) {
        a = a &+ b &+ x; d = rotateRight(d ^ a, 32); c = c &+ d; b = rotateRight(b ^ c, 24)
        a = a &+ b &+ y; d = rotateRight(d ^ a, 16); c = c &+ d; b = rotateRight(b ^ c, 63)
    }

    @inline(__always)
    static func rotateRight(_ x: UInt64, _ n: UInt64) -> UInt64 { (x &>> n) | (x &<< (64 &- n)) }
}
