import Foundation

/// Runs blocking test work (process waits, control calls, ledger checks) on its own thread, so it
/// never occupies one of the few cooperative threads the suites running in parallel need. Only
/// values come back: expectations are checked by the caller, inside the test.
public func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try work() }) }
    }
}
