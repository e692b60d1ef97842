import CProofKernels

/// A set of kernels for hashing and transforms (docs/PROOF_CORE.md, "Vector kernels"): BLAKE2b
/// Merkle hashing, base-field NTT stages and Möbius transforms. The vector sets run the C kernels of
/// `CProofKernels`; every set computes the same words and digests, only the speed differs.
public enum KernelSet: String, CaseIterable, Sendable {
    /// Eight 64-bit lanes per AVX-512F register (x86-64 with AVX-512F).
    case avx512
    /// Four 64-bit lanes per AVX2 register (x86-64 with AVX2).
    case avx2
    /// The portable Swift code (every CPU).
    case swift

    /// A short name for benchmark output: "AVX-512F", "AVX2" or "portable Swift".
    public var label: String {
        switch self {
        case .avx512: "AVX-512F"
        case .avx2: "AVX2"
        case .swift: "portable Swift"
        }
    }

    /// Whether this CPU runs the set (checked at run time; the Swift set runs everywhere).
    public var isSupported: Bool {
        switch self {
        case .avx512: KernelSet.avx512Supported
        case .avx2: KernelSet.avx2Supported
        case .swift: true
        }
    }

    private static let avx512Supported = ciro_kernels_supported(CIRO_KERNELS_AVX512F) != 0
    private static let avx2Supported = ciro_kernels_supported(CIRO_KERNELS_AVX2) != 0

    /// The set's code for the C kernels (`CIRO_KERNELS_*`); nil for the Swift set.
    @usableFromInline var code: Int32? {
        switch self {
        case .avx512: CIRO_KERNELS_AVX512F
        case .avx2: CIRO_KERNELS_AVX2
        case .swift: nil
        }
    }
}

/// Which kernels this process runs: the fastest set the CPU supports (AVX-512F, else AVX2, else
/// portable Swift), unless code runs inside `ProofKernels.with(_:_:)`, which scopes another
/// supported set to the calling task (benchmarks measure each set that way; tests compare them).
public enum ProofKernels {
    /// Thrown by `with(_:_:)` for a set this CPU does not run.
    public struct Unsupported: Error, CustomStringConvertible {
        /// The set asked for.
        public let kernels: KernelSet
        /// The error for `kernels`.
        public init(kernels: KernelSet) { self.kernels = kernels }
        public var description: String { "this CPU does not run the \(kernels.label) kernels (supported: \(ProofKernels.supported.map(\.label).joined(separator: ", ")))" }
    }

    /// Thrown by `named(_:)` for a name that is no `KernelSet`.
    public struct UnknownName: Error, CustomStringConvertible {
        /// The name given.
        public let name: String
        public var description: String { "unknown kernel set '\(name)' (one of: \(KernelSet.allCases.map(\.rawValue).joined(separator: ", ")))" }
    }

    /// The set named `name` (`avx512`, `avx2` or `swift`, as command-line options take it) when the
    /// CPU runs it; throws `UnknownName` or `Unsupported` otherwise.
    public static func named(_ name: String) throws -> KernelSet {
        guard let set = KernelSet(rawValue: name) else { throw UnknownName(name: name) }
        guard set.isSupported else { throw Unsupported(kernels: set) }
        return set
    }

    /// The sets this CPU runs, fastest first (always ending with `.swift`).
    public static var supported: [KernelSet] { KernelSet.allCases.filter(\.isSupported) }

    /// The fastest set this CPU runs: the default.
    public static let best: KernelSet = KernelSet.allCases.first(where: \.isSupported) ?? .swift

    /// The set chosen for the calling task by `with(_:_:)`, nil outside it.
    @TaskLocal static var chosen: KernelSet?

    /// The set serving the calling task: the one `with(_:_:)` chose, else `best`. `Parallel` carries
    /// the choice into its worker threads; other threads (and escaping work) see the default.
    public static var current: KernelSet { chosen ?? best }

    /// The choice of the calling thread, for `Parallel` to carry into its workers (`bind`).
    @usableFromInline static var choice: KernelSet? { chosen }

    /// Runs `body` with `choice` (a `choice` read on another thread) as the calling thread's choice.
    @usableFromInline static func bind<R>(_ choice: KernelSet?, _ body: () -> R) -> R {
        $chosen.withValue(choice) { body() }
    }

    /// Runs `body` with `kernels` serving the calling task (NTT plans made there, Merkle trees and
    /// commitments built there, Möbius transforms run there). Throws `Unsupported` when the CPU
    /// does not run the set.
    public static func with<R>(_ kernels: KernelSet, _ body: () throws -> R) throws -> R {
        guard kernels.isSupported else { throw Unsupported(kernels: kernels) }
        return try $chosen.withValue(kernels) { try body() }
    }

    /// True when the calling task runs vector kernels (AVX-512F or AVX2).
    public static var vectorized: Bool { current != .swift }

    /// The label of the set serving the calling task, for benchmark output.
    public static var label: String { current.label }
}
