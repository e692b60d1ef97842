import Testing
import Foundation

/// A fresh folder under the system temporary folder, removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init(_ label: String = #function) {
        let base = NSTemporaryDirectory() + "ciro-lmdb-\(label.filter { $0.isLetter || $0.isNumber })-"
        var template = Array((base + "XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    func appending(_ name: String) -> String { path + "/" + name }

    deinit {
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension Array where Element == UInt8 {
    init(_ string: String) { self = Array(string.utf8) }
}

/// An 8-byte big-endian key, so numeric order is key order.
func bigEndianKey(_ n: Int) -> [UInt8] {
    withUnsafeBytes(of: UInt64(n).bigEndian) { Array($0) }
}

/// Every LMDB suite, run one test at a time (they fork, spin reader threads and fill maps; the
/// rest of the package's suites run in parallel with timing expectations of their own).
@Suite(.serialized) enum LMDBTestSuite {}
