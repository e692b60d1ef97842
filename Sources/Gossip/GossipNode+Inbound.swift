import Foundation
import Sodium
import Wire

extension GossipNode {
    func handle(_ batch: [TransportEvent]) {
        for event in batch { handle(event) }
    }

    func handle(_ event: TransportEvent) {
        let now = GossipClock.monotonicMs()
        switch event {
        case let .envelope(connection, envelope, signatureKnown, raw):
            if !signatureKnown { counters.validated += 1 }
            receive(envelope, raw: raw, on: connection, nowMs: now)
        case let .invalid(connection, error):
            counters.rejected += 1
            let offense: Offense = switch error {
            case .signatureInvalid: .invalidSignature
            case .unknownTopic: .unknownTopic
            case .bodyTooLarge, .envelopeTooLarge: .oversized
            case .malformedBody: .malformedBody
            case .malformedEnvelope, .unsupportedVersion, .badFieldLength: .malformedEnvelope
            }
            logger.debug("invalid envelope", metadata: ["from": "\(connection)", "error": "\(error)"])
            blame(connection, offense, nowMs: now)
        case let .malformedFrames(connection, count):
            counters.rejected += 1
            logger.debug("malformed frames", metadata: ["from": "\(connection)", "frames": "\(count)"])
            blame(connection, .malformedFrames, nowMs: now)
        case let .rateLimited(connection, dropped):
            counters.rejected += UInt64(dropped)
            logger.notice("rate limit exceeded", metadata: ["from": "\(connection)", "dropped": "\(dropped)"])
            blame(connection, .flood(dropped: dropped), nowMs: now)
        case let .sendFailed(connection, error):
            if error.isHostUnreachable, let key = linkByConnection[connection] {
                logger.info("peer unreachable, dropping link", metadata: ["peer": "\(key.shortID)"])
                dropLink(key, nowMs: now, failed: true)
            }
        }
    }

    /// Charges an offense to whoever is behind `connection`: the linked peer, or (before Hello)
    /// the connection itself, which is cut off after a few strikes.
    func blame(_ connection: Connection, _ offense: Offense, nowMs: UInt64) {
        if let key = linkByConnection[connection], links[key]?.established == true {
            penalize(key, offense)
        } else {
            strike(connection)
        }
    }

    func strike(_ connection: Connection) {
        if recentlyClosed[connection] != nil { return }
        counters.rejected += 0
        let count = (strikes[connection] ?? 0) + 1
        strikes[connection] = count
        if count >= config.preHelloStrikes {
            logger.notice("cutting off connection that keeps talking before Hello", metadata: ["connection": "\(connection)"])
            transport?.submit(.block(connection))
            if let key = linkByConnection[connection] { dropLink(key, nowMs: GossipClock.monotonicMs(), failed: true) }
        }
    }

    func penalize(_ key: Ed25519PublicKey, _ offense: Offense) {
        let banned = scores.penalize(key, offense, nowMs: GossipClock.unixMs())
        logger.debug("peer penalized", metadata: [
            "peer": "\(key.shortID)", "offense": "\(offense)", "score": "\(scores.score(key))",
        ])
        if banned {
            logger.warning("peer banned", metadata: ["peer": "\(key.shortID)", "score": "\(scores.score(key))"])
            if let link = links[key] {
                transport?.submit(.block(link.connection))
                dropLink(key, nowMs: GossipClock.monotonicMs(), failed: true)
            }
        }
    }

