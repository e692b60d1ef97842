import CZMQ

/// One socket event reported by `zmq_socket_monitor` (connection made, dropped, handshake failed...).
public struct ZMQMonitorEvent: Sendable, Equatable {
    /// The `ZMQ_EVENT_*` code.
    public let event: Int32
    /// The event's value (a file descriptor, an errno or a reconnect interval, depending on the event).
    public let value: UInt32
    /// The endpoint the event is about.
    public let endpoint: String

    public static let connected: Int32 = ZMQ_EVENT_CONNECTED
    public static let accepted: Int32 = ZMQ_EVENT_ACCEPTED
    public static let disconnected: Int32 = ZMQ_EVENT_DISCONNECTED
    public static let closed: Int32 = ZMQ_EVENT_CLOSED
    public static let handshakeSucceeded: Int32 = ZMQ_EVENT_HANDSHAKE_SUCCEEDED
    public static let handshakeFailedNoDetail: Int32 = ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL
    public static let handshakeFailedProtocol: Int32 = ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL
    public static let handshakeFailedAuth: Int32 = ZMQ_EVENT_HANDSHAKE_FAILED_AUTH
    public static let all: Int32 = ZMQ_EVENT_ALL
}

extension ZMQSocket {
    /// Starts reporting this socket's events and returns a PAIR socket that receives them
    /// (read with `ZMQMonitorEvent.receive(from:)`). The endpoint must be a unique `inproc://` name.
    public func startMonitor(endpoint: String, events: Int32 = ZMQMonitorEvent.all) throws(ZMQError) -> ZMQSocket {
        let handle = try open("startMonitor")
        guard zmq_socket_monitor(handle, endpoint, events) == 0 else { throw ZMQError.last("zmq_socket_monitor(\(endpoint))") }
        let pair = try context.socket(.pair)
        try pair.connect(endpoint)
        return pair
    }
}

extension ZMQMonitorEvent {
    /// Reads one event from a monitor PAIR socket; throws (with `isWouldBlock`) when none is queued
    /// and `dontWait` is set.
    public static func receive(from monitor: ZMQSocket, dontWait: Bool = false) throws(ZMQError) -> ZMQMonitorEvent {
        let frames = try monitor.receiveMultipart(dontWait: dontWait)
        guard frames.count == 2, frames[0].count == 6 else {
            throw .invalidArgument("monitor message has \(frames.count) frames, expected 2 with a 6-byte header")
        }
        let head = frames[0]
        let event = Int32(UInt16(head[0]) | UInt16(head[1]) << 8)
        let value = UInt32(head[2]) | UInt32(head[3]) << 8 | UInt32(head[4]) << 16 | UInt32(head[5]) << 24
        return ZMQMonitorEvent(event: event, value: value, endpoint: String(decoding: frames[1], as: UTF8.self))
    }
}
