import Testing
import Sodium

@Suite struct SealedBoxTests {
    @Test func roundTrip() throws {
        let recipient = try X25519KeyPair.generate()
        for message in [[UInt8](), Array("job input".utf8), [UInt8](repeating: 0x5A, count: 100_000)] {
            let box = try SealedBox.seal(message, to: recipient.publicKey)
            #expect(box.count == message.count + SealedBox.overhead)
            #expect(try SealedBox.open(box, with: recipient) == message)
        }
    }

    @Test func sealingIsRandomised() throws {
        let recipient = try X25519KeyPair.generate()
        let a = try SealedBox.seal([1, 2, 3], to: recipient.publicKey)
        let b = try SealedBox.seal([1, 2, 3], to: recipient.publicKey)
        #expect(a != b)
    }

    @Test func roundTripWithKeysDerivedFromEd25519() throws {
        let node = try Ed25519KeyPair.generate()
        let box = try SealedBox.seal(Array("for the winner only".utf8), to: node.publicKey.x25519())
        #expect(try SealedBox.open(box, with: node.x25519()) == Array("for the winner only".utf8))
    }

    @Test func wrongKeyCannotOpen() throws {
        let recipient = try X25519KeyPair.generate()
        let other = try X25519KeyPair.generate()
        let box = try SealedBox.seal(Array("secret".utf8), to: recipient.publicKey)
        #expect(throws: SodiumError.decryptionFailed) { try SealedBox.open(box, with: other) }
    }

    @Test func tamperedCiphertextIsRejected() throws {
        let recipient = try X25519KeyPair.generate()
        let box = try SealedBox.seal(Array("secret message".utf8), to: recipient.publicKey)
        for index in [0, 31, 32, 47, box.count - 1] {
            var bad = box
            bad[index] ^= 0x01
            #expect(throws: SodiumError.decryptionFailed) { try SealedBox.open(bad, with: recipient) }
        }
        #expect(throws: SodiumError.decryptionFailed) { try SealedBox.open(box.dropLast(), with: recipient) }
    }

    @Test func tooShortIsRejected() throws {
        let recipient = try X25519KeyPair.generate()
        #expect(throws: SodiumError.tooShort(what: "sealed box", minimum: 48, actual: 47)) {
            try SealedBox.open([UInt8](repeating: 0, count: 47), with: recipient)
        }
        #expect(throws: SodiumError.tooShort(what: "sealed box", minimum: 48, actual: 0)) {
            try SealedBox.open([], with: recipient)
        }
    }

    @Test func lowOrderRecipientIsRejected() throws {
        // The all-zero point is of low order: no shared secret can come from it.
        let zero = try X25519PublicKey(bytes: [UInt8](repeating: 0, count: 32))
        #expect(throws: SodiumError.callFailed(function: "crypto_box_seal", code: -1)) {
            try SealedBox.seal([1], to: zero)
        }
    }

    @Test func x25519BadLengthsAndMismatchedHalves() throws {
        #expect(throws: SodiumError.invalidLength(what: "X25519 public key", expected: 32, actual: 8)) {
            try X25519PublicKey(bytes: [UInt8](repeating: 0, count: 8))
        }
        #expect(throws: SodiumError.invalidLength(what: "X25519 secret key", expected: 32, actual: 31)) {
            try X25519SecretKey(SecretBytes.random(count: 31))
        }
        let a = try X25519KeyPair.generate()
        let b = try X25519KeyPair.generate()
        #expect(throws: SodiumError.keyMismatch(what: "X25519 key pair")) {
            try X25519KeyPair(publicKey: a.publicKey, secretKey: b.secretKey)
        }
    }
}
