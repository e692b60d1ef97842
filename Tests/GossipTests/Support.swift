import Foundation
import Gossip
import Logging
import Sodium
import Wire
import ZMQ

/// Fast timers so that tests finish in seconds.
func testConfig(_ tweak: (inout GossipConfig) -> Void = { _ in }) -> GossipConfig {
    var config = GossipConfig(listen: "tcp://127.0.0.1:*")
    config.heartbeatMs = 150
    config.pingAfterMs = 400
    config.deadAfterMs = 3000
    config.dialTimeoutMs = 3000
    config.reconnectBaseMs = 100
    config.reconnectMaxMs = 1000
    config.fetchTimeoutMs = 3000
    config.iwantTimeoutMs = 1000
    tweak(&config)
    return config
}

func quietLogger() -> Logger {
    var logger = Logger(label: "test.gossip")
    logger.logLevel = .error
    return logger
}

/// Starts `count` nodes; every node bootstraps from node 0 (and node 0 from nobody).
func startNetwork(_ count: Int, config: GossipConfig = testConfig()) async throws -> [GossipNode] {
    let first = try GossipNode(signer: try Ed25519KeyPair.generate(), config: config, logger: quietLogger())
    try await first.start()
    var nodes = [first]
    let seed = await first.localAddress
    for _ in 1..<count {
        let node = try GossipNode(signer: try Ed25519KeyPair.generate(), config: config, bootstrap: [seed], logger: quietLogger())
        try await node.start()
        nodes.append(node)
    }
    return nodes
}

func stopAll(_ nodes: [GossipNode]) async {
    for node in nodes { await node.stop() }
}

/// Polls `condition` every 50 ms until it holds or `seconds` pass.
func eventually(_ seconds: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(50))
    }
    return try await condition()
}

func nowMs() -> UInt64 { GossipClock.unixMs() }

/// A hand-driven peer: a CURVE DEALER to a node's ROUTER that can send anything, well-formed or not.
final class RawPeer {
    let keys: Ed25519KeyPair
    let context: ZMQContext
    let dealer: ZMQSocket
    var sequence: UInt64 = 1

    init(target: PeerAddress, keys: Ed25519KeyPair? = nil) throws {
        self.keys = try keys ?? Ed25519KeyPair.generate()
        let curve = try self.keys.x25519()
        context = try ZMQContext()
        dealer = try context.socket(.dealer)
        try dealer.set([
            .curveServerKey(target.curveKey.bytes), .curvePublicKey(curve.publicKey.bytes),
            .curveSecretKey(curve.secretKey.bytes.withUnsafeBytes { Array($0) }),
            .sendHighWaterMark(100_000),
        ])
        try dealer.connect(target.endpoint)
        self.target = target
    }
    let target: PeerAddress

    func envelope(topic: Ciro_V1_Topic, body: [UInt8], timestampMs: UInt64 = nowMs()) -> Ciro_V1_Envelope {
        sequence += 1
        return .signed(topic: topic, body: body, by: keys, sequence: sequence, timestampMs: timestampMs)
    }

    func send(_ envelope: Ciro_V1_Envelope) throws {
        try dealer.send(try envelope.serializedBytes() as [UInt8])
    }

    func sendRaw(_ bytes: [UInt8]) throws { try dealer.send(bytes) }

    /// Announces message ids (lazy pull).
    func ihave(_ ids: [[UInt8]]) throws {
        var ihave = Ciro_V1_IHave()
        ihave.messageIds = ids.map { Data($0) }
        sequence += 1
        try send(try .signed(topic: .ihave, message: ihave, by: keys, sequence: sequence, timestampMs: nowMs()))
    }

    /// Asks for message ids (lazy pull).
    func iwant(_ ids: [[UInt8]]) throws {
        var iwant = Ciro_V1_IWant()
        iwant.messageIds = ids.map { Data($0) }
        sequence += 1
        try send(try .signed(topic: .iwant, message: iwant, by: keys, sequence: sequence, timestampMs: nowMs()))
    }

    func hello(endpoint: String = "") throws {
        var hello = Ciro_V1_Hello()
        hello.protocolVersion = 1
        hello.nodeID = Data(keys.publicKey.bytes)
        hello.curveKey = Data(try keys.publicKey.x25519().bytes)
        hello.endpoint = endpoint
        hello.nonce = SecureRandom.uint64()
        hello.recipient = Data(target.key.bytes)
        try send(try .signed(topic: .hello, message: hello, by: keys, sequence: 1, timestampMs: nowMs()))
    }

    /// Receives envelopes the node sent back for up to `milliseconds`. Polls without blocking and
    /// sleeps in between: a blocking poll would hold one of the few cooperative threads (2 on the
    /// CI machine) and starve the nodes under test.
    func receive(milliseconds: Int) async throws -> [Ciro_V1_Envelope] {
        var out: [Ciro_V1_Envelope] = []
        let deadline = ContinuousClock.now + .milliseconds(milliseconds)
        repeat {
            while let frames = try? dealer.receiveMultipart(dontWait: true) {
                if let e = try? Ciro_V1_Envelope(serializedBytes: frames[0]) { out.append(e) }
            }
            try await Task.sleep(for: .milliseconds(10))
        } while ContinuousClock.now < deadline
        return out
    }
}

/// Collects the messages of one topic a node delivers.
actor Inbox {
    private(set) var ids: [MessageID] = []
    func add(_ id: MessageID) { ids.append(id) }
    var count: Int { ids.count }

    static func listen(_ node: GossipNode, topic: Ciro_V1_Topic) async -> Inbox {
        let inbox = Inbox()
        let stream = await node.subscribe(topic)
        Task { for await message in stream { await inbox.add(message.id) } }
        return inbox
    }
}
