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
    /// `raw`: the bytes as received, forwarded as they are (only `hops` is rewritten).
    case envelope(Connection, VerifiedEnvelope, signatureKnown: Bool, raw: [UInt8])
    /// An envelope that failed the checks before or at the signature.
    case invalid(Connection, EnvelopeError)
    /// A message with the wrong number of frames.
    case malformedFrames(Connection, count: Int)
    /// Messages dropped by the per-connection rate limit since the last report.
    case rateLimited(Connection, dropped: Int)
    /// A send failed (unknown routing id, queue full).
    case sendFailed(Connection, ZMQError)
}

/// What the gossip actor asks of its sockets.
enum TransportCommand: Sendable {
    case dial(UInt64, endpoint: String, serverKey: [UInt8])
    case hangUp(UInt64)
    case send([Connection], [UInt8])
    /// Several messages to one connection (IWANT answers).
    case sendEach(Connection, [[UInt8]])
    case block(Connection)
    /// Closes every socket.
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

/// The ZeroMQ side of a gossip node: the ROUTER and every DEALER (ZeroMQ sockets are not
/// thread-safe). It lives on the node's `GossipExecutor` thread and is used by the actor only, so
/// every call is a plain synchronous call: commands apply at once, and `receive` polls the sockets
/// (with the executor's wake-up pipe), checks envelopes (size, protobuf, signature, with a cache
/// of already-verified ids so duplicates cost no signature check) and returns the events.
final class Transport {
    let settings: TransportSettings
    /// The bound endpoint (real port).
    let endpoint: String
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

    /// Creates the context and binds the ROUTER.
    init(settings: TransportSettings) throws {
        self.settings = settings
        self.verified = SeenCache(capacity: 65_536)
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
    }

    deinit { close() }

    /// Applies a command now.
    func submit(_ command: TransportCommand) { apply(command) }

    /// Closes every socket and the context.
    func close() {
        for socket in dealers.values { socket.close() }
        dealers.removeAll()
        router?.close()
        router = nil
        context = nil
        poller.removeAll()
        pollDirty = true
    }

    /// Events that arose outside `receive` (failed sends), taken.
    func takeOutbox() -> [TransportEvent] {
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    private func rebuildPoller(wakeFD: Int32) throws(ZMQError) {
        poller.removeAll()
        poller.add(fileDescriptor: wakeFD)
        try poller.add(router!)
        pollOrder = Array(dealers.keys)
        for id in pollOrder { try poller.add(dealers[id]!) }
        pollDirty = false
    }

    /// Waits up to `timeoutMs` for traffic on any socket or on `wakeFD`, then receives and checks
    /// what arrived. Returns the events (those of failed sends before included).
    func receive(wakeFD: Int32, timeoutMs: Int) -> [TransportEvent] {
        guard router != nil else { return takeOutbox() }
        do {
            if pollDirty { try rebuildPoller(wakeFD: wakeFD) }
            _ = try poller.poll(timeoutMilliseconds: timeoutMs)
            if poller.isReadable(1) { drainRouter() }
            for (offset, id) in pollOrder.enumerated() where poller.isReadable(offset + 2) {
                drainDealer(id)
            }
            reportDrops()
        } catch {
            // Only a closed socket can make poll fail here; rebuild from the live set.
            pollDirty = true
        }
        return takeOutbox()
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
            close()
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

    /// Parses and verifies a batch, then reports the results in arrival order. Small batches (the
    /// usual case while gossip flows) are checked right here, with no other thread woken; large
    /// ones (a burst) are spread over every core, each worker taking the next unchecked frame.
    private func check(_ batch: [(Connection, [UInt8])]) {
        guard !batch.isEmpty else { return }
        let results = ResultSlots(count: batch.count)
        defer { results.release() }
        do {
            // The copy of the cache is read-only while the workers run and gone before we insert.
            let cache = verified
            let maxEnvelope = settings.maxEnvelopeBytes
            let maxBody = settings.maxBodyBytes
            if batch.count < Self.parallelBatch || Self.cores == 1 {
                for index in batch.indices {
                    results.slots[index] = Self.verify(batch[index].1, maxEnvelopeBytes: maxEnvelope, maxBodyBytes: maxBody, known: cache)
                }
            } else {
                let count = batch.count
                batch.withUnsafeBufferPointer { frames in
                    let frames = UncheckedFrames(frames)
                    DispatchQueue.concurrentPerform(iterations: Self.cores) { _ in
                        while true {
                            let index = results.next.wrappingAdd(1, ordering: .relaxed).oldValue
                            guard index < count else { return }
                            results.slots[index] = Self.verify(frames.base[index].1, maxEnvelopeBytes: maxEnvelope, maxBodyBytes: maxBody, known: cache)
                        }
                    }
                }
            }
        }
        for (index, (connection, _)) in batch.enumerated() {
            switch results.slots[index]! {
            case let .success((envelope, known)):
                if !known { verified.insert(envelope.id, timestampMs: envelope.envelope.timestampMs) }
                outbox.append(.envelope(connection, envelope, signatureKnown: known, raw: batch[index].1))
            case let .failure(error):
                outbox.append(.invalid(connection, error))
            }
        }
    }

    static let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Batches at least this large are verified on every core.
    static let parallelBatch = 8

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
    /// The next frame a worker takes.
    let next = Atomic<Int>(0)
    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: nil)
    }
    func release() {
        slots.deinitialize()
        slots.deallocate()
    }
}

/// The received frames, read (never written) by the verification workers.
private struct UncheckedFrames: @unchecked Sendable {
    let base: UnsafeBufferPointer<(Connection, [UInt8])>
    init(_ base: UnsafeBufferPointer<(Connection, [UInt8])>) { self.base = base }
}
