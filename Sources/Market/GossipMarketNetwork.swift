import Foundation
import Gossip
import Sodium
import Wire

/// The market's network over the gossip overlay: gossip for offers, awards, results,
/// attestations, settlements and ads; direct sends for bids and sealed inputs; blob fetch by hash
/// for models and proofs.
public struct GossipMarketNetwork: MarketNetwork {
    public let gossip: GossipNode

    public init(gossip: GossipNode) { self.gossip = gossip }

    /// The market topics the engine handles.
    public static let topics: [Ciro_V1_Topic] = [.capacityAd, .jobOffer, .bid, .award, .sealedInput, .result, .attestation, .settlement]

    public func publish(_ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        try await gossip.publish(topic: topic, body: body)
    }

    public func send(to node: [UInt8], _ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        let key = try Ed25519PublicKey(bytes: node)
        var lastError: (any Error)?
        // A direct send may need a fresh link: retry briefly while it opens.
        for attempt in 0..<20 {
            do {
                try await gossip.sendDirect(to: key, topic: topic, body: body)
                return
            } catch {
                lastError = error
                try await Task.sleep(for: .milliseconds(attempt < 5 ? 20 : 100))
            }
        }
        throw lastError ?? GossipError.notStarted
    }

    public func serve(_ bytes: [UInt8]) async throws -> [UInt8] {
        try await gossip.storeBlob(bytes)
    }

    public func fetch(id: [UInt8], from node: [UInt8]) async throws -> [UInt8] {
        let key = try Ed25519PublicKey(bytes: node)
        var lastError: (any Error)?
        for attempt in 0..<10 {
            do {
                return try await gossip.fetchBlob(id: id, kind: .proof, from: key)
            } catch GossipError.notConnected {
                lastError = GossipError.notConnected("\(key.shortID)")
                // Opening a link: a direct PROBE-free nudge is a send; dial by sending nothing is not
                // possible, so wait for the overlay (it dials nodes it learns from ads).
                try await Task.sleep(for: .milliseconds(attempt < 3 ? 50 : 200))
            }
        }
        throw lastError ?? GossipError.notStarted
    }

    /// Feeds every market message the overlay delivers into `engine`, and teaches the overlay the
    /// endpoints that capacity ads carry (so bids and fetches can reach their nodes). Returns the
    /// pump tasks; cancel them to stop.
    public static func pump(_ gossip: GossipNode, into engine: MarketEngine) async -> [Task<Void, Never>] {
        var tasks: [Task<Void, Never>] = []
        for topic in topics {
            let stream = await gossip.subscribe(topic)
            tasks.append(Task {
                for await message in stream {
                    if topic == .capacityAd, let ad = try? Ciro_V1_CapacityAd(serializedBytes: message.body),
                       ad.nodeID == Data(message.sender.bytes), !ad.endpoint.isEmpty,
                       let address = try? PeerAddress(key: message.sender, endpoint: ad.endpoint) {
                        await gossip.addKnownPeer(address)
                    }
                    await engine.receive(topic: topic, body: message.body, sender: message.sender.bytes)
                }
            })
        }
        return tasks
    }
}
