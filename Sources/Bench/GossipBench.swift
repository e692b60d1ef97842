import Foundation
import Gossip
import Identity
import Node
import Sodium
import Wire
import ZMQ

/// `ciro bench gossip`: real node processes on loopback, driven through their control sockets.
public enum GossipBench {
    /// Propagation figures for one network size.
    public struct PropagationResult: Codable, Sendable {
        public var nodes: Int
        /// What each node process runs.
        public var processes: NodeKind
        public var messages: Int
        public var p50Ms: Double
        public var p99Ms: Double
        public var maxMs: Double
        /// Fraction of (message, receiving node) pairs that arrived.
        public var deliveredFraction: Double
        /// Extra copies each receiving node got per message, averaged.
        public var duplicatesPerNodePerMessage: Double
        public var targetDegree: Int
        public var meanPeers: Double
        /// The 1-minute load average before the nodes started and after the run.
        public var loadBefore: Double
        public var loadAfter: Double
        /// CPU time of all node processes together from the first publish until the receipts
        /// were collected (2 s after the last publish), per message: what one message costs the
        /// whole network, independent of how busy the machine was.
        public var nodeCpuMsPerMessage: Double
    }

    /// Validation throughput of one node fed by one blasting peer.
    public struct ThroughputResult: Codable, Sendable {
        public var processes: NodeKind
        public var messages: Int
        public var seconds: Double
        public var validatedPerSecond: Double
        /// Ed25519 verifications per second on one core of this machine, measured right after
        /// (the ceiling one core could reach at that moment).
        public var singleCoreVerifyPerSecond: Double
        /// The 1-minute load average when the run ended (other work on the machine).
        public var loadAverage: Double
        /// CPU time the node process used during the run, and messages validated per CPU second
        /// (how efficiently it turns CPU into validated messages, whatever else runs).
        public var nodeCpuSeconds: Double
        public var validatedPerCpuSecond: Double
    }

    /// Times `count` Ed25519 verifications on the calling thread.
    static func verifyRate(count: Int = 4000) throws -> Double {
        let pair = try Ed25519KeyPair.generate()
        let message = [UInt8](repeating: 7, count: 200)
        let signature = pair.sign(message)
        let start = Date()
        var ok = 0
        message.withUnsafeBytes { raw in
            for _ in 0..<count where pair.publicKey.isValidSignature(signature, for: raw) { ok += 1 }
        }
        precondition(ok == count)
        return Double(count) / Date().timeIntervalSince(start)
    }

