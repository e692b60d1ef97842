import Sodium
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The POSIX calls the data directory needs, each retrying on EINTR and mapping errno to `IdentityError`.
public enum FileSystem {
    /// The error for the current `errno`.
    static func failure(_ operation: String, _ path: String, errno code: Int32 = errno) -> IdentityError {
        .system(operation: operation, path: path, errno: code, message: String(cString: strerror(code)))
    }

    /// `stat` of `path`, or nil if nothing is there.
    static func status(_ path: String) throws(IdentityError) -> stat? {
        var s = stat()
        guard stat(path, &s) == 0 else {
            if errno == ENOENT { return nil }
            throw failure("stat", path)
        }
        return s
    }

    static func isDirectory(_ s: stat) -> Bool { (s.st_mode & S_IFMT) == S_IFDIR }
    static func isRegularFile(_ s: stat) -> Bool { (s.st_mode & S_IFMT) == S_IFREG }

    /// Creates `path` and any missing parents (parents 0755, the final folder `mode`).
    static func makeDirectories(_ path: String, mode: mode_t) throws(IdentityError) {
        if let s = try status(path) {
            guard isDirectory(s) else { throw .notADirectory(path: path) }
            return
        }
        let parent = parentPath(path)
        if parent != path, !parent.isEmpty { try makeDirectories(parent, mode: 0o755) }
        guard mkdir(path, mode) == 0 || errno == EEXIST else { throw failure("mkdir", path) }
        if mode != 0o755 { _ = chmod(path, mode) }  // the umask may have removed bits we asked for; never adds
    }

    static func parentPath(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Opens `path` with `flags`, retrying on EINTR.
    static func openFile(_ path: String, _ flags: Int32, _ mode: mode_t = 0) throws(IdentityError) -> Int32 {
        while true {
            let fd = open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno != EINTR { throw failure("open", path) }
        }
    }

    /// Reads exactly `buffer.count` bytes from `fd`; fewer means the file changed under us.
    static func readExactly(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer, path: String) throws(IdentityError) {
        var done = 0
        while done < buffer.count {
            let n = read(fd, buffer.baseAddress! + done, buffer.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { throw .malformedKeyFile(path: path, reason: "file shrank while being read") }
            done += n
        }
    }

    /// Reads a whole small file (at most `limit` bytes).
    static func readFile(_ path: String, limit: Int = 1 << 20) throws(IdentityError) -> [UInt8] {
        let fd = try openFile(path, O_RDONLY)
        defer { close(fd) }
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("read", path)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[..<n])
            guard out.count <= limit else { throw failure("read", path, errno: EFBIG) }
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer, path: String) throws(IdentityError) {
        var done = 0
        while done < bytes.count {
            let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw failure("write", path)
            }
            done += n
        }
    }

    /// Writes `bytes` to `path` atomically: a temporary file in the same folder with `mode`, flushed
    /// to disk, then moved into place. Without `replace`, an existing file is never overwritten (the
    /// move is a `link`, which fails if the name exists) and `existsError` is thrown instead.
    static func writeAtomically(
        _ bytes: UnsafeRawBufferPointer, to path: String, mode: mode_t, replace: Bool, existsError: IdentityError
    ) throws(IdentityError) {
        let temporary = path + ".tmp-" + Hex.encode(SecureRandom.bytes(6))
        let fd = try openFile(temporary, O_WRONLY | O_CREAT | O_EXCL, mode)
        var linked = false
        defer { if !linked { unlink(temporary) } }
        do {
            defer { close(fd) }
            guard fchmod(fd, mode) == 0 else { throw failure("chmod", temporary) }
            try writeAll(fd, bytes, path: temporary)
            guard fsync(fd) == 0 else { throw failure("fsync", temporary) }
        }
        if replace {
            guard rename(temporary, path) == 0 else { throw failure("rename", path) }
            linked = true
        } else {
            guard link(temporary, path) == 0 else {
                if errno == EEXIST { throw existsError }
                throw failure("link", path)
            }
            unlink(temporary)
            linked = true
        }
        syncDirectory(parentPath(path))
    }

    /// Writes `bytes` to `path` atomically, replacing any existing file.
    static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws(IdentityError) {
        let result: Result<Void, IdentityError> = bytes.withUnsafeBytes { raw in
            do throws(IdentityError) {
                try writeAtomically(raw, to: path, mode: mode, replace: true, existsError: .keysAlreadyExist(path: path))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Creates a new file at `path` holding `bytes`, atomically and durably, with `mode` from its
    /// creation (a secret never exists with looser permissions); an existing file is never
    /// overwritten (`IdentityError.system` with `EEXIST`). Used for key files here and for other
    /// secrets kept in a data folder (a weight copy's seed).
    public static func createNewFile(_ bytes: [UInt8], at path: String, mode: mode_t) throws(IdentityError) {
        let result: Result<Void, IdentityError> = bytes.withUnsafeBytes { raw in
            do throws(IdentityError) {
                try writeAtomically(raw, to: path, mode: mode, replace: false, existsError: failure("create", path, errno: EEXIST))
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        try result.get()
    }

    /// Flushes a folder's entries so a new name survives a crash (best effort).
    static func syncDirectory(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        _ = fsync(fd)
        close(fd)
    }
}
