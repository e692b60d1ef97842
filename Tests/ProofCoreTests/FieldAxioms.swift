import Testing
import ProofCore
import TestSupport

/// A reusable suite of field axioms, run against every `FieldElement` type.
enum FieldAxioms {
    static func check<F: FieldElement>(_ type: F.Type, samples: Int = 200) throws {
        var rng = SplitMix64(seed: 42)
        var values: [F] = [.zero, .one, -F.one, F(integer: 2), F(integer: -7)]
        for _ in 0..<samples { values.append(F.random(using: &rng)) }
        for i in 0..<values.count {
            let a = values[i]
            let b = values[(i * 7 + 3) % values.count]
            let c = values[(i * 13 + 5) % values.count]
            #expect(a + b == b + a)
            #expect(a * b == b * a)
            #expect((a + b) + c == a + (b + c))
            #expect((a * b) * c == a * (b * c))
            #expect(a * (b + c) == a * b + a * c)
            #expect(a + .zero == a)
            #expect(a * .one == a)
            #expect(a * .zero == .zero)
            #expect(a + (-a) == .zero)
            #expect(a - b == a + (-b))
            #expect(a - a == .zero)
            #expect(a.squared() == a * a)
            #expect(a.doubled() == a + a)
            #expect(a.power(3) == a * a * a)
            if a.isZero {
                #expect(a.inverse() == nil)
            } else {
                let inv = try #require(a.inverse())
                #expect(a * inv == .one)
            }
            // Scaling by a base element agrees with embedding it.
            let s = Goldilocks(UInt64(i) &* 0x9e37_79b9_7f4a_7c15)
            #expect(a * s == a * F(s))
            // Encoding round trip.
            var w = ByteWriter()
            a.write(to: &w)
            #expect(w.bytes.count == F.byteCount)
            var r = ByteReader(w.bytes)
            #expect(try F(from: &r) == a)
            try r.expectEnd()
        }
        // Batch inversion with zeros in the middle.
        var batch = Array(values.prefix(50))
        batch.insert(.zero, at: 10)
        let expected = batch.map { $0.inverse() ?? .zero }
        batchInvert(&batch)
        #expect(batch == expected)
        // Fermat: a^(p^d - 1) = 1; check a^p is an automorphism-compatible power: (a^p)^... keep simple.
        #expect(F.one.inverse() == .one)
    }
}


@Suite struct FieldTests {
    @Test func goldilocksAxioms() throws { try FieldAxioms.check(Goldilocks.self) }
    @Test func extensionAxioms() throws { try FieldAxioms.check(GoldilocksExt2.self) }

    /// Values computed independently with Python big integers.
    @Test func goldilocksKnownAnswers() {
        let a = Goldilocks(0x1234_5678_9abc_def0)
        let b = Goldilocks(0xfedc_ba98_7654_3210)
        #expect(a.value == 1_311_768_467_463_790_320)
        #expect(b.value == 18_364_758_544_493_064_720)
        #expect((a * b).value == 18_080_541_965_438_139_092)
        #expect((a + b).value == 1_229_782_942_542_270_719)
        #expect((a - b).value == 1_393_753_992_385_309_921)
        #expect(a.inverse()?.value == 14_736_413_637_906_284_881)
        // 2^64 ≡ 2^32 - 1 and (p - 1)^2 = 1.
        #expect((Goldilocks(1 << 32) * Goldilocks(1 << 32)).value == 0xFFFF_FFFF)
        #expect((-Goldilocks.one).squared() == .one)
        #expect(Goldilocks(UInt64.max).value == UInt64.max - Goldilocks.modulus)
        #expect(Goldilocks(integer: -1).value == Goldilocks.modulus - 1)
    }

    @Test func rootsOfUnity() {
        let root = Goldilocks.rootOfUnity(logOrder: 32)
        #expect(root.value == 1_753_635_133_440_165_772)
        #expect(root.power(1 << 32) == .one)
        #expect(root.power(1 << 31) == -Goldilocks.one)
        for k in 1...32 {
            let w = Goldilocks.rootOfUnity(logOrder: k)
            #expect(w.power(UInt64(1) << UInt64(k - 1)) == -Goldilocks.one)
        }
    }

    @Test func sevenIsANonResidue() {
        // Euler's criterion: 7^((p-1)/2) = -1, so X^2 - 7 is irreducible.
        #expect(GoldilocksExt2.nonResidue.power((Goldilocks.modulus - 1) / 2) == -Goldilocks.one)
    }

    @Test func extensionKnownAnswers() {
        let a = Goldilocks(0x1234_5678_9abc_def0)
        let b = Goldilocks(0xfedc_ba98_7654_3210)
        let x = GoldilocksExt2(a, b) * GoldilocksExt2(b, a)
        #expect(x == GoldilocksExt2(Goldilocks(15_517_127_237_603_022_489), Goldilocks(9_340_884_612_417_991_395)))
        let y = GoldilocksExt2(-Goldilocks.one, Goldilocks(integer: -2)) * GoldilocksExt2(Goldilocks(3), Goldilocks(integer: -5))
        #expect(y == GoldilocksExt2(Goldilocks(67), Goldilocks(18_446_744_069_414_584_320)))
        // X^2 = 7.
        let xGen = GoldilocksExt2(.zero, .one)
        #expect(xGen.squared() == GoldilocksExt2(Goldilocks(7)))
    }

    @Test func rejectsNonCanonicalEncoding() {
        var w = ByteWriter()
        w.writeUInt64(Goldilocks.modulus)
        var r = ByteReader(w.bytes)
        #expect(throws: ProofError.nonCanonicalField(offset: 0)) { try Goldilocks(from: &r) }
        var w2 = ByteWriter()
        w2.writeUInt64(5)
        w2.writeUInt64(UInt64.max)
        var r2 = ByteReader(w2.bytes)
        #expect(throws: ProofError.nonCanonicalField(offset: 8)) { try GoldilocksExt2(from: &r2) }
        var r3 = ByteReader([1, 2, 3])
        #expect(throws: ProofError.truncated(what: "field element", offset: 0, needed: 8)) { try Goldilocks(from: &r3) }
    }
}
