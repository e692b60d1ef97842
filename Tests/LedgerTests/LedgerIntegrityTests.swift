import Foundation
import Ledger
import LMDB
import Sodium
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("Ledger integrity")
    struct LedgerIntegrityTests {
        /// A ledger with three whole jobs (27 entries), closed, for tampering.
        func sealedLedger(_ dir: TemporaryDirectory) async throws {
            let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
            for n in 1...3 { _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: UInt64(n))) }
            #expect(try LedgerVerifier.verify(ledger.reader).isIntact)
        }

        /// Changes the ledger at `dir` through the raw LMDB wrapper, then verifies it.
        func tamper(_ dir: TemporaryDirectory, _ change: (LedgerReader, borrowing LMDBTransaction) throws -> Void) throws -> LedgerVerification {
            let reader = try LedgerReader(dataDirectory: dir.path)
            try reader.environment.write { txn in try change(reader, txn) }
            return try LedgerVerifier.verify(reader)
        }

        @Test("a changed record is caught at its entry")
        func changedRecord() async throws {
            let dir = TemporaryDirectory()
            try await sealedLedger(dir)
            let report = try tamper(dir) { reader, txn in
                // Entry 11 is job 2's second bid: raise its price.
                let entry = try #require(try reader.entry(11)).entry
                #expect(entry.kind == .bid)
                var bid = try Ciro_V1_Bid(serializedBytes: try #require(try txn.get(reader.stores.bids, key: Array(entry.recordKey))))
                bid.price = 1
                try txn.put(reader.stores.bids, key: Array(entry.recordKey), value: try bid.serializedBytes())
            }
            #expect(report.firstBreak?.sequence == 11)
            #expect(report.firstBreak?.reason.contains("hashes to") == true)
        }

        @Test("a changed log entry breaks the chain at the next entry")
        func changedEntry() async throws {
            let dir = TemporaryDirectory()
            try await sealedLedger(dir)
            let report = try tamper(dir) { reader, txn in
                var entry = try #require(try reader.entry(5)).entry
                entry.timeMs += 1
                let key = withUnsafeBytes(of: UInt64(5).bigEndian) { Array($0) }
                try txn.put(reader.stores.log, key: key, value: try entry.serializedBytes())
            }
            #expect(report.firstBreak?.sequence == 6)
            #expect(report.firstBreak?.reason.contains("previous_hash") == true)
        }

        @Test("a deleted entry, a deleted record and an extra record are caught")
        func deletions() async throws {
            let gap = TemporaryDirectory()
            try await sealedLedger(gap)
            let gapReport = try tamper(gap) { reader, txn in
                try txn.delete(reader.stores.log, key: withUnsafeBytes(of: UInt64(20).bigEndian) { Array($0) })
            }
            #expect(gapReport.firstBreak?.sequence == 20)

            let missing = TemporaryDirectory()
            try await sealedLedger(missing)
            let missingReport = try tamper(missing) { reader, txn in
                let entry = try #require(try reader.entry(14)).entry
                try txn.delete(try #require(reader.stores.store(for: entry.kind)), key: Array(entry.recordKey))
            }
            #expect(missingReport.firstBreak?.sequence == 14)

            let extra = TemporaryDirectory()
            try await sealedLedger(extra)
            let extraReport = try tamper(extra) { reader, txn in
                try txn.put(reader.stores.proofs, key: [UInt8](repeating: 7, count: 32), value: [1, 2, 3])
            }
            #expect(extraReport.firstBreak?.reason.contains("store of proof") == true)
        }

        @Test("a forged reputation or job state is caught by replaying the log")
        func derivedState() async throws {
            let rep = TemporaryDirectory()
            try await sealedLedger(rep)
            let repReport = try tamper(rep) { reader, txn in
                let node = Array(SyntheticMarket.node(2000 + 1 % 5))
                var r = try Ciro_V1_Reputation(serializedBytes: try #require(try txn.get(reader.stores.reputation, key: node)))
                r.creditsEarned += 1_000_000
                try txn.put(reader.stores.reputation, key: node, value: try r.serializedBytes())
            }
            #expect(repReport.firstBreak?.reason.contains("reputation") == true)

            let state = TemporaryDirectory()
            try await sealedLedger(state)
            let stateReport = try tamper(state) { reader, txn in
                let number = try #require(try reader.snapshot { try $0.jobNumber(SyntheticMarket.job(2)) })
                let job = withUnsafeBytes(of: number.bigEndian) { Array($0) }
                var s = try Ciro_V1_JobStatus(serializedBytes: try #require(try txn.get(reader.stores.jobState, key: job)))
                s.state = .failed
                try txn.put(reader.stores.jobState, key: job, value: try s.serializedBytes())
            }
            #expect(stateReport.firstBreak?.reason.contains("records give settled") == true)
        }

        @Test("a ledger of a newer format is refused with a clear error")
        func newerFormat() async throws {
            let dir = TemporaryDirectory()
            try await sealedLedger(dir)
            do {
                let reader = try LedgerReader(dataDirectory: dir.path)
                var meta = Ciro_V1_LedgerMeta()
                meta.formatVersion = Ledger.formatVersion + 1
                try reader.environment.write { txn in
                    try txn.put(reader.stores.meta, key: Array("format".utf8), value: try meta.serializedBytes())
                }
            }
            let expected = LedgerError.newerFormat(found: Ledger.formatVersion + 1, supported: Ledger.formatVersion, path: dir.path + "/ledger")
            #expect(throws: expected) { try Ledger(dataDirectory: dir.path, options: testOptions()) }
            #expect(throws: expected) { try LedgerReader(dataDirectory: dir.path) }
            #expect(expected.description.contains("upgrade ciro"))
        }

        /// Moves the bid of `entry` under job number 3 (the same bytes) and points the entry at it.
        func moveToJob3(_ entry: inout Ciro_V1_LogEntry, _ reader: LedgerReader, _ txn: borrowing LMDBTransaction) throws {
            let bytes = try #require(try txn.get(reader.stores.bids, key: Array(entry.recordKey)))
            var key = Array(entry.recordKey)
            key[7] = 3
            try txn.delete(reader.stores.bids, key: Array(entry.recordKey))
            try txn.put(reader.stores.bids, key: key, value: bytes)
            entry.recordKey = Data(key)
        }

        @Test("a rewritten job number, a record moved to another job and an unused job number are caught")
        func jobNumbers() async throws {
            // Job number 2 now names job 3's id (and job 3's number a fresh id): job 2's records
            // would be reported as job 3's.
            let renamed = TemporaryDirectory()
            try await sealedLedger(renamed)
            let renamedReport = try tamper(renamed) { reader, txn in
                try txn.put(reader.stores.jobNumbers, key: withUnsafeBytes(of: UInt64(2).bigEndian) { Array($0) }, value: Array(SyntheticMarket.job(99)))
            }
            #expect(renamedReport.firstBreak?.sequence == 10)
            #expect(renamedReport.firstBreak?.reason.contains("has no job number") == true)

            // Job 2's first bid moved under job 3's number (same bytes, so its hash still matches).
            let moved = TemporaryDirectory()
            try await sealedLedger(moved)
            let movedReport = try tamper(moved) { reader, txn in
                var entry = try #require(try reader.entry(11)).entry
                #expect(entry.kind == .bid)
                try moveToJob3(&entry, reader, txn)
                // Re-chain nothing: the break must show at this entry's record key, not the chain.
                try txn.put(reader.stores.log, key: withUnsafeBytes(of: UInt64(11).bigEndian) { Array($0) }, value: try entry.serializedBytes())
            }
            #expect(movedReport.firstBreak?.sequence == 11 || movedReport.firstBreak?.sequence == 12)
            let movedReason = movedReport.firstBreak?.reason ?? ""
            #expect(movedReason.contains("stored under") || movedReason.contains("previous_hash"))

            // The same move with the chain re-hashed from entry 11 on: only the key check catches it.
            let rechained = TemporaryDirectory()
            try await sealedLedger(rechained)
            let rechainedReport = try tamper(rechained) { reader, txn in
                var previous = try #require(try reader.entry(10)).hash
                for sequence in UInt64(11)...27 {
                    var entry = try #require(try reader.entry(sequence)).entry
                    if sequence == 11 { try moveToJob3(&entry, reader, txn) }
                    entry.previousHash = Data(previous)
                    let value = try entry.serializedBytes() as [UInt8]
                    try txn.put(reader.stores.log, key: withUnsafeBytes(of: sequence.bigEndian) { Array($0) }, value: value)
                    previous = try Blake2b.hash(value, length: 32)
                }
            }
            #expect(rechainedReport.firstBreak?.sequence == 11)
            #expect(rechainedReport.firstBreak?.reason.contains("stored under") == true)

            // A job number no record uses.
            let unused = TemporaryDirectory()
            try await sealedLedger(unused)
            let unusedReport = try tamper(unused) { reader, txn in
                try txn.put(reader.stores.jobNumbers, key: withUnsafeBytes(of: UInt64(4).bigEndian) { Array($0) }, value: Array(SyntheticMarket.job(99)))
            }
            #expect(unusedReport.firstBreak?.reason.contains("job number 4") == true)

            // A gap in the numbers.
            let gap = TemporaryDirectory()
            try await sealedLedger(gap)
            let gapReport = try tamper(gap) { reader, txn in
                try txn.put(reader.stores.jobNumbers, key: withUnsafeBytes(of: UInt64(9).bigEndian) { Array($0) }, value: Array(SyntheticMarket.job(99)))
            }
            #expect(gapReport.firstBreak?.reason.contains("expected job number 4") == true)
        }

        @Test("a ledger of the older format 1 is refused with a clear error, and nothing is created in it")
        func olderFormat() throws {
            let dir = TemporaryDirectory()
            let path = dir.path + "/ledger"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            do {
                // The layout format 1 had: its stores, no job_numbers.
                var options = LMDBEnvironment.Options()
                options.mapSize = 1 << 20
                let env = try LMDBEnvironment(path: path, options: options)
                let meta = try env.openDatabase(named: "meta")
                let bids = try env.openDatabase(named: "bids")
                var record = Ciro_V1_LedgerMeta()
                record.formatVersion = 1
                try env.write { txn in
                    try txn.put(meta, key: Array("format".utf8), value: try record.serializedBytes())
                    try txn.put(bids, key: [32] + Array(SyntheticMarket.job(1)), value: [1])
                }
            }
            let expected = LedgerError.olderFormat(found: 1, supported: Ledger.formatVersion, path: path)
            #expect(Ledger.formatVersion == 2)
            #expect(throws: expected) { try Ledger(dataDirectory: dir.path, options: testOptions()) }
            #expect(throws: expected) { try LedgerReader(dataDirectory: dir.path) }
            #expect(expected.description.contains("format version 1") && expected.description.contains("reads only version 2"))
            // The refused ledger is untouched: no store of format 2 was created in it.
            let env = try LMDBEnvironment(path: path, options: LMDBEnvironment.Options())
            #expect(throws: LMDBError.self) { try env.openDatabase(named: "job_numbers", flags: []) }
        }

        @Test("opening a missing ledger for reading says so")
        func missingLedger() throws {
            let dir = TemporaryDirectory()
            #expect(throws: LedgerError.notFound(path: dir.path + "/ledger")) { try LedgerReader(dataDirectory: dir.path) }
        }
    }
}
