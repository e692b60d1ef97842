import Foundation
import Synchronization

/// The one thread of a gossip node: it runs the `GossipNode` actor's jobs (it is the actor's
/// serial executor) and, between jobs, waits on the node's ZeroMQ sockets. A message therefore
/// goes from socket to checks to forwarding on one thread, with no hand-off between a socket
/// thread and the actor (each hand-off is a thread wake-up, which on a busy machine costs
/// milliseconds: see docs/GOSSIP.md, "Threads").
///
/// Jobs enqueued from other threads wake the thread through a pipe that the socket poll watches.
/// The thread lives as long as its node: `shutdown()` (from the node's deinit) ends it.
final class GossipExecutor: SerialExecutor, @unchecked Sendable {
    /// Called on the thread when no job is pending: waits for socket traffic or a wake-up (the
    /// pipe's read end is the argument), handles what came, and returns true; false when there
    /// are no sockets (the thread then waits on the pipe alone).
    typealias SocketService = @Sendable (Int32) -> Bool

    private struct State {
        var jobs: [UnownedJob] = []
        var finished = false
        var service: SocketService?
    }

    private let state = Mutex<State>(State())
    private let loopThread = Atomic<UInt>(0)
    private let wakeRead: Int32
    private let wakeWrite: Int32

    init(name: String) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw GossipError.system("pipe() failed: errno \(errno)") }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        let thread = Thread { [self] in run() }
        thread.name = name
        thread.stackSize = 8 << 20
        thread.start()
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Whether the caller runs on this executor's thread.
    var isOnLoopThread: Bool { loopThread.load(ordering: .acquiring) == UInt(bitPattern: Int(bitPattern: pthread_self())) }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let first = state.withLock { s in
            s.jobs.append(job)
            return s.jobs.count == 1
        }
        // On the thread itself the loop looks at the queue before it polls again.
        if first && !isOnLoopThread { wake() }
    }

    func asUnownedSerialExecutor() -> UnownedSerialExecutor { UnownedSerialExecutor(ordinary: self) }

    func checkIsolated() {
        precondition(isOnLoopThread, "GossipNode state touched off its gossip thread")
    }

    /// Installs (or removes, with nil) the socket service. Call from the thread (actor code).
    func setSocketService(_ service: SocketService?) {
        state.withLock { $0.service = service }
    }

    /// Ends the thread once the jobs queued so far have run.
    func shutdown() {
        state.withLock { $0.finished = true }
        wake()
    }

    private func wake() {
        var byte: UInt8 = 1
        _ = write(wakeWrite, &byte, 1)
    }

    private func drainWakeups() {
        var buffer = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))
        while withUnsafeMutableBytes(of: &buffer, { read(wakeRead, $0.baseAddress, $0.count) }) > 0 {}
    }

    private func run() {
        loopThread.store(UInt(bitPattern: Int(bitPattern: pthread_self())), ordering: .releasing)
        let executor = asUnownedSerialExecutor()
        while true {
            drainWakeups()
            let (jobs, finished, service) = state.withLock { s in
                let taken = s.jobs
                s.jobs.removeAll(keepingCapacity: true)
                return (taken, s.finished, s.service)
            }
            if jobs.isEmpty && finished { return }
            for job in jobs { job.runSynchronously(on: executor) }
            if !jobs.isEmpty { continue }  // look for jobs those enqueued before sleeping
            if let service, service(wakeRead) { continue }
            var item = pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)
            _ = poll(&item, 1, 500)
        }
    }
}
