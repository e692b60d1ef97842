import ArgumentParser
import Bench

struct BenchLinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "Weight copies and their link proofs.",
        discussion: """
        For digits_mlp, digits_cnn and wide_mlp: the time to make a copy of the weights (one full weight
        commitment, `ciro model copy`), to prove and verify its link (docs/ZK.md §6 item 3), and the
        link's size. A model whose layout cannot be linked says why.
        """
    )

    @OptionGroup var options: ModelBenchOptions

    func run() async throws {
        do {
            let rows = try LinkBench.run(directory: options.models, repetitions: options.repetitions, models: options.names)
            print(options.json ? LinkBench.json(rows, repetitions: options.repetitions) : LinkBench.table(rows, repetitions: options.repetitions))
        } catch {
            printError("ciro bench link: \(error)")
            throw CiroExit.badInput
        }
    }
}
