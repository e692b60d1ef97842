import CZMQ

/// Readiness conditions for `ZMQPoller`.
public struct ZMQPollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }
    /// A message can be received (or a file descriptor is readable).
    public static let readable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLIN))
    /// A message can be sent without blocking.
    public static let writable = ZMQPollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// An error condition on a file descriptor.
    public static let error = ZMQPollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// `zmq_poll` over several sockets and plain file descriptors (a wake-up pipe, for instance).
/// Items are identified by the index `add` returns; use it from the thread that owns the sockets.
public final class ZMQPoller {
    private var items: [zmq_pollitem_t] = []
    private var sockets: [ZMQSocket?] = []

    public init() {}

    /// The number of registered items.
    public var count: Int { items.count }

    /// Watches a socket; returns its index.
    @discardableResult
    public func add(_ socket: ZMQSocket, events: ZMQPollEvents = .readable) throws(ZMQError) -> Int {
        let handle = try socket.open("ZMQPoller.add")
        items.append(zmq_pollitem_t(socket: handle, fd: 0, events: events.rawValue, revents: 0))
        sockets.append(socket)
        return items.count - 1
    }

    /// Watches a file descriptor; returns its index.
    @discardableResult
    public func add(fileDescriptor fd: Int32, events: ZMQPollEvents = .readable) -> Int {
        items.append(zmq_pollitem_t(socket: nil, fd: fd, events: events.rawValue, revents: 0))
        sockets.append(nil)
        return items.count - 1
    }

    /// Removes every item.
    public func removeAll() {
        items.removeAll(keepingCapacity: true)
        sockets.removeAll(keepingCapacity: true)
    }

    /// Waits until an item is ready or `timeoutMilliseconds` pass (-1: forever). Returns how many
    /// items are ready (0 on timeout); `events(at:)` tells which. An interrupted wait returns 0.
    @discardableResult
    public func poll(timeoutMilliseconds: Int) throws(ZMQError) -> Int {
        for (index, socket) in sockets.enumerated() {
            if let socket, socket.isClosed { throw .socketClosed(operation: "ZMQPoller.poll (item \(index))") }
        }
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMilliseconds) }
        if rc < 0 {
            let error = ZMQError.last("zmq_poll")
            if error.isInterrupted { return 0 }
            throw error
        }
        return Int(rc)
    }

    /// What the last `poll` found for the item at `index`.
    public func events(at index: Int) -> ZMQPollEvents {
        ZMQPollEvents(rawValue: items[index].revents)
    }

    /// Whether the item at `index` was readable in the last `poll`.
    public func isReadable(_ index: Int) -> Bool { events(at: index).contains(.readable) }
}
