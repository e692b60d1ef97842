/// Timers for the market: a set of (key, due time) pairs, popped in due order. A value type; the
/// engine owns one and asks it what is due whenever it wakes.
public struct DeadlineQueue<Key: Hashable & Sendable>: Sendable {
    private var due: [Key: UInt64] = [:]

    public init() {}

    /// Schedules (or moves) `key` to fire at `atMs`.
    public mutating func schedule(_ key: Key, atMs: UInt64) { due[key] = atMs }

    /// Cancels `key`; returns whether it was scheduled.
    @discardableResult
    public mutating func cancel(_ key: Key) -> Bool { due.removeValue(forKey: key) != nil }

    /// When `key` fires, if scheduled.
    public func dueTime(_ key: Key) -> UInt64? { due[key] }

    /// The earliest due time, if any.
    public var nextDueMs: UInt64? { due.values.min() }

    public var count: Int { due.count }

    /// Removes and returns every key due at or before `nowMs`, earliest first.
    public mutating func popDue(nowMs: UInt64) -> [Key] {
        let fired = due.filter { $0.value <= nowMs }.sorted { $0.value < $1.value }.map(\.key)
        for key in fired { due[key] = nil }
        return fired
    }
}
