import Foundation
import Ledger
import LMDB
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("Ledger batches")
    struct LedgerBatchEquivalenceTests {
        /// Records that move a job through every state and back (failed, re-awarded), with
        /// reputation effects on several nodes, a record before its job's offer, a duplicate and
        /// a conflict.
        static func busyHistory() throws -> [LedgerAppend] {
            let proof = SyntheticMarket.proofBytes(job: 7, size: 64)
            var fault = Ciro_V1_Fault()
            fault.jobID = SyntheticMarket.job(7)
            fault.worker = SyntheticMarket.node(2)
            fault.round = 1
            fault.kind = .missedDeadline
            var expiry = Ciro_V1_Expiry()
            expiry.jobID = SyntheticMarket.job(8)
            expiry.expiredMs = 1_800_000_000_001
            var conflicting = SyntheticMarket.bid(job: 7, worker: 1)
            conflicting.price += 1
            return try [
                LedgerAppend(.bid(SyntheticMarket.bid(job: 7, worker: 1))),
                LedgerAppend(.offer(SyntheticMarket.offer(job: 7, attestations: 2))),
                LedgerAppend(.offer(SyntheticMarket.offer(job: 8))),
                LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 1))),
                LedgerAppend(.bid(SyntheticMarket.bid(job: 7, worker: 1))),  // duplicate
                LedgerAppend(.bid(conflicting)),  // conflict
                LedgerAppend(.result(SyntheticMarket.result(job: 7, worker: 1, proof: proof))),
                LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 10, worker: 1, proof: proof))),
                LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 11, worker: 1, proof: proof, valid: false))),
                LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 2, round: 1))),
                LedgerAppend(.fault(fault)),
                LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 3, round: 2))),
                LedgerAppend(.proof(proof)),
                LedgerAppend(.result(SyntheticMarket.result(job: 7, worker: 3, proof: proof, round: 2))),
                LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 10, worker: 3, proof: proof, round: 2))),
                LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 11, worker: 3, proof: proof, round: 2))),
                LedgerAppend(.expiry(expiry)),
                LedgerAppend(.settlement(SyntheticMarket.settlement(job: 7, requester: 0, worker: 3, proof: proof, round: 2))),
            ] + SyntheticMarket.lifecycle(job: 9) + SyntheticMarket.lifecycle(job: 10)
        }

        /// Every key and value of every store.
        static func contents(_ reader: LedgerReader) throws -> [String: [[UInt8]]] {
            var out: [String: [[UInt8]]] = [:]
            let stores = reader.stores
            let named: [(String, LMDBDatabase)] = [
                ("log", stores.log), ("jobs", stores.jobs), ("bids", stores.bids), ("awards", stores.awards),
                ("results", stores.results), ("proofs", stores.proofs), ("attestations", stores.attestations),
                ("settlements", stores.settlements), ("faults", stores.faults), ("expiries", stores.expiries),
                ("reputation", stores.reputation), ("job_state", stores.jobState), ("jobs_by_state", stores.jobsByState),
                ("job_log", stores.jobLog), ("attestations_by_auditor", stores.attestationsByAuditor), ("job_numbers", stores.jobNumbers),
            ]
            try reader.environment.read { txn in
                for (name, db) in named {
                    var rows: [[UInt8]] = []
                    try txn.forEach(in: db) { key, value in
                        rows.append([UInt8](key))
                        rows.append([UInt8](value))
                        return true
                    }
                    out[name] = rows
                }
            }
            return out
        }

        @Test("one batch writes exactly what the same records appended one by one write")
        func batchEqualsSingles() async throws {
            let items = try Self.busyHistory()
            let singlesDir = TemporaryDirectory()
            let singles = try Ledger(dataDirectory: singlesDir.path, options: testOptions())
            let singleOutcomes = try await appendEach(singles, items)
            let batchDir = TemporaryDirectory()
            let batched = try Ledger(dataDirectory: batchDir.path, options: testOptions())
            let batchOutcomes = try await batched.append(batch: items)

            #expect(batchOutcomes == singleOutcomes)
            #expect(batchOutcomes[4] == .duplicate(recordHash: items[4].recordHash))
            if case .conflict = batchOutcomes[5] {} else { Issue.record("expected a conflict, got \(batchOutcomes[5])") }
            #expect(try Self.contents(batched.reader) == Self.contents(singles.reader))
            #expect(try batched.reader.jobStatus(SyntheticMarket.job(7))?.state == .settled)
            #expect(try batched.reader.jobStatus(SyntheticMarket.job(8))?.state == .expired)
            #expect(try batched.reader.reputation(SyntheticMarket.node(2)).missedDeadlines == 1)
            #expect(try batched.reader.reputation(SyntheticMarket.node(1)).invalidVerdicts == 1)
            let report = try LedgerVerifier.verify(batched.reader)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
        }

        @Test("a batch split anywhere writes the same as one batch")
        func splitBatches() async throws {
            let items = try Self.busyHistory()
            let wholeDir = TemporaryDirectory()
            let whole = try Ledger(dataDirectory: wholeDir.path, options: testOptions())
            _ = try await whole.append(batch: items)
            let expected = try Self.contents(whole.reader)
            for split in [1, 3, 9, 11, 17] {
                let dir = TemporaryDirectory("split\(split)")
                let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
                _ = try await ledger.append(batch: Array(items[..<split]))
                _ = try await ledger.append(batch: Array(items[split...]))
                #expect(try Self.contents(ledger.reader) == expected, "split at \(split)")
            }
        }
    }
}
