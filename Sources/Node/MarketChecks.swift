import Foundation
import Ledger
import Sodium
import SwiftProtobuf
import Wire

/// Checks over a local network's nodes after a job: every node sees the same end of the job, and
/// every node's ledger verifies. Used by `ciro demo`, `ciro bench market` and the process tests.
public enum MarketChecks {
    /// Asks one node about one job.
    public static func job(_ control: String, _ id: [UInt8], timeoutMs: Int32 = 5000) throws -> Ciro_V1_JobInfo {
        var request = Ciro_V1_ControlRequest()
        var query = Ciro_V1_JobRequest()
        query.jobID = Data(id)
        request.job = query
        let response = try ControlClient(endpoint: control, timeoutMs: timeoutMs).call(request)
        guard response.error.isEmpty, case let .job(answer) = response.response else {
            throw ControlError.failed(response.error.isEmpty ? "unexpected answer" : response.error)
        }
        return answer.job
    }

    /// Waits until every node in `controls` reports the job terminal with the same phase and the
    /// same settlement as `reference`; throws naming the first node that disagrees.
    public static func agree(_ controls: [String], job id: [UInt8], reference: Ciro_V1_JobInfo, timeout: TimeInterval = 30) throws {
        let deadline = Date().addingTimeInterval(timeout)
        for (i, control) in controls.enumerated() {
            while true {
                let view = try? job(control, id)
                if let view, view.terminal, view.phase == reference.phase, view.settlement == reference.settlement { break }
                if Date() > deadline {
                    throw ControlError.failed("node \(i + 1) sees the job as \(view?.phaseDetail ?? "unknown"), the requester as \(reference.phaseDetail)")
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Verifies a node's ledger (the whole chain, records, envelopes, derived states) and returns
    /// the job's history in it.
    public static func verifyLedger(dataDirectory: String, job id: [UInt8]) throws -> (LedgerVerification, JobHistory?) {
        let reader = try LedgerReader(dataDirectory: dataDirectory)
        let report = try LedgerVerifier.verify(reader, signatures: .wire)
        if let brk = report.firstBreak { throw ControlError.failed("ledger \(dataDirectory) is broken: \(brk)") }
        return (report, try reader.jobHistory(Data(id)))
    }

    /// The job's history as every ledger must agree on it: offer, awards, result of the settled
    /// round, settlement (bytes), faults and expiry. Bids, attestations and proofs are not
    /// compared: only the requester receives bids and a node may miss a late attestation.
    public static func agreedHistory(_ h: JobHistory) -> String {
        func hex(_ m: (some SwiftProtobuf.Message)?) -> String {
            guard let m, let bytes: [UInt8] = try? m.serializedBytes() else { return "none" }
            return Hex.encode(bytes)
        }
        var parts: [String] = []
        parts.append("offer " + hex(h.offer))
        for a in h.awards.sorted(by: { $0.round < $1.round }) { parts.append("award \(a.round) " + hex(a)) }
        if let s = h.settlement {
            parts.append("settlement " + hex(s))
            parts.append("result " + hex(h.results.first(where: { $0.round == s.round })))
        }
        if h.expiry != nil { parts.append("expired") }  // each node words its own reason and time
        return parts.joined(separator: "\n")
    }
}
