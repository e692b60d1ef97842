import ArgumentParser
import Identity
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `--data-dir`, shared by every command that works on a node's data folder.
struct DataDirectoryOptions: ParsableArguments {
    @Option(
        name: .customLong("data-dir"),
        help: ArgumentHelp(
            "The node's data folder (keys, config, ledger).",
            discussion: "Defaults to $CIRO_DATA_DIR, else ~/.ciro.",
            valueName: "dir"))
    var dataDir: String?

    /// The folder chosen by the option, the environment or the default.
    var directory: DataDirectory {
        if let dataDir { return DataDirectory(path: dataDir) }
        if let env = getenv("CIRO_DATA_DIR"), env.pointee != 0 { return DataDirectory(path: String(cString: env)) }
        let home = getenv("HOME").map { String(cString: $0) } ?? "."
        return DataDirectory(path: home + "/.ciro")
    }
}

extension IdentityError {
    /// The exit code this failure ends a command with (see `ciro --help`).
    var exitCode: ExitCode {
        switch self {
        case .permissionsTooOpen, .keysAlreadyExist, .publicKeyMismatch: CiroExit.checkFailed
        case .keyFileMissing, .malformedKeyFile, .notADirectory, .malformedConfig, .invalidEndpoint: CiroExit.badInput
        case .system, .sodium: CiroExit.runtimeFailure
        }
    }
}

/// Prints `error` as `ciro COMMAND: error: ...` on standard error and returns the exit code to throw.
func report(_ error: IdentityError, command: String) -> ExitCode {
    printError("ciro \(command): error: \(error)")
    return error.exitCode
}
