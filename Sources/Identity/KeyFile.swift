import Sodium
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The secret key file `node.key`: 8 magic bytes `ciro-sk1` then the 32-byte Ed25519 seed.
/// Binary on purpose: the seed goes from disk straight into wiped memory, never through a string.
enum KeyFile {
    static let magic = Array("ciro-sk1".utf8)
    static let byteCount = magic.count + Ed25519SecretKey.seedByteCount

    /// Writes the seed of `identity` to `path` with mode 0600, atomically.
    static func write(_ identity: NodeIdentity, to path: String, replace: Bool) throws(IdentityError) {
        let seed: SecretBytes
        do { seed = try identity.signing.secretKey.seed() } catch { throw .sodium(error) }
        let contents: SecretBytes
        do {
            contents = try SecretBytes(count: byteCount) { out throws(SodiumError) in
                out.copyBytes(from: magic)
                seed.withUnsafeBytes { UnsafeMutableRawBufferPointer(rebasing: out[magic.count...]).copyMemory(from: $0) }
            }
        } catch { throw .sodium(error) }
        try contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws(IdentityError) in
            try FileSystem.writeAtomically(bytes, to: path, mode: 0o600, replace: replace, existsError: .keysAlreadyExist(path: path))
        }
    }

    /// Reads the identity in `path`, refusing a file that group or others can access.
    static func read(_ path: String, dataDirectory: String) throws(IdentityError) -> NodeIdentity {
        let fd: Int32
        do {
            fd = try FileSystem.openFile(path, O_RDONLY | O_NOCTTY)
        } catch let .system(_, _, code, _) where code == ENOENT {
            throw .keyFileMissing(path: path, dataDirectory: dataDirectory)
        }
        defer { close(fd) }
        // Check the file we opened, not the name (which could change between a stat and the open).
        var s = stat()
        guard fstat(fd, &s) == 0 else { throw FileSystem.failure("stat", path) }
        guard FileSystem.isRegularFile(s) else { throw .malformedKeyFile(path: path, reason: "not a regular file") }
        let mode = UInt32(s.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .permissionsTooOpen(path: path, mode: mode) }
        guard s.st_size == off_t(byteCount) else {
            throw .malformedKeyFile(path: path, reason: "expected \(byteCount) bytes, found \(s.st_size)")
        }
        var readFailure: IdentityError?
        let contents: SecretBytes
        do throws(SodiumError) {
            contents = try SecretBytes(count: byteCount) { out throws(SodiumError) in
                do throws(IdentityError) {
                    try FileSystem.readExactly(fd, into: out, path: path)
                } catch {
                    readFailure = error
                    throw .callFailed(function: "read", code: -1)
                }
            }
        } catch {
            throw readFailure ?? .sodium(error)
        }
        let seed: SecretBytes
        do {
            seed = try contents.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) throws(IdentityError) -> SecretBytes in
                guard Array(bytes[..<magic.count]) == magic else {
                    throw .malformedKeyFile(path: path, reason: "unknown format (it does not start with 'ciro-sk1')")
                }
                do throws(SodiumError) {
                    return try SecretBytes(copying: UnsafeRawBufferPointer(rebasing: bytes[magic.count...]))
                } catch { throw .sodium(error) }
            }
        }
        return try NodeIdentity(seed: seed)
    }
}
