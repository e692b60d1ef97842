import Testing
import ProofCore

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