    func receive(_ envelope: VerifiedEnvelope, raw: [UInt8], on connection: Connection, nowMs: UInt64) {
        if envelope.topic == .hello {
            handleHello(envelope, on: connection, nowMs: nowMs)
            return
        }
        guard let key = linkByConnection[connection], var link = links[key], link.established else {
            if recentlyClosed[connection] != nil {
                // In flight when we closed, or the peer still thinks the link is up: tell it once,
                // so that it stops pushing into a link that is gone.
                if case .router = connection, envelope.topic != .goodbye, toldUnlinked.insert(connection).inserted {
                    var goodbye = Ciro_V1_Goodbye()
                    goodbye.reason = "unlinked"
                    send(topic: .goodbye, message: goodbye, to: [connection])
                }
                return
            }
            counters.rejected += 1
            logger.debug("message before Hello dropped", metadata: ["connection": "\(connection)", "topic": "\(envelope.topic)"])
            // Scored against the connection, not the signer: anyone can replay someone else's
            // signed message on a fresh connection, so the signer is not to blame.
            strike(connection)
            return
        }
        link.lastHeardMs = nowMs
        link.received += 1
        links[key] = link

        switch envelope.topic {
        case .hello: break
        case .ping: handlePing(envelope, from: link)
        case .pong: break
        case .peerExchange: handlePeerExchange(envelope, from: link)
        case .goodbye: handleGoodbye(envelope, from: link, nowMs: nowMs)
        case .fetchRequest: handleFetchRequest(envelope, from: link)
        case .fetchResponse: handleFetchResponse(envelope, from: link)
        case .ihave: handleIHave(envelope, from: link, nowMs: nowMs)
        case .iwant: handleIWant(envelope, from: link)
        default: handleGossip(envelope, raw: raw, from: link)
        }
    }

    func isDirectTopic(_ topic: Ciro_V1_Topic) -> Bool { topic == .bid || topic == .sealedInput }

    func handleGossip(_ envelope: VerifiedEnvelope, raw: [UInt8], from link: Link) {
        let id = envelope.id
        // Only the seen-cache decides what is a duplicate. (`duplicate` from the transport means
        // "signature checked before", which is also true of a copy that was dropped unseen, e.g.
        // one that came over a connection that was not a link: see DeliveryTests.)
        let requested = wants.removeValue(forKey: id) != nil
        if seen.contains(id) {
            counters.duplicates += 1
            probeReceipts[id]?.duplicates += 1
            recent.noteHolder(id, link.key)
            return
        }
        let nowUnix = GossipClock.unixMs()
        let ts = envelope.envelope.timestampMs
        if ts &+ config.maxAgeMs < nowUnix || ts > nowUnix &+ config.maxFutureSkewMs || ts <= seen.horizonMs {
            counters.ignored += 1
            penalize(link.key, .stale)
            return
        }
        if scores.isBanned(envelope.sender, nowMs: nowUnix) {
            counters.ignored += 1
            return
        }
        if !takeSignerToken(envelope.sender) {
            counters.rejected += 1
            penalize(envelope.sender, .flood(dropped: 1))
            return
        }
        if envelope.envelope.hops > config.maxHops {
            counters.ignored += 1
            return
        }
        if envelope.topic == .probe, envelope.envelope.body.count > config.maxProbeBodyBytes {
            counters.rejected += 1
            penalize(link.key, .oversized)
            return
        }
        let message = GossipMessage(envelope: envelope, from: link.key, receivedUnixNs: GossipClock.unixNs())
        if let validator = validators[envelope.topic] {
            switch validator(message) {
            case .accept: break
            case .ignore:
                seen.insert(id, timestampMs: ts)
                counters.ignored += 1
                return
            case let .reject(reason):
                counters.rejected += 1
                penalize(link.key, .rejectedByValidator(reason))
                return
            }
        }
        seen.insert(id, timestampMs: ts)
        scores.reward(link.key)
        counters.delivered += 1
        if requested { counters.pulled += 1 }
        if envelope.topic == .probe {
            if probeReceipts.count >= 100_000 { probeReceipts.removeAll(keepingCapacity: true) }
            probeReceipts[id] = ProbeReceipt(id: id.bytes, receivedUnixNs: message.receivedUnixNs, duplicates: 0,
                                             hops: envelope.envelope.hops)
        }
        if let continuations = subscribers[envelope.topic] {
            for continuation in continuations.values { continuation.yield(message) }
        }
        guard !isDirectTopic(envelope.topic) else { return }
        guard let bytes = EnvelopeBytes.forwarded(raw, hops: envelope.envelope.hops) else { return }
        remember(id, bytes: bytes)
        recent.noteHolder(id, link.key)
        if envelope.sender != link.key { recent.noteHolder(id, envelope.sender) }
        guard config.eagerPush, let transport else { return }
        let targets = links.values
            .filter { $0.established && $0.key != link.key && $0.key != envelope.sender }
            .map(\.connection)
        guard !targets.isEmpty else { return }
        counters.forwarded += 1
        transport.submit(.send(targets, bytes))
        for target in targets { if let key = linkByConnection[target] { links[key]?.sent += 1 } }
    }

