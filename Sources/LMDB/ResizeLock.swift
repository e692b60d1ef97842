#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A reader-writer lock that keeps the memory map still while transactions use it.
///
/// Every transaction holds it shared from begin to commit/abort; changing the map size
/// (`mdb_env_set_mapsize`, which may move the map) holds it exclusively. The default
/// (reader-preferring) policy is kept on purpose: a thread that already holds it shared may take
/// it shared again (nested read transactions) without deadlocking behind a waiting resize.
final class ResizeLock: @unchecked Sendable {
    private let lock: UnsafeMutablePointer<pthread_rwlock_t>

    init() {
        lock = .allocate(capacity: 1)
        lock.initialize(to: pthread_rwlock_t())
        let rc = pthread_rwlock_init(lock, nil)
        precondition(rc == 0, "pthread_rwlock_init failed: \(rc)")
    }

    deinit {
        pthread_rwlock_destroy(lock)
        lock.deallocate()
    }

    @inline(__always)
    func lockShared() {
        let rc = pthread_rwlock_rdlock(lock)
        precondition(rc == 0, "pthread_rwlock_rdlock failed: \(rc)")
    }

    @inline(__always)
    func lockExclusive() {
        let rc = pthread_rwlock_wrlock(lock)
        precondition(rc == 0, "pthread_rwlock_wrlock failed: \(rc)")
    }

    @inline(__always)
    func unlock() {
        pthread_rwlock_unlock(lock)
    }
}
