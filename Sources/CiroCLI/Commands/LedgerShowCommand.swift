import ArgumentParser
import Foundation
import Ledger
import Sodium
import SwiftProtobuf
import Wire

struct LedgerShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print ledger history.",
        discussion: """
        Without --job: the head, record counts, jobs by state and the latest entries. With \
        --job: that job's offer, bids, awards, results, attestations, faults, settlement and \
        every log entry about it.
        """
    )

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: ArgumentHelp("A job id (hex) to show with its whole history.", valueName: "id")) var job: String?
    @Option(help: "How many of the latest log entries to list.") var limit: Int = 20
    @Flag(help: "Print as one JSON object.") var json = false

    func run() async throws {
        let reader = try data.openLedgerReader(command: "ledger show")
        do {
            if let job {
                guard let id = Hex.decode(job), !id.isEmpty else {
                    printError("ciro ledger show: error: --job must be a hex job id, got '\(job)'")
                    throw CiroExit.badInput
                }
                guard let history = try reader.jobHistory(Data(id)) else {
                    printError("ciro ledger show: no job \(job) in \(reader.path)")
                    throw CiroExit.badInput
                }
                json ? print(LedgerText.json(try LedgerText.jobObject(history))) : LedgerText.printJob(history)
            } else {
                try showSummary(reader)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("ciro ledger show: error: \(error)")
            throw CiroExit.runtimeFailure
        }
    }

    private func showSummary(_ reader: LedgerReader) throws {
        try reader.snapshot { snap in
            let head = try snap.head()
            let total = head.sequence
            let first = total > UInt64(max(limit, 0)) ? total - UInt64(max(limit, 0)) + 1 : 1
            let entries = try snap.entries(from: first, limit: max(limit, 0))
            var states: [(String, Int)] = []
            for state in [Ciro_V1_JobState.offered, .awarded, .proven, .attested, .settled, .failed, .expired] {
                states.append((LedgerText.state(state), try snap.jobs(in: state).count))
            }
            if json {
                let object: [String: Any] = [
                    "path": reader.path,
                    "head_sequence": head.sequence,
                    "head_hash": Hex.encode(head.hash),
                    "jobs_by_state": Dictionary(uniqueKeysWithValues: states),
                    "entries": try entries.map { try LedgerText.entryObject($0) },
                ]
                print(LedgerText.json(object))
                return
            }
            print("ledger \(reader.path)")
            print("  head: \(head.sequence) \(Hex.encode(head.hash))")
            print("  jobs: " + states.map { "\($0.0) \($0.1)" }.joined(separator: ", "))
            if !entries.isEmpty { print("  latest entries:") }
            for e in entries { print("    " + LedgerText.entryLine(e)) }
        }
    }
}

/// Readable and JSON renderings of ledger records.
enum LedgerText {
    static func kind(_ kind: Ciro_V1_EntryKind) -> String {
        switch kind {
        case .jobOffer: "offer"
        case .bid: "bid"
        case .award: "award"
        case .result: "result"
        case .proof: "proof"
        case .attestation: "attestation"
        case .settlement: "settlement"
        case .capacityAd: "capacity"
        case .model: "model"
        case .fault: "fault"
        case .expiry: "expiry"
        default: "unknown(\(kind.rawValue))"
        }
    }

    static func state(_ state: Ciro_V1_JobState) -> String {
        switch state {
        case .offered: "offered"
        case .awarded: "awarded"
        case .proven: "proven"
        case .attested: "attested"
        case .settled: "settled"
        case .failed: "failed"
        case .expired: "expired"
        default: "unknown"
        }
    }

    static func short(_ bytes: some Sequence<UInt8>) -> String {
        let hex = Hex.encode(bytes)
        return hex.count > 16 ? String(hex.prefix(16)) + "…" : hex
    }

