import Foundation

/// The `ciro` executable under test, for the tests that run it as a process: `$CIRO_BINARY` if
/// set, else the one built beside the test binary (`swift build` and `swift test` put both in the
/// same folder, e.g. `.build/release/`), else `.build/{release,debug}/ciro` of the current folder.
public enum CiroExecutable {
    /// Every place looked at, in order.
    public static func candidates() -> [String] {
        var candidates: [String] = []
        if let explicit = ProcessInfo.processInfo.environment["CIRO_BINARY"] { candidates.append(explicit) }
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        candidates.append(testBinary.deletingLastPathComponent().appendingPathComponent("ciro").path)
        // On macOS the tests run inside `X.xctest/Contents/MacOS/`: the products folder is above the bundle.
        candidates.append(Bundle.main.bundleURL.deletingLastPathComponent().appendingPathComponent("ciro").path)
        for configuration in ["release", "debug"] {
            candidates.append(FileManager.default.currentDirectoryPath + "/.build/\(configuration)/ciro")
        }
        return candidates
    }

    /// The first candidate that is an executable file; nil when `ciro` is not built.
    public static func path() -> String? {
        candidates().first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
