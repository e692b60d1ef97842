import ArgumentParser
import Foundation
import Ledger
import Sodium
import Wire

struct LedgerVerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Walk and check the hash-chained log.",
        discussion: """
        Re-hashes every log entry and every record it points to, re-checks every stored peer \
        envelope (body hash, author and signature), store sizes, derived job states and \
        reputations replayed from the log. Prints the first break and exits 1, or a summary \
        and exits 0.
        """
    )

    @OptionGroup var data: DataDirectoryOptions
    @Flag(help: "Print the result as one JSON object.") var json = false

    func run() async throws {
        let reader = try data.openLedgerReader(command: "ledger verify")
        let report: LedgerVerification
        do {
            report = try LedgerVerifier.verify(reader, signatures: LedgerSignatures.verifier)
        } catch {
            printError("ciro ledger verify: error: \(error)")
            throw CiroExit.runtimeFailure
        }
        if json {
            var object: [String: Any] = [
                "path": reader.path,
                "intact": report.isIntact,
                "entries": report.entries,
                "head_sequence": report.head.sequence,
                "head_hash": Hex.encode(report.head.hash),
                "envelopes": report.envelopes,
                "signatures_checked": report.signaturesChecked,
                "signatures_unchecked": report.signaturesUnchecked,
                "jobs_checked": report.jobsChecked,
                "reputations_checked": report.reputationsChecked,
                "entries_by_kind": Dictionary(uniqueKeysWithValues: report.entriesByKind.map { (LedgerText.kind($0.key), $0.value) }),
            ]
            if let brk = report.firstBreak {
                object["break"] = ["sequence": brk.sequence.map { $0 as Any } ?? NSNull(), "reason": brk.reason]
            }
            print(LedgerText.json(object))
        } else if let brk = report.firstBreak {
            print("ledger \(reader.path): BROKEN")
            print("  first break: \(brk)")
            print("  entries before it checked: \(report.entries)")
        } else {
            print("ledger \(reader.path): intact")
            print("  entries: \(report.entries) (head \(report.head.sequence), \(Hex.encode(report.head.hash)))")
            let kinds = report.entriesByKind.sorted { $0.key.rawValue < $1.key.rawValue }
                .map { "\(LedgerText.kind($0.key)) \($0.value)" }.joined(separator: ", ")
            if !kinds.isEmpty { print("  by kind: \(kinds)") }
            print("  peer envelopes: \(report.envelopes) (signatures re-checked: \(report.signaturesChecked), not re-checkable: \(report.signaturesUnchecked))")
            print("  job states re-derived: \(report.jobsChecked); reputations replayed: \(report.reputationsChecked)")
        }
        if !report.isIntact { throw CiroExit.checkFailed }
    }
}

extension DataDirectoryOptions {
    /// The ledger folder's reader, with the ledger commands' exit codes for failures.
    func openLedgerReader(command: String) throws -> LedgerReader {
        do {
            return try LedgerReader(dataDirectory: directory.path)
        } catch let error as LedgerError {
            printError("ciro \(command): error: \(error)")
            switch error {
            case .newerFormat, .notFound, .badMetadata: throw CiroExit.badInput
            default: throw CiroExit.runtimeFailure
            }
        }
    }
}

/// Envelope signature re-checking for the ledger commands.
enum LedgerSignatures {
    /// The verifier for stored peer envelopes: the wire protocol's signing rule.
    static let verifier: EnvelopeVerifier? = .wire
}
