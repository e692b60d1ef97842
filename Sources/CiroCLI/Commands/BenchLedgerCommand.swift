import ArgumentParser
import Bench
import Foundation

struct BenchLedgerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ledger",
        abstract: "Ledger appends and reads.",
        discussion: """
        Appends per second for single durable commits (and with MDB_NOMETASYNC), for batched \
        commits of bids and of whole job lifecycles, point reads per second over all cores, and \
        the size on disk per entry. Scratch ledgers go in the temporary folder (or --dir) and are \
        removed afterwards.
        """
    )

    @Flag(help: "Print the figures as one JSON object.") var json = false
    @Option(help: "Entries appended in each batched run.") var entries: Int = 300_000
    @Option(help: "Entries per batched commit.") var batchSize: Int = 1_000
    @Option(help: "Single commits timed per durability mode.") var singleCommits: Int = 300
    @Option(help: "Point reads timed.") var reads: Int = 4_000_000
    @Option(help: "Folder for the scratch ledgers (default: the temporary folder).") var dir: String?
    @Flag(help: "Run only the durable batched-bid appends (rate, CPU per entry, bytes): a short run for comparing builds.")
    var batchedOnly = false

    func run() async throws {
        var settings = LedgerBench.Settings()
        settings.batchedEntries = entries
        settings.batchSize = max(1, batchSize)
        settings.singleCommits = max(1, singleCommits)
        settings.reads = max(1, reads)
        settings.directory = dir
        settings.batchedOnly = batchedOnly
        let f: LedgerBenchFigures
        do {
            f = try await LedgerBench.run(settings)
        } catch {
            printError("ciro bench ledger: error: \(error)")
            throw CiroExit.runtimeFailure
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            print(String(decoding: try encoder.encode(f), as: UTF8.self))
            return
        }
        func rate(_ x: Double) -> String { String(format: "%12.0f", x) }
        print("ledger benchmark (release build, \(ProcessInfo.processInfo.activeProcessorCount) cores)")
        print("  raw 4 KiB write+fdatasync     \(rate(f.fsyncsPerSecond)) /s   (the disk's limit)")
        print("  single commits, durable       \(rate(f.durableSingleCommitsPerSecond)) appends/s")
        print("  single commits, noMetaSync    \(rate(f.noMetaSyncSingleCommitsPerSecond)) appends/s")
        print("  batched bids (\(f.batchSize)/commit)     \(rate(f.batchedAppendsPerSecond)) entries/s")
        print("    CPU per bid: build / writer \(String(format: "%8.2f / %.2f", f.batchedBuildCPUMicrosPerEntry, f.batchedWriterCPUMicrosPerEntry)) us")
        print("  batched job lifecycles        \(rate(f.batchedLifecycleAppendsPerSecond)) entries/s")
        print("  point reads (\(f.readThreads) threads)        \(rate(f.pointReadsPerSecond)) reads/s")
        print("  decoded point reads           \(rate(f.decodedReadsPerSecond)) reads/s")
        print("  size on disk, bids            \(String(format: "%12.1f", f.bytesPerEntryBids)) bytes/entry")
        print("  job id -> number map          \(String(format: "%12.1f", f.jobMapBytesPerJob)) bytes/job (\(f.jobMapJobs) jobs in memory)")
        print("  size on disk, lifecycles      \(String(format: "%12.1f", f.bytesPerEntryLifecycle)) bytes/entry (512-byte proofs)")
    }
}