    /// The per-signer token bucket: one signer cannot flood the network through honest forwarders.
    func takeSignerToken(_ signer: Ed25519PublicKey) -> Bool {
        let now = GossipClock.monotonicNs()
        if signerBuckets.count > 50_000 { signerBuckets.removeAll(keepingCapacity: true) }
        var bucket = signerBuckets[signer] ?? TokenBucket(rate: config.signerRatePerSecond, burst: config.signerRateBurst, nowNs: now)
        let allowed = bucket.take(nowNs: now)
        signerBuckets[signer] = bucket
        return allowed
    }

    func handlePing(_ envelope: VerifiedEnvelope, from link: Link) {
        guard let ping = try? envelope.decodeBody(as: Ciro_V1_Ping.self) else {
            penalize(link.key, .malformedBody)
            return
        }
        var pong = Ciro_V1_Pong()
        pong.nonce = ping.nonce
        send(topic: .pong, message: pong, to: [link.connection])
    }

    func handlePeerExchange(_ envelope: VerifiedEnvelope, from link: Link) {
        guard let exchange = try? envelope.decodeBody(as: Ciro_V1_PeerExchange.self), exchange.peers.count <= 64 else {
            penalize(link.key, .malformedBody)
            return
        }
        learn(exchange.peers)
        if exchange.request {
            var reply = Ciro_V1_PeerExchange()
            reply.peers = peerInfos(excluding: link.key, limit: 16)
            send(topic: .peerExchange, message: reply, to: [link.connection])
        }
    }

    func handleGoodbye(_ envelope: VerifiedEnvelope, from link: Link, nowMs: UInt64) {
        let goodbye = try? envelope.decodeBody(as: Ciro_V1_Goodbye.self)
        logger.debug("goodbye", metadata: ["peer": "\(link.key.shortID)", "reason": "\(goodbye?.reason ?? "?")"])
        learn(goodbye?.suggestions.prefix(16).map { $0 } ?? [])
        dropLink(link.key, nowMs: nowMs, failed: goodbye?.reason != "shutdown" ? false : true)
    }

    /// Adds peers from peer exchange or a goodbye to the address book.
    func learn(_ infos: [Ciro_V1_PeerInfo]) {
        for info in infos {
            guard let key = try? Ed25519PublicKey(bytes: info.nodeID), key != signer.publicKey,
                  !info.endpoint.isEmpty, info.endpoint.utf8.count <= 256,
                  addressBook[key] == nil,
                  let address = try? PeerAddress(key: key, endpoint: info.endpoint),
                  info.curveKey.isEmpty || Array(info.curveKey) == address.curveKey.bytes
            else { continue }
            addressBook[key] = AddressEntry(address: address)
        }
    }

    func peerInfos(excluding excluded: Ed25519PublicKey?, limit: Int) -> [Ciro_V1_PeerInfo] {
        var infos: [Ciro_V1_PeerInfo] = []
        let now = GossipClock.unixMs()
        for link in links.values.shuffled() where link.established && link.key != excluded && !link.endpoint.isEmpty {
            var info = Ciro_V1_PeerInfo()
            info.nodeID = Data(link.key.bytes)
            if let curve = try? link.key.x25519() { info.curveKey = Data(curve.bytes) }
            info.endpoint = link.endpoint
            info.lastSeenMs = now
            infos.append(info)
            if infos.count >= limit { break }
        }
        return infos
    }
}
