import Foundation

/// A fresh folder under the system temporary directory, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array((NSTemporaryDirectory() + "/ciro-identity-XXXXXX").utf8CString)
        guard let made = mkdtemp(&template) else { throw CocoaError(.fileWriteUnknown) }
        path = String(cString: made)
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The permission bits of `path`.
    static func mode(of path: String) throws -> UInt32 {
        var s = stat()
        guard stat(path, &s) == 0 else { throw CocoaError(.fileReadNoSuchFile) }
        return UInt32(s.st_mode) & 0o7777
    }
}
