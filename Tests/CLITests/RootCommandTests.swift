import Testing
import CiroCLI
import ArgumentParser

/// Every command path in the tree, e.g. ["node", "start"], from the real command configuration.
func allCommandPaths() -> [[String]] {
    func walk(_ command: any ParsableCommand.Type, _ path: [String]) -> [[String]] {
        let name = command.configuration.commandName ?? command._commandName
        let here = path + [name]
        return [here] + command.configuration.subcommands.flatMap { walk($0, here) }
    }
    return Ciro.configuration.subcommands.flatMap { walk($0, []) }
}

@Suite struct RootCommandTests {
    @Test func helpListsTheCommandsAndExitCodes() throws {
        let r = try CiroProcess.run(["--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("USAGE: ciro"))
        for name in ["init", "id", "node", "job", "model", "prove", "verify", "ledger", "demo", "bench"] {
            #expect(r.stdout.contains("  \(name) "), "--help lists \(name)")
        }
        #expect(r.stdout.contains("Exit codes"))
    }

    @Test func version() throws {
        let r = try CiroProcess.run(["--version"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Ciro.version)
    }

    @Test func unknownCommandIsAUsageError() throws {
        let r = try CiroProcess.run(["frobnicate"])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("frobnicate"))
    }

    @Test func theTreeHasEveryTopLevelCommand() {
        let paths = allCommandPaths()
        for name in ["init", "id", "node", "job", "market", "model", "infer", "prove", "verify", "ledger", "demo", "bench"] {
            #expect(paths.contains([name]), "missing command \(name)")
        }
        #expect(paths.count > 12, "subcommands are found too")
    }

    @Test(arguments: allCommandPaths())
    func everyCommandHasHelp(path: [String]) throws {
        let r = try CiroProcess.run(path + ["--help"])
        #expect(r.status == 0, "\(r)")
        #expect(r.stdout.contains("USAGE: ciro \(path.joined(separator: " "))"), "\(r)")
        #expect(r.stdout.contains("OVERVIEW: "), "every command has an abstract")
        #expect(r.stderr.isEmpty, "\(r)")
    }
}
