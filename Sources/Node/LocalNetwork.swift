import Foundation
import Identity
import Wire

/// A local network of real `ciro node start` processes on loopback, each in its own data folder
/// under `root`: the first node listens on a free port (port 0), the others bootstrap from it.
/// Used by `ciro demo`, `ciro bench market` and the multi-process tests.
public final class LocalNetwork: @unchecked Sendable {
    /// One node process.
    public struct Member: Sendable {
        public let index: Int
        public let directory: String
        public let nodeID: String
        /// The Ed25519 public key (the id in market messages).
        public let publicKey: [UInt8]
        public var control: String { ControlServer.endpoint(dataDirectory: directory) }
        public var logPath: String { directory + "/node.log" }
    }

    /// Why the network could not start.
    public struct Failure: Error, CustomStringConvertible {
        public let description: String
    }

    public let root: String
    public let executable: String
    /// Nice value for the node processes (tests raise it so parallel suites are not starved).
    public var niceness: Int32 = 0
    public private(set) var members: [Member] = []
    private var processes: [Int: Process] = [:]
    private let lock = NSLock()

    /// `executable`: the `ciro` binary; `root`: an empty folder for the nodes' data.
    public init(executable: String, root: String) {
        self.executable = executable
        self.root = root
    }

    /// Creates `count` data folders (fresh keys) and starts every node; returns when every node
    /// answers on its control socket. `extraArguments(i)` are added to node i's command line.
    public func start(count: Int, targetPeers: Int? = nil, extraArguments: (Int) -> [String] = { _ in [] },
                      timeout: TimeInterval = 60) throws {
        for i in 0..<count {
            let directory = root + "/n\(i + 1)"
            let data = DataDirectory(path: directory)
            var config = NodeConfig()
            config.targetPeers = targetPeers ?? max(6, count)
            let identity: NodeIdentity
            do { identity = try data.initialize(config: config) } catch { throw Failure(description: "cannot create \(directory): \(error)") }
            members.append(Member(index: i, directory: directory, nodeID: identity.nodeID.description,
                                  publicKey: identity.signing.publicKey.bytes))
        }
        try launch(0, arguments: extraArguments(0))
        let seed = try waitForStatus(members[0], timeout: timeout)
        let list = #"{"version": 1, "peers": [{"endpoint": "\#(seed.endpoint)", "node": "\#(members[0].nodeID)"}]}"#
        do { try list.write(toFile: root + "/bootstrap.json", atomically: true, encoding: .utf8) } catch {
            throw Failure(description: "cannot write the bootstrap list: \(error)")
        }
        for i in 1..<count { try launch(i, arguments: ["--bootstrap", root + "/bootstrap.json"] + extraArguments(i)) }
        for member in members.dropFirst() { _ = try waitForStatus(member, timeout: timeout) }
    }

    /// Starts (or restarts) node `index`.
    public func launch(_ index: Int, arguments: [String]) throws {
        let member = members[index]
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        // The node stops by itself if this process dies without stopping it (a crashed test).
        process.arguments = ["node", "start", "--data-dir", member.directory, "--listen", "tcp://127.0.0.1:0",
                             "--exit-with-parent", "\(getpid())"] + arguments
        if !FileManager.default.fileExists(atPath: member.logPath) {
            FileManager.default.createFile(atPath: member.logPath, contents: nil)
        }
        guard let log = FileHandle(forWritingAtPath: member.logPath) else { throw Failure(description: "cannot open \(member.logPath)") }
        log.seekToEndOfFile()
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch { throw Failure(description: "cannot start \(executable): \(error)") }
        if niceness != 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), id_t(process.processIdentifier), niceness) }
        lock.withLock { processes[index] = process }
    }

    /// The process of node `index`, if running.
    public func process(_ index: Int) -> Process? { lock.withLock { processes[index] } }

    /// Waits until the node answers a status request.
    @discardableResult
    public func waitForStatus(_ member: Member, timeout: TimeInterval) throws -> Ciro_V1_StatusResponse {
        let deadline = Date().addingTimeInterval(timeout)
        var request = Ciro_V1_ControlRequest()
        request.status = Ciro_V1_StatusRequest()
        while Date() < deadline {
            if let p = process(member.index), !p.isRunning {
                throw Failure(description: "node \(member.index + 1) exited with status \(p.terminationStatus) (log: \(member.logPath))")
            }
            if let response = try? ControlClient(endpoint: member.control, timeoutMs: 1000).call(request),
               case let .status(status) = response.response {
                return status
            }
            Thread.sleep(forTimeInterval: 0.1)
        }
        throw Failure(description: "node \(member.index + 1) did not answer within \(Int(timeout)) s (log: \(member.logPath))")
    }

    /// Sends SIGKILL to node `index` (a crash: nothing is flushed or said goodbye).
    public func kill(_ index: Int) {
        guard let p = process(index), p.isRunning else { return }
        Foundation.kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
    }

    /// Stops every node: a control shutdown request, then SIGTERM, then SIGKILL after `grace`.
    /// Returns the nodes that did not stop cleanly (exit status other than 0).
    @discardableResult
    public func stop(grace: TimeInterval = 10) -> [Int] {
        let running = lock.withLock { processes }
        var request = Ciro_V1_ControlRequest()
        request.shutdown = Ciro_V1_ShutdownRequest()
        for (i, p) in running where p.isRunning {
            if (try? ControlClient(endpoint: members[i].control, timeoutMs: 2000).call(request)) == nil {
                Foundation.kill(p.processIdentifier, SIGTERM)
            }
        }
        let deadline = Date().addingTimeInterval(grace)
        var unclean: [Int] = []
        for (i, p) in running.sorted(by: { $0.key < $1.key }) {
            while p.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
            if p.isRunning {
                Foundation.kill(p.processIdentifier, SIGKILL)
                p.waitUntilExit()
                unclean.append(i)
            } else if p.terminationStatus != 0 && p.terminationReason == .exit {
                unclean.append(i)
            }
        }
        return unclean
    }
}
