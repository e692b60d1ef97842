import Dispatch
import Foundation
import Ledger
import LMDB
import Wire
#if canImport(Glibc)
import Glibc
#endif

/// Figures printed by `ciro bench ledger`.
public struct LedgerBenchFigures: Sendable, Codable {
    /// Raw `write(4 KiB) + fdatasync` rounds per second in the same folder (the disk's limit).
    public var fsyncsPerSecond: Double = 0
    /// One record per durable commit (fsync on commit, the default).
    public var durableSingleCommitsPerSecond: Double = 0
    /// One record per commit with `MDB_NOMETASYNC`.
    public var noMetaSyncSingleCommitsPerSecond: Double = 0
    /// Bids appended in durable commits of `batchSize`.
    public var batchedAppendsPerSecond: Double = 0
    /// Whole job lifecycles (offer, bids, award, proof, result, attestations, settlement, with
    /// job-state and reputation updates) appended in durable commits of about `batchSize` entries.
    public var batchedLifecycleAppendsPerSecond: Double = 0
    /// Point reads of stored records by key (bytes copied out), all threads together.
    public var pointReadsPerSecond: Double = 0
    /// Point reads that also decode the protobuf record, all threads together.
    public var decodedReadsPerSecond: Double = 0
    /// Bytes of the data file in use per log entry, for the bid run.
    public var bytesPerEntryBids: Double = 0
    /// Bytes of the data file in use per log entry, for the lifecycle run (512-byte proofs).
    public var bytesPerEntryLifecycle: Double = 0
    public var batchSize: Int = 0
    public var batchedEntries: Int = 0
    public var readThreads: Int = 0
}

/// `ciro bench ledger`: appends per second (single durable commits and batched commits), point
/// reads per second and size on disk per entry, measured on real LMDB files.
public enum LedgerBench {
    public struct Settings: Sendable {
        public var singleCommits = 300
        public var batchedEntries = 300_000
        public var batchSize = 1_000
        public var reads = 4_000_000
        public var readThreads = ProcessInfo.processInfo.activeProcessorCount
        /// Where to put the scratch ledgers (default: the system temporary folder).
        public var directory: String?
        public init() {}
    }

    public static func run(_ settings: Settings = Settings()) async throws -> LedgerBenchFigures {
        let root = try scratchDirectory(settings.directory)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var f = LedgerBenchFigures()
        f.batchSize = settings.batchSize
        f.batchedEntries = settings.batchedEntries
        f.readThreads = settings.readThreads

        f.fsyncsPerSecond = fsyncRate(directory: root, rounds: 200)
        f.durableSingleCommitsPerSecond = try await singleCommits(root + "/single-durable", .durable, count: settings.singleCommits)
        f.noMetaSyncSingleCommitsPerSecond = try await singleCommits(root + "/single-nometasync", .noMetaSync, count: settings.singleCommits)

        // Batched bids (pure appends: record + log entry + job index).
        let bidsDir = root + "/batched-bids"
        let bids = try Ledger(dataDirectory: bidsDir)
        let bidBatches = max(1, settings.batchedEntries / settings.batchSize)
        f.batchedAppendsPerSecond = try await timedBatches(bids, batches: bidBatches) { b in
            try (0..<settings.batchSize).map { i in
                let n = UInt64(b * settings.batchSize + i)
                return try LedgerAppend(.bid(SyntheticMarket.bid(job: n / 4, worker: n % 4)))
            }
        }
        let bidEntries = try bids.reader.head().sequence
        f.bytesPerEntryBids = Double(bytesInUse(bids.reader)) / Double(max(bidEntries, 1))

        // Point reads over the bids just written.
        let keys = try (0..<min(100_000, bidBatches * settings.batchSize)).map { i -> [UInt8] in
            let n = UInt64((i &* 7919) % (bidBatches * settings.batchSize))
            return try LedgerAppend(.bid(SyntheticMarket.bid(job: n / 4, worker: n % 4))).storeKey
        }
        f.pointReadsPerSecond = try readRate(bids.reader, keys: keys, total: settings.reads, threads: settings.readThreads, decode: false)
        f.decodedReadsPerSecond = try readRate(bids.reader, keys: keys, total: settings.reads / 4, threads: settings.readThreads, decode: true)

        // Batched whole lifecycles (state and reputation updates included).
        let lifeDir = root + "/batched-lifecycle"
        let life = try Ledger(dataDirectory: lifeDir)
        let jobsPerBatch = max(1, settings.batchSize / 9)
        let lifeBatches = max(1, settings.batchedEntries / 9 / jobsPerBatch)
        f.batchedLifecycleAppendsPerSecond = try await timedBatches(life, batches: lifeBatches) { b in
            var items: [LedgerAppend] = []
            items.reserveCapacity(jobsPerBatch * 9)
            for j in 0..<jobsPerBatch { items += try SyntheticMarket.lifecycle(job: UInt64(b * jobsPerBatch + j)) }
            return items
        }
        let lifeEntries = try life.reader.head().sequence
        f.bytesPerEntryLifecycle = Double(bytesInUse(life.reader)) / Double(max(lifeEntries, 1))
        return f
    }

