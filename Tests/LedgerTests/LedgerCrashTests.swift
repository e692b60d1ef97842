import Dispatch
import Foundation
import Ledger
import Testing
import TestSupport
extension LedgerTestSuite {
    /// A real child process (`ciro ledger stress-append`, durable commits) appends as fast as it can
    /// and prints `committed N` after each commit; it is killed with SIGKILL at random moments.
    /// After every kill the ledger reopens with every reported entry present and the chain intact.
    @Suite("Ledger crash safety")
    struct LedgerCrashTests {
        /// What one kill round found.
        struct Round: Sendable {
            var killedBySignal: Bool
            var lastReported: UInt64
            var head: UInt64
            var verifiedEntries: UInt64
            var firstBreak: String?
        }

        @Test("SIGKILL at random moments loses no committed entry and never breaks the chain")
        func killedWriterLosesNothing() async throws {
            let exe = try #require(ciroExecutable(), "build the ciro executable first: swift build -c release")
            let dir = TemporaryDirectory()
            let path = dir.path
            let started = Date()
            // The rounds block on pipes and processes: run them off Swift's cooperative pool, which
            // other suites running in parallel need.
            let rounds = try await offThePool { try Self.killRounds(exe: exe, dataDirectory: path, count: 24) }

            #expect(rounds.count >= 20)
            for (i, r) in rounds.enumerated() {
                #expect(r.killedBySignal, "round \(i): the child exited on its own")
                #expect(r.head >= r.lastReported, "round \(i): reported \(r.lastReported) committed, found head \(r.head)")
                #expect(r.firstBreak == nil, "round \(i): \(r.firstBreak ?? "")")
                #expect(r.verifiedEntries == r.head, "round \(i): verified \(r.verifiedEntries) of \(r.head) entries")
            }
            #expect((rounds.last?.lastReported ?? 0) > 100, "the child should have committed plenty")
            #expect(Date().timeIntervalSince(started) < 60)
        }

        static func killRounds(exe: String, dataDirectory: String, count: Int) throws -> [Round] {
            var generator = SystemRandomNumberGenerator()
            var lastReported: UInt64 = 0
            var rounds: [Round] = []
            for _ in 0..<count {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: exe)
                process.arguments = ["ledger", "stress-append", "--data-dir", dataDirectory]
                let out = Pipe()
                process.standardOutput = out
                process.standardError = FileHandle.nullDevice
                try process.run()
                // The child runs flat out; other suites run in parallel with timing expectations.
                setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(process.processIdentifier), 10)

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

                // Only complete lines count: a line cut by the kill was never fully reported.
                let text = String(decoding: buffer, as: UTF8.self)
                for line in text.split(separator: "\n", omittingEmptySubsequences: false).dropLast() where line.hasPrefix("committed ") {
                    if let n = UInt64(line.dropFirst("committed ".count)) { lastReported = max(lastReported, n) }
                }

                let reader = try LedgerReader(dataDirectory: dataDirectory)
                let head = try reader.head()
                let report = try LedgerVerifier.verify(reader)
                rounds.append(Round(
                    killedBySignal: process.terminationReason == .uncaughtSignal, lastReported: lastReported,
                    head: head.sequence, verifiedEntries: report.entries, firstBreak: report.firstBreak?.description))
            }
            return rounds
        }
    }
}
