import Foundation
import Sodium
import Wire

/// Follows one job on a node until it settles or expires, printing each new event as it happens.
struct JobWatcher {
    let client: MarketClient
    let jobID: [UInt8]
    /// Printed before every line.
    var indent = "  "

    /// Polls until the job is terminal or `timeout` passes; returns the last view (nil on timeout).
    func follow(timeout: TimeInterval) throws -> Ciro_V1_JobInfo? {
        let deadline = Date().addingTimeInterval(timeout)
        var printed = 0
        var start: UInt64?
        while Date() < deadline {
            let job = try client.job(jobID)
            let origin = start ?? job.offer.createdMs
            start = origin
            for event in job.events.dropFirst(printed) {
                say("\(indent)\(MarketText.time(event.timeMs, since: origin))  \(event.text)")
            }
            printed = job.events.count
            if job.terminal { return job }
            Thread.sleep(forTimeInterval: 0.2)
        }
        return nil
    }
}