    /// Appends `batches` batches, preparing the next batch on another core while the writer
    /// commits the current one; returns entries per second.
    static func timedBatches(_ ledger: Ledger, batches: Int, make: @escaping @Sendable (Int) throws -> [LedgerAppend]) async throws -> Double {
        var next = Task.detached { try make(0) }
        var entries = 0
        let start = DispatchTime.now().uptimeNanoseconds
        for b in 0..<batches {
            let batch = try await next.value
            if b + 1 < batches { next = Task.detached { try make(b + 1) } }
            let outcomes = try await ledger.append(batch: batch)
            entries += outcomes.count
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(entries) / seconds
    }

    static func singleCommits(_ dir: String, _ durability: Ledger.Durability, count: Int) async throws -> Double {
        var options = Ledger.Options()
        options.durability = durability
        let ledger = try Ledger(dataDirectory: dir, options: options)
        let items = try (0..<count).map { try LedgerAppend(.bid(SyntheticMarket.bid(job: UInt64($0), worker: 1))) }
        _ = try await ledger.append(try LedgerAppend(.bid(SyntheticMarket.bid(job: 1_000_000, worker: 1))))  // warm up
        let start = DispatchTime.now().uptimeNanoseconds
        for item in items { _ = try await ledger.append(item) }
        return Double(count) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func readRate(_ reader: LedgerReader, keys: [[UInt8]], total: Int, threads: Int, decode: Bool) throws -> Double {
        let perThread = max(1, total / max(threads, 1))
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            try? reader.snapshot { snap in
                var i = t &* 7_919
                var found = 0
                for _ in 0..<perThread {
                    let key = keys[i % keys.count]
                    if let bytes = try snap.recordBytes(kind: .bid, key: key) {
                        if decode { found &+= Int((try Ciro_V1_Bid(serializedBytes: bytes)).price & 1) } else { found &+= bytes.count }
                    }
                    i &+= 1
                }
                precondition(found > 0)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(perThread * threads) / seconds
    }

    static func bytesInUse(_ reader: LedgerReader) -> Int {
        let info = reader.environment.info
        return (info.lastPageNumber + 1) * reader.environment.statistics.pageSize
    }

    static func fsyncRate(directory: String, rounds: Int) -> Double {
        let path = directory + "/fsync-probe"
        let fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, 0o600)
        guard fd >= 0 else { return 0 }
        defer { close(fd); unlink(path) }
        let block = [UInt8](repeating: 0x5a, count: 4096)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<rounds {
            _ = block.withUnsafeBytes { pwrite(fd, $0.baseAddress, 4096, off_t(i % 16) * 4096) }
            fdatasync(fd)
        }
        return Double(rounds) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    static func scratchDirectory(_ parent: String?) throws -> String {
        let base = parent ?? NSTemporaryDirectory()
        let path = (base.hasSuffix("/") ? base : base + "/") + "ciro-bench-ledger-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }
}
