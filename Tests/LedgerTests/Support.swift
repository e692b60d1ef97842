import Testing
import Dispatch
import Foundation
import Ledger
import Wire
import TestSupport

/// Options for test ledgers: no fsync (a killed process still loses nothing) and a fixed clock.
func testOptions(mapSize: Int = 1 << 20) -> Ledger.Options {
    var options = Ledger.Options()
    options.durability = .noSync
    options.initialMapSize = mapSize
    options.clock = { 1_700_000_000_000 }
    return options
}

func hex(_ d: Data) -> String { d.map { String(format: "%02x", $0) }.joined() }

/// Appends `items` one by one and returns the outcomes.
func appendEach(_ ledger: Ledger, _ items: [LedgerAppend]) async throws -> [AppendOutcome] {
    var out: [AppendOutcome] = []
    for item in items { out.append(try await ledger.append(item)) }
    return out
}

/// Path of the `ciro` executable built next to this test bundle.
func ciroExecutable() -> String? {
    guard let exe = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else { return nil }
    var dir = URL(fileURLWithPath: exe).deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("ciro").path
        if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return nil
}

/// Runs blocking work on a dispatch thread, off Swift's cooperative pool (which has one thread
/// per core: blocking it stalls every other suite running in parallel).
func offThePool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// Runs `ciro` with `arguments` off the cooperative pool; returns exit status and standard output.
func runCiro(_ arguments: [String]) async throws -> (status: Int32, output: String) {
    try await offThePool { try runCiroBlocking(arguments) }
}

func runCiroBlocking(_ arguments: [String]) throws -> (status: Int32, output: String) {
    guard let exe = ciroExecutable() else { throw CiroNotBuilt() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: exe)
    process.arguments = arguments
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

struct CiroNotBuilt: Error, CustomStringConvertible {
    var description: String { "the ciro executable is not built next to the tests (swift build -c release)" }
}

/// Every ledger suite, run one test at a time: several spawn processes or busy threads, and the
/// rest of the package's suites run in parallel with timing expectations of their own.
@Suite(.serialized) enum LedgerTestSuite {}
