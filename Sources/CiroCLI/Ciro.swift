import ArgumentParser

/// The `ciro` command-line tool: the root of every subcommand.
public struct Ciro: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "ciro",
        abstract: "Ciro node: a peer-to-peer market for verifiable ML inference.",
        discussion: """
        Every node is the same program. GPU and CPU owners run a node to sell proving capacity;
        requesters submit jobs from any node; the winning worker runs a quantized model and returns
        the output with a succinct proof that peers verify and attest.

        Exit codes: 0 success; 1 a check failed (invalid proof, broken ledger chain);
        2 unreadable or malformed input; 3 a runtime failure (node unreachable, a stage failed);
        4 not available in this build; 64 usage error.
        """,
        version: Ciro.version,
        subcommands: [
            InitCommand.self,
            IdCommand.self,
            NodeCommand.self,
            JobCommand.self,
            MarketCommand.self,
            ModelCommand.self,
            InferCommand.self,
            ProveCommand.self,
            VerifyCommand.self,
            LedgerCommand.self,
            DemoCommand.self,
            BenchCommand.self,
        ]
    )

    public init() {}
}
