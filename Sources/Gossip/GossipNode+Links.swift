import Foundation
import Sodium
import Wire

extension GossipNode {
    // MARK: Hello

    func makeHello(to recipient: Ed25519PublicKey, reply: Bool) -> Ciro_V1_Hello {
        var hello = Ciro_V1_Hello()
        hello.protocolVersion = EnvelopeFormat.currentVersion
        hello.nodeID = Data(signer.publicKey.bytes)
        hello.curveKey = Data(curve.publicKey.bytes)
        hello.endpoint = endpoint
        hello.nonce = SecureRandom.uint64()
        hello.agent = config.agent
        hello.recipient = Data(recipient.bytes)
        hello.reply = reply
        return hello
    }

    /// Checks a Hello; returns why it is refused, or nil.
    func helloProblem(_ hello: Ciro_V1_Hello, _ envelope: VerifiedEnvelope) -> String? {
        if hello.protocolVersion != EnvelopeFormat.currentVersion { return "protocol version \(hello.protocolVersion)" }
        if Array(hello.nodeID) != envelope.sender.bytes { return "node id differs from the signer" }
        if Array(hello.recipient) != signer.publicKey.bytes { return "addressed to another node" }
        if envelope.sender == signer.publicKey { return "from ourselves" }
        guard let curve = try? envelope.sender.x25519(), Array(hello.curveKey) == curve.bytes else { return "curve key does not match" }
        if hello.endpoint.utf8.count > 256 { return "endpoint too long" }
        let now = GossipClock.unixMs()
        let ts = envelope.envelope.timestampMs
        if ts &+ config.maxAgeMs < now || ts > now &+ config.maxFutureSkewMs { return "stale timestamp" }
        if seen.contains(envelope.id) { return "replayed" }
        return nil
    }

    func handleHello(_ envelope: VerifiedEnvelope, on connection: Connection, nowMs: UInt64) {
        let key = envelope.sender
        guard let hello = try? envelope.decodeBody(as: Ciro_V1_Hello.self) else {
            counters.rejected += 1
            strike(connection)
            return
        }
        if let problem = helloProblem(hello, envelope) {
            counters.rejected += 1
            logger.info("Hello refused", metadata: ["from": "\(key.shortID)", "reason": "\(problem)"])
            if problem != "replayed" && problem != "addressed to another node" { penalize(key, .badHello(problem)) }
            strike(connection)
            return
        }
        seen.insert(envelope.id, timestampMs: envelope.envelope.timestampMs)
        if scores.isBanned(key, nowMs: GossipClock.unixMs()) {
            logger.info("Hello from banned node ignored", metadata: ["from": "\(key.shortID)"])
            transport?.submit(.block(connection))
            return
        }
        if !hello.endpoint.isEmpty, let address = try? PeerAddress(key: key, endpoint: hello.endpoint) {
            addKnownPeer(address)
            addressBook[key]?.failures = 0
            addressBook[key]?.nextDialMs = 0
        }
        switch connection {
        case .dealer:
            // The answer to our dial.
            guard hello.reply, let link = links[key], link.connection == connection else {
                counters.rejected += 1
                strike(connection)
                return
            }
            links[key]?.established = true
            links[key]?.lastHeardMs = nowMs
            links[key]?.endpoint = hello.endpoint.isEmpty ? link.endpoint : hello.endpoint
            logger.info("linked", metadata: ["peer": "\(key.shortID)", "direction": "outbound"])
            if links.count < config.targetDegree { requestPeers(from: connection) }
        case .router:
            guard !hello.reply else {
                strike(connection)
                return
            }
            if let existing = links[key] {
                if existing.connection == connection { return }
                if existing.direction == .outbound {
                    // Both dialed: keep the link dialed by the smaller key. A dial still pending
                    // towards another endpoint is stale (the peer restarted elsewhere): drop it.
                    let stale = !existing.established && existing.endpoint != hello.endpoint
                    if stale || key.bytes.lexicographicallyPrecedes(signer.publicKey.bytes) {
                        dropLink(key, nowMs: nowMs, failed: false)
                    } else {
                        send(topic: .hello, message: makeHello(to: key, reply: true), to: [connection])
                        var goodbye = Ciro_V1_Goodbye()
                        goodbye.reason = "duplicate link"
                        send(topic: .goodbye, message: goodbye, to: [connection])
                        return
                    }
                } else {
                    // The peer reconnected (restart): the new connection replaces the old one.
                    dropLink(key, nowMs: nowMs, failed: false)
                }
            }
            send(topic: .hello, message: makeHello(to: key, reply: true), to: [connection])
            if links.count >= config.maxLinks {
                var goodbye = Ciro_V1_Goodbye()
                goodbye.reason = "full"
                goodbye.suggestions = peerInfos(excluding: key, limit: 8)
                send(topic: .goodbye, message: goodbye, to: [connection])
                return
            }
            strikes[connection] = nil
            recentlyClosed[connection] = nil
            links[key] = Link(key: key, connection: connection, direction: .inbound, endpoint: hello.endpoint,
                              established: true, lastHeardMs: nowMs, createdMs: nowMs)
            linkByConnection[connection] = key
            logger.info("linked", metadata: ["peer": "\(key.shortID)", "direction": "inbound"])
        }
    }

    // MARK: Dialing and dropping

    func dial(_ address: PeerAddress, nowMs: UInt64) {
        guard let transport, links[address.key] == nil, address.key != signer.publicKey else { return }
        let id = nextDealerID
        nextDealerID += 1
        let connection = Connection.dealer(id)
        transport.submit(.dial(id, endpoint: address.endpoint, serverKey: address.curveKey.bytes))
        links[address.key] = Link(key: address.key, connection: connection, direction: .outbound,
                                  endpoint: address.endpoint, established: false, lastHeardMs: nowMs, createdMs: nowMs)
        linkByConnection[connection] = address.key
        send(topic: .hello, message: makeHello(to: address.key, reply: false), to: [connection])
        logger.debug("dialing", metadata: ["peer": "\(address)"])
    }