    static func time(_ ms: UInt64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000))
    }

    static func entryLine(_ e: LedgerEntry) -> String {
        var line = "#\(e.sequence) \(time(e.entry.timeMs)) \(kind(e.kind)) key \(short(e.entry.recordKey)) record \(short(e.entry.recordHash))"
        if let envelope = e.envelope { line += " from \(short(envelope.sender))" }
        return line
    }

    static func entryObject(_ e: LedgerEntry) throws -> [String: Any] {
        var object: [String: Any] = [
            "sequence": e.sequence,
            "time_ms": e.entry.timeMs,
            "kind": kind(e.kind),
            "record_key": Hex.encode(e.entry.recordKey),
            "record_hash": Hex.encode(e.entry.recordHash),
            "previous_hash": Hex.encode(e.entry.previousHash),
            "entry_hash": Hex.encode(e.hash),
        ]
        if let envelope = e.envelope {
            object["envelope"] = ["sender": Hex.encode(envelope.sender), "signature": Hex.encode(envelope.signature),
                                  "timestamp_ms": envelope.timestampMs, "sequence": envelope.sequence]
        }
        return object
    }

    /// A protobuf message as a JSON value (bytes fields as base64, per the protobuf JSON mapping).
    static func message(_ m: some SwiftProtobuf.Message) throws -> Any {
        let text = try m.jsonString()
        return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }

    static func jobObject(_ h: JobHistory) throws -> [String: Any] {
        var object: [String: Any] = ["job_id": Hex.encode(h.jobID)]
        if let status = h.status {
            object["state"] = state(status.state)
            object["round"] = status.round
        }
        if let offer = h.offer { object["offer"] = try message(offer) }
        object["bids"] = try h.bids.map { try message($0) }
        object["awards"] = try h.awards.map { try message($0) }
        object["results"] = try h.results.map { try message($0) }
        object["attestations"] = try h.attestations.map { try message($0) }
        object["faults"] = try h.faults.map { try message($0) }
        if let s = h.settlement { object["settlement"] = try message(s) }
        if let e = h.expiry { object["expiry"] = try message(e) }
        object["entries"] = try h.entries.map { try entryObject($0) }
        return object
    }

    static func printJob(_ h: JobHistory) {
        print("job \(Hex.encode(h.jobID))")
        if let status = h.status {
            print("  state: \(state(status.state)) (round \(status.round), attestations valid \(status.validAttestations), invalid \(status.invalidAttestations))")
        }
        if let o = h.offer {
            print("  offer: requester \(short(o.requester)) model \(short(o.modelID)) max price \(o.maxPrice) deadline \(time(o.deadlineMs)) attestations required \(o.attestationsRequired)")
        } else {
            print("  offer: not in this ledger")
        }
        for b in h.bids { print("  bid: worker \(short(b.worker)) price \(b.price) promised \(b.promisedMs) ms") }
        for a in h.awards { print("  award: round \(a.round) worker \(short(a.worker)) price \(a.price) result due \(time(a.resultDueMs))") }
        for r in h.results { print("  result: round \(r.round) worker \(short(r.worker)) proof \(short(r.proofID)) (\(r.proofSize) bytes) proving \(r.provingUs) us") }
        for a in h.attestations {
            let verdict = a.verdict == .valid ? "valid" : a.verdict == .invalid ? "INVALID" : "unspecified"
            print("  attestation: round \(a.round) auditor \(short(a.auditor)) \(verdict)\(a.reason.isEmpty ? "" : " (\(a.reason))")")
        }
        for f in h.faults { print("  fault: round \(f.round) worker \(short(f.worker)) \(f.kind == .missedDeadline ? "missed deadline" : "invalid proof")\(f.detail.isEmpty ? "" : " (\(f.detail))")") }
        if let s = h.settlement { print("  settlement: round \(s.round) worker \(short(s.worker)) paid \(s.price) at \(time(s.settledMs)) with \(s.attestationIds.count) attestations") }
        if let e = h.expiry { print("  expired at \(time(e.expiredMs))\(e.reason.isEmpty ? "" : " (\(e.reason))")") }
        print("  log:")
        for e in h.entries { print("    " + entryLine(e)) }
    }

    static func json(_ object: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .prettyPrinted]) else { return "{}" }
        return String(decoding: data, as: UTF8.self)
    }
}
