import CZMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed ZeroMQ operation. Every case keeps what failed and, for library failures, the
/// `zmq_errno()` code and its `zmq_strerror` text.
public enum ZMQError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A `zmq_*` call failed.
    case callFailed(function: String, code: Int32, message: String)
    /// The socket (or poller item) was already closed by `close()`.
    case socketClosed(operation: String)
    /// An argument was rejected before calling the library (wrong key length, too many frames...).
    case invalidArgument(String)

    /// The `zmq_errno()` value, or `nil` for errors raised by the wrapper itself.
    public var code: Int32? {
        if case let .callFailed(_, code, _) = self { return code }
        return nil
    }

    /// True when the operation would have blocked (`EAGAIN`): nothing to receive with `dontWait`,
    /// the send high-water mark reached, or a send/receive timeout expired.
    public var isWouldBlock: Bool { code == EAGAIN }

    /// True when a blocking call was interrupted by a signal (`EINTR`).
    public var isInterrupted: Bool { code == EINTR }

    /// True when a ROUTER with `ROUTER_MANDATORY` was asked to send to an unknown routing id.
    public var isHostUnreachable: Bool { code == EHOSTUNREACH }

    public var description: String {
        switch self {
        case let .callFailed(function, code, message): "zmq: \(function) failed: \(message) (errno \(code))"
        case let .socketClosed(operation): "zmq: \(operation) on a closed socket"
        case let .invalidArgument(text): "zmq: invalid argument: \(text)"
        }
    }

    /// The error for the call that just failed, read from `zmq_errno()`.
    static func last(_ function: String) -> ZMQError {
        let code = zmq_errno()
        return .callFailed(function: function, code: code, message: String(cString: zmq_strerror(code)))
    }
}
