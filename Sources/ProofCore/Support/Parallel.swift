import Dispatch

/// Splits index ranges across the machine's cores for large work; runs inline for small work.
public enum Parallel {
    /// Work below this many elements runs on the calling thread (thread start-up would dominate).
    public static let minimumParallelLength = 1 << 14

    /// Caps the worker threads for the current task (benchmarks run one-core figures with
    /// `Parallel.$workerLimit.withValue(1) { … }`); nil means every active core.
    @TaskLocal public static var workerLimit: Int?

    /// The online processors, read once (sysconf reads a file under /sys on every call).
    public static let onlineCores = max(1, activeProcessorCount())

    /// Number of worker threads to use: the active processor count, capped by `workerLimit`.
    public static var workerCount: Int {
        let cores = onlineCores
        guard let limit = workerLimit else { return cores }
        return max(1, min(limit, cores))
    }

    /// Calls `body(range)` for contiguous chunks covering `0 ..< count`, concurrently when `count` is
    /// large. Chunks are disjoint, so each may write its own part of a shared buffer. Workers run with
    /// the caller's kernel set (`ProofKernels.with`).
    @inlinable
    public static func forEachChunk(count: Int, minimumChunk: Int = minimumParallelLength, _ body: (Range<Int>) -> Void) {
        let workers = workerCount
        if count < 2 * minimumChunk || workers == 1 {
            body(0..<count)
            return
        }
        let chunks = min(workers * 4, count / minimumChunk)
        let size = (count + chunks - 1) / chunks
        let kernels = ProofKernels.choice
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { c in
                let start = c * size
                let end = min(count, start + size)
                if start < end { ProofKernels.bind(kernels) { work.value(start..<end) } }
            }
        }
    }

    /// Maps chunks of `0 ..< count` to partial results (concurrently when large), returned in order;
    /// workers run with the caller's kernel set.
    @inlinable
    public static func mapChunks<T>(count: Int, minimumChunk: Int = minimumParallelLength, _ body: (Range<Int>) -> T) -> [T] {
        let workers = workerCount
        if count < 2 * minimumChunk || workers == 1 {
            return [body(0..<count)]
        }
        let chunks = min(workers * 4, count / minimumChunk)
        let size = (count + chunks - 1) / chunks
        var results = [T?](repeating: nil, count: chunks)
        let kernels = ProofKernels.choice
        results.withUnsafeMutableBufferPointer { out in
            let base = UncheckedSendable(out.baseAddress!)
            withoutActuallyEscaping(body) { escapable in
                let work = UncheckedSendable(escapable)
                DispatchQueue.concurrentPerform(iterations: chunks) { c in
                    let start = min(count, c * size)
                    let end = min(count, start + size)
                    (base.value + c).pointee = ProofKernels.bind(kernels) { work.value(start..<end) }
                }
            }
        }
        return results.map { $0! }
    }
}

/// Carries a value into a `@Sendable` closure when the caller guarantees the concurrent uses are
/// disjoint (each worker touches its own chunk). Used only by `Parallel`.
@usableFromInline
struct UncheckedSendable<T>: @unchecked Sendable {
    @usableFromInline let value: T
    @inlinable init(_ value: T) { self.value = value }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@usableFromInline
func activeProcessorCount() -> Int {
    Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
}
