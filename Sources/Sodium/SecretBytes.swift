import CSodium

/// A fixed-size buffer of secret bytes (secret keys, seeds) held in libsodium's guarded memory.
///
/// The memory comes from `sodium_malloc` (guard pages, locked against swapping where the system
/// allows it), is made read-only once filled, and is wiped with `sodium_memzero` by `sodium_free`
/// when the last reference goes away. The bytes are never printed: `description` is redacted.
/// Because the contents never change after initialisation, sharing one across threads is safe.
public final class SecretBytes: @unchecked Sendable, CustomStringConvertible, CustomDebugStringConvertible {
    private let pointer: UnsafeMutableRawPointer
    /// Number of secret bytes.
    public let count: Int

    /// Allocates `count` bytes and lets `initialize` fill them; the buffer is read-only afterwards.
    /// If `initialize` throws, the memory is wiped and freed and the error is rethrown.
    public init(count: Int, initializingWith initialize: (UnsafeMutableRawBufferPointer) throws(SodiumError) -> Void) throws(SodiumError) {
        Sodium.ensureInitialized()
        guard count > 0 else { throw .invalidLength(what: "secret buffer", expected: 1, actual: count) }
        guard let pointer = sodium_malloc(count) else { throw .callFailed(function: "sodium_malloc", code: -1) }
        do {
            try initialize(UnsafeMutableRawBufferPointer(start: pointer, count: count))
        } catch {
            sodium_free(pointer)
            throw error
        }
        _ = sodium_mprotect_readonly(pointer)
        self.pointer = pointer
        self.count = count
    }

    /// Copies `bytes` into a new secret buffer. The caller remains responsible for wiping its copy.
    public convenience init(copying bytes: UnsafeRawBufferPointer) throws(SodiumError) {
        try self.init(count: bytes.count) { out throws(SodiumError) in
            out.copyMemory(from: bytes)
        }
    }

    /// Copies `bytes` into a new secret buffer, then wipes `bytes` in place.
    public convenience init(consumingAndWiping bytes: inout [UInt8]) throws(SodiumError) {
        defer { bytes.withUnsafeMutableBytes { Sodium.wipe($0) } }
        try self.init(count: bytes.count) { [bytes] out throws(SodiumError) in
            bytes.withUnsafeBytes { out.copyMemory(from: $0) }
        }
    }

    /// `count` bytes from the secure random generator.
    public static func random(count: Int) throws(SodiumError) -> SecretBytes {
        try SecretBytes(count: count) { out throws(SodiumError) in SecureRandom.fill(out) }
    }

    deinit {
        sodium_free(pointer)  // makes the region writable, wipes it, unmaps the guard pages
    }

    /// Gives read-only access to the secret bytes for the duration of `body`. Do not let the pointer escape.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    /// Compares with another secret in constant time (`sodium_memcmp`).
    public func constantTimeEquals(_ other: SecretBytes) -> Bool {
        guard count == other.count else { return false }
        return sodium_memcmp(pointer, other.pointer, count) == 0
    }

    public var description: String { "SecretBytes(\(count) bytes, redacted)" }
    public var debugDescription: String { description }
}

extension Sodium {
    /// Overwrites `buffer` with zeros in a way the compiler cannot optimise away (`sodium_memzero`).
    public static func wipe(_ buffer: UnsafeMutableRawBufferPointer) {
        guard let base = buffer.baseAddress, buffer.count > 0 else { return }
        sodium_memzero(base, buffer.count)
    }
}
