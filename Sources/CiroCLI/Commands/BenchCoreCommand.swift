import ArgumentParser
import Bench
import ProofCore

struct BenchCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Proof core: field, NTT, sumcheck, Merkle hashing, Möbius, commitments.",
        discussion: "Prints field multiplication rates, NTT, sumcheck and Möbius times at 2^20 and Merkle tree hashing (2^18 leaves of 128 bytes) on one core and on all cores, and commit/open/verify times and proof sizes for 2^16, 2^20 and 2^22 coefficients, with the targets beside them. --kernels measures one kernel set (default: the fastest this CPU runs)."
    )

    @Flag(name: .long, help: "Print the figures as one JSON object.")
    var json = false

    @Flag(name: .long, help: "Small sizes (a smoke test of the suite, not meaningful figures).")
    var quick = false

    @Option(name: .long, help: "Run only these sections (comma-separated: field, ntt, sumcheck, merkle, mobius, commit, mask).")
    var only: String?

    @Option(name: .long, help: "Kernel set to measure: avx512, avx2 or swift (default: the fastest this CPU runs); refused when the CPU lacks it.")
    var kernels: String?

    func validate() throws {
        if let kernels {
            do { _ = try ProofKernels.named(kernels) } catch { throw ValidationError("--kernels: \(error)") }
        }
        if let only, !only.split(separator: ",").allSatisfy({ CoreBench.sections.contains(String($0)) }) {
            throw ValidationError("--only takes a comma-separated list of: \(CoreBench.sections.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let jsonOutput = json
        let sections = only.map { Set($0.split(separator: ",").map(String.init)) }
        let set = try kernels.map(ProofKernels.named) ?? ProofKernels.best
        let output = try ProofKernels.with(set) {
            let figures = CoreBench.run(quick: quick, only: sections) { step in
                if !jsonOutput { printError("running: \(step)") }
            }
            return jsonOutput ? CoreBench.json(figures) : CoreBench.table(figures)
        }
        print(output)
    }
}
