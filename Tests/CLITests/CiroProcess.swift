import Foundation
import TestSupport

/// Runs the built `ciro` executable as a user would, and captures what it prints.
///
/// The binary is found next to the test bundle (`swift build` and `swift test` put both in the same
/// folder, e.g. `.build/release/`), or at `$CIRO_BINARY` if set. Reusable by any CLI test:
/// `let r = try CiroProcess.run(["id", "--data-dir", dir])`, then check `r.status`, `r.stdout`, `r.stderr`.
struct CiroProcess {
    /// What one run of `ciro` produced.
    struct Result: CustomStringConvertible {
        var status: Int32
        var stdout: String
        var stderr: String

        var description: String { "exit \(status)\n--- stdout\n\(stdout)--- stderr\n\(stderr)" }
    }

    enum Failure: Error, CustomStringConvertible {
        case binaryNotFound(searched: [String])
        var description: String {
            switch self {
            case let .binaryNotFound(searched):
                "the ciro executable was not found (run `swift build -c release` first); looked in: \(searched.joined(separator: ", "))"
            }
        }
    }

    /// The `ciro` executable under test.
    static func executable() throws -> URL {
        guard let path = CiroExecutable.path() else { throw Failure.binaryNotFound(searched: CiroExecutable.candidates()) }
        return URL(fileURLWithPath: path)
    }

    /// Runs `ciro arguments...` to completion. `environment` entries are added to (or replace) the
    /// current environment; `timeout` kills a hung process and fails the run.
    @discardableResult
    /// `niceness` lowers the process's priority (and its children's) so heavy runs do not starve
    /// parallel test suites.
    static func run(_ arguments: [String], environment: [String: String] = [:], timeout: TimeInterval = 60,
                    niceness: Int32 = 0) throws -> Result {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        // Files rather than pipes: nothing can block on a full pipe, however much the tool prints.
        let outURL = FileManager.default.temporaryDirectory.appendingPathComponent("ciro-out-\(UUID().uuidString)")
        let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("ciro-err-\(UUID().uuidString)")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer {
            try? FileManager.default.removeItem(at: outURL)
            try? FileManager.default.removeItem(at: errURL)
        }
        let out = try FileHandle(forWritingTo: outURL)
        let err = try FileHandle(forWritingTo: errURL)
        process.standardOutput = out
        process.standardError = err
        process.standardInput = FileHandle.nullDevice
        try process.run()
        if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(process.processIdentifier), niceness) }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                process.waitUntilExit()
                break
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
        process.waitUntilExit()
        try out.close()
        try err.close()
        return Result(
            status: process.terminationStatus,
            stdout: try String(contentsOf: outURL, encoding: .utf8),
            stderr: try String(contentsOf: errURL, encoding: .utf8))
    }
}

