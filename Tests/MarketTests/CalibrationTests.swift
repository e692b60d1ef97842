import Foundation
import Market
import Node
import Sodium
import Testing
import Wire

/// The calibration proof at start: a node advertises a measured proving throughput before its
/// first job (docs/MARKET.md, "Capacity ads").
@Suite struct CalibrationTests {
    static func engine(calibrationFails: Bool, calibrate: Bool = true) async throws -> (MarketEngine, [UInt8]) {
        let hub = LocalHub()
        let keys = try Ed25519KeyPair.generate()
        var settings = MarketSettings()
        settings.adIntervalMs = 60_000  // only the start ad and the calibration ad go out
        settings.calibrateAtStart = calibrate
        let engine = try MarketEngine(
            keys: keys, endpoint: "mem://0", settings: settings, capacity: Capacity(gpus: [], cpuCores: 2, memoryBytes: 1 << 30),
            network: HubNetwork(hub: hub, me: keys.publicKey.bytes),
            backend: HashProofBackend(file: Array("m".utf8), preinstalled: true, delayMs: 20, calibrationFails: calibrationFails),
            journal: MemoryJournal())
        hub.add(engine)
        try await engine.start()
        return (engine, keys.publicKey.bytes)
    }

    static func ownThroughput(_ engine: MarketEngine, _ me: [UInt8]) async -> UInt64? {
        await engine.market().first { Array($0.nodeID) == me }?.provingMacsPerSecond
    }

    @Test func theStartAdCarriesTheCalibratedThroughputWithoutAnyJob() async throws {
        let (engine, me) = try await Self.engine(calibrationFails: false)
        defer { Task { await engine.stop() } }
        // The stand-in proves 2,000,000 MACs in 20 ms: 10^8 MACs per second.
        try await EngineFlowTests.waitUntil(timeoutMs: 10_000) { await Self.ownThroughput(engine, me) == 100_000_000 }
        #expect(await engine.jobList().isEmpty)
    }

    @Test func aFailedCalibrationLeavesTheThroughputUnmeasured() async throws {
        let (engine, me) = try await Self.engine(calibrationFails: true)
        defer { Task { await engine.stop() } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await Self.ownThroughput(engine, me) == 0)
        let (off, offMe) = try await Self.engine(calibrationFails: false, calibrate: false)
        defer { Task { await off.stop() } }
        try await Task.sleep(for: .milliseconds(300))
        #expect(await Self.ownThroughput(off, offMe) == 0)
    }

    @Test func throughputIsMACsPerSecond() {
        #expect(ProvingCalibration(macs: 17_024, provingMicroseconds: 34_048).macsPerSecond == 500_000)
        #expect(ProvingCalibration(macs: 1, provingMicroseconds: 10_000_000).macsPerSecond == 1)  // never 0
        #expect(ProvingCalibration(macs: 5, provingMicroseconds: 0).macsPerSecond == 1)
    }

    @Test func theBuiltInModelIsProvenAndVerifiedByZKML() async throws {
        let directory = NSTemporaryDirectory() + "/ciro-calibration-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let backend = try ZKMLProofBackend(dataDirectory: directory)
        let calibration = try await backend.calibrate()
        #expect(calibration.macs == 17_024)  // digits_mlp's shape: 64*128 + 128*64 + 64*10
        #expect(calibration.provingMicroseconds > 0)
        #expect(calibration.macsPerSecond > 0)
    }
}
