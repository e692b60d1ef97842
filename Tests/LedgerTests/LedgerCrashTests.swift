import Foundation
import Ledger
import Testing

/// A real child process (`ciro ledger stress-append`, durable commits) appends as fast as it can
/// and prints `committed N` after each commit; it is killed with SIGKILL at random moments.
/// After every kill the ledger reopens with every reported entry present and the chain intact.
@Suite("Ledger crash safety")
struct LedgerCrashTests {
    @Test("SIGKILL at random moments loses no committed entry and never breaks the chain")
    func killedWriterLosesNothing() throws {
        let exe = try #require(ciroExecutable(), "build the ciro executable first: swift build -c release")
        let dir = TemporaryDirectory()
        var generator = SystemRandomNumberGenerator()
        var lastReported: UInt64 = 0
        var kills = 0
        let started = Date()

        for round in 0..<24 {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: exe)
            process.arguments = ["ledger", "stress-append", "--data-dir", dir.path]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()

            // Let it commit for a random while, then kill it mid-flight.
            let deadline = Date().addingTimeInterval(Double.random(in: 0.15...0.6, using: &generator))
            var buffer = Data()
            let handle = out.fileHandleForReading
            while Date() < deadline {
                let chunk = handle.availableData
                if chunk.isEmpty { break }
                buffer.append(chunk)
            }
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            buffer.append(handle.readDataToEndOfFile())
            #expect(process.terminationReason == .uncaughtSignal, "round \(round): the child exited on its own")
            kills += 1

            // Only complete lines count: a line cut by the kill was never fully reported.
            let text = String(decoding: buffer, as: UTF8.self)
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            for line in lines where line.hasPrefix("committed ") {
                if let n = UInt64(line.dropFirst("committed ".count)) { lastReported = max(lastReported, n) }
            }

            let reader = try LedgerReader(dataDirectory: dir.path)
            let head = try reader.head()
            #expect(head.sequence >= lastReported, "round \(round): reported \(lastReported) committed, found head \(head.sequence)")
            let report = try LedgerVerifier.verify(reader)
            #expect(report.isIntact, "round \(round): \(String(describing: report.firstBreak))")
            #expect(report.entries == head.sequence)
        }
        #expect(kills >= 20)
        #expect(lastReported > 100, "the child should have committed plenty")
        #expect(Date().timeIntervalSince(started) < 60)
    }
}
