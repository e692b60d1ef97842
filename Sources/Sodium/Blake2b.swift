import CSodium

/// BLAKE2b hashing (libsodium `crypto_generichash`), one-shot and streaming.
public struct Blake2b: ~Copyable {
    /// Default digest length in bytes (256 bits).
    public static let defaultLength = 32
    /// Smallest and largest digest lengths libsodium allows.
    public static let minLength = Int(crypto_generichash_BYTES_MIN)
    public static let maxLength = Int(crypto_generichash_BYTES_MAX)
    /// Largest key length libsodium allows.
    public static let maxKeyLength = Int(crypto_generichash_KEYBYTES_MAX)

    // libsodium's state is 64-byte aligned, so Swift sees it as opaque: we own the allocation.
    private let state: UnsafeMutableRawPointer
    private let length: Int

    /// Starts a streaming hash producing `length` bytes, optionally keyed.
    public init(length: Int = Blake2b.defaultLength, key: [UInt8] = []) throws(SodiumError) {
        Sodium.ensureInitialized()
        try Self.check(length: length, key: key)
        let state = UnsafeMutableRawPointer.allocate(byteCount: crypto_generichash_statebytes(), alignment: 64)
        let code = key.withUnsafeBufferPointer { k in
            crypto_generichash_init(OpaquePointer(state), k.baseAddress, k.count, length)
        }
        guard code == 0 else {
            state.deallocate()
            throw .callFailed(function: "crypto_generichash_init", code: code)
        }
        self.state = state
        self.length = length
    }

    deinit {
        state.deallocate()
    }

    /// Absorbs bytes.
    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard bytes.count > 0 else { return }
        _ = crypto_generichash_update(OpaquePointer(state), bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count))
    }

    /// Absorbs bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { update(UnsafeRawBufferPointer($0)) }
        if done == nil { Array(bytes).withUnsafeBytes { update($0) } }
    }

    /// Finishes the hash and returns the digest.
    public consuming func finalize() -> [UInt8] {
        var out = [UInt8](repeating: 0, count: length)
        out.withUnsafeMutableBufferPointer { o in
            _ = crypto_generichash_final(OpaquePointer(state), o.baseAddress!, length)
        }
        return out
    }

    /// Hashes `bytes` in one call.
    public static func hash(_ bytes: some Sequence<UInt8>, length: Int = defaultLength, key: [UInt8] = []) throws(SodiumError) -> [UInt8] {
        var h = try Blake2b(length: length, key: key)
        h.update(bytes)
        return h.finalize()
    }

    /// Hashes raw memory into `output` (whose count is the digest length) without allocating.
    /// Used by hot paths such as Merkle trees.
    @inline(__always)
    public static func hash(_ bytes: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        _ = crypto_generichash(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self), output.count,
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count),
            nil, 0)
    }

    /// BLAKE2b-256 of `bytes` with BLAKE2b's 16-byte salt and 16-byte personalization parameters
    /// (`crypto_generichash_blake2b_salt_personal`, no key), into `output` (32 bytes).
    public static func hash256(_ bytes: UnsafeRawBufferPointer, salt: UnsafeRawBufferPointer,
                               personalization: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        precondition(salt.count == 16 && personalization.count == 16 && output.count == 32,
                     "BLAKE2b salt and personalization are 16 bytes, the digest 32")
        Sodium.ensureInitialized()
        _ = crypto_generichash_blake2b_salt_personal(
            output.baseAddress!.assumingMemoryBound(to: UInt8.self), 32,
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(bytes.count), nil, 0,
            salt.baseAddress!.assumingMemoryBound(to: UInt8.self),
            personalization.baseAddress!.assumingMemoryBound(to: UInt8.self))
    }

    private static func check(length: Int, key: [UInt8]) throws(SodiumError) {
        guard length >= minLength, length <= maxLength else {
            throw .invalidLength(what: "BLAKE2b digest", expected: defaultLength, actual: length)
        }
        guard key.count <= maxKeyLength else {
            throw .invalidLength(what: "BLAKE2b key", expected: maxKeyLength, actual: key.count)
        }
    }
}
