import Foundation
import Sodium
import Wire

/// Lazy pull (Network/PROTOCOL.md, "Lazy pull: IHAVE / IWANT"): every heartbeat a node announces
/// the ids of the messages it accepted recently; a neighbour that missed one asks for it with IWANT
/// and gets the original signed envelope from the recent-message cache. This recovers whatever
/// eager push lost (a link one side had already closed, a full queue, a dropped connection).
extension GossipNode {
    struct PendingWant {
        let peer: Ed25519PublicKey
        let deadlineMs: UInt64
    }

    /// Keeps an accepted gossiped message fetchable for IWANT.
    func remember(_ id: MessageID, bytes: [UInt8]) {
        recent.put(id, bytes: bytes)
    }

    /// Heartbeat part: broken promises are charged, each link gets one IHAVE with the recent ids it
    /// did not send us itself (none if that leaves nothing), and the cache moves on.
    func lazyPullHeartbeat(nowMs: UInt64) {
        if !wants.isEmpty {
            var broken: [Ed25519PublicKey: Int] = [:]
            wants = wants.filter { _, want in
                if want.deadlineMs > nowMs { return true }
                broken[want.peer, default: 0] += 1
                return false
            }
            for (peer, count) in broken {
                logger.debug("IHAVE promises broken", metadata: ["peer": "\(peer.shortID)", "ids": "\(count)"])
                penalize(peer, .brokenPromises(count))
            }
        }
        // Each link hears only of the messages it did not send us itself: on a flooded mesh
        // almost every neighbour did, so most IHAVEs are short or not sent at all.
        for link in links.values where link.established {
            let ids = recent.advertisable(limit: config.maxLazyIds, to: link.key)
            guard !ids.isEmpty else { continue }
            var ihave = Ciro_V1_IHave()
            ihave.messageIds = ids.map { Data($0.bytes) }
            counters.ihaveSent += 1
            send(topic: .ihave, message: ihave, to: [link.connection])
        }
        recent.shift()
    }

    /// Parses the ids of an IHAVE or IWANT; nil (and a penalty) when malformed or too many.
    private func lazyIds(_ raw: [Data], from link: Link) -> [MessageID]? {
        guard raw.count <= config.maxLazyIds else {
            penalize(link.key, .malformedBody)
            return nil
        }
        var ids: [MessageID] = []
        ids.reserveCapacity(raw.count)
        for bytes in raw {
            guard let id = MessageID(bytes: bytes) else {
                penalize(link.key, .malformedBody)
                return nil
            }
            ids.append(id)
        }
        return ids
    }

    func handleIHave(_ envelope: VerifiedEnvelope, from link: Link, nowMs: UInt64) {
        guard envelope.sender == link.key else { return }  // someone else's, replayed: ignore
        guard let ihave = try? envelope.decodeBody(as: Ciro_V1_IHave.self) else {
            penalize(link.key, .malformedBody)
            return
        }
        guard let ids = lazyIds(ihave.messageIds, from: link) else { return }
        let now = GossipClock.monotonicNs()
        var bucket = wantBuckets[link.key] ?? TokenBucket(rate: config.iwantRatePerSecond, burst: config.iwantBurst, nowNs: now)
        var wanted: [MessageID] = []
        for id in ids where !seen.contains(id) {
            if let pending = wants[id], pending.deadlineMs > nowMs { continue }
            guard bucket.take(nowNs: now) else { break }
            wanted.append(id)
            wants[id] = PendingWant(peer: link.key, deadlineMs: nowMs &+ config.iwantTimeoutMs)
        }
        wantBuckets[link.key] = bucket
        guard !wanted.isEmpty else { return }
        var iwant = Ciro_V1_IWant()
        iwant.messageIds = wanted.map { Data($0.bytes) }
        counters.iwantRequested &+= UInt64(wanted.count)
        send(topic: .iwant, message: iwant, to: [link.connection])
    }

    func handleIWant(_ envelope: VerifiedEnvelope, from link: Link) {
        guard envelope.sender == link.key else { return }
        guard let iwant = try? envelope.decodeBody(as: Ciro_V1_IWant.self) else {
            penalize(link.key, .malformedBody)
            return
        }
        guard let ids = lazyIds(iwant.messageIds, from: link), let transport else { return }
        let now = GossipClock.monotonicNs()
        var bucket = serveBuckets[link.key] ?? TokenBucket(rate: config.serveRatePerSecond, burst: config.serveBurst, nowNs: now)
        var unknown = 0
        var excessive = 0
        var answers: [[UInt8]] = []
        for id in ids {
            guard let before = recent.noteServed(id, to: link.key), let bytes = recent.bytes(of: id) else {
                unknown += 1
                continue
            }
            guard before < config.maxRetransmissions, bucket.take(nowNs: now) else {
                excessive += 1
                continue
            }
            answers.append(bytes)
        }
        serveBuckets[link.key] = bucket
        if !answers.isEmpty {
            counters.served &+= UInt64(answers.count)
            links[link.key]?.sent &+= UInt64(answers.count)
            transport.submit(.sendEach(link.connection, answers))
        }
        if excessive > 0 { penalize(link.key, .excessiveRequests(excessive)) }
        if unknown > 0 { penalize(link.key, .unknownRequests(unknown)) }
    }

    /// Forgets the lazy-pull state of a peer whose link closed (its promises can no longer be kept).
    func forgetLazyState(of key: Ed25519PublicKey) {
        wantBuckets[key] = nil
        serveBuckets[key] = nil
        if wants.contains(where: { $0.value.peer == key }) {
            wants = wants.filter { $0.value.peer != key }
        }
    }
}
