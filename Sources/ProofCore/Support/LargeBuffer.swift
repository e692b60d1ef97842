#if canImport(Glibc)
import Glibc
#endif

/// Helpers for the multi-megabyte buffers of commitments (codewords, Merkle nodes).
enum LargeBuffer {
    /// Huge-page size on x86_64 and arm64 Linux.
    static let hugePageBytes = 2 << 20

    /// Asks the kernel (Linux transparent huge pages in `madvise` mode) to back the 2 MiB-aligned
    /// interior of `count` elements at `start` with huge pages. Call it before the first write: a
    /// fresh buffer is otherwise faulted in 4 KiB at a time, which cost ~20 ms of CPU per 32 MiB
    /// (more than writing it), against ~3 ms with huge pages (docs/PROOF_CORE.md). A hint only: no
    /// effect elsewhere, for buffers under 8 MiB, or when the kernel has no huge page to give.
    static func adviseHugePages<T>(_ start: UnsafeMutablePointer<T>, count: Int) {
        #if os(Linux)
        let bytes = count * MemoryLayout<T>.stride
        guard bytes >= 4 * hugePageBytes else { return }
        let address = Int(bitPattern: start)
        let first = (address + hugePageBytes - 1) & ~(hugePageBytes - 1)
        let end = (address + bytes) & ~(hugePageBytes - 1)
        guard end > first, let pointer = UnsafeMutableRawPointer(bitPattern: first) else { return }
        _ = madvise(pointer, end - first, MADV_HUGEPAGE)
        #endif
    }
}
