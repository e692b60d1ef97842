import Testing
import ProofCore
import TestSupport

@Suite struct NTTTests {
    /// Naive evaluation f(ω^j) for checking.
    func naive(_ c: [Goldilocks], logSize: Int) -> [Goldilocks] {
        let w = Goldilocks.rootOfUnity(logOrder: logSize)
        return (0..<c.count).map { j in
            let x = w.power(UInt64(j))
            var acc = Goldilocks.zero
            for coeff in c.reversed() { acc = acc * x + coeff }
            return acc
        }
    }

    @Test(arguments: [0, 1, 2, 3, 5, 8])
    func forwardMatchesNaiveEvaluation(logSize: Int) {
        var rng = SplitMix64(seed: UInt64(logSize))
        let c = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        var values = c
        let plan = NTTPlan(logSize: logSize)
        plan.forward(&values)
        NTTPlan.bitReverse(&values)
        #expect(values == naive(c, logSize: logSize))
    }

    @Test func knownAnswerSizeFour() {
        // f = 1 + 2x + 3x^2 + 4x^3 at 1, ω4, -1, -ω4 with ω4 = rootOfUnity(2): bit-reversed order is
        // f(1), f(-1), f(ω4), f(-ω4).
        let plan = NTTPlan(logSize: 2)
        var v: [Goldilocks] = [1, 2, 3, 4].map { Goldilocks(UInt64($0)) }
        plan.forward(&v)
        let w = Goldilocks.rootOfUnity(logOrder: 2)
        #expect(v[0] == Goldilocks(10))
        #expect(v[1] == Goldilocks(integer: -2))
        #expect(v[2] == Goldilocks(1) + Goldilocks(2) * w - Goldilocks(3) - Goldilocks(4) * w)
    }

    @Test(arguments: [4, 12, 13, 16])
    func inverseUndoesForward(logSize: Int) {
        var rng = SplitMix64(seed: 77)
        let c = (0..<(1 << logSize)).map { _ in GoldilocksExt2.random(using: &rng) }
        let plan = NTTPlan(logSize: logSize)
        var v = c
        plan.forward(&v)
        #expect(v != c)
        plan.inverse(&v)
        #expect(v == c)
    }

    /// Plans up to 2^sharedLogSize reuse one shared twiddle table, larger ones compute their own: on
    /// both sides of the boundary (and at the smallest sizes) the transform is the evaluation at the
    /// bit-reversed powers of ω, and the inverse undoes it.
    @Test(arguments: [1, 7, NTTPlan.sharedLogSize, NTTPlan.sharedLogSize + 1])
    func sharedAndComputedTwiddlesAgree(logSize: Int) {
        var rng = SplitMix64(seed: UInt64(100 + logSize))
        let c = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let plan = NTTPlan(logSize: logSize)
        var v = c
        plan.forward(&v)
        let w = Goldilocks.rootOfUnity(logOrder: logSize)
        for i in Set([0, 1, (1 << logSize) / 3, (1 << logSize) - 1]) {
            let x = w.power(UInt64(reverseBits(i, bits: logSize)))
            var acc = Goldilocks.zero
            for coefficient in c.reversed() { acc = acc * x + coefficient }
            #expect(v[i] == acc, "entry \(i) of 2^\(logSize)")
        }
        plan.inverse(&v)
        #expect(v == c)
    }

    @Test func largeTransformAgreesWithSmallerPieces() {
        // f(ω^j) for a sparse polynomial x^5 + 3 at size 2^15 (exercises the wide stages).
        let logSize = 15
        var c = [Goldilocks](repeating: .zero, count: 1 << logSize)
        c[0] = Goldilocks(3)
        c[5] = .one
        let plan = NTTPlan(logSize: logSize)
        plan.forward(&c)
        let w = Goldilocks.rootOfUnity(logOrder: logSize)
        for i in [0, 1, 2, 777, 1 << 14, (1 << 15) - 1] {
            let x = w.power(UInt64(reverseBits(i, bits: logSize)))
            #expect(c[i] == x.power(5) + Goldilocks(3))
        }
    }

