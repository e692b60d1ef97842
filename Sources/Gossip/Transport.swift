import Foundation
import Sodium
import Synchronization
import Wire
import ZMQ

/// One connection as the transport sees it: a DEALER we dialed, or an inbound connection on the
/// ROUTER identified by its routing id.
enum Connection: Hashable, Sendable, CustomStringConvertible {
    case dealer(UInt64)
    case router([UInt8])

    var description: String {
        switch self {
        case let .dealer(id): "out#\(id)"
        case let .router(rid): "in#\(Hex.encode(rid))"
        }
    }
}

/// What the transport thread reports to the gossip actor.
enum TransportEvent: Sendable {
    /// A well-formed envelope with a valid signature. `signatureKnown`: an exact copy of one
    /// verified before, so its signature was not checked again (not necessarily a duplicate for
    /// the node: the earlier copy may have been dropped unseen).
    case envelope(Connection, VerifiedEnvelope, signatureKnown: Bool)
    /// An envelope that failed the checks before or at the signature.
    case invalid(Connection, EnvelopeError)
    /// A message with the wrong number of frames.
    case malformedFrames(Connection, count: Int)
    /// Messages dropped by the per-connection rate limit since the last report.
    case rateLimited(Connection, dropped: Int)
    /// A send failed (unknown routing id, queue full).
    case sendFailed(Connection, ZMQError)
}

/// Commands from the gossip actor to the transport thread.
enum TransportCommand: Sendable {
    case dial(UInt64, endpoint: String, serverKey: [UInt8])
    case hangUp(UInt64)
    case send([Connection], [UInt8])
    /// Several messages to one connection (IWANT answers).
    case sendEach(Connection, [[UInt8]])
    case block(Connection)
    case stop
}

/// Static settings of the transport thread.
struct TransportSettings: Sendable {
    var listen: String
    var curvePublic: [UInt8]
    var curveSecret: SecretBytes
    var maxEnvelopeBytes: Int
    var maxBodyBytes: Int
    var sendQueueLimit: Int32
    var rateLimitPerSecond: Double
    var rateLimitBurst: Double
}

/// The ZeroMQ side of a gossip node: one thread owns the ROUTER and every DEALER (ZeroMQ sockets
/// are not thread-safe), polls them with a wake-up pipe for commands, checks envelopes (size,
/// protobuf, signature, with a cache of already-verified ids so duplicates cost no signature
/// check) and hands events to the actor through an `AsyncStream`.
final class Transport: Sendable {
    /// Events in batches (one per poll round), so that the actor is entered once per batch.
    let events: AsyncStream<[TransportEvent]>
    private let continuation: AsyncStream<[TransportEvent]>.Continuation
    private let queue = Mutex<[TransportCommand]>([])
    private let wakeRead: Int32
    private let wakeWrite: Int32
    private let settings: TransportSettings
    private let finished = Mutex<Bool>(false)

    init(settings: TransportSettings) throws {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw GossipError.system("pipe() failed: errno \(errno)") }
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        wakeRead = fds[0]
        wakeWrite = fds[1]
        self.settings = settings
        (events, continuation) = AsyncStream.makeStream(of: [TransportEvent].self, bufferingPolicy: .unbounded)
    }

    deinit {
        close(wakeRead)
        close(wakeWrite)
    }

    /// Starts the thread; returns the bound endpoint (real port) or throws the bind error.
    func start() async throws -> String {
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<String, any Error>) in
            let thread = Thread { [self] in
                TransportLoop(transport: self, settings: settings).run(started: started)
            }
            thread.name = "gossip-zmq"
            thread.stackSize = 1 << 20
            thread.start()
        }
    }

    /// Queues a command and wakes the thread.
    func submit(_ command: TransportCommand) {
        let wasEmpty = queue.withLock { q in
            q.append(command)
            return q.count == 1
        }
        if wasEmpty {
            var byte: UInt8 = 1
            _ = write(wakeWrite, &byte, 1)
        }
    }

    // Used by the loop.
    fileprivate var wakeFD: Int32 { wakeRead }
    fileprivate func drainCommands() -> [TransportCommand] {
        var buffer = [UInt8](repeating: 0, count: 256)
        while read(wakeRead, &buffer, buffer.count) > 0 {}
        return queue.withLock { q in
            let taken = q
            q.removeAll(keepingCapacity: true)
            return taken
        }
    }
    fileprivate func emit(_ events: [TransportEvent]) { continuation.yield(events) }
    fileprivate func finish() { continuation.finish() }
}

/// The state that lives on the transport thread only.
private final class TransportLoop {
    let transport: Transport
    let settings: TransportSettings
    var context: ZMQContext?
    var router: ZMQSocket?
    var dealers: [UInt64: ZMQSocket] = [:]
    var blocked: Set<Connection> = []
    var buckets: [Connection: TokenBucket] = [:]
    var droppedByLimit: [Connection: Int] = [:]
    var verified: SeenCache
    let poller = ZMQPoller()
    var pollOrder: [UInt64] = []
    var pollDirty = true
    var outbox: [TransportEvent] = []

