import Foundation
import Ledger
import Sodium
import Testing
import Wire

@Suite("Ledger entries from peers")
struct LedgerEnvelopeTests {
    /// A stand-in signing rule for these tests (the real canonical layout lives with gossip):
    /// Ed25519 over the body bytes.
    static let verifier = EnvelopeVerifier { envelope in
        guard let key = try? Ed25519PublicKey(bytes: envelope.sender) else { return false }
        return key.isValidSignature(Array(envelope.signature), for: Array(envelope.body))
    }

    static func envelope(_ topic: Ciro_V1_Topic, _ body: [UInt8], by keys: Ed25519KeyPair) -> Ciro_V1_Envelope {
        var e = Ciro_V1_Envelope()
        e.version = 1
        e.sender = Data(keys.publicKey.bytes)
        e.timestampMs = 1_700_000_000_000
        e.sequence = 1
        e.topic = topic
        e.body = Data(body)
        e.signature = Data(keys.sign(body).bytes)
        return e
    }

    @Test("a peer's record keeps its signed envelope, and verify re-checks it")
    func keepsEnvelope() async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.envelopeVerifier = Self.verifier
        let ledger = try Ledger(dataDirectory: dir.path, options: options)
        let worker = try Ed25519KeyPair.generate()
        var bid = SyntheticMarket.bid(job: 1, worker: 0)
        bid.worker = Data(worker.publicKey.bytes)
        let body = try bid.serializedBytes() as [UInt8]
        let env = Self.envelope(.bid, body, by: worker)
        let outcome = try await ledger.append(LedgerAppend(envelope: env))
        let sequence = try #require(outcome.receipt?.sequence)
        let entry = try #require(try ledger.reader.entry(sequence))
        #expect(entry.envelope == env)
        #expect(try ledger.reader.snapshot { try $0.recordBytes(kind: .bid, key: LedgerAppend(envelope: env).storeKey) } == body)

        let report = try LedgerVerifier.verify(ledger.reader, signatures: Self.verifier)
        #expect(report.isIntact)
        #expect(report.envelopes == 1 && report.signaturesChecked == 1)
        let unchecked = try LedgerVerifier.verify(ledger.reader)
        #expect(unchecked.isIntact && unchecked.signaturesUnchecked == 1)
    }

    @Test("an envelope signed by someone other than the record's author is refused")
    func senderMismatch() throws {
        let worker = try Ed25519KeyPair.generate()
        let impostor = try Ed25519KeyPair.generate()
        var bid = SyntheticMarket.bid(job: 1, worker: 0)
        bid.worker = Data(worker.publicKey.bytes)
        let env = Self.envelope(.bid, try bid.serializedBytes(), by: impostor)
        #expect {
            try LedgerAppend(envelope: env)
        } throws: { error in
            if case .senderMismatch = error as? LedgerError { return true }
            return false
        }
    }

    @Test("a forged signature is refused when the ledger re-checks signatures")
    func forgedSignature() async throws {
        let dir = TemporaryDirectory()
        var options = testOptions()
        options.envelopeVerifier = Self.verifier
        let ledger = try Ledger(dataDirectory: dir.path, options: options)
        let worker = try Ed25519KeyPair.generate()
        var bid = SyntheticMarket.bid(job: 1, worker: 0)
        bid.worker = Data(worker.publicKey.bytes)
        var env = Self.envelope(.bid, try bid.serializedBytes(), by: worker)
        env.signature[0] ^= 1
        await #expect(throws: LedgerError.badSignature(kind: "bid", sender: Hex.encode(worker.publicKey.bytes))) {
            try await ledger.append(LedgerAppend(envelope: env))
        }
        #expect(try ledger.reader.head().sequence == 0)
    }

    @Test("topics that carry no record and bodies that do not parse are refused")
    func badEnvelopes() throws {
        let keys = try Ed25519KeyPair.generate()
        #expect(throws: LedgerError.self) { try LedgerAppend(envelope: Self.envelope(.ping, [], by: keys)) }
        #expect(throws: LedgerError.self) { try LedgerAppend(envelope: Self.envelope(.bid, [0xff, 0xff, 0xff], by: keys)) }
        #expect(throws: LedgerError.self) { try LedgerAppend(envelopeBytes: [0x0a, 0xff]) }
    }
}
