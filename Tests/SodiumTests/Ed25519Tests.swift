import Testing
import Sodium

/// One RFC 8032 section 7.1 test vector.
struct RFC8032Vector: Sendable, CustomTestStringConvertible {
    let name: String
    let seed: String
    let publicKey: String
    let message: String
    let signature: String
    var testDescription: String { name }
}

let rfc8032Vectors = [
    RFC8032Vector(
        name: "TEST 1",
        seed: "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
        publicKey: "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
        message: "",
        signature: "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"),
    RFC8032Vector(
        name: "TEST 2",
        seed: "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
        publicKey: "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
        message: "72",
        signature: "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"),
    RFC8032Vector(
        name: "TEST 3",
        seed: "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7",
        publicKey: "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
        message: "af82",
        signature: "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a"),
    RFC8032Vector(
        name: "TEST 1024",
        seed: "f5e5767cf153319517630f226876b86c8160cc583bc013744c6bf255f5cc0ee5",
        publicKey: "278117fc144c72340f67d0f2316e8386ceffbf2b2428c9c51fef7c597f1d426e",
        message: RFC8032Message1023.hex,
        signature: "0aab4c900501b3e24d7cdf4663326a3a87df5e4843b2cbdb67cbf6e460fec350aa5371b1508f9f4528ecea23c436d94b5e8fcd4f681e30a6ac00a9704a188a03"),
    RFC8032Vector(
        name: "TEST SHA(abc)",
        seed: "833fe62409237b9d62ec77587520911e9a759cec1d19755b7da901b96dca3d42",
        publicKey: "ec172b93ad5e563bf4932c70e1245034c35467ef2efd4d64ebf819683467e2bf",
        message: "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
        signature: "dc2a4459e7369633a52b1bf277839a00201009a3efbf3ecb69bea2186c26b58909351fc9ac90b3ecfdfbc7c66431e0303dca179c138ac17ad9bef1177331a704"),
]

