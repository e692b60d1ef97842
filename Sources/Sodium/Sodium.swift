import CSodium

/// Errors raised by the libsodium wrapper. Each case says which call failed and why.
public enum SodiumError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `sodium_init()` failed: the library cannot be used at all.
    case initializationFailed
    /// A key, nonce, seed or signature had the wrong number of bytes.
    case invalidLength(what: String, expected: Int, actual: Int)
    /// A libsodium call returned an error code.
    case callFailed(function: String, code: Int32)
    /// A signature did not verify.
    case signatureInvalid
    /// A sealed box could not be opened (wrong key or tampered ciphertext).
    case decryptionFailed
    /// Input shorter than the smallest valid size (for example a sealed box without its overhead).
    case tooShort(what: String, minimum: Int, actual: Int)
    /// Two halves of a key pair do not belong together.
    case keyMismatch(what: String)

    public var description: String {
        switch self {
        case .initializationFailed: "libsodium: sodium_init() failed"
        case let .invalidLength(what, expected, actual): "libsodium: \(what) must be \(expected) bytes, got \(actual)"
        case let .callFailed(function, code): "libsodium: \(function) failed with code \(code)"
        case .signatureInvalid: "libsodium: signature verification failed"
        case .decryptionFailed: "libsodium: sealed box could not be opened (wrong key or tampered data)"
        case let .tooShort(what, minimum, actual): "libsodium: \(what) must be at least \(minimum) bytes, got \(actual)"
        case let .keyMismatch(what): "libsodium: the public and secret halves of the \(what) do not belong together"
        }
    }
}

/// One-time initialisation of libsodium. Every wrapper entry point calls `Sodium.ensureInitialized()`;
/// `sodium_init()` is itself idempotent and thread-safe, so this holds no mutable state of ours.
public enum Sodium {
    /// Initialises libsodium if it has not been yet. Traps only if the library cannot start at all
    /// (no entropy source), in which case nothing in this program could be trusted.
    @inline(__always)
    public static func ensureInitialized() {
        precondition(sodium_init() >= 0, "\(SodiumError.initializationFailed)")
    }
}
