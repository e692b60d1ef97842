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
    /// Rounds per second of the I/O a durable LMDB commit of one record does, without LMDB: write
    /// 3 scattered 4 KiB pages + `fdatasync`, then one 4 KiB meta page through an `O_DSYNC`
    /// descriptor (two flushes, in that order). The ceiling for durable single commits.
    public var commitIOFloorPerSecond: Double = 0
    /// One record per durable commit (fsync on commit, the default).
    public var durableSingleCommitsPerSecond: Double = 0
    /// One record per commit with `MDB_NOMETASYNC`.
    public var noMetaSyncSingleCommitsPerSecond: Double = 0
    /// Bids appended in durable commits of `batchSize`.
    public var batchedAppendsPerSecond: Double = 0
    /// CPU time of the whole process (all threads: building the appends and the writer) per
    /// batched bid, in microseconds: comparable across runs on a loaded machine, unlike wall time.
    public var batchedCPUMicrosPerEntry: Double = 0
    /// CPU time per batched bid spent building the appends (protobuf encoding, record hash, key),
    /// in microseconds: the caller's side, measured with the building threads' own CPU clocks.
    public var batchedBuildCPUMicrosPerEntry: Double = 0
    /// `batchedCPUMicrosPerEntry` less `batchedBuildCPUMicrosPerEntry`: the writer's side (LMDB
    /// puts, log entry, commit) and the process's other threads, per batched bid.
    public var batchedWriterCPUMicrosPerEntry: Double = 0
    /// Bytes the process wrote to storage per batched bid (`/proc/self/io` write_bytes).
    public var batchedWriteBytesPerEntry: Double = 0
    /// The same bids in commits of `batchSize` with `MDB_NOSYNC`: the CPU-bound rate.
    public var batchedNoSyncAppendsPerSecond: Double = 0
    /// Whole job lifecycles (offer, bids, award, proof, result, attestations, settlement, with
    /// job-state and reputation updates) appended in durable commits of about `batchSize` entries.
    public var batchedLifecycleAppendsPerSecond: Double = 0
    /// CPU time per lifecycle entry (all threads), in microseconds.
    public var lifecycleCPUMicrosPerEntry: Double = 0
    /// Point reads of stored records by key (bytes copied out), all threads together.
    public var pointReadsPerSecond: Double = 0
    /// Point reads that also decode the protobuf record, all threads together.
    public var decodedReadsPerSecond: Double = 0
    /// Bytes of the data file in use per log entry, for the bid run.
    public var bytesPerEntryBids: Double = 0
    /// Bytes of the data file in use per log entry, for the lifecycle run (512-byte proofs).
    public var bytesPerEntryLifecycle: Double = 0
    /// Memory of the in-memory job id -> number table per job, filled with `jobMapJobs` 32-byte ids.
    public var jobMapBytesPerJob: Double = 0
    public var jobMapJobs: Int = 0
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
        /// Run only the durable batched-bid appends (and their CPU and bytes figures): a short,
        /// repeatable run for comparing builds; every other figure stays 0.
        public var batchedOnly = false
        public init() {}
    }

    public static func run(_ settings: Settings = Settings()) async throws -> LedgerBenchFigures {
        let root = try scratchDirectory(settings.directory)
        defer { try? FileManager.default.removeItem(atPath: root) }
        var f = LedgerBenchFigures()
        f.batchSize = settings.batchSize
        f.batchedEntries = settings.batchedEntries
        f.readThreads = settings.readThreads

        if !settings.batchedOnly {
            f.fsyncsPerSecond = fsyncRate(directory: root, rounds: 200)
            f.commitIOFloorPerSecond = commitIOFloor(directory: root, rounds: 200)
            f.durableSingleCommitsPerSecond = try await singleCommits(root + "/single-durable", .durable, count: settings.singleCommits)
            f.noMetaSyncSingleCommitsPerSecond = try await singleCommits(root + "/single-nometasync", .noMetaSync, count: settings.singleCommits)
        }

        // Batched bids (pure appends: record + log entry + job index).
        let bidsDir = root + "/batched-bids"
        let bids = try Ledger(dataDirectory: bidsDir)
        let bidBatches = max(1, settings.batchedEntries / settings.batchSize)
        let workers = (0..<4).map { SyntheticMarket.node(UInt64($0)) }
        let buildCPU = CPUTally()
        let makeBids: @Sendable (Int) throws -> [LedgerAppend] = { b in
            let start = ResourceMeter.threadCPUNanoseconds()
            defer { buildCPU.add(ResourceMeter.threadCPUNanoseconds() - start) }
            // The same bids as SyntheticMarket.bid(job: n / 4, worker: n % 4), each id hashed once.
            var jobID = Data()
            var jobOfID = UInt64.max
            return try (0..<settings.batchSize).map { i in
                let n = UInt64(b * settings.batchSize + i)
                if n / 4 != jobOfID { jobOfID = n / 4; jobID = SyntheticMarket.job(jobOfID) }
                return try LedgerAppend(.bid(SyntheticMarket.bid(job: n / 4, jobID: jobID, worker: n % 4, workerID: workers[Int(n % 4)])))
            }
        }
        let bidCost = ResourceMeter()
        f.batchedAppendsPerSecond = try await timedBatches(bids, batches: bidBatches, make: makeBids)
        let bidUse = bidCost.elapsed()
        let bidCount = Double(bidBatches * settings.batchSize)
        f.batchedCPUMicrosPerEntry = bidUse.cpuSeconds * 1e6 / bidCount
        f.batchedBuildCPUMicrosPerEntry = Double(buildCPU.total) / 1e3 / bidCount
        f.batchedWriterCPUMicrosPerEntry = f.batchedCPUMicrosPerEntry - f.batchedBuildCPUMicrosPerEntry
        f.batchedWriteBytesPerEntry = Double(bidUse.writeBytes) / bidCount
        let bidEntries = try bids.reader.head().sequence
        f.bytesPerEntryBids = Double(bytesInUse(bids.reader)) / Double(max(bidEntries, 1))
        if settings.batchedOnly { return f }
        do {
            var options = Ledger.Options()
            options.durability = .noSync
            let fast = try Ledger(dataDirectory: root + "/batched-bids-nosync", options: options)
            f.batchedNoSyncAppendsPerSecond = try await timedBatches(fast, batches: bidBatches, make: makeBids)
        }

        // Point reads over the bids just written, by their stored keys (the log entries' keys).
        let keys = try bids.reader.snapshot { snap in
            try (0..<min(100_000, bidBatches * settings.batchSize)).map { i -> [UInt8] in
                let sequence = UInt64((i &* 7919) % (bidBatches * settings.batchSize)) + 1
                guard let entry = try snap.entry(sequence) else { throw LedgerError.corruptEntry(sequence: sequence, reason: "missing") }
                return Array(entry.entry.recordKey)
            }
        }
        f.pointReadsPerSecond = try readRate(bids.reader, keys: keys, total: settings.reads, threads: settings.readThreads, decode: false)
        f.decodedReadsPerSecond = try readRate(bids.reader, keys: keys, total: settings.reads / 4, threads: settings.readThreads, decode: true)

        // The job id -> number table at scale.
        f.jobMapJobs = 1_000_000
        f.jobMapBytesPerJob = jobMapBytesPerJob(jobs: f.jobMapJobs)

        // Batched whole lifecycles (state and reputation updates included).
        let lifeDir = root + "/batched-lifecycle"
        let life = try Ledger(dataDirectory: lifeDir)
        let jobsPerBatch = max(1, settings.batchSize / 9)
        let lifeBatches = max(1, settings.batchedEntries / 9 / jobsPerBatch)
        let lifeCost = ResourceMeter()
        f.batchedLifecycleAppendsPerSecond = try await timedBatches(life, batches: lifeBatches) { b in
            var items: [LedgerAppend] = []
            items.reserveCapacity(jobsPerBatch * 9)
            for j in 0..<jobsPerBatch { items += try SyntheticMarket.lifecycle(job: UInt64(b * jobsPerBatch + j)) }
            return items
        }
        let lifeEntries = try life.reader.head().sequence
        f.lifecycleCPUMicrosPerEntry = lifeCost.elapsed().cpuSeconds * 1e6 / Double(max(lifeEntries, 1))
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

    /// Bytes per job of a job-number table holding `jobs` ids (32 bytes each), assigned and
    /// published as the writer does.
    static func jobMapBytesPerJob(jobs: Int) -> Double {
        let numbers = JobNumbers()
        for n in 1...jobs { _ = numbers.writerNumber(of: SyntheticMarket.job(UInt64(n)), assigning: UInt64(n)) }
        numbers.publish(through: UInt64(jobs))
        precondition(numbers.count == jobs && numbers.cached(SyntheticMarket.job(UInt64(jobs))) == UInt64(jobs))
        return Double(numbers.memoryBytes) / Double(jobs)
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
                    if decode {
                        // Decoded in place, straight from the map.
                        if let price = try snap.withRecordBytes(kind: .bid, key: key, { try Ciro_V1_Bid(serializedBytes: $0.bytes).price }) {
                            found &+= Int(price & 1) | 1
                        }
                    } else if let bytes = try snap.recordBytes(kind: .bid, key: key) {
                        found &+= bytes.count
                    }
                    i &+= 1
                }
                precondition(found > 0)
            }
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(perThread * threads) / seconds
    }

    /// CPU nanoseconds added up from several threads.
    final class CPUTally: @unchecked Sendable {
        private let lock = NSLock()
        private var nanoseconds: UInt64 = 0

        func add(_ n: UInt64) {
            lock.lock()
            nanoseconds &+= n
            lock.unlock()
        }

        var total: UInt64 {
            lock.lock()
            defer { lock.unlock() }
            return nanoseconds
        }
    }

    /// Process CPU time and bytes written to storage since it was made.
    struct ResourceMeter {
        let cpu0 = Self.cpuSeconds()
        let write0 = Self.writeBytes()

        func elapsed() -> (cpuSeconds: Double, writeBytes: Int) {
            (Self.cpuSeconds() - cpu0, Self.writeBytes() - write0)
        }

        static func cpuSeconds() -> Double {
            var usage = rusage()
            getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
            return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
        }

        /// CPU time of the calling thread (`CLOCK_THREAD_CPUTIME_ID`).
        static func threadCPUNanoseconds() -> UInt64 {
            var t = timespec()
            clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
            return UInt64(t.tv_sec) * 1_000_000_000 + UInt64(t.tv_nsec)
        }

        /// `write_bytes` of `/proc/self/io` (0 where there is none).
        static func writeBytes() -> Int {
            guard let text = try? String(contentsOfFile: "/proc/self/io", encoding: .utf8) else { return 0 }
            for line in text.split(separator: "\n") where line.hasPrefix("write_bytes:") {
                return Int(line.dropFirst("write_bytes:".count).trimmingCharacters(in: .whitespaces)) ?? 0
            }
            return 0
        }
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

    /// What LMDB does for one durable commit (`mdb_txn_commit` without `MDB_WRITEMAP`): the dirty
    /// pages with `pwrite`, `fdatasync`, then the meta page through its `O_DSYNC` descriptor.
    static func commitIOFloor(directory: String, rounds: Int) -> Double {
        let path = directory + "/commit-probe"
        let fd = open(path, O_CREAT | O_RDWR | O_TRUNC, 0o600)
        guard fd >= 0 else { return 0 }
        let metaFD = open(path, O_WRONLY | O_DSYNC)
        defer { close(fd); if metaFD >= 0 { close(metaFD) }; unlink(path) }
        guard metaFD >= 0 else { return 0 }
        let block = [UInt8](repeating: 0x5a, count: 4096)
        _ = block.withUnsafeBytes { b in (0..<64).map { pwrite(fd, b.baseAddress, 4096, off_t($0) * 4096) } }
        fdatasync(fd)
        let start = DispatchTime.now().uptimeNanoseconds
        for i in 0..<rounds {
            block.withUnsafeBytes { b in
                for page in [4 + i % 20, 24 + (i * 7) % 20, 44 + (i * 13) % 20] {
                    _ = pwrite(fd, b.baseAddress, 4096, off_t(page) * 4096)
                }
                fdatasync(fd)
                _ = pwrite(metaFD, b.baseAddress, 4096, off_t(i % 2) * 4096)
            }
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
