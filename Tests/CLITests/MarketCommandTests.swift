import Foundation
import Testing
import TestSupport

/// `ciro demo`, `ciro job ...` and `ciro market` as a user runs them.
@Suite(.serialized) struct MarketCommandTests {
    @Test func demoRunsTheMarketEndToEndOnThreeNodes() async throws {
        let result = try await offPool { try CiroProcess.run(["demo", "--nodes", "3"], timeout: 300, niceness: 10) }
        #expect(result.status == 0, "\(result)")
        for stage in ["[2/7] capacity ads", "bid(s):", "award round 1", "proof", "VALID", "settlement signed by node 1",
                      "ledger intact", "predicted digit: 1", "DEMO OK", "every node stopped cleanly"] {
            #expect(result.stdout.contains(stage), "missing '\(stage)' in\n\(result)")
        }
    }

    @Test func everyMarketCommandHasHelp() async throws {
        for command in [["job", "submit"], ["job", "show"], ["job", "list"], ["market"], ["demo"], ["bench", "market"]] {
            let result = try await offPool { try CiroProcess.run(command + ["--help"]) }
            #expect(result.status == 0, "\(command): \(result)")
            #expect(result.stdout.contains("USAGE"), "\(command): \(result)")
        }
    }

    @Test func commandsWithoutARunningNodeSaySo() async throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path + "/n"
        try CiroProcess.run(["init", "--data-dir", dir])
        try #"{"input_data": [[0.5]]}"#.write(toFile: scratch.path + "/in.json", atomically: true, encoding: .utf8)
        for command in [["market"], ["job", "list"], ["job", "show", "abcd"],
                        ["job", "submit", "--model", String(repeating: "ab", count: 32), "--input", scratch.path + "/in.json"]] {
            let result = try await offPool { try CiroProcess.run(command + ["--node", dir]) }
            #expect(result.status == 3, "\(command): \(result)")
            #expect(result.stderr.contains("no node answered"), "\(command): \(result)")
        }
    }

    @Test func unreadableInputsAreBadInput() throws {
        let scratch = TemporaryDirectory()
        let missing = try CiroProcess.run(["job", "submit", "--node", scratch.path, "--model", scratch.path + "/none.onnx", "--input", scratch.path + "/none.json"])
        #expect(missing.status == 2, "\(missing)")
        #expect(missing.stderr.contains("cannot read"), "\(missing)")
        let badID = try CiroProcess.run(["job", "show", "not-hex", "--node", scratch.path])
        #expect(badID.status == 2, "\(badID)")
    }
}
