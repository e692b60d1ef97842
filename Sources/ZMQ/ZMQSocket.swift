import CZMQ
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One ZeroMQ socket. Not thread-safe (libzmq sockets are not): use each socket from one thread
/// at a time. The socket keeps its `ZMQContext` alive; `close()` sets the configured linger and
/// closes deterministically (the deinit closes too, if `close()` was never called). Every
/// operation on a closed socket throws `ZMQError.socketClosed`.
public final class ZMQSocket {
    /// The context this socket belongs to (kept alive by the socket).
    public let context: ZMQContext
    /// The socket type.
    public let type: ZMQSocketType
    private(set) var handle: UnsafeMutableRawPointer?
    private var linger: Int32 = 0

    init(context: ZMQContext, type: ZMQSocketType) throws(ZMQError) {
        guard let handle = zmq_socket(context.handle, type.raw) else { throw ZMQError.last("zmq_socket(\(type))") }
        self.context = context
        self.type = type
        self.handle = handle
        // Unsent messages must never keep the process alive: linger 0 unless told otherwise.
        try set(.linger(milliseconds: 0))
    }

    deinit { close() }

    /// Whether `close()` has run.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket now, after applying the linger time. Idempotent.
    public func close() {
        guard let handle else { return }
        var value = linger
        _ = zmq_setsockopt(handle, ZMQ_LINGER, &value, MemoryLayout<Int32>.size)
        _ = zmq_close(handle)
        self.handle = nil
    }

    func open(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        guard let handle else { throw .socketClosed(operation: operation) }
        return handle
    }

    // MARK: Options

    /// Sets one option.
    public func set(_ option: ZMQOption) throws(ZMQError) {
        let handle = try open("set(\(option.name))")
        let (code, bytes) = try option.encoded()
        let rc = bytes.withUnsafeBytes { zmq_setsockopt(handle, code, $0.baseAddress, $0.count) }
        guard rc == 0 else { throw ZMQError.last("zmq_setsockopt(\(option.name))") }
        if case let .linger(ms) = option { linger = ms }
    }

    /// Sets several options in order.
    public func set(_ options: [ZMQOption]) throws(ZMQError) {
        for option in options { try set(option) }
    }

    private func getInt32(_ code: Int32, _ name: String) throws(ZMQError) -> Int32 {
        let handle = try open("get(\(name))")
        var value: Int32 = 0
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, code, &value, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(\(name))") }
        return value
    }

    /// The endpoint last bound or connected, with the real port after binding to `:*` or `:0`.
    public func lastEndpoint() throws(ZMQError) -> String {
        let handle = try open("lastEndpoint")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        guard zmq_getsockopt(handle, ZMQ_LAST_ENDPOINT, &buffer, &size) == 0 else {
            throw ZMQError.last("zmq_getsockopt(ZMQ_LAST_ENDPOINT)")
        }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// The current linger time in milliseconds.
    public func lingerMilliseconds() throws(ZMQError) -> Int32 { try getInt32(ZMQ_LINGER, "ZMQ_LINGER") }

    /// The socket's file descriptor, readable when `events` may have changed (edge-triggered).
    public func fileDescriptor() throws(ZMQError) -> Int32 {
        let handle = try open("get(ZMQ_FD)")
        var fd: Int32 = -1
        var size = MemoryLayout<Int32>.size
        guard zmq_getsockopt(handle, ZMQ_FD, &fd, &size) == 0 else { throw ZMQError.last("zmq_getsockopt(ZMQ_FD)") }
        return fd
    }

    // MARK: Endpoints

    /// Binds to an endpoint such as `tcp://127.0.0.1:7001`, `tcp://127.0.0.1:*` or `ipc:///path`.
    public func bind(_ endpoint: String) throws(ZMQError) {
        let handle = try open("bind")
        guard zmq_bind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_bind(\(endpoint))") }
    }

    /// Connects to an endpoint. The connection itself happens in the background.
    public func connect(_ endpoint: String) throws(ZMQError) {
        let handle = try open("connect")
        guard zmq_connect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_connect(\(endpoint))") }
    }

    /// Drops a connection made with `connect`.
    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let handle = try open("disconnect")
        guard zmq_disconnect(handle, endpoint) == 0 else { throw ZMQError.last("zmq_disconnect(\(endpoint))") }
    }

    /// Stops listening on an endpoint made with `bind`.
    public func unbind(_ endpoint: String) throws(ZMQError) {
        let handle = try open("unbind")
        guard zmq_unbind(handle, endpoint) == 0 else { throw ZMQError.last("zmq_unbind(\(endpoint))") }
    }

    // MARK: Sending

    /// Sends one frame; `more` marks that further frames of the same message follow.
    public func send(_ frame: [UInt8], more: Bool = false, dontWait: Bool = false) throws(ZMQError) {
        let result: Result<Void, ZMQError> = frame.withUnsafeBytes { bytes in
            Result { () throws(ZMQError) in try send(bytes: bytes, more: more, dontWait: dontWait) }
        }
        try result.get()
    }

    /// Sends one frame from raw memory (copied by libzmq before returning).
    public func send(bytes: UnsafeRawBufferPointer, more: Bool = false, dontWait: Bool = false) throws(ZMQError) {
        let handle = try open("send")
        let flags = (more ? ZMQ_SNDMORE : 0) | (dontWait ? ZMQ_DONTWAIT : 0)
        while true {
            if zmq_send(handle, bytes.baseAddress, bytes.count, flags) >= 0 { return }
            let error = ZMQError.last("zmq_send")
            if error.isInterrupted { continue }
            throw error
        }
    }

    /// Sends a multipart message atomically: either every frame is queued or (on the first frame
    /// with `dontWait`) none is, and the error says `isWouldBlock`.
    public func send(multipart frames: [[UInt8]], dontWait: Bool = false) throws(ZMQError) {
        guard !frames.isEmpty else { throw .invalidArgument("a message needs at least one frame") }
        for (index, frame) in frames.enumerated() {
            try send(frame, more: index < frames.count - 1, dontWait: dontWait)
        }
    }

    // MARK: Receiving

    /// Receives one frame, and whether more frames of the same message follow.
    public func receiveFrame(dontWait: Bool = false) throws(ZMQError) -> (bytes: [UInt8], more: Bool) {
        let handle = try open("receive")
        var message = zmq_msg_t()
        zmq_msg_init(&message)
        defer { zmq_msg_close(&message) }
        while true {
            if zmq_msg_recv(&message, handle, dontWait ? ZMQ_DONTWAIT : 0) >= 0 { break }
            let error = ZMQError.last("zmq_msg_recv")
            if error.isInterrupted { continue }
            throw error
        }
        let size = zmq_msg_size(&message)
        let bytes: [UInt8]
        if size == 0 {
            bytes = []
        } else {
            let data = zmq_msg_data(&message)!
            bytes = [UInt8](UnsafeRawBufferPointer(start: data, count: size))
        }
        return (bytes, zmq_msg_more(&message) != 0)
    }

    /// Receives a whole multipart message (all its frames).
    public func receiveMultipart(dontWait: Bool = false) throws(ZMQError) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var (bytes, more) = try receiveFrame(dontWait: dontWait)
        frames.append(bytes)
        while more {
            // The remaining frames of a message are already here: never wait for them.
            (bytes, more) = try receiveFrame(dontWait: false)
            frames.append(bytes)
        }
        return frames
    }
}