    /// Removes a link; `failed` schedules the next dial of that address with back-off.
    func dropLink(_ key: Ed25519PublicKey, nowMs: UInt64, failed: Bool) {
        guard let link = links.removeValue(forKey: key) else { return }
        linkByConnection[link.connection] = nil
        recentlyClosed[link.connection] = nowMs
        if case let .dealer(id) = link.connection { transport?.submit(.hangUp(id)) }
        if var entry = addressBook[key] {
            if failed {
                entry.failures += 1
                let delay = min(config.reconnectMaxMs, config.reconnectBaseMs << UInt64(min(entry.failures, 16)))
                entry.nextDialMs = nowMs + delay
            } else {
                entry.nextDialMs = nowMs + config.reconnectBaseMs
            }
            addressBook[key] = entry
        }
        forgetLazyState(of: key)
        for (id, pending) in pendingFetchesFrom(key) {
            pendingFetches[id] = nil
            pending.resume(throwing: GossipError.notConnected("\(key.shortID)"))
        }
        logger.info("unlinked", metadata: ["peer": "\(key.shortID)", "failed": "\(failed)"])
    }

    func requestPeers(from connection: Connection) {
        var request = Ciro_V1_PeerExchange()
        request.request = true
        request.peers = peerInfos(excluding: nil, limit: 8)
        send(topic: .peerExchange, message: request, to: [connection])
    }

    // MARK: Heartbeat

    func heartbeat() {
        guard transport != nil else { return }
        heartbeats += 1
        let now = GossipClock.monotonicMs()
        excuseOwnStall(nowMs: now)
        for link in Array(links.values) {
            if !link.established {
                if now &- link.createdMs > config.dialTimeoutMs {
                    logger.info("dial timed out", metadata: ["peer": "\(link.key.shortID)"])
                    dropLink(link.key, nowMs: now, failed: true)
                }
                continue
            }
            let silent = now &- link.lastHeardMs
            if silent > config.deadAfterMs {
                logger.info("evicting silent peer", metadata: ["peer": "\(link.key.shortID)", "silentMs": "\(silent)"])
                // If it is alive after all (a stalled process), it learns at once that the link is gone.
                var goodbye = Ciro_V1_Goodbye()
                goodbye.reason = "silent"
                send(topic: .goodbye, message: goodbye, to: [link.connection])
                dropLink(link.key, nowMs: now, failed: true)
            } else if silent > config.pingAfterMs, now &- link.lastPingMs > config.pingAfterMs {
                links[link.key]?.lastPingMs = now
                var ping = Ciro_V1_Ping()
                ping.nonce = SecureRandom.uint64()
                send(topic: .ping, message: ping, to: [link.connection])
            }
        }
        recentlyClosed = recentlyClosed.filter { now &- $0.value < 10_000 }
        if !toldUnlinked.isEmpty { toldUnlinked = toldUnlinked.filter { recentlyClosed[$0] != nil } }
        lazyPullHeartbeat(nowMs: now)
        if config.peerStatePath != nil, now &- lastPeerStateSaveMs >= config.peerStateSaveMs { savePeerState() }
        if strikes.count > 10_000 { strikes.removeAll() }
        maintainDegree(nowMs: now)
        if heartbeats % 5 == 0 || links.count < config.targetDegree,
           let link = links.values.filter(\.established).randomElement() {
            requestPeers(from: link.connection)
        }
        scores.decay()
    }

    /// When this node itself did not run for a while (a stalled process, starved threads), its
    /// peers were not silent: the time it lost is not counted against their links or dials.
    func excuseOwnStall(nowMs now: UInt64) {
        defer { lastHeartbeatMs = now }
        let gap = now &- lastHeartbeatMs
        let expected = UInt64(config.heartbeatMs)
        guard lastHeartbeatMs != 0, gap > 2 &* expected else { return }
        let lost = gap &- expected
        for key in Array(links.keys) {
            links[key]!.lastHeardMs = min(now, links[key]!.lastHeardMs &+ lost)
            links[key]!.createdMs = min(now, links[key]!.createdMs &+ lost)
        }
        for (id, want) in wants { wants[id] = PendingWant(peer: want.peer, deadlineMs: want.deadlineMs &+ lost) }
        logger.debug("heartbeat late, peers excused", metadata: ["lostMs": "\(lost)"])
    }

    /// Dials up to the target degree when below the low-water mark; prunes when above the high one.
    func maintainDegree(nowMs: UInt64) {
        let degree = links.count
        if degree < config.lowWater || (degree < config.targetDegree && heartbeats % 3 == 0) {
            let unix = GossipClock.unixMs()
            let candidates = addressBook.values
                .filter { links[$0.address.key] == nil && $0.nextDialMs <= nowMs && !scores.isBanned($0.address.key, nowMs: unix) }
                .shuffled()
            for entry in candidates.prefix(config.targetDegree - degree) {
                dial(entry.address, nowMs: nowMs)
            }
        } else if degree > config.highWater {
            let excess = links.values.filter(\.established)
                .sorted { scores.score($0.key) < scores.score($1.key) }
                .prefix(degree - config.targetDegree)
            for link in excess {
                var goodbye = Ciro_V1_Goodbye()
                goodbye.reason = "pruned"
                goodbye.suggestions = peerInfos(excluding: link.key, limit: 8)
                send(topic: .goodbye, message: goodbye, to: [link.connection])
                dropLink(link.key, nowMs: nowMs, failed: false)
            }
        }
    }
}
