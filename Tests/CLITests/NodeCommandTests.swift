import Foundation
import Testing
import TestSupport

/// `ciro node start` / `ciro node peers` as a user runs them: real processes on loopback.
@Suite(.serialized) struct NodeCommandTests {
    /// Starts `ciro node start` in the background, its output going to `dir/node.log`.
    func startNode(_ dir: String, listen: String, bootstrap: String? = nil) throws -> Process {
        let process = Process()
        process.executableURL = try CiroProcess.executable()
        process.arguments = ["node", "start", "--data-dir", dir, "--listen", listen] + (bootstrap.map { ["--bootstrap", $0] } ?? [])
        FileManager.default.createFile(atPath: dir + "/node.log", contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: dir + "/node.log"))
        process.standardOutput = log
        process.standardError = log
        try process.run()
        return process
    }

    func nodeID(_ dir: String) throws -> String {
        let data = try Data(contentsOf: URL(fileURLWithPath: dir + "/node.pub"))
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return try #require(object?["nodeId"] as? String)
    }

    /// Listening on port 0 lets the kernel pick a free port: a port chosen by the test could be
    /// taken meanwhile by another suite's outgoing loopback connection (CI saw exactly that).
    static let anyPort = "tcp://127.0.0.1:0"

    /// The endpoint a node started on port 0 actually listens on, read from its log.
    func boundEndpoint(_ dir: String, node: Process) throws -> String {
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let log = (try? String(contentsOfFile: dir + "/node.log", encoding: .utf8)) ?? ""
            if let line = log.split(separator: "\n").first(where: { $0.contains("gossip listening") }),
               let field = line.split(separator: " ").first(where: { $0.hasPrefix("advertise=") }) {
                return String(field.dropFirst("advertise=".count))
            }
            if !node.isRunning { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let log = (try? String(contentsOfFile: dir + "/node.log", encoding: .utf8)) ?? ""
        throw NodeDidNotListen(log: log)
    }

    struct NodeDidNotListen: Error, CustomStringConvertible {
        let log: String
        var description: String { "the node logged no listening endpoint: \(log.suffix(800))" }
    }

    @Test func twoNodesLinkListPeersAndStopCleanly() throws {
        let scratch = TemporaryDirectory()
        let a = scratch.path + "/a", b = scratch.path + "/b"
        try CiroProcess.run(["init", "--data-dir", a])
        try CiroProcess.run(["init", "--data-dir", b])
        let nodeA = try startNode(a, listen: Self.anyPort)
        var nodeB: Process?
        defer {
            for p in [nodeA, nodeB].compactMap({ $0 }) where p.isRunning { p.terminate() }
        }
        let endpointA = try boundEndpoint(a, node: nodeA)
        let list = scratch.path + "/bootstrap.json"
        let json = #"{"version": 1, "peers": [{"endpoint": "\#(endpointA)", "node": "\#(try nodeID(a))"}]}"#
        try json.write(toFile: list, atomically: true, encoding: .utf8)
        nodeB = try startNode(b, listen: Self.anyPort, bootstrap: list)
        var peers = CiroProcess.Result(status: -1, stdout: "", stderr: "")
        for _ in 0..<100 {
            peers = try CiroProcess.run(["node", "peers", "--data-dir", a])
            if peers.stdout.contains(try nodeID(b)) { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        #expect(peers.status == 0, "\(peers)")
        #expect(peers.stdout.contains("1 peer(s)"), "\(peers)")
        #expect(peers.stdout.contains(try nodeID(b)), "\(peers)")
        #expect(peers.stdout.contains("score"), "\(peers)")

        for p in [nodeA, nodeB].compactMap({ $0 }) {
            kill(p.processIdentifier, SIGTERM)
            p.waitUntilExit()
            #expect(p.terminationStatus == 0)
        }
        let log = try String(contentsOfFile: a + "/node.log", encoding: .utf8)
        #expect(log.contains("node stopped"), "\(log)")
    }

    /// Whether `pid` still runs (a zombie no one reaps counts as stopped).
    func running(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return false }
        let state = stat[stat.index(after: close)...].trimmingCharacters(in: .whitespaces).first
        return state != "Z" && state != "X"
    }

    @Test func aNodeWhoseLauncherDiesStopsByItself() throws {
        let scratch = TemporaryDirectory()
        let dir = scratch.path + "/n"
        try CiroProcess.run(["init", "--data-dir", dir])
        // A shell starts the node watching the shell itself, prints the node's pid and exits after
        // 3 s without stopping it: the node must notice and stop (the orphan a crashed test leaves).
        let shell = Process()
        shell.executableURL = URL(fileURLWithPath: "/bin/sh")
        shell.arguments = ["-c", #""$0" node start --data-dir "$1" --listen tcp://127.0.0.1:0 --exit-with-parent $$ > "$1/node.log" 2>&1 & echo $!; sleep 3"#,
                           try CiroProcess.executable().path, dir]
        let out = Pipe()
        shell.standardOutput = out
        try shell.run()
        let pidText = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        shell.waitUntilExit()
        let pid = try #require(Int32(pidText.trimmingCharacters(in: .whitespacesAndNewlines)))
        let deadline = Date().addingTimeInterval(60)
        while running(pid) && Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        if running(pid) {
            kill(pid, SIGKILL)
            Issue.record("the node outlived its launcher by 60 s")
            return
        }
        let log = try String(contentsOfFile: dir + "/node.log", encoding: .utf8)
        #expect(log.contains("parent process"), "\(log.suffix(800))")
        #expect(log.contains("node stopped"), "stopped cleanly: \(log.suffix(800))")
    }

    @Test func peersWithoutARunningNodeSaysSo() throws {
        let scratch = TemporaryDirectory()
        try CiroProcess.run(["init", "--data-dir", scratch.path + "/n"])
        let result = try CiroProcess.run(["node", "peers", "--data-dir", scratch.path + "/n"])
        #expect(result.status == 3, "\(result)")
        #expect(result.stderr.contains("no node answered"), "\(result)")
    }

    @Test func startWithoutIdentityOrWithABadBootstrapListIsABadInput() throws {
        let scratch = TemporaryDirectory()
        let missing = try CiroProcess.run(["node", "start", "--data-dir", scratch.path + "/none"], timeout: 20)
        #expect(missing.status == 2, "\(missing)")
        try CiroProcess.run(["init", "--data-dir", scratch.path + "/n"])
        try "not json".write(toFile: scratch.path + "/list.json", atomically: true, encoding: .utf8)
        let bad = try CiroProcess.run(["node", "start", "--data-dir", scratch.path + "/n", "--bootstrap", scratch.path + "/list.json"], timeout: 20)
        #expect(bad.status == 2, "\(bad)")
        #expect(bad.stderr.contains("bootstrap list"), "\(bad)")
        let negative = try CiroProcess.run(["node", "start", "--data-dir", scratch.path + "/n", "--listen", Self.anyPort,
                                            "--weight-mask-budget-mb=-1"], timeout: 20)
        #expect(negative.status == 2, "\(negative)")
        #expect(negative.stderr.contains("--weight-mask-budget-mb must be 0 or more"), "\(negative)")
    }

    /// Link options out of range: refused with exit 2 and a message saying why, before the node starts.
    @Test func startRefusesLinkOptionsOutOfRange() throws {
        let scratch = TemporaryDirectory()
        try CiroProcess.run(["init", "--data-dir", scratch.path + "/n"])
        let cases = [("--link-fetch-attempts", "0", "must be 1 or more, not 0"), ("--link-fetch-attempts", "-1", "must be 1 or more, not -1"),
                     ("--link-chain-bound", "0", "must be 1...64, not 0"), ("--link-chain-bound", "-1", "must be 1...64, not -1"),
                     ("--link-chain-bound", "65", "must be 1...64, not 65")]
        for (option, value, why) in cases {
            let refused = try CiroProcess.run(["node", "start", "--data-dir", scratch.path + "/n", "--listen", Self.anyPort,
                                               "\(option)=\(value)"], timeout: 20)
            #expect(refused.status == 2, "\(refused)")
            #expect(refused.stderr.contains("ciro node start: \(option) \(why)"), "\(refused)")
            #expect(!FileManager.default.fileExists(atPath: scratch.path + "/n/control.sock"), "\(refused)")
        }
    }
}
