import Testing
import Sodium

@Suite struct SecretBytesTests {
    @Test func holdsWhatWasWritten() throws {
        var source: [UInt8] = [1, 2, 3, 4, 5]
        let secret = try SecretBytes(consumingAndWiping: &source)
        #expect(secret.count == 5)
        secret.withUnsafeBytes { #expect(Array($0) == [1, 2, 3, 4, 5]) }
        #expect(source == [0, 0, 0, 0, 0], "the plain copy is wiped")
    }

    @Test func descriptionIsRedacted() throws {
        let secret = try [UInt8](repeating: 0xAB, count: 8).withUnsafeBytes { try SecretBytes(copying: $0) }
        #expect("\(secret)" == "SecretBytes(8 bytes, redacted)")
        #expect(String(reflecting: secret) == "SecretBytes(8 bytes, redacted)")
        #expect(!"\(secret)".lowercased().contains("ab"))
    }

    @Test func constantTimeEquality() throws {
        let a = try [UInt8](repeating: 7, count: 32).withUnsafeBytes { try SecretBytes(copying: $0) }
        let b = try [UInt8](repeating: 7, count: 32).withUnsafeBytes { try SecretBytes(copying: $0) }
        let c = try SecretBytes.random(count: 32)
        let d = try SecretBytes.random(count: 16)
        #expect(a.constantTimeEquals(b))
        #expect(!a.constantTimeEquals(c))
        #expect(!a.constantTimeEquals(d))
    }

    @Test func rejectsEmptyAndPropagatesInitializerErrors() {
        #expect(throws: SodiumError.invalidLength(what: "secret buffer", expected: 1, actual: 0)) {
            try SecretBytes.random(count: 0)
        }
        #expect(throws: SodiumError.decryptionFailed) {
            try SecretBytes(count: 4) { _ throws(SodiumError) in throw .decryptionFailed }
        }
    }

    @Test func wipeZeroes() {
        var bytes: [UInt8] = [9, 9, 9]
        bytes.withUnsafeMutableBytes { Sodium.wipe($0) }
        #expect(bytes == [0, 0, 0])
    }
}
