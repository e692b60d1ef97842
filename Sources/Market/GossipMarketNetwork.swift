import Foundation
import Gossip
import Sodium
import Wire

/// The market's network over the gossip overlay: gossip for offers, awards, results,
/// attestations, settlements and ads; direct sends for bids and sealed inputs; blob fetch by hash
/// for models and proofs.
public struct GossipMarketNetwork: MarketNetwork {
    public let gossip: GossipNode
    /// How long a direct send or a fetch keeps retrying while a link to the node opens.
    public let linkWaitMs: UInt64

    public init(gossip: GossipNode, linkWaitMs: UInt64 = 10_000) {
        self.gossip = gossip
        self.linkWaitMs = linkWaitMs
    }

    /// The market topics the engine handles.
    public static let topics: [Ciro_V1_Topic] = [.capacityAd, .jobOffer, .bid, .award, .sealedInput, .result, .attestation, .settlement, .expiry]

    public func publish(_ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        try await gossip.publish(topic: topic, body: body)
    }

    public func send(to node: [UInt8], _ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        let key = try Ed25519PublicKey(bytes: node)
        try await retryingWhileLinking(key) {
            try await gossip.sendDirect(to: key, topic: topic, body: body)
        }
    }

    public func serve(_ bytes: [UInt8]) async throws -> [UInt8] {
        try await gossip.storeBlob(bytes)
    }

    public func fetch(id: [UInt8], from node: [UInt8]) async throws -> [UInt8] {
        let key = try Ed25519PublicKey(bytes: node)
        return try await retryingWhileLinking(key) {
            try await gossip.fetchBlob(id: id, kind: .proof, from: key)
        }
    }

    /// Runs `body`, retrying while the node is not linked yet (dialing it when its address is
    /// known), for at most `linkWaitMs`. Other errors are thrown at once.
    func retryingWhileLinking<T: Sendable>(_ key: Ed25519PublicKey, _ body: () async throws -> T) async throws -> T {
        let start = DispatchTime.now().uptimeNanoseconds
        var attempt = 0
        while true {
            do {
                return try await body()
            } catch let error as GossipError {
                switch error {
                case .notConnected, .unknownPeer: break
                default: throw error
                }
                let elapsedMs = (DispatchTime.now().uptimeNanoseconds - start) / 1_000_000
                if elapsedMs > linkWaitMs { throw error }
                await gossip.connect(to: key)
                attempt += 1
                try await Task.sleep(for: .milliseconds(attempt < 5 ? 20 : 100))
            }
        }
    }

    /// Feeds every market message the overlay delivers into `engine`, and teaches the overlay the
    /// endpoints that capacity ads carry (so bids and fetches can reach their nodes). The signed
    /// envelope is bound to `InboundEnvelope.current` while the engine handles the message, so
    /// the ledger keeps the peer's signature. Messages of one topic about one job are handled in
    /// the order they arrive, one after another; messages about different jobs do not wait for
    /// each other (a handler that waits for a ledger write held up every other job's message of
    /// the topic). Returns the pump tasks; cancel them to stop.
    public static func pump(_ gossip: GossipNode, into engine: MarketEngine) async -> [Task<Void, Never>] {
        var tasks: [Task<Void, Never>] = []
        for topic in topics {
            let stream = await gossip.subscribe(topic)
            let queues = JobQueues()
            tasks.append(Task {
                for await message in stream {
                    if topic == .capacityAd, let ad = try? Ciro_V1_CapacityAd(serializedBytes: message.body),
                       ad.nodeID == Data(message.sender.bytes), !ad.endpoint.isEmpty,
                       let address = try? PeerAddress(key: message.sender, endpoint: ad.endpoint) {
                        await gossip.addKnownPeer(address)
                    }
                    let envelope: [UInt8]? = try? message.envelope.envelope.serializedBytes()
                    let body = message.body, sender = message.sender.bytes
                    let handle: @Sendable () async -> Void = {
                        await InboundEnvelope.$current.withValue(envelope) {
                            _ = await engine.receive(topic: topic, body: body, sender: sender)
                        }
                    }
                    if let job = MarketEngine.jobID(topic, body) {
                        await queues.enqueue(job, handle)
                    } else {
                        await handle()
                    }
                }
            })
        }
        return tasks
    }
}

/// One queue per job: work enqueued for a job runs after the job's earlier work; different jobs'
/// work runs concurrently. At most `limit` jobs have work pending: beyond that, `enqueue` waits
/// for the new work to finish (back-pressure on the pump).
public actor JobQueues {
    private var tails: [[UInt8]: (number: UInt64, task: Task<Void, Never>)] = [:]
    private var counter: UInt64 = 0
    public let limit: Int

    public init(limit: Int = 256) { self.limit = limit }

    /// Runs `work` after the job's earlier work (returns once it is queued, unless `limit` jobs
    /// have work pending: then once it has run).
    public func enqueue(_ job: [UInt8], _ work: @escaping @Sendable () async -> Void) async {
        counter &+= 1
        let number = counter, previous = tails[job]?.task
        let task = Task {
            await previous?.value
            await work()
            await self.finished(job, number)
        }
        tails[job] = (number, task)
        if tails.count > limit { await task.value }
    }

    private func finished(_ job: [UInt8], _ number: UInt64) {
        if tails[job]?.number == number { tails[job] = nil }
    }
}
