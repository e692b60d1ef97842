import CSodium

/// Anonymous public-key encryption (libsodium sealed boxes, `crypto_box_seal`): anyone can encrypt to
/// an X25519 public key; only the holder of the secret key can open, and tampering is detected.
public enum SealedBox {
    /// Bytes a sealed box adds to its plaintext (an ephemeral public key and a MAC).
    public static let overhead = crypto_box_sealbytes()

    /// Encrypts `message` to `recipient`. Throws `callFailed` for a recipient key that is not usable
    /// (for example a low-order point).
    public static func seal(_ message: some Sequence<UInt8>, to recipient: X25519PublicKey) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        return try withContiguousBytes(message) { (m: UnsafeRawBufferPointer) throws(SodiumError) -> [UInt8] in
            var out = [UInt8](repeating: 0, count: m.count + overhead)
            let code = out.withUnsafeMutableBufferPointer { o in
                recipient.bytes.withUnsafeBufferPointer { pk in
                    crypto_box_seal(
                        o.baseAddress!, m.baseAddress?.assumingMemoryBound(to: UInt8.self), UInt64(m.count), pk.baseAddress!)
                }
            }
            guard code == 0 else { throw .callFailed(function: "crypto_box_seal", code: code) }
            return out
        }
    }

    /// Decrypts a sealed box addressed to `recipient`. Throws `tooShort` if it cannot even hold the
    /// overhead and `decryptionFailed` for a wrong key or tampered bytes.
    public static func open(_ ciphertext: some Sequence<UInt8>, with recipient: X25519KeyPair) throws(SodiumError) -> [UInt8] {
        Sodium.ensureInitialized()
        return try withContiguousBytes(ciphertext) { (c: UnsafeRawBufferPointer) throws(SodiumError) -> [UInt8] in
            guard c.count >= overhead else { throw .tooShort(what: "sealed box", minimum: overhead, actual: c.count) }
            // One spare byte so the output buffer always has an address, even for an empty plaintext.
            var out = [UInt8](repeating: 0, count: c.count - overhead + 1)
            let code = recipient.secretKey.bytes.withUnsafeBytes { sk in
                recipient.publicKey.bytes.withUnsafeBufferPointer { pk in
                    out.withUnsafeMutableBufferPointer { o in
                        crypto_box_seal_open(
                            o.baseAddress!, c.baseAddress!.assumingMemoryBound(to: UInt8.self), UInt64(c.count),
                            pk.baseAddress!, sk.baseAddress!.assumingMemoryBound(to: UInt8.self))
                    }
                }
            }
            out.removeLast()
            guard code == 0 else { throw .decryptionFailed }
            return out
        }
    }
}
