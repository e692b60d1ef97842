import Wire

/// A bounded set of message ids with first-in-first-out eviction and a replay horizon: once an id
/// with timestamp `t` has been evicted, every message with a timestamp at or before `t` counts as
/// stale, so a replay can never slip through an evicted slot.
struct SeenCache {
    private var order: [MessageID?]
    private var timestamps: [UInt64]
    private var next = 0
    private var members: Set<MessageID>
    /// Messages at or before this timestamp (ms) are stale.
    private(set) var horizonMs: UInt64 = 0

    init(capacity: Int) {
        precondition(capacity > 0)
        order = Array(repeating: nil, count: capacity)
        timestamps = Array(repeating: 0, count: capacity)
        members = Set(minimumCapacity: capacity)
    }

    var count: Int { members.count }

    func contains(_ id: MessageID) -> Bool { members.contains(id) }

    /// Inserts; returns false if it was already present.
    @discardableResult
    mutating func insert(_ id: MessageID, timestampMs: UInt64) -> Bool {
        guard members.insert(id).inserted else { return false }
        if let old = order[next] {
            members.remove(old)
            horizonMs = max(horizonMs, timestamps[next])
        }
        order[next] = id
        timestamps[next] = timestampMs
        next = (next + 1) % order.count
        return true
    }
}
