import Testing
import Sodium

@Suite struct Blake2bTests {
    /// RFC 7693 Appendix A: BLAKE2b-512("abc").
    @Test func knownAnswerABC() throws {
        let digest = try Blake2b.hash(Array("abc".utf8), length: 64)
        let hex = Hex.encode(digest)
        #expect(hex == "ba80a53f981c4d0d6a2797b69f12f6e94c212f14685ac4b74b12bb6fdbffa2d17d87c5392aab792dc252d5de4533cc9518d38aa8dbf1925ab92386edd4009923")
    }

    @Test func streamingEqualsOneShot() throws {
        let data = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 7) }
        var h = try Blake2b()
        h.update(data[0..<333])
        h.update(data[333...])
        #expect(h.finalize() == (try Blake2b.hash(data)))
    }

    @Test func rejectsBadLength() {
        #expect(throws: SodiumError.self) { try Blake2b.hash([1, 2, 3], length: 8) }
        #expect(throws: SodiumError.self) { try Blake2b.hash([1], key: [UInt8](repeating: 0, count: 65)) }
    }
}
