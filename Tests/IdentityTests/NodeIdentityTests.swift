import Testing
import Identity
import Sodium

@Suite struct NodeIdentityTests {
    @Test func deterministicFromSeed() throws {
        var seedBytes = [UInt8](repeating: 0x42, count: 32)
        let seed = try SecretBytes(consumingAndWiping: &seedBytes)
        let a = try NodeIdentity(seed: seed)
        let b = try NodeIdentity(seed: seed)
        #expect(a.nodeID == b.nodeID)
        #expect(a.curve.publicKey == b.curve.publicKey)
    }

    @Test func curveKeyIsTheX25519FormOfTheSigningKey() throws {
        let identity = try NodeIdentity.generate()
        #expect(identity.curve.publicKey == (try identity.signing.publicKey.x25519()))
        #expect(identity.curve.publicKey == (try identity.curve.secretKey.publicKey()))
        #expect(identity.nodeID.publicKey == identity.signing.publicKey)
    }

    @Test func signaturesVerifyUnderTheNodeID() throws {
        let identity = try NodeIdentity.generate()
        let other = try NodeIdentity.generate()
        let message = Array("capacity ad".utf8)
        let signature = identity.sign(message)
        #expect(identity.nodeID.publicKey.isValidSignature(signature, for: message))
        #expect(!other.nodeID.publicKey.isValidSignature(signature, for: message))
    }

    @Test func badSeedLengthIsTyped() throws {
        #expect(throws: IdentityError.sodium(.invalidLength(what: "Ed25519 seed", expected: 32, actual: 16))) {
            try NodeIdentity(seed: SecretBytes.random(count: 16))
        }
    }
}
