import Foundation
import Ledger
import LMDB
import Testing
import Wire
import TestSupport
extension LedgerTestSuite {
    @Suite("ciro ledger verify / show")
    struct LedgerCLITests {
        @Test("verify exits 0 with a summary on an intact ledger and 1 with the first break on a tampered one")
        func verifyExitCodes() async throws {
            let dir = TemporaryDirectory()
            do {
                let ledger = try Ledger(dataDirectory: dir.path, options: testOptions())
                for n in 1...2 { _ = try await ledger.append(batch: try SyntheticMarket.lifecycle(job: UInt64(n))) }
            }
            let good = try await runCiro(["ledger", "verify", "--data-dir", dir.path])
            #expect(good.status == 0)
            #expect(good.output.contains("intact"))
            #expect(good.output.contains("entries: 18"))

            let shown = try await runCiro(["ledger", "show", "--data-dir", dir.path, "--job", hex(SyntheticMarket.job(2)), "--json"])
            #expect(shown.status == 0)
            let object = try JSONSerialization.jsonObject(with: Data(shown.output.utf8)) as? [String: Any]
            #expect(object?["state"] as? String == "settled")
            #expect((object?["entries"] as? [Any])?.count == 8)
            let summary = try await runCiro(["ledger", "show", "--data-dir", dir.path])
            #expect(summary.status == 0 && summary.output.contains("settled 2"))

            do {
                let reader = try LedgerReader(dataDirectory: dir.path)
                let entry = try #require(try reader.entry(3)).entry
                try reader.environment.write { txn in
                    try txn.put(reader.stores.bids, key: Array(entry.recordKey), value: [0x18, 0x01])
                }
            }
            let bad = try await runCiro(["ledger", "verify", "--data-dir", dir.path])
            #expect(bad.status == 1)
            #expect(bad.output.contains("entry 3"))

            let missing = try await runCiro(["ledger", "verify", "--data-dir", dir.path + "/nowhere"])
            #expect(missing.status == 2)
            let noJob = try await runCiro(["ledger", "show", "--data-dir", dir.path, "--job", "zz"])
            #expect(noJob.status == 2)
        }
    }
}