    static func loadAverage() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8),
              let first = text.split(separator: " ").first else { return .nan }
        return Double(first) ?? .nan
    }

    /// A set of node processes sharing a scratch folder.
    final class Network {
        let root: String
        var directories: [String] = []
        var processes: [Process] = []
        var addresses: [PeerAddress] = []

        init() throws {
            root = NSTemporaryDirectory() + "ciro-bench-\(Hex.encode(SecureRandom.bytes(4)))"
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        }

        /// Creates `count` data folders with fresh identities and free loopback ports.
        func prepare(count: Int, basePort: Int) throws {
            for i in 0..<count {
                let path = root + "/n\(i)"
                let endpoint = "tcp://127.0.0.1:\(basePort + i)"
                let identity = try DataDirectory(path: path).initialize(config: NodeConfig(listen: endpoint), force: true)
                directories.append(path)
                addresses.append(try PeerAddress(key: identity.signing.publicKey, endpoint: endpoint))
            }
        }

        func start(executable: String, kind: NodeKind, seeds: Int, extraArguments: [String] = []) throws {
            let list = root + "/bootstrap.json"
            let bytes = BootstrapList.render(Array(addresses.prefix(seeds))) { NodeID(publicKey: $0).description }
            FileManager.default.createFile(atPath: list, contents: Data(bytes))
            for path in directories {
                let process = Process()
                process.executableURL = URL(fileURLWithPath: executable)
                switch kind {
                case .full:
                    process.arguments = ["node", "start", "--data-dir", path, "--bootstrap", list, "--log-level", "warning"] + extraArguments
                case .gossip:
                    process.arguments = ["bench", "gossip", "--node-process", "--data-dir", path, "--bootstrap", list] + extraArguments
                }
                FileManager.default.createFile(atPath: path + "/node.log", contents: nil)
                let log = FileHandle(forWritingAtPath: path + "/node.log")
                process.standardOutput = log
                process.standardError = log
                try process.run()
                processes.append(process)
            }
        }

        /// CPU time (user + system) the node processes have used so far, in seconds.
        func cpuSeconds() -> Double {
            let ticks = Double(sysconf(Int32(_SC_CLK_TCK)))
            var total = 0.0
            for process in processes {
                guard let text = try? String(contentsOfFile: "/proc/\(process.processIdentifier)/stat", encoding: .utf8),
                      let close = text.lastIndex(of: ")") else { continue }
                let fields = text[text.index(after: close)...].split(separator: " ")
                guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { continue }
                total += (user + system) / ticks
            }
            return total
        }

        func client(_ index: Int) -> ControlClient {
            ControlClient(endpoint: ControlServer.endpoint(dataDirectory: directories[index]), timeoutMs: 5000)
        }

        func status(_ index: Int) -> Ciro_V1_StatusResponse? {
            var request = Ciro_V1_ControlRequest()
            request.status = Ciro_V1_StatusRequest()
            guard let response = try? client(index).call(request), case let .status(s) = response.response else { return nil }
            return s
        }

        func stop() {
            for process in processes where process.isRunning { process.terminate() }
            for process in processes { process.waitUntilExit() }
            processes.removeAll()
            try? FileManager.default.removeItem(atPath: root)
        }
    }

    /// A first port for `count` consecutive listening ports, drawn below the kernel's ephemeral range
    /// (`/proc/sys/net/ipv4/ip_local_port_range`): ports in that range are handed to outgoing
    /// connections, so a node bound there can fail with EADDRINUSE at random.
    static func basePort(count: Int) -> Int {
        let range = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_local_port_range", encoding: .utf8))?
            .split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" }).compactMap { Int($0) }
        let ephemeralStart = range?.first ?? 32_768
        let low = 10_000, high = max(low + count + 1, ephemeralStart - count)
        return low + Int(SecureRandom.uint64() % UInt64(high - low))
    }

    /// Waits until `condition` holds (polling every 100 ms) or `seconds` pass.
    static func wait(_ seconds: Double, _ condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if condition() { return true }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return condition()
    }

    /// Starts `nodes` processes, publishes `messages` PROBEs from rotating nodes and measures the
    /// time until every other node has each message, and the duplicates.
    public static func propagation(nodes: Int, messages: Int, executable: String, kind: NodeKind,
                                   progress: (String) -> Void) throws -> PropagationResult {
        let loadBefore = loadAverage()
        let network = try Network()
        defer { network.stop() }
        try network.prepare(count: nodes, basePort: basePort(count: nodes))
        try network.start(executable: executable, kind: kind, seeds: min(3, nodes))
        let wanted = UInt32(min(3, nodes - 1))
        guard wait(60, { (0..<nodes).allSatisfy { (network.status($0)?.peerCount ?? 0) >= wanted } }) else {
            throw ControlError.failed("the \(nodes) nodes did not connect within 60 s (logs in \(network.root))")
        }
        Thread.sleep(forTimeInterval: 2)  // let peer exchange settle the degree
        let peers = (0..<nodes).map { Double(network.status($0)?.peerCount ?? 0) }
        progress("  \(nodes) nodes up, mean degree \(String(format: "%.1f", peers.reduce(0, +) / Double(nodes)))")

        let cpuBefore = network.cpuSeconds()
        var published: [(id: [UInt8], at: UInt64, from: Int)] = []
        for i in 0..<messages {
            var request = Ciro_V1_ControlRequest()
            var publish = Ciro_V1_PublishRequest()
            publish.body = Data(SecureRandom.bytes(64))
            request.publish = publish
            let from = i % nodes
            let response = try network.client(from).call(request)
            guard case let .publish(p) = response.response else { throw ControlError.failed(response.error) }
            published.append((Array(p.messageID), p.publishedUnixNs, from))
            Thread.sleep(forTimeInterval: 0.01)
        }
        Thread.sleep(forTimeInterval: 2)
        let cpuUsed = network.cpuSeconds() - cpuBefore

        var receipts: [[[UInt8]: Ciro_V1_Receipt]] = []
        for index in 0..<nodes {
            var request = Ciro_V1_ControlRequest()
            request.receipts = Ciro_V1_ReceiptsRequest()
            let response = try network.client(index).call(request)
            guard case let .receipts(r) = response.response else { throw ControlError.failed(response.error) }
            receipts.append(Dictionary(r.receipts.map { (Array($0.messageID), $0) }, uniquingKeysWith: { a, _ in a }))
        }
        var latencies: [Double] = []
        var delivered = 0, expected = 0, duplicates = 0
        for message in published {
            var worst: UInt64 = 0
            var complete = true
            for index in 0..<nodes where index != message.from {
                expected += 1
                guard let receipt = receipts[index][message.id] else { complete = false; continue }
                delivered += 1
                duplicates += Int(receipt.duplicates)
                worst = max(worst, receipt.receivedUnixNs &- message.at)
            }
            if complete { latencies.append(Double(worst) / 1e6) }
        }
        latencies.sort()
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return .nan }
            return latencies[min(latencies.count - 1, Int((Double(latencies.count) * p).rounded(.up)) - 1)]
        }
        return PropagationResult(
            nodes: nodes, processes: kind, messages: messages, p50Ms: percentile(0.5), p99Ms: percentile(0.99),
            maxMs: latencies.last ?? .nan, deliveredFraction: Double(delivered) / Double(max(1, expected)),
            duplicatesPerNodePerMessage: Double(duplicates) / Double(max(1, delivered)),
            targetDegree: NodeConfig().targetPeers, meanPeers: peers.reduce(0, +) / Double(nodes),
            loadBefore: loadBefore, loadAfter: loadAverage(), nodeCpuMsPerMessage: cpuUsed * 1000 / Double(messages))
    }

    /// One node process, one blasting peer sending `messages` distinct pre-signed PROBEs over
    /// CurveZMQ: how many signed envelopes per second the node checks (signature, id, seen-cache,
    /// delivery). The node runs with its per-connection rate limit lifted.
    public static func throughput(messages: Int, executable: String, kind: NodeKind) throws -> ThroughputResult {
        let network = try Network()
        defer { network.stop() }
        try network.prepare(count: 1, basePort: basePort(count: 1))
        try network.start(executable: executable, kind: kind, seeds: 0, extraArguments: ["--rate-limit", "100000000"])
        guard wait(30, { network.status(0) != nil }) else { throw ControlError.failed("node did not start") }
        let target = network.addresses[0]

        // Pre-sign on every core so that the blaster only sends.
        let signers = try (0..<4).map { _ in try Ed25519KeyPair.generate() }
        let signer = signers[0]
        let now = GossipClock.unixMs()
        let frames = UnsafeMutableBufferPointer<[UInt8]>.allocate(capacity: messages)
        frames.initialize(repeating: [])
        defer { frames.deallocate() }
        let framesBox = UncheckedBox(frames)
        DispatchQueue.concurrentPerform(iterations: 4) { part in
            var i = part
            while i < messages {
                var body = [UInt8](repeating: 0, count: 64)
                withUnsafeBytes(of: UInt64(i).littleEndian) { body.replaceSubrange(0..<8, with: $0) }
                let envelope = Ciro_V1_Envelope.signed(topic: .probe, body: body, by: signer, sequence: UInt64(i + 10), timestampMs: now)
                framesBox.value[i] = (try? envelope.serializedBytes()) ?? []
                i += 4
            }
        }

        let context = try ZMQContext()
        let dealer = try context.socket(.dealer)
        let curve = try signer.x25519()
        try dealer.set([
            .curveServerKey(target.curveKey.bytes), .curvePublicKey(curve.publicKey.bytes),
            .curveSecretKey(curve.secretKey.bytes.withUnsafeBytes { Array($0) }),
            .sendHighWaterMark(0), .receiveTimeout(milliseconds: 5000),
        ])
        try dealer.connect(target.endpoint)
        var hello = Ciro_V1_Hello()
        hello.protocolVersion = 1
        hello.nodeID = Data(signer.publicKey.bytes)
        hello.curveKey = Data(curve.publicKey.bytes)
        hello.nonce = SecureRandom.uint64()
        hello.recipient = Data(target.key.bytes)
        hello.agent = "ciro-bench"
        try dealer.send(try Ciro_V1_Envelope.signed(topic: .hello, message: hello, by: signer, sequence: 1, timestampMs: now).serializedBytes() as [UInt8])
        _ = try dealer.receiveMultipart()  // the Hello reply: the link is up
        let before = network.status(0)?.messagesValidated ?? 0
        let cpuBefore = network.cpuSeconds()

        let start = Date()
        for frame in frames { try dealer.send(frame) }
        let goal = before + UInt64(messages)
        guard wait(120, { (network.status(0)?.messagesValidated ?? 0) >= goal }) else {
            throw ControlError.failed("node validated only \((network.status(0)?.messagesValidated ?? 0) - before) of \(messages)")
        }
        let seconds = Date().timeIntervalSince(start)
        let cpu = network.cpuSeconds() - cpuBefore
        dealer.close()
        return ThroughputResult(processes: kind, messages: messages, seconds: seconds, validatedPerSecond: Double(messages) / seconds,
                                singleCoreVerifyPerSecond: try verifyRate(), loadAverage: loadAverage(),
                                nodeCpuSeconds: cpu, validatedPerCpuSecond: Double(messages) / max(cpu, 0.001))
    }
}

/// Lets `concurrentPerform` workers write disjoint slots of one buffer.
private final class UncheckedBox<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
}