    init(transport: Transport, settings: TransportSettings) {
        self.transport = transport
        self.settings = settings
        self.verified = SeenCache(capacity: 65_536)
    }

    func run(started: CheckedContinuation<String, any Error>) {
        let endpoint: String
        do {
            let context = try ZMQContext()
            let router = try context.socket(.router)
            try router.set([
                .routerMandatory(true),
                .maxMessageSize(Int64(settings.maxEnvelopeBytes)),
                .sendHighWaterMark(settings.sendQueueLimit),
                .receiveHighWaterMark(settings.sendQueueLimit),
                .heartbeatInterval(milliseconds: 2000), .heartbeatTTL(milliseconds: 10_000),
                .heartbeatTimeout(milliseconds: 10_000),
                .handshakeInterval(milliseconds: 5000),
                .curveServer(true), .curvePublicKey(settings.curvePublic),
                .curveSecretKey(settings.curveSecret.withUnsafeBytes { Array($0) }),
            ])
            try router.bind(settings.listen)
            endpoint = try router.lastEndpoint()
            self.context = context
            self.router = router
        } catch {
            started.resume(throwing: error)
            transport.finish()
            return
        }
        started.resume(returning: endpoint)
        loop()
        for socket in dealers.values { socket.close() }
        dealers.removeAll()
        router?.close()
        router = nil
        context = nil
        transport.finish()
    }

    private func rebuildPoller() throws(ZMQError) {
        poller.removeAll()
        poller.add(fileDescriptor: transport.wakeFD)
        try poller.add(router!)
        pollOrder = Array(dealers.keys)
        for id in pollOrder { try poller.add(dealers[id]!) }
        pollDirty = false
    }

    private func loop() {
        while true {
            do {
                if pollDirty { try rebuildPoller() }
                _ = try poller.poll(timeoutMilliseconds: 500)
                if poller.isReadable(0) {
                    for command in transport.drainCommands() {
                        if case .stop = command { return }
                        apply(command)
                    }
                }
                if pollDirty { continue }  // a dealer went away: the indices below are stale
                if poller.isReadable(1) { drainRouter() }
                for (offset, id) in pollOrder.enumerated() where poller.isReadable(offset + 2) {
                    drainDealer(id)
                }
                reportDrops()
                if !outbox.isEmpty {
                    transport.emit(outbox)
                    outbox.removeAll(keepingCapacity: true)
                }
            } catch {
                // Only a closed socket can make poll fail here; rebuild from the live set.
                pollDirty = true
            }
        }
    }

    private func apply(_ command: TransportCommand) {
        switch command {
        case let .dial(id, endpoint, serverKey):
            do {
                let dealer = try context!.socket(.dealer)
                try dealer.set([
                    .sendHighWaterMark(settings.sendQueueLimit),
                    .receiveHighWaterMark(settings.sendQueueLimit),
                    .maxMessageSize(Int64(settings.maxEnvelopeBytes)),
                    .heartbeatInterval(milliseconds: 2000), .heartbeatTTL(milliseconds: 10_000),
                    .heartbeatTimeout(milliseconds: 10_000),
                    .handshakeInterval(milliseconds: 5000),
                    .reconnectInterval(milliseconds: 200), .reconnectIntervalMax(milliseconds: 5000),
                    .curveServerKey(serverKey), .curvePublicKey(settings.curvePublic),
                    .curveSecretKey(settings.curveSecret.withUnsafeBytes { Array($0) }),
                ])
                try dealer.connect(endpoint)
                dealers[id] = dealer
                pollDirty = true
            } catch {
                outbox.append(.sendFailed(.dealer(id), error))
            }
        case let .hangUp(id):
            if let dealer = dealers.removeValue(forKey: id) {
                dealer.close()
                pollDirty = true
            }
            buckets[.dealer(id)] = nil
        case let .send(targets, bytes):
            for target in targets { send(bytes, to: target) }
        case let .sendEach(target, messages):
            for bytes in messages { send(bytes, to: target) }
        case let .block(connection):
            blocked.insert(connection)
            if case let .dealer(id) = connection { apply(.hangUp(id)) }
        case .stop:
            break
        }
    }

    private func send(_ bytes: [UInt8], to target: Connection) {
        do throws(ZMQError) {
            switch target {
            case let .dealer(id):
                guard let dealer = dealers[id] else { throw ZMQError.socketClosed(operation: "send to \(target)") }
                try dealer.send(bytes, dontWait: true)
            case let .router(rid):
                guard let router else { return }
                try router.send(rid, more: true, dontWait: true)
                try router.send(bytes, dontWait: true)
            }
        } catch {
            outbox.append(.sendFailed(target, error))
        }
    }

