/// Which kernels this process runs for hashing and transforms (docs/PROOF_CORE.md): the eight-lane
/// AVX-512F kernels of `CProofKernels` (BLAKE2b Merkle hashing, base-field NTT and Möbius transforms)
/// where the CPU has AVX-512F, the portable Swift code elsewhere. Both give the same words; only the
/// speed differs, so benchmarks print this next to their figures.
public enum ProofKernels {
    /// True when the CPU runs the eight-lane vector kernels.
    public static var vectorized: Bool { LaneHash.available && NTTPlan.vectorKernelsAvailable }

    /// A short label for benchmark output.
    public static var label: String { vectorized ? "AVX-512F vector kernels" : "portable Swift kernels (no AVX-512F)" }
}
