import Testing
import ProofCore
import Sodium

@Suite struct TranscriptTests {
    @Test func deterministicAndLabelBound() {
        var a = Transcript(domain: "test")
        var b = Transcript(domain: "test")
        a.absorb("x", Goldilocks(5))
        b.absorb("x", Goldilocks(5))
        let ca: GoldilocksExt2 = a.challenge("c")
        let cb: GoldilocksExt2 = b.challenge("c")
        #expect(ca == cb)

        var c = Transcript(domain: "test")
        c.absorb("y", Goldilocks(5))
        #expect(c.challenge("c", as: GoldilocksExt2.self) != ca)

        var d = Transcript(domain: "other")
        d.absorb("x", Goldilocks(5))
        #expect(d.challenge("c", as: GoldilocksExt2.self) != ca)
    }

    @Test func messageBoundariesMatter() {
        var a = Transcript(domain: "t")
        a.absorb("m", bytes: [1, 2])
        a.absorb("m", bytes: [3])
        var b = Transcript(domain: "t")
        b.absorb("m", bytes: [1])
        b.absorb("m", bytes: [2, 3])
        #expect(a.stateDigest != b.stateDigest)
    }

    @Test func forkIsIndependentCopy() {
        var a = Transcript(domain: "t")
        a.absorb("root", digest: .zero)
        var fork = a
        let x: Goldilocks = a.challenge("c")
        let y: Goldilocks = fork.challenge("c")
        #expect(x == y)
        let x2: Goldilocks = a.challenge("c")
        #expect(x2 != x)
    }

    @Test func indicesInRangeAndSpread() {
        var t = Transcript(domain: "t")
        let idx = t.challengeIndices("q", count: 1000, logBound: 10)
        #expect(idx.count == 1000)
        #expect(idx.allSatisfy { $0 >= 0 && $0 < 1024 })
        #expect(Set(idx).count > 400)
    }

    @Test func grindingFindsTheSmallestNonceOnAnyCoreCount() throws {
        for bits in [1, 6, 8, 11] {
            var base = Transcript(domain: "t")
            base.absorb("bits", integer: UInt64(bits))
            // The proof-of-work hash, through libsodium: BLAKE2b-256(state ‖ tag 4 ‖ nonce), words little-endian.
            func work(_ nonce: UInt64) throws -> Int {
                var input = base.stateDigest.bytes
                for word in [UInt64(4), nonce] { input += (0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
                let out = try Blake2b.hash(input)
                return (0..<8).reduce(UInt64(0)) { $0 | UInt64(out[$1]) << (8 * $1) }.trailingZeroBitCount
            }
            var expected: UInt64 = 0
            while try work(expected) < bits { expected += 1 }
            // Negative: the nonce before the smallest valid one misses the target.
            if expected > 0 {
                var probe = base
                #expect(throws: ProofError.insufficientProofOfWork) { try probe.verifyGrinding(bits: bits, nonce: expected - 1) }
            }
            for workers in [1, 2, 3] {
                var t = base
                let nonce = Parallel.$workerLimit.withValue(workers) { t.grind(bits: bits) }
                #expect(nonce == expected)
                var verifier = base
                try verifier.verifyGrinding(bits: bits, nonce: nonce)
                #expect(verifier.stateDigest == t.stateDigest)
            }
        }
    }

    @Test func grindingRoundTrip() throws {
        var prover = Transcript(domain: "t")
        var verifier = prover
        let nonce = prover.grind(bits: 8)
        try verifier.verifyGrinding(bits: 8, nonce: nonce)
        #expect(prover.stateDigest == verifier.stateDigest)
        var bad = Transcript(domain: "t")
        // A nonce that fails: search for one (almost every nonce fails 12 bits).
        var wrong: UInt64 = 0
        var probe = Transcript(domain: "t")
        while (try? probe.verifyGrinding(bits: 12, nonce: wrong)) != nil { wrong += 1; probe = Transcript(domain: "t") }
        #expect(throws: ProofError.insufficientProofOfWork) { try bad.verifyGrinding(bits: 12, nonce: wrong) }
    }
}
