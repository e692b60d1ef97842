import Testing
import Foundation
import TestSupport

@Suite struct IdentityCommandTests {
    @Test func initThenId() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path + "/node"
        let initRun = try CiroProcess.run(["init", "--data-dir", dir, "--listen", "tcp://127.0.0.1:7411"])
        #expect(initRun.status == 0, "\(initRun)")
        #expect(initRun.stdout.contains("node id:"))
        #expect(FileManager.default.fileExists(atPath: dir + "/node.key"))
        let config = try String(contentsOfFile: dir + "/config.json", encoding: .utf8)
        #expect(config.contains("tcp://127.0.0.1:7411"))

        let id = try CiroProcess.run(["id", "--data-dir", dir])
        #expect(id.status == 0, "\(id)")
        let lines = id.stdout.split(separator: "\n")
        #expect(lines.count == 2)
        let nodeID = try #require(lines.first { $0.hasPrefix("node id:") }).split(separator: " ").last.map(String.init)
        let curve = try #require(lines.first { $0.hasPrefix("curve public key:") }).split(separator: " ").last.map(String.init)
        #expect(nodeID?.hasPrefix("ciro1") == true)
        #expect(nodeID?.count == 63)
        #expect(curve?.count == 40)
        #expect(initRun.stdout.contains(nodeID ?? "-"), "init printed the same id")

        let json = try CiroProcess.run(["id", "--data-dir", dir, "--json"])
        #expect(json.status == 0, "\(json)")
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: String]
        #expect(object?["nodeId"] == nodeID)
        #expect(object?["curvePublicKey"] == curve)
        #expect(object?["ed25519PublicKey"]?.count == 64)
        #expect(object?["shortId"].map { nodeID?.hasPrefix($0) == true } == true)
    }

    @Test func dataDirFromEnvironment() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path + "/env-node"
        #expect(try CiroProcess.run(["init"], environment: ["CIRO_DATA_DIR": dir]).status == 0)
        let byEnv = try CiroProcess.run(["id"], environment: ["CIRO_DATA_DIR": dir])
        let byFlag = try CiroProcess.run(["id", "--data-dir", dir])
        #expect(byEnv.status == 0, "\(byEnv)")
        #expect(byEnv.stdout == byFlag.stdout)
    }

    @Test func secondInitIsRefusedUnlessForced() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path
        #expect(try CiroProcess.run(["init", "--data-dir", dir]).status == 0)
        let before = try CiroProcess.run(["id", "--data-dir", dir]).stdout

        let again = try CiroProcess.run(["init", "--data-dir", dir])
        #expect(again.status == 1, "\(again)")
        #expect(again.stderr.contains("refusing to overwrite"))
        #expect(again.stderr.contains("--force"))
        #expect(try CiroProcess.run(["id", "--data-dir", dir]).stdout == before, "nothing changed")

        let forced = try CiroProcess.run(["init", "--data-dir", dir, "--force"])
        #expect(forced.status == 0, "\(forced)")
        let after = try CiroProcess.run(["id", "--data-dir", dir])
        #expect(after.status == 0)
        #expect(after.stdout != before, "a new identity")
    }

    @Test func keyReadableByOthersIsRefusedWithTheFix() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path
        #expect(try CiroProcess.run(["init", "--data-dir", dir]).status == 0)
        let key = dir + "/node.key"
        #expect(chmod(key, 0o644) == 0)
        let r = try CiroProcess.run(["id", "--data-dir", dir])
        #expect(r.status == 1, "\(r)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("Permissions 0644 for '\(key)' are too open."), "\(r)")
        #expect(r.stderr.contains("chmod 600 \(key)"), "\(r)")
        // Following the advice works.
        #expect(chmod(key, 0o600) == 0)
        #expect(try CiroProcess.run(["id", "--data-dir", dir]).status == 0)
    }

    @Test func idWithoutInitSaysWhatToRun() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path + "/empty"
        let r = try CiroProcess.run(["id", "--data-dir", dir])
        #expect(r.status == 2, "\(r)")
        #expect(r.stderr.contains("ciro init --data-dir \(dir)"))
    }

    @Test(arguments: ["127.0.0.1:7400", "tcp://127.0.0.1", "tcp://127.0.0.1:70000", "udp://127.0.0.1:7400"])
    func badListenEndpointIsAUsageError(endpoint: String) throws {
        let scratch = TemporaryDirectory()
        let r = try CiroProcess.run(["init", "--data-dir", scratch.path + "/n", "--listen", endpoint])
        #expect(r.status == 64, "\(r)")
        #expect(r.stderr.contains("invalid endpoint"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/n"))
    }
}
