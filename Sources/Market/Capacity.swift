import Foundation
import Wire

/// One GPU as `nvidia-smi` reports it.
public struct GPUDescription: Sendable, Equatable {
    public var name: String
    public var memoryMiB: UInt64
    public var driver: String
    public var utilizationPercent: UInt32

    public init(name: String, memoryMiB: UInt64, driver: String, utilizationPercent: UInt32) {
        self.name = name
        self.memoryMiB = memoryMiB
        self.driver = driver
        self.utilizationPercent = utilizationPercent
    }
}

/// What a node can sell: hardware, measured proving throughput, price and load.
public struct Capacity: Sendable, Equatable {
    public var gpus: [GPUDescription]
    public var cpuCores: UInt32
    public var memoryBytes: UInt64
    /// MACs proven per second, from a calibration proof (0 until measured).
    public var provingMacsPerSecond: UInt64

    public init(gpus: [GPUDescription], cpuCores: UInt32, memoryBytes: UInt64, provingMacsPerSecond: UInt64 = 0) {
        self.gpus = gpus
        self.cpuCores = cpuCores
        self.memoryBytes = memoryBytes
        self.provingMacsPerSecond = provingMacsPerSecond
    }

    /// The query `measure()` runs when `nvidia-smi` is on the PATH.
    public static let nvidiaSMIArguments = [
        "--query-gpu=name,memory.total,driver_version,utilization.gpu", "--format=csv,noheader,nounits",
    ]

    /// Parses the output of `nvidia-smi --query-gpu=name,memory.total,driver_version,utilization.gpu
    /// --format=csv,noheader,nounits`: one GPU per line, four comma-separated fields. Fields that
    /// nvidia-smi cannot read print as `[N/A]` or `[Not Supported]` and count as 0.
    public static func parseNvidiaSMI(_ text: String) throws(MarketError) -> [GPUDescription] {
        var gpus: [GPUDescription] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 4 else {
                throw .capacityParse(source: "nvidia-smi", line: index + 1, reason: "expected 4 fields, found \(fields.count)")
            }
            guard !fields[0].isEmpty else {
                throw .capacityParse(source: "nvidia-smi", line: index + 1, reason: "empty GPU name")
            }
            func number(_ field: String, _ what: String) throws(MarketError) -> UInt64 {
                if field.hasPrefix("[") { return 0 }  // [N/A], [Not Supported]
                guard let value = UInt64(field) else {
                    throw .capacityParse(source: "nvidia-smi", line: index + 1, reason: "\(what) '\(field)' is not a number")
                }
                return value
            }
            let memory = try number(fields[1], "memory.total")
            let utilization = try number(fields[3], "utilization.gpu")
            guard utilization <= 100 else {
                throw .capacityParse(source: "nvidia-smi", line: index + 1, reason: "utilization \(utilization) above 100")
            }
            gpus.append(GPUDescription(name: fields[0], memoryMiB: memory, driver: fields[2],
                                       utilizationPercent: UInt32(utilization)))
        }
        return gpus
    }

    /// Parses `MemTotal:` from the text of /proc/meminfo, in bytes.
    public static func parseMemInfo(_ text: String) throws(MarketError) -> UInt64 {
        for (index, line) in text.split(separator: "\n").enumerated() where line.hasPrefix("MemTotal:") {
            let parts = line.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 3, parts[2] == "kB", let kib = UInt64(parts[1]) else {
                throw .capacityParse(source: "/proc/meminfo", line: index + 1, reason: "unexpected MemTotal line '\(line)'")
            }
            let (bytes, overflow) = kib.multipliedReportingOverflow(by: 1024)
            guard !overflow else {
                throw .capacityParse(source: "/proc/meminfo", line: index + 1, reason: "MemTotal too large")
            }
            return bytes
        }
        throw .capacityParse(source: "/proc/meminfo", line: 0, reason: "no MemTotal line")
    }

    /// Measures this machine: CPU cores, memory from /proc/meminfo, GPUs from nvidia-smi when it
    /// is on the PATH (a failing or absent nvidia-smi means no GPUs).
    public static func measure(nvidiaSMI: String? = findExecutable("nvidia-smi")) -> Capacity {
        let cores = UInt32(ProcessInfo.processInfo.activeProcessorCount)
        var memory = ProcessInfo.processInfo.physicalMemory
        if let text = try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8), let parsed = try? parseMemInfo(text) {
            memory = parsed
        }
        var gpus: [GPUDescription] = []
        if let path = nvidiaSMI, let output = Subprocess.output(path, nvidiaSMIArguments), let parsed = try? parseNvidiaSMI(output) {
            gpus = parsed
        }
        return Capacity(gpus: gpus, cpuCores: cores, memoryBytes: memory)
    }

    /// The first executable named `name` on the PATH.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

}

/// Runs a helper program and captures what it prints (nvidia-smi for the capacity ads, Python for
/// the inference benchmark's onnxruntime reference).
public enum Subprocess {
    /// The standard output of `path arguments...` run to completion (standard error discarded);
    /// nil when it cannot start or exits with a non-zero status.
    public static func output(_ path: String, _ arguments: [String]) -> String? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        do { try process.run() } catch { return nil }
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { return nil }
        return String(decoding: data, as: UTF8.self)
    }
}

extension Capacity {
    /// The wire form, completed with the seller's terms and load.
    public func ad(nodeID: [UInt8], endpoint: String, pricePerMegaMac: UInt64, supportedOps: [String],
                   activeJobs: UInt32, maxJobs: UInt32, issuedMs: UInt64) -> Ciro_V1_CapacityAd {
        var ad = Ciro_V1_CapacityAd()
        ad.nodeID = Data(nodeID)
        ad.gpus = gpus.map { gpu in
            var info = Ciro_V1_GpuInfo()
            info.name = gpu.name
            info.memoryMib = gpu.memoryMiB
            info.driver = gpu.driver
            info.utilizationPercent = gpu.utilizationPercent
            return info
        }
        ad.cpuCores = cpuCores
        ad.memoryBytes = memoryBytes
        ad.provingMacsPerSecond = provingMacsPerSecond
        ad.pricePerMegaMac = pricePerMegaMac
        ad.supportedOps = supportedOps
        ad.backends = gpus.isEmpty ? ["cpu"] : ["cpu", "gpu"]
        ad.activeJobs = activeJobs
        ad.maxJobs = maxJobs
        ad.endpoint = endpoint
        ad.issuedMs = issuedMs
        return ad
    }
}