    private func drainRouter() {
        guard let router else { return }
        var batch: [(Connection, [UInt8])] = []
        for _ in 0..<512 {
            guard let frames = try? router.receiveMultipart(dontWait: true) else { break }
            let connection = Connection.router(frames[0])
            guard frames.count == 2 else {
                if !blocked.contains(connection) { outbox.append(.malformedFrames(connection, count: frames.count)) }
                continue
            }
            if admit(frames[1], from: connection) { batch.append((connection, frames[1])) }
        }
        check(batch)
    }

    private func drainDealer(_ id: UInt64) {
        guard let dealer = dealers[id] else { return }
        var batch: [(Connection, [UInt8])] = []
        for _ in 0..<512 {
            guard let frames = try? dealer.receiveMultipart(dontWait: true) else { break }
            guard frames.count == 1 else {
                outbox.append(.malformedFrames(.dealer(id), count: frames.count))
                continue
            }
            if admit(frames[0], from: .dealer(id)) { batch.append((.dealer(id), frames[0])) }
        }
        check(batch)
    }

    /// Blocked connections and the per-connection rate limit, before any parsing.
    private func admit(_ bytes: [UInt8], from connection: Connection) -> Bool {
        if blocked.contains(connection) { return false }
        let now = GossipClock.monotonicNs()
        var bucket = buckets[connection]
            ?? TokenBucket(rate: settings.rateLimitPerSecond, burst: settings.rateLimitBurst, nowNs: now)
        let allowed = bucket.take(nowNs: now)
        buckets[connection] = bucket
        if !allowed { droppedByLimit[connection, default: 0] += 1 }
        return allowed
    }

    /// Parses and verifies a batch, spreading the signature checks over every core, then reports
    /// the results in arrival order.
    private func check(_ batch: [(Connection, [UInt8])]) {
        guard !batch.isEmpty else { return }
        let results = ResultSlots(count: batch.count)
        defer { results.release() }
        do {
            // The copy of the cache is read-only while the workers run and gone before we insert.
            let cache = verified
            let maxEnvelope = settings.maxEnvelopeBytes
            let maxBody = settings.maxBodyBytes
            let workers = min(batch.count, Self.cores)
            if workers <= 1 {
                for index in batch.indices {
                    results.slots[index] = Self.verify(batch[index].1, maxEnvelopeBytes: maxEnvelope, maxBodyBytes: maxBody, known: cache)
                }
            } else {
                let frames = batch.map(\.1)
                DispatchQueue.concurrentPerform(iterations: workers) { worker in
                    var index = worker
                    while index < frames.count {
                        results.slots[index] = Self.verify(frames[index], maxEnvelopeBytes: maxEnvelope, maxBodyBytes: maxBody, known: cache)
                        index += workers
                    }
                }
            }
        }
        for (index, (connection, _)) in batch.enumerated() {
            switch results.slots[index]! {
            case let .success((envelope, known)):
                if !known { verified.insert(envelope.id, timestampMs: envelope.envelope.timestampMs) }
                outbox.append(.envelope(connection, envelope, signatureKnown: known))
            case let .failure(error):
                outbox.append(.invalid(connection, error))
            }
        }
    }

    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)

    private static func verify(_ bytes: [UInt8], maxEnvelopeBytes: Int, maxBodyBytes: Int, known: SeenCache)
        -> Result<(VerifiedEnvelope, Bool), EnvelopeError>
    {
        guard bytes.count <= maxEnvelopeBytes else {
            return .failure(.envelopeTooLarge(size: bytes.count, limit: maxEnvelopeBytes))
        }
        let envelope: Ciro_V1_Envelope
        do {
            envelope = try Ciro_V1_Envelope(serializedBytes: bytes)
        } catch {
            return .failure(.malformedEnvelope("\(error)"))
        }
        do {
            let (checked, wasKnown) = try envelope.verified(maxBodyBytes: maxBodyBytes, skipSignatureIfKnown: { known.contains($0) })
            return .success((checked, wasKnown))
        } catch {
            return .failure(error)
        }
    }

    private func reportDrops() {
        guard !droppedByLimit.isEmpty else { return }
        for (connection, count) in droppedByLimit { outbox.append(.rateLimited(connection, dropped: count)) }
        droppedByLimit.removeAll(keepingCapacity: true)
    }
}

/// Result slots that the verification workers fill, each worker its own indices.
private final class ResultSlots: @unchecked Sendable {
    typealias Slot = Result<(VerifiedEnvelope, Bool), EnvelopeError>?
    let slots: UnsafeMutableBufferPointer<Slot>
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    func release() {
        slots.deinitialize()
        slots.deallocate()
    }
}
