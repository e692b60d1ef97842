import Market
import Testing

@Suite struct CapacityTests {
    // Recorded from real machines (`nvidia-smi --query-gpu=name,memory.total,driver_version,utilization.gpu --format=csv,noheader,nounits`).
    let h100 = "NVIDIA H100 80GB HBM3, 81559, 550.90.07, 0\n"
    let mixed = """
    NVIDIA GeForce RTX 4090, 24564, 535.154.05, 37
    NVIDIA GeForce RTX 3060, 12288, 535.154.05, [N/A]

    """

    @Test func parsesOneGPU() throws {
        let gpus = try Capacity.parseNvidiaSMI(h100)
        #expect(gpus == [GPUDescription(name: "NVIDIA H100 80GB HBM3", memoryMiB: 81559, driver: "550.90.07", utilizationPercent: 0)])
    }

    @Test func parsesSeveralGPUsAndNotAvailableFields() throws {
        let gpus = try Capacity.parseNvidiaSMI(mixed)
        #expect(gpus.count == 2)
        #expect(gpus[0].utilizationPercent == 37)
        #expect(gpus[1].utilizationPercent == 0)
        #expect(gpus[1].memoryMiB == 12288)
    }

    @Test func emptyOutputMeansNoGPUs() throws {
        #expect(try Capacity.parseNvidiaSMI("").isEmpty)
    }

    @Test func malformedLinesThrowWithTheLine() {
        #expect(throws: MarketError.capacityParse(source: "nvidia-smi", line: 2, reason: "expected 4 fields, found 2")) {
            try Capacity.parseNvidiaSMI(h100 + "oops, 12\n")
        }
        #expect(throws: MarketError.self) { try Capacity.parseNvidiaSMI("GPU, lots, 1.0, 3") }
        #expect(throws: MarketError.self) { try Capacity.parseNvidiaSMI("GPU, 10, 1.0, 300") }
        #expect(throws: MarketError.self) { try Capacity.parseNvidiaSMI(", 10, 1.0, 3") }
        #expect(throws: MarketError.self) { try Capacity.parseNvidiaSMI("No devices were found") }
    }

    @Test func parsesMemInfo() throws {
        let text = "MemTotal:       24576000 kB\nMemFree:         1000 kB\n"
        #expect(try Capacity.parseMemInfo(text) == 24_576_000 * 1024)
        #expect(throws: MarketError.self) { try Capacity.parseMemInfo("MemFree: 1 kB\n") }
        #expect(throws: MarketError.self) { try Capacity.parseMemInfo("MemTotal: many kB\n") }
    }

    @Test func measuresThisMachine() {
        let capacity = Capacity.measure(nvidiaSMI: nil)
        #expect(capacity.cpuCores >= 1)
        #expect(capacity.memoryBytes > 0)
        #expect(capacity.gpus.isEmpty)
        let ad = capacity.ad(nodeID: Array(repeating: 1, count: 32), endpoint: "tcp://127.0.0.1:1", pricePerMegaMac: 3,
                             supportedOps: ["Gemm"], activeJobs: 0, maxJobs: 2, issuedMs: 1)
        #expect(ad.cpuCores == capacity.cpuCores)
        #expect(ad.backends == ["cpu"])
    }
}
