import Testing
import ProofCore
import Sodium
import TestSupport

/// The Swift BLAKE2b behind Merkle leaves and nodes against libsodium, and commitment roots pinned
/// so that reworking the commit pipeline (Möbius, coset NTTs, leaf layout, hashing) cannot change
/// them unnoticed.
@Suite struct MerkleHashTests {
    func bytes(_ count: Int, seed: UInt64) -> [UInt8] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
    }

    func sodiumLeaf(_ message: [UInt8], salt: [UInt8]) -> Digest {
        var out = [UInt8](repeating: 0, count: 32)
        message.withUnsafeBytes { m in
            salt.withUnsafeBytes { s in
                Digest.leafPersonalization.withUnsafeBytes { p in
                    out.withUnsafeMutableBytes { Blake2b.hash256(m, salt: s, personalization: p, into: $0) }
                }
            }
        }
        return Digest(out)!
    }

    @Test func leafDigestsEqualLibsodium() {
        let zero = [UInt8](repeating: 0, count: 16)
        for count in [0, 1, 8, 24, 127, 128, 129, 200, 255, 256, 257, 384, 1000] {
            let message = bytes(count, seed: UInt64(count))
            let salt = bytes(16, seed: UInt64(count) + 1000)
            #expect(MerkleTree.leafDigest(salt: [], bytes: message) == sodiumLeaf(message, salt: zero), "unsalted \(count)")
            #expect(MerkleTree.leafDigest(salt: salt, bytes: message) == sodiumLeaf(message, salt: salt), "salted \(count)")
            // Negative: any changed byte, salt or length changes the digest.
            if count > 0 {
                var flipped = message
                flipped[count / 2] ^= 1
                #expect(MerkleTree.leafDigest(salt: salt, bytes: flipped) != MerkleTree.leafDigest(salt: salt, bytes: message))
                #expect(MerkleTree.leafDigest(salt: salt, bytes: Array(message.dropLast())) != MerkleTree.leafDigest(salt: salt, bytes: message))
            }
            var otherSalt = salt
            otherSalt[15] ^= 0x80
            #expect(MerkleTree.leafDigest(salt: otherSalt, bytes: message) != MerkleTree.leafDigest(salt: salt, bytes: message))
        }
    }

    @Test func nodeDigestsEqualLibsodium() throws {
        for seed in 0..<20 as Range<UInt64> {
            let pair = bytes(64, seed: seed)
            let left = Digest(Array(pair[0..<32]))!, right = Digest(Array(pair[32...]))!
            let expected = try Blake2b.hash(pair)
            #expect(Digest.hash(left, right).bytes == expected)
            #expect(pair.withUnsafeBytes { Digest.hash($0) }.bytes == expected)
            #expect(Digest.hash(right, left).bytes != expected || left == right)
            // A node is not a leaf of the same bytes (personalization separates them).
            #expect(MerkleTree.leafDigest(salt: [], bytes: pair) != Digest.hash(left, right))
        }
    }

    func table(_ n: Int, _ seed: UInt64) -> [Goldilocks] {
        (0..<(1 << n)).map { i in Goldilocks((UInt64(i) &+ seed) &* 0x9E37_79B9_7F4A_7C15 ^ (seed << 17)) }
    }

    /// The root the public pieces give: monomial coefficients, Reed-Solomon codewords, and a tree whose
    /// leaf i holds entries i·2^k ..< (i+1)·2^k of every codeword in turn.
    func referenceRoot(_ polys: [[Goldilocks]], _ params: CommitmentParameters) -> Digest {
        let plan = NTTPlan(logSize: polys[0].count.trailingZeroBitCount)
        let codewords = polys.map { p in
            var c = p
            MLE.evaluationsToCoefficients(&c)
            return ReedSolomon.encode(c, rateLog: params.rateLog, plan: plan)
        }
        let width = 1 << params.foldingLog
        let tree = MerkleTree(leafCount: codewords[0].count / width, leafByteCount: polys.count * width * 8, salted: false) { i, buffer in
            for (p, codeword) in codewords.enumerated() {
                codeword.withUnsafeBytes { bytes in
                    UnsafeMutableRawBufferPointer(rebasing: buffer[(p * width * 8)..<((p + 1) * width * 8)])
                        .copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(i * width * 8)..<((i + 1) * width * 8)]))
                }
            }
        }
        return tree.root
    }

    /// The fused commit pipeline (one and several polynomials, wide NTT stages) and the per-polynomial
    /// path of very large batches both give the reference root.
    @Test func commitRootsMatchTheReference() {
        let cases: [([[Goldilocks]], CommitmentParameters)] = [
            ([table(13, 11)], .conjectured100),
            ((0..<3).map { table(13, 20 + UInt64($0)) }, .conjectured100),
            ((0..<65).map { table(3, 40 + UInt64($0)) }, .testing),
            ([table(2, 9)], .testing),
        ]
        for (polys, params) in cases {
            let root = PolynomialCommitment.commit(polys, parameters: params).commitment.root
            #expect(root == referenceRoot(polys, params))
            #expect(root != referenceRoot(polys.reversed(), params) || polys.count == 1)
        }
    }

    /// Roots computed by the commit pipeline of 2026-11-25 (`main` at 1aeefe2, Commitment v2).
    @Test func commitmentRootsArePinned() {
        let hiding = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 44, grindingBits: 12, hiding: true)
        let cases: [([[Goldilocks]], CommitmentParameters, ProofRandomness?, String)] = [
            ([table(12, 1)], .conjectured100, nil, "9ac1c277db8388c74d9500846da64350cde90a84b64eb88cd7b65097f0c36927"),
            ([table(10, 2), table(10, 3), table(10, 4)], .conjectured100, nil, "e77fcca3881423fd9a86bde28439eff5a03414ce99a7f4accfe0f7e6abae2dd9"),
            ([table(9, 5), table(9, 6)], .testing, nil, "1cfa7115cff75aa4ca1ec3602671954a92b654ba28ecce13d7df5565b1eada31"),
            ([table(11, 7)], hiding, ProofRandomness(seed: [UInt8](repeating: 9, count: 32)), "739f55a2546240c26122cfd91c5d76eda17ea07e839d8fa4a2c2997fcd640343"),
            ([table(16, 8)], .conjectured100, nil, "d42f75c71846a39a7fb0dcc63d61680f18725c26c2f5ff6bae11e3938bda20c2"),
        ]
        for (polys, params, randomness, root) in cases {
            let batch = PolynomialCommitment.commit(polys, parameters: params, randomness: randomness)
            #expect(batch.commitment.root.description == root)
        }
        // Negative: one changed coefficient changes the root.
        var changed = table(12, 1)
        changed[4095] = changed[4095] + .one
        #expect(PolynomialCommitment.commit([changed], parameters: .conjectured100).commitment.root.description != cases[0].3)
    }
}
