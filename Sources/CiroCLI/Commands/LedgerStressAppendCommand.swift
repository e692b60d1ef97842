import ArgumentParser
import Foundation
import Ledger
#if canImport(Glibc)
import Glibc
#endif

/// Hidden: the child process of the ledger crash test. Appends synthetic jobs as fast as it can
/// and prints `committed N` (N = the log's head sequence) after every commit, unbuffered, so a
/// parent that kills it knows what was committed.
struct LedgerStressAppendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "stress-append",
        abstract: "Append synthetic records as fast as possible (crash testing).",
        shouldDisplay: false
    )

    @OptionGroup var data: DataDirectoryOptions
    @Option(help: "Stop after this many jobs (default: run until killed).") var jobs: Int?
    @Option(help: "durable, noMetaSync or noSync.") var durability: String = "durable"

    func run() async throws {
        var options = Ledger.Options()
        guard let mode = Ledger.Durability(rawValue: durability) else {
            printError("ciro ledger stress-append: unknown durability '\(durability)'")
            throw CiroExit.badInput
        }
        options.durability = mode
        let ledger = try Ledger(dataDirectory: data.directory.path, options: options)
        let base = try ledger.reader.head().sequence
        var rng = SystemRandomNumberGenerator()
        var n: UInt64 = 0
        while jobs.map({ n < UInt64($0) }) ?? true {
            let items = try SyntheticMarket.lifecycle(job: base &+ n)
            if Bool.random(using: &rng) {
                let outcomes = try await ledger.append(batch: items)
                report(outcomes)
            } else {
                for item in items { report([try await ledger.append(item)]) }
            }
            n &+= 1
        }
    }

    private func report(_ outcomes: [AppendOutcome]) {
        guard let last = outcomes.compactMap({ $0.receipt?.sequence }).max() else { return }
        var line = "committed \(last)\n"
        line.withUTF8 { buf in _ = write(1, buf.baseAddress, buf.count) }
    }
}
