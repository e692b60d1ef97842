import Ledger

/// Commits ledger appends in groups: while one write transaction (and its fsync) is in flight,
/// new appends queue up, and the next transaction commits all of them at once. Every caller
/// returns once its own records are durable, in the order callers arrived. A node records many
/// small market messages from concurrent tasks (offers, ads, results, attestations of several
/// jobs); one fsync per message made the disk the market's bottleneck.
actor GroupCommit {
    private struct Waiter {
        let items: [LedgerAppend]
        let continuation: CheckedContinuation<Void, any Error>
    }

    private let ledger: Ledger
    private var queue: [Waiter] = []
    private var draining = false

    init(ledger: Ledger) { self.ledger = ledger }

    /// Appends `items` in one transaction with whatever else is queued; returns when committed.
    func append(_ items: [LedgerAppend]) async throws {
        guard !items.isEmpty else { return }
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            queue.append(Waiter(items: items, continuation: continuation))
            if !draining {
                draining = true
                Task { await self.drain() }
            }
        }
    }

    private func drain() async {
        while !queue.isEmpty {
            let group = queue
            queue.removeAll()
            do {
                _ = try await ledger.append(batch: group.flatMap(\.items))
                for waiter in group { waiter.continuation.resume() }
            } catch {
                // The whole transaction failed: commit each caller's records alone so one bad
                // record fails only its own caller.
                for waiter in group {
                    do {
                        _ = try await ledger.append(batch: waiter.items)
                        waiter.continuation.resume()
                    } catch {
                        waiter.continuation.resume(throwing: error)
                    }
                }
            }
        }
        draining = false
    }
}
