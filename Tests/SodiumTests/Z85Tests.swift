import Testing
import Sodium

@Suite struct Z85Tests {
    /// ZeroMQ RFC 32's example.
    @Test func rfc32HelloWorld() throws {
        let bytes: [UInt8] = [0x86, 0x4F, 0xD2, 0x6F, 0xB5, 0x59, 0xF7, 0x5B]
        #expect(try Z85.encode(bytes) == "HelloWorld")
        #expect(try Z85.decode("HelloWorld") == bytes)
    }

    /// The client and server key pairs printed in ZeroMQ's `zmq_curve(7)` manual page: the secret
    /// keys decode to bytes whose X25519 public keys encode to the published public keys.
    @Test func zmqCurveManualKeyPairs() throws {
        let pairs = [
            ("Yne@$w-vo<fVvi]a<NY6T1ed:M$fCG*[IaLV{hID", "D:)Q[IlAW!ahhC2ac:9*A}h:p?([4%wOTJ%JR%cs"),
            ("rq:rM>}U?@Lns47E1%kR.o@n%FcmmsL/@{H8]yf7", "JTKVSB%%)wK0E.X)V>+}o?pNmC{O&4W4b!Ni{Lh6"),
        ]
        for (publicText, secretText) in pairs {
            var secretBytes = try Z85.decode(secretText)
            let secret = try X25519SecretKey(SecretBytes(consumingAndWiping: &secretBytes))
            #expect(try secret.publicKey().z85 == publicText)
            #expect(try X25519PublicKey(z85: publicText).z85 == publicText)
        }
    }

    @Test func roundTripsEveryByteValue() throws {
        let bytes = (0..<256).map { UInt8($0) }
        let text = try Z85.encode(bytes)
        #expect(text.count == 320)
        #expect(try Z85.decode(text) == bytes)
        #expect(try Z85.encode([0xFF, 0xFF, 0xFF, 0xFF]) == "%nSc0")
        #expect(try Z85.encode([0, 0, 0, 0]) == "00000")
        #expect(try Z85.encode([]) == "")
    }

    @Test func rejectsBadInput() {
        #expect(throws: Z85Error.lengthNotMultiple(of: 4, length: 3)) { try Z85.encode([1, 2, 3]) }
        #expect(throws: Z85Error.lengthNotMultiple(of: 5, length: 9)) { try Z85.decode("HelloWorl") }
        #expect(throws: Z85Error.invalidCharacter(" ", offset: 5)) { try Z85.decode("Hello orld") }
        #expect(throws: Z85Error.invalidCharacter("\"", offset: 0)) { try Z85.decode("\"ello") }
        #expect(throws: Z85Error.invalidCharacter("\u{FFFD}", offset: 0)) { try Z85.decode("é123") }
        // "%nSc1" is 2^32: one more than a group can hold.
        #expect(throws: Z85Error.groupOverflow(offset: 5)) { try Z85.decode("00000%nSc1") }
        #expect(throws: Z85Error.groupOverflow(offset: 0)) { try Z85.decode("#####") }
        #expect(throws: Z85Error.invalidLength(length: 10, expected: 40)) { try X25519PublicKey(z85: "HelloWorld") }
    }
}
