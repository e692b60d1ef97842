import Foundation
import Gossip
import Sodium
import Testing
import Wire

@Suite(.serialized) struct NetworkTests {
    @Test func twelveNodesConvergeAndEveryNodeReceivesEveryMessage() async throws {
        let nodes = try await startNetwork(12)
        defer { Task { await stopAll(nodes) } }
        #expect(await eventually(15) {
            for node in nodes where await node.stats().linkCount < 3 { return false }
            return true
        })
        var inboxes: [Inbox] = []
        for node in nodes { inboxes.append(await Inbox.listen(node, topic: .probe)) }

        var published: [(Int, MessageID)] = []
        for publisher in [0, 3, 7, 11, 5] {
            let id = try await nodes[publisher].publish(topic: .probe, body: Array("hello from \(publisher)".utf8))
            published.append((publisher, id))
        }
        #expect(await eventually(20) {
            for (index, inbox) in inboxes.enumerated() {
                let expected = published.filter { $0.0 != index }.count
                if await inbox.count < expected { return false }
            }
            return true
        })
        for (index, inbox) in inboxes.enumerated() {
            let got = Set(await inbox.ids)
            for (publisher, id) in published where publisher != index {
                #expect(got.contains(id), "node \(index) missed the message of node \(publisher)")
            }
            #expect(await inbox.count == got.count, "node \(index) delivered a message twice")
        }
        await stopAll(nodes)
    }

    @Test func deadNodeIsEvictedAndARestartedOneRejoins() async throws {
        let nodes = try await startNetwork(4)
        #expect(await eventually(10) {
            for node in nodes where await node.stats().linkCount < 2 { return false }
            return true
        })
        let victim = nodes[3]
        let victimKey = victim.key
        let victimSigner = victim.signer
        let seed = await nodes[0].localAddress
        await victim.stop()
        // Nobody keeps a link to the dead node for long (goodbye, or silence past deadAfterMs).
        #expect(await eventually(15) {
            for node in nodes.prefix(3) where await node.linkedKeys().contains(victimKey) { return false }
            return true
        })
        let reborn = try GossipNode(signer: victimSigner, config: testConfig(), bootstrap: [seed], logger: quietLogger())
        try await reborn.start()
        #expect(await eventually(10) { await nodes[0].linkedKeys().contains(victimKey) })
        let inbox = await Inbox.listen(reborn, topic: .probe)
        #expect(await eventually(10) { await reborn.stats().linkCount >= 1 })
        let id = try await nodes[1].publish(topic: .probe, body: [1, 2, 3])
        #expect(await eventually(10) { await inbox.ids.contains(id) })
        await reborn.stop()
        await stopAll(Array(nodes.prefix(3)))
    }

    @Test func floodingNodeIsBannedWhileOthersKeepWorking() async throws {
        let config = testConfig { $0.signerRatePerSecond = 200; $0.signerRateBurst = 300 }
        let nodes = try await startNetwork(3, config: config)
        #expect(await eventually(10) {
            for node in nodes where await node.stats().linkCount < 2 { return false }
            return true
        })
        let target = nodes[0]
        let flooder = try RawPeer(target: await target.localAddress)
        try flooder.hello()
        #expect(await eventually(10) { await target.linkedKeys().contains(flooder.keys.publicKey) })
        let messages = (0..<3000).map { flooder.envelope(topic: .probe, body: Array("flood \($0)".utf8)) }
        for m in messages { try flooder.send(m) }
        #expect(await eventually(10) { await target.isBanned(flooder.keys.publicKey) })
        #expect(await !target.linkedKeys().contains(flooder.keys.publicKey))

        let inbox = await Inbox.listen(nodes[2], topic: .probe)
        let id = try await nodes[0].publish(topic: .probe, body: Array("still working".utf8))
        #expect(await eventually(10) { await inbox.ids.contains(id) })
        await stopAll(nodes)
    }

    @Test func directSendReachesOnlyItsRecipient() async throws {
        let nodes = try await startNetwork(3)
        #expect(await eventually(10) {
            for node in nodes where await node.stats().linkCount < 2 { return false }
            return true
        })
        let to = await Inbox.listen(nodes[2], topic: .bid)
        let other = await Inbox.listen(nodes[0], topic: .bid)
        try await nodes[1].sendDirect(to: nodes[2].key, topic: .bid, body: Array("my bid".utf8))
        #expect(await eventually(10) { await to.count == 1 })
        try await Task.sleep(for: .milliseconds(300))
        #expect(await other.count == 0)
        await stopAll(nodes)
    }

    @Test func blobTransferInChunksIsVerified() async throws {
        let config = testConfig { $0.chunkBytes = 64 * 1024 }
        let nodes = try await startNetwork(2, config: config)
        #expect(await eventually(10) { await nodes[1].stats().linkCount >= 1 })
        let blob = (0..<200_000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let id = try await nodes[0].storeBlob(blob)
        let fetched = try await nodes[1].fetchBlob(id: id, kind: .proof, from: nodes[0].key)
        #expect(fetched == blob)

        await #expect(throws: GossipError.fetchRefused("not found")) {
            try await nodes[1].fetchBlob(id: [UInt8](repeating: 9, count: 32), kind: .proof, from: nodes[0].key)
        }
        // A peer serving bytes that do not match the id is caught (and scored).
        let lie = [UInt8](repeating: 1, count: 32)
        await nodes[0].setBlobProvider { _, id in id == lie ? [1, 2, 3] : nil }
        await #expect(throws: GossipError.self) {
            try await nodes[1].fetchBlob(id: lie, kind: .model, from: nodes[0].key)
        }
        #expect(await nodes[1].score(of: nodes[0].key) < 0)
        await stopAll(nodes)
    }
}