    /// Sizes 2^13…2^15 have one to three wide NTT stages (odd counts start with a radix-2 pass), each
    /// with the coset shift fused into the first pass.
    @Test(arguments: [6, 13, 14, 15])
    func reedSolomonEncodingEvaluatesOnTheLargerDomain(logSize: Int) {
        var rng = SplitMix64(seed: 5)
        let c = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        for rateLog in 1...3 {
            let codeword = ReedSolomon.encode(c, rateLog: rateLog, plan: NTTPlan(logSize: logSize))
            #expect(codeword.count == c.count << rateLog)
            for position in [0, 1, 17, codeword.count - 1] {
                let x = ReedSolomon.domainPoint(logLength: logSize + rateLog, position: position)
                var acc = Goldilocks.zero
                for coeff in c.reversed() { acc = acc * x + coeff }
                #expect(codeword[position] == acc)
                #expect(ReedSolomon.inverseDomainPoint(logLength: logSize + rateLog, position: position) * x == .one)
            }
            // Entries 2i and 2i+1 sit at x and -x.
            let a = ReedSolomon.domainPoint(logLength: logSize + rateLog, position: 6)
            let b = ReedSolomon.domainPoint(logLength: logSize + rateLog, position: 7)
            #expect(a + b == .zero)
        }
    }

    @Test func extensionCodewordsMatchBaseCodewords() {
        // Encoding is linear and twiddles are base elements: (a + bX) encodes to enc(a) + enc(b)·X.
        var rng = SplitMix64(seed: 6)
        let logSize = 13
        let a = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let b = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let plan = NTTPlan(logSize: logSize)
        let e = ReedSolomon.encode(zip(a, b).map { GoldilocksExt2($0, $1) }, rateLog: 2, plan: plan)
        #expect(e == zip(ReedSolomon.encode(a, rateLog: 2, plan: plan), ReedSolomon.encode(b, rateLog: 2, plan: plan)).map { GoldilocksExt2($0, $1) })
    }

    /// A plain radix-2 decimation-in-frequency transform (one stage per pass, twiddles by repeated
    /// multiplication): the reference for the blocked, striped, radix-4 `NTTPlan`.
    func referenceForward<F: FieldElement>(_ values: [F], logSize: Int) -> [F] {
        var v = values
        var h = v.count / 2, level = logSize
        while h >= 1 {
            let w = Goldilocks.rootOfUnity(logOrder: level)
            for j in stride(from: 0, to: v.count, by: 2 * h) {
                var x = Goldilocks.one
                for k in 0..<h {
                    let u = v[j + k], t = v[j + k + h]
                    v[j + k] = u + t
                    v[j + k + h] = (u - t) * x
                    x *= w
                }
            }
            h /= 2
            level -= 1
        }
        return v
    }

    /// Every size up to one cache block (the in-block stages alone: radix-4 passes, then the last
    /// one to four stages) with every kernel set the CPU runs, against the plain radix-2 transform;
    /// extreme words (0, 1, p − 1, p − 2^32) exercise every carry and borrow.
    @Test func blockStagesMatchTheReferenceAtEverySize() {
        var rng = SplitMix64(seed: 400)
        let extremes = [Goldilocks.zero, .one, -Goldilocks.one, Goldilocks(Goldilocks.modulus - (1 << 32)), Goldilocks(1 << 32)]
        for logSize in 0...13 {
            let c = (0..<(1 << logSize)).map { i in i % 3 == 0 ? extremes[(i / 3) % extremes.count] : Goldilocks.random(using: &rng) }
            let expected = referenceForward(c, logSize: logSize)
            for kernels in ProofKernels.supported {
                var v = c
                NTTPlan(logSize: logSize, kernels: kernels).forward(&v)
                #expect(v == expected, "2^\(logSize) \(kernels)")
            }
        }
        // Negative: a changed coefficient changes the transform.
        var c = (0..<64).map { _ in Goldilocks.random(using: &rng) }
        var v = c
        NTTPlan(logSize: 6).forward(&v)
        c[63] = c[63] + .one
        NTTPlan(logSize: 6).forward(&c)
        #expect(v != c)
    }

