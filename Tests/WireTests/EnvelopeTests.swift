import Foundation
import Testing
import Sodium
import Wire

@Suite struct EnvelopeTests {
    let signer = try! Ed25519KeyPair.generate()

    func sample(body: [UInt8] = Array("capacity".utf8), topic: Ciro_V1_Topic = .capacityAd) -> Ciro_V1_Envelope {
        .signed(topic: topic, body: body, by: signer, sequence: 7, timestampMs: 1_700_000_000_123)
    }

    @Test func signingBytesFollowTheCanonicalLayout() {
        let sender = [UInt8](repeating: 0xAB, count: 32)
        let bytes = EnvelopeFormat.signingBytes(version: 1, sender: sender, timestampMs: 0x0102030405060708,
                                                sequence: 9, topic: 17, body: [0xEE, 0xFF])
        var expected = Array("ciro-envelope-v1".utf8)
        expected += [1, 0, 0, 0] + sender
        expected += [8, 7, 6, 5, 4, 3, 2, 1]
        expected += [9, 0, 0, 0, 0, 0, 0, 0]
        expected += [17, 0, 0, 0]
        expected += [2, 0, 0, 0, 0, 0, 0, 0, 0xEE, 0xFF]
        #expect(bytes == expected)
        #expect(bytes.count == EnvelopeFormat.headerByteCount + 2)
    }

    @Test func signedEnvelopeVerifiesAfterAWireRoundTrip() throws {
        let envelope = sample()
        let wire: [UInt8] = try envelope.serializedBytes()
        let verified = try Ciro_V1_Envelope.verified(serialized: wire)
        #expect(verified.sender == signer.publicKey)
        #expect(verified.id == envelope.messageID())
        #expect(verified.topic == .capacityAd)
        let expectedID = try Blake2b.hash(envelope.signingBytes() + Array(envelope.signature))
        #expect(verified.id.bytes == expectedID)
    }

    @Test func hopsAreNotSigned() throws {
        var envelope = sample()
        let id = envelope.messageID()
        envelope.hops = 5
        #expect(try envelope.verified().id == id)
    }

    @Test func everySignedFieldIsCovered() throws {
        let base = sample()
        var mutations: [Ciro_V1_Envelope] = []
        var e = base; e.timestampMs &+= 1; mutations.append(e)
        e = base; e.sequence &+= 1; mutations.append(e)
        e = base; e.topic = .jobOffer; mutations.append(e)
        e = base; e.body = Data("capacitY".utf8); mutations.append(e)
        e = base; e.sender = Data(try Ed25519KeyPair.generate().publicKey.bytes); mutations.append(e)
        e = base; var sig = Array(e.signature); sig[10] ^= 1; e.signature = Data(sig); mutations.append(e)
        for forged in mutations {
            #expect(throws: EnvelopeError.signatureInvalid) { try forged.verified() }
        }
    }

    @Test func limitsAndFieldsAreCheckedBeforeTheSignature() throws {
        var e = sample(); e.version = 2
        #expect(throws: EnvelopeError.unsupportedVersion(2)) { try e.verified() }
        e = sample(); e.sender = Data([1, 2, 3])
        #expect(throws: EnvelopeError.badFieldLength(field: "sender", expected: 32, actual: 3)) { try e.verified() }
        e = sample(); e.signature = Data()
        #expect(throws: EnvelopeError.badFieldLength(field: "signature", expected: 64, actual: 0)) { try e.verified() }
        e = sample(); e.topic = .UNRECOGNIZED(99)
        #expect(throws: EnvelopeError.unknownTopic(99)) { try e.verified() }
        e = sample(); e.topic = .unspecified
        #expect(throws: EnvelopeError.unknownTopic(0)) { try e.verified() }
        e = sample(body: [UInt8](repeating: 1, count: 100))
        #expect(throws: EnvelopeError.bodyTooLarge(size: 100, limit: 99)) { try e.verified(maxBodyBytes: 99) }
        let wire: [UInt8] = try sample().serializedBytes()
        #expect(throws: EnvelopeError.envelopeTooLarge(size: wire.count, limit: 10)) {
            try Ciro_V1_Envelope.verified(serialized: wire, maxEnvelopeBytes: 10)
        }
    }

    @Test func garbageBytesThrowNeverCrash() {
        let garbage: [[UInt8]] = [[0xFF], [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], SecureRandom.bytes(300), []]
        for bytes in garbage {
            #expect(throws: EnvelopeError.self) { try Ciro_V1_Envelope.verified(serialized: bytes) }
        }
    }

    @Test func bodyDecodingReportsMalformedBodies() throws {
        var ping = Ciro_V1_Ping(); ping.nonce = 42
        let good = try Ciro_V1_Envelope.signed(topic: .ping, message: ping, by: signer, sequence: 1, timestampMs: 5)
        #expect(try good.verified().decodeBody(as: Ciro_V1_Ping.self).nonce == 42)
        let bad = Ciro_V1_Envelope.signed(topic: .ping, body: [0x08, 0xFF], by: signer, sequence: 1, timestampMs: 5)
        #expect(throws: EnvelopeError.self) { try bad.verified().decodeBody(as: Ciro_V1_Ping.self) }
    }

    @Test func messageIDRoundTripsBytes() {
        let bytes = SecureRandom.bytes(32)
        #expect(MessageID(bytes: bytes)?.bytes == bytes)
        #expect(MessageID(bytes: [1, 2]) == nil)
    }
}
