import Foundation
import Ledger
import Sodium
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("Ledger entries from peers")
    struct LedgerEnvelopeTests {
        /// The wire protocol's signing rule (canonical signing bytes, Ed25519).
        static let verifier = EnvelopeVerifier.wire

        static func envelope(_ topic: Ciro_V1_Topic, _ body: [UInt8], by keys: Ed25519KeyPair) -> Ciro_V1_Envelope {
            Ciro_V1_Envelope.signed(topic: topic, body: body, by: keys, sequence: 1, timestampMs: 1_700_000_000_000)
        }

        /// A ledger in `dir` that re-checks envelope signatures before appending.
        static func checkingLedger(_ dir: TemporaryDirectory) throws -> Ledger {
            var options = testOptions()
            options.envelopeVerifier = verifier
            return try Ledger(dataDirectory: dir.path, options: options)
        }

        @Test("a peer's record keeps its signed envelope, and verify re-checks it")
        func keepsEnvelope() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Self.checkingLedger(dir)
            let worker = try Ed25519KeyPair.generate()
            var bid = SyntheticMarket.bid(job: 1, worker: 0)
            bid.worker = Data(worker.publicKey.bytes)
            let body = try bid.serializedBytes() as [UInt8]
            let env = Self.envelope(.bid, body, by: worker)
            let outcome = try await ledger.append(LedgerAppend(envelope: env))
            let receipt = try #require(outcome.receipt)
            let sequence = receipt.sequence
            let entry = try #require(try ledger.reader.entry(sequence))
            #expect(entry.envelope == env)
            #expect(try ledger.reader.snapshot { try $0.recordBytes(kind: .bid, key: receipt.recordKey) } == body)

            let report = try LedgerVerifier.verify(ledger.reader, signatures: Self.verifier)
            #expect(report.isIntact)
            #expect(report.envelopes == 1 && report.signaturesChecked == 1)
            let unchecked = try LedgerVerifier.verify(ledger.reader, signatures: nil)
            #expect(unchecked.isIntact && unchecked.signaturesUnchecked == 1)
        }

        @Test("verify catches a stored envelope whose signature no longer verifies")
        func tamperedStoredEnvelope() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            let auditor = try Ed25519KeyPair.generate()
            var attestation = SyntheticMarket.attestation(job: 1, auditor: 0, worker: 1, proof: [1])
            attestation.auditor = Data(auditor.publicKey.bytes)
            let env = Self.envelope(.attestation, try attestation.serializedBytes(), by: auditor)
            _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: 1))
            let seq = try #require(try await ledger.append(LedgerAppend(envelope: env)).receipt?.sequence)
            #expect(try LedgerVerifier.verify(ledger.reader).isIntact)

            // Rewrite the stored entry with a changed signature (and re-chain nothing: it is the head).
            var entry = try #require(try ledger.reader.entry(seq)).entry
            var forged = env
            forged.signature[10] ^= 0x40
            entry.envelope = try forged.serializedBytes()
            let key = withUnsafeBytes(of: seq.bigEndian) { Array($0) }
            try ledger.reader.environment.write { txn in
                try txn.put(ledger.reader.stores.log, key: key, value: try entry.serializedBytes())
            }
            let report = try LedgerVerifier.verify(ledger.reader)
            #expect(report.firstBreak?.sequence == seq)
            #expect(report.firstBreak?.reason.contains("signature") == true)
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
            let ledger = try Self.checkingLedger(dir)
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

        @Test("a gossiped expiry keeps the requester's envelope; verify re-checks it and catches a forged one")
        func gossipedExpiry() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Self.checkingLedger(dir)
            let requester = try Ed25519KeyPair.generate()
            var expiry = Ciro_V1_Expiry()
            expiry.jobID = SyntheticMarket.offer(job: 7).jobID
            expiry.expiredMs = 1_700_000_060_000
            expiry.reason = "deadline passed"
            let env = Self.envelope(.expiry, try expiry.serializedBytes(), by: requester)
            let receipt = try #require(try await ledger.append(LedgerAppend(envelope: env)).receipt)
            #expect(try ledger.reader.entry(receipt.sequence)?.envelope == env)
            let report = try LedgerVerifier.verify(ledger.reader, signatures: Self.verifier)
            #expect(report.isIntact && report.signaturesChecked == 1)

            var forged = env
            forged.signature[3] ^= 0x08
            await #expect(throws: LedgerError.self) { try await ledger.append(LedgerAppend(envelope: forged)) }
        }

        @Test("topics that carry no record and bodies that do not parse are refused")
        func badEnvelopes() throws {
            let keys = try Ed25519KeyPair.generate()
            #expect(throws: LedgerError.self) { try LedgerAppend(envelope: Self.envelope(.ping, [], by: keys)) }
            #expect(throws: LedgerError.self) { try LedgerAppend(envelope: Self.envelope(.bid, [0xff, 0xff, 0xff], by: keys)) }
            #expect(throws: LedgerError.self) { try LedgerAppend(envelopeBytes: [0x0a, 0xff]) }
        }
    }
}