    /// The wide stages run stripe by stripe (one pass over memory): sizes with one to seven wide
    /// stages (odd counts start with a radix-2 stage; 2^19 has stripes narrower than 64), with and
    /// without a coset shift, out of place and in place, base and extension elements, with every
    /// kernel set the CPU runs, all equal to the plain radix-2 transform entry for entry.
    @Test(arguments: [12, 13, 14, 15, 16, 17, 19])
    func stripedWideStagesMatchTheReference(logSize: Int) {
        var rng = SplitMix64(seed: UInt64(300 + logSize))
        let c = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let plan = NTTPlan(logSize: logSize)
        let shift = Goldilocks.rootOfUnity(logOrder: logSize + 2).power(3)
        var s = Goldilocks.one
        let shifted = c.map { x -> Goldilocks in defer { s *= shift }; return x * s }
        let expected = referenceForward(shifted, logSize: logSize)
        /// The coset transform through the split API: wide stages out of place, then every block.
        func split(_ plan: NTTPlan) -> [Goldilocks] {
            var out = [Goldilocks](repeating: .zero, count: c.count)
            c.withUnsafeBufferPointer { src in
                out.withUnsafeMutableBufferPointer { dst in
                    plan.forwardWideStages(from: src.baseAddress!, to: dst.baseAddress!, shift: shift)
                    for b in 0..<plan.blockCount { plan.forwardBlock(dst.baseAddress!, block: b) }
                }
            }
            return out
        }
        #expect(split(plan) == expected)
        // Every set (the Swift path included) gives the same words, shifted and in place.
        let unshifted = referenceForward(c, logSize: logSize)
        for kernels in ProofKernels.supported {
            let other = NTTPlan(logSize: logSize, kernels: kernels)
            #expect(other.kernels == kernels)
            #expect(split(other) == expected, "\(kernels)")
            var v = c
            other.forward(&v)
            #expect(v == unshifted, "\(kernels)")
        }
        var inPlace = c
        plan.forward(&inPlace)
        #expect(inPlace == unshifted)
        // Negative: the unshifted transform is not the shifted one.
        #expect(inPlace != expected)
        if logSize <= 15 {
            let e = (0..<(1 << logSize)).map { _ in GoldilocksExt2.random(using: &rng) }
            var v = e
            plan.forward(&v)
            #expect(v == referenceForward(e, logSize: logSize))
        }
    }

    /// The Möbius transform with every kernel set the CPU runs (AVX-512F: bits 0-2 inside vectors of
    /// 8; AVX2: bits 0-1 inside vectors of 4; pairs of bits above, strided passes beyond 2^12)
    /// against the plain one-bit-at-a-time loop, in both directions, at every size up to 2^14 and at
    /// 2^17, with extreme words.
    @Test func mobiusTransformMatchesTheReference() throws {
        var rng = SplitMix64(seed: 500)
        let extremes = [Goldilocks.zero, .one, -Goldilocks.one, Goldilocks(Goldilocks.modulus - (1 << 32)), Goldilocks(1 << 32)]
        for n in Array(0...14) + [17] {
            let t = (0..<(1 << n)).map { i in i % 5 == 0 ? extremes[(i / 5) % extremes.count] : Goldilocks.random(using: &rng) }
            for subtract in [true, false] {
                var expected = t
                for bit in 0..<n {
                    let s = 1 << bit
                    for i in 0..<(1 << n) where i & s == 0 {
                        expected[i + s] = subtract ? expected[i + s] - expected[i] : expected[i + s] + expected[i]
                    }
                }
                for kernels in ProofKernels.supported {
                    var v = t
                    try ProofKernels.with(kernels) {
                        if subtract { MLE.evaluationsToCoefficients(&v) } else { MLE.coefficientsToEvaluations(&v) }
                    }
                    #expect(v == expected, "2^\(n) subtract \(subtract) \(kernels)")
                }
                // Negative: the other direction differs (t[0] is 0, so from 2^2 entries on).
                if n >= 2 {
                    var other = t
                    if subtract { MLE.coefficientsToEvaluations(&other) } else { MLE.evaluationsToCoefficients(&other) }
                    #expect(other != expected)
                }
            }
        }
    }

