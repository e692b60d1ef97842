import ArgumentParser
import Bench

struct BenchCoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Proof core: field, NTT, sumcheck, commitments.",
        discussion: "Prints field multiplication rates, NTT and sumcheck times at 2^20 on one core and on all cores, and commit/open/verify times and proof sizes for 2^16, 2^20 and 2^22 coefficients, with the targets beside them."
    )

    @Flag(name: .long, help: "Print the figures as one JSON object.")
    var json = false

    @Flag(name: .long, help: "Small sizes (a smoke test of the suite, not meaningful figures).")
    var quick = false

    @Option(name: .long, help: "Run only these sections (comma-separated: field, ntt, sumcheck, commit, mask).")
    var only: String?

    func validate() throws {
        if let only, !only.split(separator: ",").allSatisfy({ CoreBench.sections.contains(String($0)) }) {
            throw ValidationError("--only takes a comma-separated list of: \(CoreBench.sections.joined(separator: ", "))")
        }
    }

    func run() async throws {
        let jsonOutput = json
        let sections = only.map { Set($0.split(separator: ",").map(String.init)) }
        let figures = CoreBench.run(quick: quick, only: sections) { step in
            if !jsonOutput { printError("running: \(step)") }
        }
        print(jsonOutput ? CoreBench.json(figures) : CoreBench.table(figures))
    }
}
