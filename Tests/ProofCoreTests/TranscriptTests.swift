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

    /// The message layout, recomputed with libsodium: every absorb hashes
    /// state ‖ tag ‖ u32 label length ‖ label ‖ u64 payload length ‖ payload (elements: u32 count then
    /// little-endian words), and a squeeze is BLAKE2b-512 of state ‖ tag ‖ label whose first half is the
    /// next state and second half the output words, drawn in order (a word ≥ p skipped).
    @Test func messagesAreTheDocumentedBytes() throws {
        func le64(_ v: UInt64) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func le32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
        func head(_ state: Digest, _ tag: UInt8, _ label: String) -> [UInt8] {
            state.bytes + [tag] + le32(UInt32(label.utf8.count)) + Array(label.utf8)
        }
        func absorbed(_ state: Digest, _ label: String, _ payload: [UInt8]) throws -> Digest {
            Digest(try Blake2b.hash(head(state, 2, label) + le64(UInt64(payload.count)) + payload))!
        }
        var t = Transcript(domain: "layout")
        var state = t.stateDigest
        let ext = [GoldilocksExt2(Goldilocks(3), Goldilocks(Goldilocks.modulus - 1)), GoldilocksExt2(Goldilocks(1 << 40), .zero)]
        let base = [Goldilocks(9), Goldilocks(Goldilocks.modulus - 2), Goldilocks(0)]
        let root = Digest(Array(0..<32))!
        let longLabel = String(repeating: "l", count: 300)
        t.absorb("elements", elements: ext)
        state = try absorbed(state, "elements", le32(2) + ext.flatMap { le64($0.c0.value) + le64($0.c1.value) })
        #expect(t.stateDigest == state)
        t.absorb(longLabel, elements: base)
        state = try absorbed(state, longLabel, le32(3) + base.flatMap { le64($0.value) })
        #expect(t.stateDigest == state)
        t.absorb("empty", elements: [GoldilocksExt2]())
        state = try absorbed(state, "empty", le32(0))
        #expect(t.stateDigest == state)
        t.absorb("one", ext[0])
        state = try absorbed(state, "one", le64(ext[0].c0.value) + le64(ext[0].c1.value))
        #expect(t.stateDigest == state)
        t.absorb("base", base[1])
        state = try absorbed(state, "base", le64(base[1].value))
        #expect(t.stateDigest == state)
        t.absorb("n", integer: 0x0102_0304_0506_0708)
        state = try absorbed(state, "n", le64(0x0102_0304_0506_0708))
        #expect(t.stateDigest == state)
        t.absorb("root", digest: root)
        state = try absorbed(state, "root", Array(0..<32))
        #expect(t.stateDigest == state)
        t.absorb("bytes", bytes: Array(repeating: 0xAB, count: 5000))
        state = try absorbed(state, "bytes", Array(repeating: 0xAB, count: 5000))
        #expect(t.stateDigest == state)
        t.absorb("", bytes: [])
        state = try absorbed(state, "", [])
        #expect(t.stateDigest == state)
        for _ in 0..<3 {
            let c: GoldilocksExt2 = t.challenge("c")
            let out = try Blake2b.hash(head(state, 3, "c"), length: 64)
            state = Digest(Array(out[0..<32]))!
            let words = (0..<4).map { i in out[(32 + 8 * i)..<(40 + 8 * i)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
            let valid = words.filter { $0 < Goldilocks.modulus }
            #expect(c == GoldilocksExt2(Goldilocks(valid[0]), Goldilocks(valid[1])))
            #expect(t.stateDigest == state)
        }
        let bytes = t.squeezeBytes("s")
        let out = try Blake2b.hash(head(state, 3, "s"), length: 64)
        #expect(bytes == Array(out[32..<64]) && t.stateDigest == Digest(Array(out[0..<32]))!)
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
