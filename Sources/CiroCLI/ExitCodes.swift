import ArgumentParser

/// Exit codes with a meaning, shared by every command (documented in `ciro --help`).
public enum CiroExit {
    /// A check failed: an invalid proof, a broken ledger chain.
    public static let checkFailed = ExitCode(1)
    /// Input could not be read or parsed.
    public static let badInput = ExitCode(2)
    /// A runtime failure: a node could not be reached, a stage failed.
    public static let runtimeFailure = ExitCode(3)
    /// The command is not available in this build yet.
    public static let notAvailable = ExitCode(4)
}

/// Writes a line to standard error.
func printError(_ message: String) {
    var stderr = StandardError()
    print(message, to: &stderr)
}

struct StandardError: TextOutputStream {
    mutating func write(_ string: String) {
        FileHandleWriter.writeStderr(string)
    }
}
