import Testing
import Foundation

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
