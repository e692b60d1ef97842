import Sodium

/// Errors from node identities, node ids, key files and the data directory. Each says what and where,
/// and, where the user can fix it, how.
public enum IdentityError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The secret key file can be read or written by group or others (like ssh, we refuse to use it).
    case permissionsTooOpen(path: String, mode: UInt32)
    /// `init` found existing keys and was not told to replace them.
    case keysAlreadyExist(path: String)
    /// No secret key where one was expected.
    case keyFileMissing(path: String, dataDirectory: String)
    /// The key file exists but is not a key file we understand.
    case malformedKeyFile(path: String, reason: String)
    /// The public key file does not belong to the secret key next to it.
    case publicKeyMismatch(path: String)
    /// The data directory path exists but is not a directory.
    case notADirectory(path: String)
    /// The config file could not be parsed.
    case malformedConfig(path: String, reason: String)
    /// An endpoint is not of the form `tcp://HOST:PORT`.
    case invalidEndpoint(String, reason: String)
    /// A system call failed.
    case system(operation: String, path: String, errno: Int32, message: String)
    /// A libsodium failure underneath.
    case sodium(SodiumError)

    public var description: String {
        switch self {
        case let .permissionsTooOpen(path, mode):
            """
            Permissions \(Self.octal(mode)) for '\(path)' are too open.
            It is required that a node's secret key file is NOT accessible by others.
            This secret key will be ignored. To fix it, run: chmod 600 \(path)
            """
        case let .keysAlreadyExist(path):
            "a node key already exists at '\(path)'; refusing to overwrite it (pass --force to replace it and lose the old identity)"
        case let .keyFileMissing(path, dir):
            "no node secret key at '\(path)'; create one with: ciro init --data-dir \(dir)"
        case let .malformedKeyFile(path, reason):
            "'\(path)' is not a valid node key file: \(reason)"
        case let .publicKeyMismatch(path):
            "'\(path)' does not match the secret key next to it; delete it and run `ciro id` to rewrite it, or restore the right key"
        case let .notADirectory(path):
            "'\(path)' exists and is not a directory"
        case let .malformedConfig(path, reason):
            "cannot read config '\(path)': \(reason)"
        case let .invalidEndpoint(text, reason):
            "invalid endpoint '\(text)': \(reason) (expected tcp://HOST:PORT, e.g. tcp://127.0.0.1:7400)"
        case let .system(operation, path, errno, message):
            "\(operation) '\(path)' failed: \(message) (errno \(errno))"
        case let .sodium(error):
            "\(error)"
        }
    }

    /// `0644`-style text of a permission mode.
    static func octal(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
