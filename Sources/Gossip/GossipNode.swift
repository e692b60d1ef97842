import Foundation
import Logging
import Sodium
import SwiftProtobuf
import Wire

/// A gossip overlay node over ZeroMQ: one ROUTER bound at `config.listen` takes inbound links,
/// one DEALER per dialed peer; every TCP link is CurveZMQ with the peer's X25519 key as server key;
/// a signed Hello opens every link. Node state and sockets share one thread: the actor's executor
/// is a `GossipExecutor`, whose thread runs the actor's jobs and polls the sockets between them.
///
/// Upper layers use `publish`, `subscribe`, `setValidator`, `sendDirect`, `storeBlob` /
/// `fetchBlob`, and `peers()` / `stats()` for monitoring.
public actor GossipNode {
    struct Link {
        let key: Ed25519PublicKey
        var connection: Connection
        let direction: PeerSnapshot.Direction
        var endpoint: String
        var established: Bool
        var lastHeardMs: UInt64
        var lastPingMs: UInt64 = 0
        var createdMs: UInt64
        var received: UInt64 = 0
        var sent: UInt64 = 0
    }

    struct AddressEntry {
        var address: PeerAddress
        var failures = 0
        var nextDialMs: UInt64 = 0
    }

    /// This node's signing key pair.
    public nonisolated let signer: Ed25519KeyPair
    let curve: X25519KeyPair
    public nonisolated let config: GossipConfig
    let logger: Logger
    /// This node's key (its node id).
    public nonisolated var key: Ed25519PublicKey { signer.publicKey }

    /// The thread that runs this actor and owns its sockets.
    let executor: GossipExecutor
    public nonisolated var unownedExecutor: UnownedSerialExecutor { executor.asUnownedSerialExecutor() }
    var transport: Transport?
    var tasks: [Task<Void, Never>] = []
    /// The endpoint peers reach this node at (known after `start`).
    public private(set) var endpoint = ""

    var links: [Ed25519PublicKey: Link] = [:]
    var linkByConnection: [Connection: Ed25519PublicKey] = [:]
    var recentlyClosed: [Connection: UInt64] = [:]
    var strikes: [Connection: Int] = [:]
    var addressBook: [Ed25519PublicKey: AddressEntry] = [:]
    var scores: PeerScores
    var seen: SeenCache
    var sequence: UInt64
    var nextDealerID: UInt64 = 1
    var nextRequestID: UInt64 = 1
    var heartbeats: UInt64 = 0
    var lastHeartbeatMs: UInt64 = 0
    var lastPeerStateSaveMs: UInt64 = 0
    var counters = GossipStats()
    let startedMs = GossipClock.monotonicMs()

    var subscribers: [Ciro_V1_Topic: [Int: AsyncStream<GossipMessage>.Continuation]] = [:]
    var nextSubscriberID = 0
    var validators: [Ciro_V1_Topic: GossipValidator] = [:]
    var probeReceipts: [MessageID: ProbeReceipt] = [:]
    var signerBuckets: [Ed25519PublicKey: TokenBucket] = [:]

    var recent: MessageCache
    var wants: [MessageID: PendingWant] = [:]
    var wantBuckets: [Ed25519PublicKey: TokenBucket] = [:]
    var serveBuckets: [Ed25519PublicKey: TokenBucket] = [:]
    /// Closed connections already told (once) that they are no longer a link.
    var toldUnlinked: Set<Connection> = []

    var blobs: [[UInt8]: [UInt8]] = [:]
    var blobProvider: (@Sendable (Ciro_V1_BlobKind, [UInt8]) -> [UInt8]?)?
    var pendingFetches: [UInt64: CheckedContinuation<Ciro_V1_FetchResponse, any Error>] = [:]
    var pendingFetchPeers: [UInt64: Ed25519PublicKey] = [:]

    /// Creates a node; call `start()` to bind and join.
    public init(signer: Ed25519KeyPair, config: GossipConfig, bootstrap: [PeerAddress] = [],
                logger: Logger = Logger(label: "ciro.gossip")) throws {
        self.signer = signer
        self.curve = try signer.x25519()
        self.executor = try GossipExecutor(name: "gossip-\(signer.publicKey.shortID)")
        self.config = config
        var logger = logger
        logger[metadataKey: "node"] = "\(signer.publicKey.shortID)"
        self.logger = logger
        self.scores = PeerScores(threshold: config.banThreshold, banDurationMs: config.banDurationMs)
        self.seen = SeenCache(capacity: config.seenCacheCapacity)
        self.recent = MessageCache(historyHeartbeats: config.messageCacheHeartbeats, advertiseHeartbeats: config.ihaveHeartbeats,
                                   capacity: config.messageCacheCapacity, maxBytes: config.messageCacheBytes)
        // Strictly increasing across restarts: start from the clock in microseconds.
        self.sequence = GossipClock.unixNs() / 1000
        for address in bootstrap where address.key != signer.publicKey {
            addressBook[address.key] = AddressEntry(address: address)
        }
        for saved in Self.readPeerState(config: config, selfKey: signer.publicKey, logger: logger) {
            scores.restore(saved.key, score: saved.peer.score, bannedUntilMs: saved.peer.bannedUntilUnixMs, offenses: saved.peer.offenses)
            if let address = saved.address, addressBook[saved.key] == nil { addressBook[saved.key] = AddressEntry(address: address) }
        }
    }

    deinit { executor.shutdown() }

    // MARK: Lifecycle

    /// Binds the ROUTER, starts the transport thread, the event loop and the heartbeat, and dials
    /// the bootstrap peers. Returns the bound endpoint.
    @discardableResult
    public func start() async throws -> String {
        let settings = TransportSettings(
            listen: config.listen, curvePublic: curve.publicKey.bytes, curveSecret: curve.secretKey.bytes,
            maxEnvelopeBytes: config.maxEnvelopeBytes, maxBodyBytes: config.maxBodyBytes,
            sendQueueLimit: config.sendQueueLimit, rateLimitPerSecond: config.rateLimitPerSecond,
            rateLimitBurst: config.rateLimitBurst)
        let transport = try Transport(settings: settings)
        let bound = transport.endpoint
        self.transport = transport
        self.endpoint = config.advertise ?? bound
        logger.info("gossip listening", metadata: ["endpoint": "\(bound)", "advertise": "\(endpoint)"])
        executor.setSocketService { [weak self] wakeFD in
            guard let self else { return false }
            return self.assumeIsolated { $0.serviceSockets(wakeFD: wakeFD) }
        }
        tasks.append(Task { [weak self] in
            while !Task.isCancelled {
                guard let self else { return }
                let period = await self.config.heartbeatMs
                try? await Task.sleep(for: .milliseconds(period))
                await self.heartbeat()
            }
        })
        maintainDegree(nowMs: GossipClock.monotonicMs())
        return endpoint
    }

    /// Says goodbye to every peer, stops the transport thread and ends every subscription.
    public func stop() async {
        guard let transport else { return }
        var goodbye = Ciro_V1_Goodbye()
        goodbye.reason = "shutdown"
        for link in links.values where link.established {
            send(topic: .goodbye, message: goodbye, to: [link.connection])
        }
        savePeerState()
        // Give the goodbyes a moment to leave, then stop.
        try? await Task.sleep(for: .milliseconds(50))
        transport.submit(.stop)
        executor.setSocketService(nil)
        for task in tasks { task.cancel() }
        tasks.removeAll()
        for continuations in subscribers.values { for c in continuations.values { c.finish() } }
        subscribers.removeAll()
        for (_, pending) in pendingFetches { pending.resume(throwing: GossipError.notStarted) }
        pendingFetches.removeAll()
        pendingFetchPeers.removeAll()
        wants.removeAll()
        links.removeAll()
        linkByConnection.removeAll()
        self.transport = nil
        logger.info("gossip stopped")
    }

    /// This node's address.
    public var localAddress: PeerAddress {
        PeerAddress(key: signer.publicKey, curveKey: curve.publicKey, endpoint: endpoint)
    }

    // MARK: Upper-layer API

    /// Signs `body` under `topic` and sends it to every peer. Returns its message id.
    @discardableResult
    public func publish(topic: Ciro_V1_Topic, body: [UInt8]) throws -> MessageID {
        guard transport != nil else { throw GossipError.notStarted }
        let envelope = makeEnvelope(topic: topic, body: body)
        let id = envelope.messageID()
        seen.insert(id, timestampMs: envelope.timestampMs)
        counters.published += 1
        guard let bytes: [UInt8] = try? envelope.serializedBytes() else { throw GossipError.encodingFailed("\(topic)") }
        remember(id, bytes: bytes)
        if config.eagerPush { transmit(bytes, to: links.values.filter(\.established).map(\.connection)) }
        return id
    }

    /// Publishes a protobuf message.
    @discardableResult
    public func publish(topic: Ciro_V1_Topic, message: some SwiftProtobuf.Message) throws -> MessageID {
        let body: [UInt8]
        do { body = try message.serializedBytes() } catch { throw GossipError.encodingFailed("\(topic)") }
        return try publish(topic: topic, body: body)
    }

    /// Sends a signed message to one node only (bids, sealed inputs). Uses the existing link, or
    /// dials the node if its address is known (from peer exchange, Hello, or `addKnownPeer`).
    public func sendDirect(to key: Ed25519PublicKey, topic: Ciro_V1_Topic, body: [UInt8]) throws {
        guard transport != nil else { throw GossipError.notStarted }
        if links[key] == nil {
            guard let entry = addressBook[key] else { throw GossipError.unknownPeer("\(key.shortID)") }
            dial(entry.address, nowMs: GossipClock.monotonicMs())
        }
        guard let link = links[key] else { throw GossipError.notConnected("\(key.shortID)") }
        transmit(makeEnvelope(topic: topic, body: body), to: [link.connection])
    }

    /// Messages of `topic` that passed validation, first copies only, in arrival order.
    public func subscribe(_ topic: Ciro_V1_Topic) -> AsyncStream<GossipMessage> {
        let (stream, continuation) = AsyncStream.makeStream(of: GossipMessage.self, bufferingPolicy: .bufferingNewest(10_000))
        let id = nextSubscriberID
        nextSubscriberID += 1
        subscribers[topic, default: [:]][id] = continuation
        continuation.onTermination = { [weak self] _ in
            Task { await self?.unsubscribe(topic, id) }
        }
        return stream
    }

    private func unsubscribe(_ topic: Ciro_V1_Topic, _ id: Int) {
        subscribers[topic]?[id] = nil
    }

    /// Installs the validator for `topic` (replacing any previous one). Without a validator, every
    /// well-signed message of a known topic is accepted and forwarded.
    public func setValidator(_ topic: Ciro_V1_Topic, _ validator: @escaping GossipValidator) {
        validators[topic] = validator
    }

    /// Adds (or refreshes) an address, e.g. from a capacity ad, so `sendDirect` can reach it.
    public func addKnownPeer(_ address: PeerAddress) {
        guard address.key != signer.publicKey else { return }
        if var entry = addressBook[address.key] {
            entry.address = address
            addressBook[address.key] = entry
        } else {
            addressBook[address.key] = AddressEntry(address: address)
        }
    }

    /// Dials `key` when its address is known and no link to it exists yet, so a blob fetch from a
    /// node outside the mesh can follow once the link is up. Returns whether a link exists now.
    @discardableResult
    public func connect(to key: Ed25519PublicKey) -> Bool {
        if links[key] == nil, let entry = addressBook[key], key != signer.publicKey {
            dial(entry.address, nowMs: GossipClock.monotonicMs())
        }
        return links[key]?.established == true
    }

    /// Connected peers with their scores.
    public func peers() -> [PeerSnapshot] {
        let now = GossipClock.monotonicMs()
        return links.values.filter(\.established).map { link in
            PeerSnapshot(key: link.key, endpoint: link.endpoint, direction: link.direction,
                         score: scores.score(link.key), lastHeardMsAgo: now &- link.lastHeardMs,
                         messagesReceived: link.received, messagesSent: link.sent, banned: false)
        }.sorted { $0.key.bytes.lexicographicallyPrecedes($1.key.bytes) }
    }

    /// Banned nodes (connected or not) with their scores.
    public func bannedPeers() -> [PeerSnapshot] {
        let now = GossipClock.unixMs()
        return scores.banned.filter { scores.isBanned($0, nowMs: now) }.map { key in
            PeerSnapshot(key: key, endpoint: addressBook[key]?.address.endpoint ?? "", direction: .inbound,
                         score: scores.score(key), lastHeardMsAgo: 0, messagesReceived: 0, messagesSent: 0, banned: true)
        }
    }

    /// The current score of a node (0 if never seen).
    public func score(of key: Ed25519PublicKey) -> Double { scores.score(key) }

    /// Whether a node is banned now.
    public func isBanned(_ key: Ed25519PublicKey) -> Bool { scores.isBanned(key, nowMs: GossipClock.unixMs()) }

    /// Counters.
    public func stats() -> GossipStats {
        var s = counters
        s.linkCount = links.values.filter(\.established).count
        return s
    }

    /// First-receipt records of PROBE messages.
    public func probeReceiptList() -> [ProbeReceipt] { Array(probeReceipts.values) }

    /// Keys of established links.
    public func linkedKeys() -> Set<Ed25519PublicKey> { Set(links.values.filter(\.established).map(\.key)) }

    /// Runs on the executor's thread between jobs: waits for traffic (or a wake-up: a job to run)
    /// and handles what arrived. False once the sockets are gone.
    func serviceSockets(wakeFD: Int32) -> Bool {
        guard let transport else { return false }
        let pending = transport.takeOutbox()
        if !pending.isEmpty { handle(pending) }
        let events = transport.receive(wakeFD: wakeFD, timeoutMs: pending.isEmpty ? 500 : 0)
        if !events.isEmpty { handle(events) }
        return true
    }

    // MARK: Sending helpers

    func makeEnvelope(topic: Ciro_V1_Topic, body: [UInt8]) -> Ciro_V1_Envelope {
        sequence += 1
        return .signed(topic: topic, body: body, by: signer, sequence: sequence, timestampMs: GossipClock.unixMs())
    }

    func transmit(_ envelope: Ciro_V1_Envelope, to targets: [Connection]) {
        guard !targets.isEmpty, let bytes: [UInt8] = try? envelope.serializedBytes() else { return }
        transmit(bytes, to: targets)
    }

    func transmit(_ bytes: [UInt8], to targets: [Connection]) {
        guard let transport, !targets.isEmpty else { return }
        transport.submit(.send(targets, bytes))
        for target in targets {
            if let key = linkByConnection[target] { links[key]?.sent += 1 }
        }
    }

    func send(topic: Ciro_V1_Topic, message: some SwiftProtobuf.Message, to targets: [Connection]) {
        guard let body: [UInt8] = try? message.serializedBytes() else { return }
        transmit(makeEnvelope(topic: topic, body: body), to: targets)
    }
}
