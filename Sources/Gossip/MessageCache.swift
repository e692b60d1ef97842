import Sodium
import Wire

/// The recent gossiped messages a node can hand out again on IWANT (Network/PROTOCOL.md, "Lazy
/// pull"): serialized envelopes by id, grouped by the heartbeat in which they arrived, bounded by a
/// number of heartbeats, a count and a byte total (the oldest go first).
struct MessageCache {
    struct Entry {
        let bytes: [UInt8]
        let heartbeat: UInt64
        /// How often each peer got this message on IWANT (for the retransmission limit).
        var served: [Ed25519PublicKey: UInt8] = [:]
        /// Neighbours known to have it (they sent us a copy): not told about it in IHAVE.
        var holders: [Ed25519PublicKey] = []
    }

    private var entries: [MessageID: Entry] = [:]
    /// Ids oldest first from `head`; entries leave only from the front, so this stays in step.
    private var order: [MessageID] = []
    private var head = 0
    private(set) var totalBytes = 0
    /// The heartbeat that new messages belong to.
    private(set) var heartbeat: UInt64 = 0

    let historyHeartbeats: UInt64
    let advertiseHeartbeats: UInt64
    let capacity: Int
    let maxBytes: Int

    init(historyHeartbeats: Int, advertiseHeartbeats: Int, capacity: Int, maxBytes: Int) {
        self.historyHeartbeats = UInt64(max(1, historyHeartbeats))
        self.advertiseHeartbeats = UInt64(max(1, min(advertiseHeartbeats, historyHeartbeats)))
        self.capacity = max(1, capacity)
        self.maxBytes = max(1, maxBytes)
    }

    var count: Int { entries.count }

    func contains(_ id: MessageID) -> Bool { entries[id] != nil }

    func bytes(of id: MessageID) -> [UInt8]? { entries[id]?.bytes }

    /// Keeps a message (first copy only), evicting the oldest while over the bounds.
    mutating func put(_ id: MessageID, bytes: [UInt8]) {
        guard entries[id] == nil, bytes.count <= maxBytes else { return }
        entries[id] = Entry(bytes: bytes, heartbeat: heartbeat)
        order.append(id)
        totalBytes &+= bytes.count
        while entries.count > capacity || totalBytes > maxBytes { evictOldest() }
    }

    /// Notes that `peer` has the message (it sent us a copy).
    mutating func noteHolder(_ id: MessageID, _ peer: Ed25519PublicKey) {
        guard let holders = entries[id]?.holders, holders.count < 32, !holders.contains(peer) else { return }
        entries[id]?.holders.append(peer)
    }

    /// Counts one more IWANT answer of `id` to `peer`; returns how many it has had before this one,
    /// or nil when the message is not (or no longer) cached.
    mutating func noteServed(_ id: MessageID, to peer: Ed25519PublicKey) -> Int? {
        guard var entry = entries[id] else { return nil }
        let before = entry.served[peer] ?? 0
        entry.served[peer] = before &+ (before < .max ? 1 : 0)
        entries[id] = entry
        return Int(before)
    }

    /// Starts the next heartbeat and drops what fell out of the history.
    mutating func shift() {
        heartbeat &+= 1
        while head < order.count, let entry = entries[order[head]], entry.heartbeat &+ historyHeartbeats <= heartbeat {
            evictOldest()
        }
    }

    /// Ids to announce in IHAVE: those of the last `advertiseHeartbeats` heartbeats, newest first,
    /// at most `limit`, leaving out those `peer` is known to have.
    func advertisable(limit: Int, to peer: Ed25519PublicKey? = nil) -> [MessageID] {
        var out: [MessageID] = []
        var index = order.count - 1
        while index >= head, out.count < limit {
            let id = order[index]
            guard let entry = entries[id], entry.heartbeat &+ advertiseHeartbeats > heartbeat else { break }
            if peer == nil || !entry.holders.contains(peer!) { out.append(id) }
            index -= 1
        }
        return out
    }

    private mutating func evictOldest() {
        guard head < order.count else { return }
        if let entry = entries.removeValue(forKey: order[head]) { totalBytes &-= entry.bytes.count }
        head += 1
        if head > 4096, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