    /// 2^6 stays in one cache block; 2^13 and 2^15 add strided passes (one bit, then a pair and a bit).
    @Test(arguments: [6, 13, 15])
    func monomialBasisRoundTrip(logSize n: Int) {
        var rng = SplitMix64(seed: 8)
        let t = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
        var c = t
        MLE.evaluationsToCoefficients(&c)
        #expect(c != t)
        // f(x) = Σ c_i Π x_{n-j} over bits j of i: check at a random point.
        let point = (0..<n).map { _ in Goldilocks.random(using: &rng) }
        var acc = Goldilocks.zero
        for i in 0..<(1 << n) {
            var term = c[i]
            for j in 0..<n where (i >> j) & 1 == 1 { term *= point[n - 1 - j] }
            acc += term
        }
        #expect(acc == MLE.evaluate(t, at: point))
        MLE.coefficientsToEvaluations(&c)
        #expect(c == t)
    }
}

@Suite struct MerkleTests {
    func tree(salted: Bool) -> (MerkleTree, [[UInt8]]) {
        let leaves = (0..<16).map { i in (0..<24).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) } }
        let t = MerkleTree(leafCount: 16, leafByteCount: 24, salted: salted) { i, buffer in
            buffer.copyBytes(from: leaves[i])
        }
        return (t, leaves)
    }

    @Test(arguments: [false, true])
    func pathsVerify(salted: Bool) {
        let (t, leaves) = tree(salted: salted)
        for i in 0..<16 {
            let leaf = MerkleTree.leafDigest(salt: t.salt(i), bytes: leaves[i])
            #expect(MerkleTree.verify(root: t.root, index: i, leaf: leaf, path: t.path(i), depth: 4))
            // Wrong index, wrong leaf, wrong path length.
            #expect(!MerkleTree.verify(root: t.root, index: (i + 1) % 16, leaf: leaf, path: t.path(i), depth: 4))
            var bad = leaves[i]
            bad[3] ^= 1
            #expect(!MerkleTree.verify(root: t.root, index: i, leaf: MerkleTree.leafDigest(salt: t.salt(i), bytes: bad), path: t.path(i), depth: 4))
            #expect(!MerkleTree.verify(root: t.root, index: i, leaf: leaf, path: Array(t.path(i).dropLast()), depth: 4))
        }
    }

    @Test(arguments: [[0], [15], [0, 1], [2, 3, 9], [0, 5, 6, 7, 12], Array(0..<16)])
    func multiproofsVerify(indices: [Int]) {
        let (t, leaves) = tree(salted: true)
        let digests = indices.map { (index: $0, digest: MerkleTree.leafDigest(salt: t.salt($0), bytes: leaves[$0])) }
        let siblings = t.multiproof(indices)
        #expect(MerkleTree.root(leaves: digests, depth: 4, siblings: siblings) == t.root)
        // Shared nodes are sent once: never more siblings than separate paths would need.
        #expect(siblings.count <= indices.count * 4)
        if indices.count == 16 { #expect(siblings.isEmpty) }
        // A changed leaf, a changed or missing or extra sibling, a wrong index: another root or nil.
        var bad = digests
        bad[0].digest = Digest.hash(bad[0].digest, bad[0].digest)
        #expect(MerkleTree.root(leaves: bad, depth: 4, siblings: siblings) != t.root)
        if !siblings.isEmpty {
            var s = siblings
            s[s.count - 1] = .zero
            #expect(MerkleTree.root(leaves: digests, depth: 4, siblings: s) != t.root)
            #expect(MerkleTree.root(leaves: digests, depth: 4, siblings: Array(siblings.dropLast())) == nil)
        }
        #expect(MerkleTree.root(leaves: digests, depth: 4, siblings: siblings + [.zero]) == nil)
        #expect(MerkleTree.root(leaves: digests.reversed(), depth: 4, siblings: siblings) == (indices.count == 1 ? t.root : nil))
        #expect(MerkleTree.root(leaves: [(index: 16, digest: digests[0].digest)], depth: 4, siblings: siblings) == nil)
        #expect(MerkleTree.root(leaves: [], depth: 4, siblings: []) == nil)
        if indices == [0] {
            #expect(MerkleTree.root(leaves: [(index: 1, digest: digests[0].digest)], depth: 4, siblings: siblings) != t.root)
        }
    }

    @Test func saltedRootsDifferEachTime() {
        let (a, _) = tree(salted: true)
        let (b, _) = tree(salted: true)
        let (c, _) = tree(salted: false)
        let (d, _) = tree(salted: false)
        #expect(a.root != b.root)
        #expect(c.root == d.root)
        #expect(a.salt(3).count == MerkleTree.saltByteCount)
    }
}
