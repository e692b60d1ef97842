#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A serial executor backed by one dedicated OS thread: the ledger's writer runs every write
/// transaction (and its fsync) here, off Swift's cooperative pool, and always on the same thread.
///
/// Besides the jobs of the actor it serves, it runs plain closures (`submit`): the ledger commits
/// that way and resumes the caller through a continuation, so the caller's code after `await`
/// goes back to the caller's executor instead of running on (and holding up) the writer thread.
final class WriterThread: SerialExecutor, @unchecked Sendable {
    private enum Work {
        case job(UnownedJob)
        case closure(@Sendable () -> Void)
    }

    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    // Guarded by `mutex`.
    private var queue: [Work] = []
    private var stopping = false
    /// The thread (written once in `init`, before any work can be queued).
    private var thread = pthread_t()

    init() {
        mutex.initialize(to: pthread_mutex_t())
        condition.initialize(to: pthread_cond_t())
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
        let context = Unmanaged.passRetained(self).toOpaque()
        #if canImport(Glibc)
        var thread = pthread_t()
        #else
        var thread: pthread_t?
        #endif
        let rc = pthread_create(&thread, nil, { raw in
            let me = Unmanaged<WriterThread>.fromOpaque(raw!).takeRetainedValue()
            me.runLoop()
            return nil
        }, context)
        precondition(rc == 0, "cannot start the ledger writer thread: \(rc)")
        pthread_detach(thread)
        #if canImport(Glibc)
        self.thread = thread
        #else
        self.thread = thread!
        #endif
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        push(.job(UnownedJob(job)))
    }

    /// Runs `work` on the thread, in order with the actor's jobs.
    func submit(_ work: @escaping @Sendable () -> Void) {
        push(.closure(work))
    }

    private func push(_ work: Work) {
        pthread_mutex_lock(mutex)
        queue.append(work)
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// Whether the caller runs on this executor's thread.
    var isCurrent: Bool { pthread_equal(pthread_self(), thread) != 0 }

    /// Lets `assumeIsolated` accept code that `submit` runs on the thread.
    func checkIsolated() {
        precondition(isCurrent, "not on the ledger's writer thread")
    }

    /// Lets the thread finish the queued jobs and exit.
    func stop() {
        pthread_mutex_lock(mutex)
        stopping = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    private func runLoop() {
        var batch: [Work] = []
        while true {
            pthread_mutex_lock(mutex)
            while queue.isEmpty && !stopping { pthread_cond_wait(condition, mutex) }
            if queue.isEmpty && stopping {
                pthread_mutex_unlock(mutex)
                return
            }
            swap(&batch, &queue)
            pthread_mutex_unlock(mutex)
            for work in batch {
                switch work {
                case .job(let job): job.runSynchronously(on: asUnownedSerialExecutor())
                case .closure(let body): body()
                }
            }
            batch.removeAll(keepingCapacity: true)
        }
    }
}
