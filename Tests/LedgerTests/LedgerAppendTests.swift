import Foundation
import Ledger
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("Ledger appends and queries")
    struct LedgerAppendTests {
        @Test("a whole job lifecycle is stored, chained, queryable and moves reputation and balances")
        func lifecycle() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            let items = try SyntheticMarket.lifecycle(job: 1)
            let outcomes = try await ledger.append(batch: items)
            #expect(outcomes.map { $0.receipt?.sequence } == (1...9).map { Optional(UInt64($0)) })
            let head = try ledger.reader.head()
            #expect(head.sequence == 9)
            #expect(head.hash == outcomes.last?.receipt?.entryHash)
            #expect(await ledger.currentHead == head)

            let job = SyntheticMarket.job(1)
            let history = try #require(try ledger.reader.jobHistory(job))
            #expect(history.offer?.jobID == job)
            #expect(history.bids.count == 2)
            #expect(history.awards.count == 1)
            #expect(history.results.count == 1)
            #expect(history.attestations.count == 2)
            #expect(history.settlement != nil)
            #expect(history.entries.map(\.sequence) == [1, 2, 3, 4, 6, 7, 8, 9])  // the proof (5) belongs to no job
            #expect(history.status?.state == .settled)
            #expect(try ledger.reader.jobs(in: .settled) == [job])
            #expect(try ledger.reader.jobs(in: .offered).isEmpty)

            let proofID = try #require(history.results.first?.proofID)
            let proof = try #require(try ledger.reader.proof(proofID))
            #expect(proof == SyntheticMarket.proofBytes(job: 1, size: 512))
            #expect(outcomes[4].receipt?.recordHash == Array(proofID))

            let auditor = SyntheticMarket.node(3000 + 1 % 3)
            #expect(try ledger.reader.attestations(auditor: auditor).map(\.jobID) == [job])
            #expect(try ledger.reader.attestations(job: job, round: 0).count == 2)
            #expect(try ledger.reader.attestations(job: job, round: 1).isEmpty)

            let worker = SyntheticMarket.node(2000 + 1 % 5)
            let requester = SyntheticMarket.node(1000 + 1 % 7)
            let reputation = try ledger.reader.reputation(worker)
            #expect(reputation.settledJobs == 1)
            #expect(reputation.score == ReputationRules.settledWeight)
            #expect(try ledger.reader.balance(worker) == Int64(100 + 2000 + 1 % 5))
            #expect(try ledger.reader.balance(requester) == -Int64(100 + 2000 + 1 % 5))
            #expect(try ledger.reader.reputation(auditor).attestationsGiven == 1)

            let report = try LedgerVerifier.verify(ledger.reader)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
            #expect(report.entries == 9 && report.jobsChecked == 1 && report.reputationsChecked == 4)
        }

        @Test("job state follows the records: offered, awarded, proven, attested, failed, re-awarded, settled, expired")
        func jobStates() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            let reader = ledger.reader
            let job = SyntheticMarket.job(7)
            func state() throws -> Ciro_V1_JobState? { try reader.jobStatus(job)?.state }
            let proof = SyntheticMarket.proofBytes(job: 7, size: 64)

            // Records before the offer are kept but give no state.
            try await ledger.append(LedgerAppend(.bid(SyntheticMarket.bid(job: 7, worker: 1))))
            #expect(try state() == nil)
            try await ledger.append(LedgerAppend(.offer(SyntheticMarket.offer(job: 7, attestations: 2))))
            #expect(try state() == .offered)
            try await ledger.append(LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 1))))
            #expect(try state() == .awarded)
            try await ledger.append(LedgerAppend(.result(SyntheticMarket.result(job: 7, worker: 1, proof: proof))))
            #expect(try state() == .proven)
            try await ledger.append(LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 10, worker: 1, proof: proof))))
            #expect(try state() == .proven)
            try await ledger.append(LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 11, worker: 1, proof: proof, valid: false))))
            #expect(try state() == .failed)
            #expect(try reader.reputation(SyntheticMarket.node(1)).invalidVerdicts == 1)
            #expect(try reader.reputation(SyntheticMarket.node(1)).score == -ReputationRules.invalidVerdictWeight)

            // Re-award to another worker in round 1: awarded again, then a missed deadline fails it.
            try await ledger.append(LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 2, round: 1))))
            #expect(try state() == .awarded)
            #expect(try reader.jobStatus(job)?.round == 1)
            var fault = Ciro_V1_Fault()
            fault.jobID = job
            fault.worker = SyntheticMarket.node(2)
            fault.round = 1
            fault.kind = .missedDeadline
            try await ledger.append(LedgerAppend(.fault(fault)))
            #expect(try state() == .failed)
            #expect(try reader.reputation(SyntheticMarket.node(2)).missedDeadlines == 1)

            // Round 2: proven, attested by two valid verdicts, then settled.
            try await ledger.append(LedgerAppend(.award(SyntheticMarket.award(job: 7, worker: 3, round: 2))))
            try await ledger.append(LedgerAppend(.result(SyntheticMarket.result(job: 7, worker: 3, proof: proof, round: 2))))
            try await ledger.append(LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 10, worker: 3, proof: proof, round: 2))))
            #expect(try state() == .proven)
            try await ledger.append(LedgerAppend(.attestation(SyntheticMarket.attestation(job: 7, auditor: 11, worker: 3, proof: proof, round: 2))))
            #expect(try state() == .attested)
            #expect(try reader.jobs(in: .attested) == [job])
            try await ledger.append(LedgerAppend(.settlement(SyntheticMarket.settlement(job: 7, requester: 0, worker: 3, proof: proof, round: 2))))
            #expect(try state() == .settled)
            #expect(try reader.jobs(in: .attested).isEmpty)
            #expect(try reader.jobs(in: .failed).isEmpty)

            // Another job expires.
            let other = SyntheticMarket.job(8)
            try await ledger.append(LedgerAppend(.offer(SyntheticMarket.offer(job: 8))))
            var expiry = Ciro_V1_Expiry()
            expiry.jobID = other
            expiry.expiredMs = 1_800_000_000_001
            try await ledger.append(LedgerAppend(.expiry(expiry)))
            #expect(try reader.jobStatus(other)?.state == .expired)
            #expect(try reader.jobs(in: .expired) == [other])

            let report = try LedgerVerifier.verify(reader)
            #expect(report.isIntact, "\(String(describing: report.firstBreak))")
            #expect(report.jobsChecked == 2)
        }

        @Test("the same record twice is a duplicate; different bytes under the same key are a conflict")
        func duplicatesAndConflicts() async throws {
            let dir = TemporaryDirectory()
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            let settlement = SyntheticMarket.settlement(job: 1, requester: 0, worker: 1, proof: [1, 2, 3])
            let first = try await ledger.append(LedgerAppend(.settlement(settlement)))
            let again = try await ledger.append(LedgerAppend(.settlement(settlement)))
            var changed = settlement
            changed.price += 1
            let conflict = try await ledger.append(LedgerAppend(.settlement(changed)))
            let hash = try #require(first.receipt?.recordHash)
            #expect(again == .duplicate(recordHash: hash))
            #expect(conflict == .conflict(existingHash: hash))
            #expect(try ledger.reader.head().sequence == 1)
            // Only the first settlement moved credits.
            #expect(try ledger.reader.reputation(SyntheticMarket.node(1)).settledJobs == 1)

            // A newer capacity ad replaces the stored one and is logged; the same ad again is not.
            var ad = Ciro_V1_CapacityAd()
            ad.nodeID = SyntheticMarket.node(5)
            ad.cpuCores = 2
            #expect(try await ledger.append(LedgerAppend(.capacity(ad))).receipt?.sequence == 2)
            #expect(try await ledger.append(LedgerAppend(.capacity(ad))).receipt == nil)
            ad.cpuCores = 4
            #expect(try await ledger.append(LedgerAppend(.capacity(ad))).receipt?.sequence == 3)
            #expect(try ledger.reader.capacity(SyntheticMarket.node(5))?.cpuCores == 4)
            #expect(try LedgerVerifier.verify(ledger.reader).isIntact)

            // Within one batch the second copy is the duplicate.
            let proof = try LedgerAppend(.proof([9, 9, 9]))
            let outcomes = try await ledger.append(batch: [proof, proof])
            #expect(outcomes[0].receipt?.sequence == 4)
            #expect(outcomes[1] == .duplicate(recordHash: proof.recordHash))
        }

        @Test("records without the ids they are keyed by are refused before anything is written")
        func invalidRecords() throws {
            #expect(throws: LedgerError.self) { try LedgerAppend(.offer(Ciro_V1_JobOffer())) }
            var bid = Ciro_V1_Bid()
            bid.jobID = Data([1])
            #expect(throws: LedgerError.invalidRecord(kind: "bid", reason: "worker is empty")) { try LedgerAppend(.bid(bid)) }
            bid.worker = Data(repeating: 1, count: 65)
            #expect(throws: LedgerError.self) { try LedgerAppend(.bid(bid)) }
            #expect(throws: LedgerError.self) { try LedgerAppend(.proof([])) }
        }

        @Test("a ledger reopens at its head and keeps chaining")
        func reopen() async throws {
            let dir = TemporaryDirectory()
            var head: LedgerHead
            do {
                let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
                _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: 1))
                head = await ledger.currentHead
            }
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            #expect(await ledger.currentHead == head)
            let next = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: 2))
            #expect(next.first?.receipt?.sequence == 10)
            #expect(try ledger.reader.entry(10)?.entry.previousHash == Data(head.hash))
            #expect(try LedgerVerifier.verify(ledger.reader).isIntact)
        }
        @Test("job numbers: assigned in first-seen order, kept across reopening, found by a reader opened earlier")
        func jobNumbers() async throws {
            let dir = TemporaryDirectory()
            do {
                let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
                // A bid before its offer gets the job a number too.
                _ = try await ledger.append(LedgerAppend(.bid(SyntheticMarket.bid(job: 7, worker: 1))))
                _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: 5))
                let found = try ledger.reader.snapshot { snap throws -> [UInt64?] in
                    [try snap.jobNumber(SyntheticMarket.job(7)), try snap.jobNumber(SyntheticMarket.job(5)), try snap.jobNumber(SyntheticMarket.job(6))]
                }
                #expect(found == [1, 2, nil])
                #expect(try ledger.reader.snapshot { try $0.jobID(number: 2) } == SyntheticMarket.job(5))
            }
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            let early = try LedgerReader(dataDirectory: dir.path)   // its own number cache
            #expect(try early.jobHistory(SyntheticMarket.job(7))?.bids.count == 1)
            #expect(try early.jobHistory(SyntheticMarket.job(8)) == nil)
            _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: 8) + [LedgerAppend(.offer(SyntheticMarket.offer(job: 7)))])
            let after = try ledger.reader.snapshot { snap throws -> [UInt64?] in
                [try snap.jobNumber(SyntheticMarket.job(8)), try snap.jobNumber(SyntheticMarket.job(7))]
            }
            #expect(after == [3, 1])
            // The reader opened before job 8 existed loads the new number on the miss.
            let history = try #require(try early.jobHistory(SyntheticMarket.job(8)))
            #expect(history.entries.count == 8 && history.status?.state == .settled)   // the proof is not a job record
            #expect(try early.jobs(in: .offered) == [SyntheticMarket.job(7)])
            #expect(try early.jobs(in: .settled) == [SyntheticMarket.job(5), SyntheticMarket.job(8)])
            #expect(try LedgerVerifier.verify(early).isIntact)
        }
    }
}
