import Foundation

/// A fresh folder under the system temporary folder for one test, removed when the value goes away.
///
/// The folder name carries a label (the calling function by default), so a folder left behind by a
/// crashed run says which test made it.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The folder's absolute path.
    public let path: String

    /// Makes the folder (`mkdtemp`, mode 0700); traps if the system cannot, since no test can go on.
    public init(_ label: String = #function) {
        let name = label.filter { $0.isLetter || $0.isNumber }.prefix(40)
        var template = Array((NSTemporaryDirectory() + "/ciro-\(name)-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed: errno \(errno)")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The path of `name` inside the folder.
    public func appending(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }

    /// The permission bits of the file or folder at `path`.
    public static func mode(of path: String) throws -> UInt32 {
        var status = stat()
        guard stat(path, &status) == 0 else { throw CocoaError(.fileReadNoSuchFile) }
        return UInt32(status.st_mode) & 0o7777
    }
}
