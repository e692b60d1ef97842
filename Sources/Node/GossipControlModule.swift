import Foundation
import Gossip
import Identity
import Wire

/// Answers status, peers, publish (PROBE) and receipts requests from the gossip node.
public struct GossipControlModule: ControlModule {
    let gossip: GossipNode
    let startedNs: UInt64
    let agent: String

    public init(gossip: GossipNode, agent: String) {
        self.gossip = gossip
        self.startedNs = GossipClock.monotonicNs()
        self.agent = agent
    }

    public func handle(_ request: Ciro_V1_ControlRequest) async -> Ciro_V1_ControlResponse? {
        var response = Ciro_V1_ControlResponse()
        switch request.request {
        case .status:
            let stats = await gossip.stats()
            var status = Ciro_V1_StatusResponse()
            status.nodeID = NodeID(publicKey: gossip.key).description
            status.endpoint = await gossip.endpoint
            status.peerCount = UInt32(stats.linkCount)
            status.uptimeMs = (GossipClock.monotonicNs() - startedNs) / 1_000_000
            status.messagesValidated = stats.validated
            status.messagesDelivered = stats.delivered
            status.duplicates = stats.duplicates
            status.rejected = stats.rejected
            status.agent = agent
            response.status = status
        case .peers:
            var peers = Ciro_V1_PeersResponse()
            for snapshot in await gossip.peers() { peers.peers.append(Self.status(snapshot)) }
            for snapshot in await gossip.bannedPeers() { peers.banned.append(Self.status(snapshot)) }
            response.peers = peers
        case let .publish(publish):
            guard publish.body.count <= gossip.config.maxProbeBodyBytes else {
                response.error = "probe body over \(gossip.config.maxProbeBodyBytes) bytes"
                return response
            }
            do {
                let now = GossipClock.unixNs()
                let id = try await gossip.publish(topic: .probe, body: Array(publish.body))
                var answer = Ciro_V1_PublishResponse()
                answer.messageID = Data(id.bytes)
                answer.publishedUnixNs = now
                response.publish = answer
            } catch {
                response.error = "\(error)"
            }
        case .receipts:
            var answer = Ciro_V1_ReceiptsResponse()
            for receipt in await gossip.probeReceiptList() {
                var r = Ciro_V1_Receipt()
                r.messageID = Data(receipt.id)
                r.receivedUnixNs = receipt.receivedUnixNs
                r.duplicates = receipt.duplicates
                r.hops = receipt.hops
                answer.receipts.append(r)
            }
            answer.messagesValidated = await gossip.stats().validated
            response.receipts = answer
        default:
            return nil
        }
        return response
    }

    static func status(_ snapshot: PeerSnapshot) -> Ciro_V1_PeerStatus {
        var status = Ciro_V1_PeerStatus()
        status.nodeID = NodeID(publicKey: snapshot.key).description
        status.endpoint = snapshot.endpoint
        status.direction = snapshot.direction.rawValue
        status.score = snapshot.score
        status.lastHeardMsAgo = snapshot.lastHeardMsAgo
        status.messagesReceived = snapshot.messagesReceived
        status.messagesSent = snapshot.messagesSent
        status.banned = snapshot.banned
        return status
    }
}
