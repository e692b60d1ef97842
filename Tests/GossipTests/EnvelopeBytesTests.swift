import Foundation
import Gossip
import Sodium
import Testing
import Wire

/// Forwarding rewrites only `hops` in the received bytes; the result must decode to the same
/// signed message with `hops + 1`, whatever encoder wrote the original.
@Suite struct EnvelopeBytesTests {
    func envelope(hops: UInt32) throws -> Ciro_V1_Envelope {
        var envelope = Ciro_V1_Envelope.signed(topic: .probe, body: Array(repeating: 9, count: 40), by: try Ed25519KeyPair.generate(),
                                               sequence: 7, timestampMs: 1_700_000_000_000)
        envelope.hops = hops
        return envelope
    }

    @Test(arguments: [UInt32(0), 1, 5, 127, 128, 300, 70_000])
    func rewritesHopsAndKeepsTheSignedMessage(hops: UInt32) throws {
        let original = try envelope(hops: hops)
        let raw: [UInt8] = try original.serializedBytes()
        let forwarded = try #require(EnvelopeBytes.forwarded(raw, hops: hops))
        let decoded = try Ciro_V1_Envelope(serializedBytes: forwarded)
        #expect(decoded.hops == hops + 1)
        #expect(decoded.messageID() == original.messageID())
        #expect(try decoded.verified().id == original.messageID())
        // Our encoder puts hops last: the old field is replaced, not kept beside the new one.
        let reencoded: [UInt8] = try decoded.serializedBytes()
        #expect(forwarded == reencoded)
    }

    @Test func anotherEncodersLayoutGetsTheFieldAppended() throws {
        // hops written first (field order is free in protobuf): the trailing bytes are the
        // signature, which must be left alone; the appended field wins when decoding.
        let original = try envelope(hops: 0)
        let signed: [UInt8] = try original.serializedBytes()
        let raw: [UInt8] = [8 << 3, 3] + signed
        let forwarded = try #require(EnvelopeBytes.forwarded(raw, hops: 3))
        #expect(forwarded.count == raw.count + 2)
        let decoded = try Ciro_V1_Envelope(serializedBytes: forwarded)
        #expect(decoded.hops == 4)
        #expect(try decoded.verified().id == original.messageID())
    }

    @Test func refusesToOverflow() throws {
        let raw: [UInt8] = try envelope(hops: .max).serializedBytes()
        #expect(EnvelopeBytes.forwarded(raw, hops: .max) == nil)
    }
}