@Suite struct Ed25519Tests {
    @Test(arguments: rfc8032Vectors)
    func rfc8032KnownAnswers(vector: RFC8032Vector) throws {
        let pair = try Ed25519KeyPair(seedBytes: hex(vector.seed))
        #expect(pair.publicKey.bytes == hex(vector.publicKey))
        let message = hex(vector.message)
        let signature = pair.sign(message)
        #expect(signature.bytes == hex(vector.signature))
        #expect(pair.publicKey.isValidSignature(signature, for: message))
        try pair.publicKey.verify(hex(vector.signature), for: message)
        // The seed comes back out of the secret key unchanged.
        try pair.secretKey.seed().withUnsafeBytes { #expect(Array($0) == hex(vector.seed)) }
    }

    @Test func messageLengthIsExact() {
        #expect(RFC8032Message1023.hex.count == 2 * 1023)
    }

    @Test func generatedKeysSignAndVerify() throws {
        let a = try Ed25519KeyPair.generate()
        let b = try Ed25519KeyPair.generate()
        #expect(a.publicKey != b.publicKey)
        let message = Array("pay 5 credits to job 42".utf8)
        let signature = a.sign(message)
        #expect(a.publicKey.isValidSignature(signature, for: message))
        #expect(!b.publicKey.isValidSignature(signature, for: message))
        #expect(throws: SodiumError.signatureInvalid) { try b.publicKey.verify(signature, for: message) }
    }

    @Test func rawBufferSigningMatches() throws {
        let pair = try Ed25519KeyPair.generate()
        let message: [UInt8] = Array(0..<200)
        let viaBuffer = message.withUnsafeBytes { pair.sign(bytes: $0) }
        #expect(viaBuffer == pair.sign(message))
        #expect(message.withUnsafeBytes { pair.publicKey.isValidSignature(viaBuffer, for: $0) })
    }

    @Test func tamperedMessageIsRejected() throws {
        let pair = try Ed25519KeyPair(seedBytes: hex(rfc8032Vectors[2].seed))
        var message = hex(rfc8032Vectors[2].message)
        let signature = pair.sign(message)
        message[0] ^= 0x01
        #expect(!pair.publicKey.isValidSignature(signature, for: message))
        #expect(throws: SodiumError.signatureInvalid) { try pair.publicKey.verify(signature, for: message) }
        // A longer message with the same prefix is also rejected.
        #expect(!pair.publicKey.isValidSignature(signature, for: hex(rfc8032Vectors[2].message) + [0]))
    }

    @Test func tamperedSignatureIsRejected() throws {
        let pair = try Ed25519KeyPair.generate()
        let message = Array("hello".utf8)
        let good = pair.sign(message).bytes
        for index in [0, 31, 32, 63] {
            var bad = good
            bad[index] ^= 0x80
            #expect(!pair.publicKey.isValidSignature(bad, for: message), "flipped byte \(index)")
            #expect(throws: SodiumError.signatureInvalid) { try pair.publicKey.verify(bad, for: message) }
        }
        #expect(!pair.publicKey.isValidSignature([UInt8](repeating: 0, count: 64), for: message))
    }

    @Test func badLengthsAreRejected() throws {
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 public key", expected: 32, actual: 31)) {
            try Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 public key", expected: 32, actual: 33)) {
            try Ed25519PublicKey(bytes: [UInt8](repeating: 1, count: 33))
        }
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 signature", expected: 64, actual: 63)) {
            try Ed25519Signature(bytes: [UInt8](repeating: 1, count: 63))
        }
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 seed", expected: 32, actual: 16)) {
            try Ed25519KeyPair(seedBytes: [UInt8](repeating: 1, count: 16))
        }
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 seed", expected: 32, actual: 64)) {
            try Ed25519KeyPair(seed: SecretBytes.random(count: 64))
        }
        let pair = try Ed25519KeyPair.generate()
        let message = Array("m".utf8)
        let signature = pair.sign(message).bytes
        // A signature of the wrong length is not valid, and `verify` says why.
        #expect(!pair.publicKey.isValidSignature(Array(signature.dropLast()), for: message))
        #expect(!pair.publicKey.isValidSignature(signature + [0], for: message))
        #expect(throws: SodiumError.invalidLength(what: "Ed25519 signature", expected: 64, actual: 65)) {
            try pair.publicKey.verify(signature + [0], for: message)
        }
    }

    @Test func convertsToX25519ForCurveZMQ() throws {
        let pair = try Ed25519KeyPair.generate()
        let curve = try pair.x25519()  // the initializer checks that the halves match
        #expect(curve.publicKey == (try pair.publicKey.x25519()))
        #expect(curve.publicKey == (try curve.secretKey.publicKey()))
        #expect(curve.publicKey.z85.count == 40)
        // Deterministic: the same seed gives the same CurveZMQ key.
        let again = try Ed25519KeyPair(seed: pair.secretKey.seed()).x25519()
        #expect(again.publicKey == curve.publicKey)
    }

    @Test func invalidPointCannotConvert() throws {
        // y = 2 is not on the curve: libsodium refuses to convert it.
        var bytes = [UInt8](repeating: 0, count: 32)
        bytes[0] = 2
        let key = try Ed25519PublicKey(bytes: bytes)
        #expect(throws: SodiumError.self) { try key.x25519() }
        #expect(!key.isValidSignature([UInt8](repeating: 0, count: 64), for: [1, 2, 3]))
    }

    @Test func secretsAreNeverPrinted() throws {
        let pair = try Ed25519KeyPair.generate()
        let seedHex = try pair.secretKey.seed().withUnsafeBytes { Hex.encode($0) }
        for text in ["\(pair)", "\(pair.secretKey)", String(reflecting: pair), "\(try pair.x25519())"] {
            #expect(!text.contains(seedHex))
            #expect(!text.contains(String(seedHex.prefix(16))))
        }
        #expect("\(pair.secretKey)" == "Ed25519SecretKey(redacted)")
    }
}
