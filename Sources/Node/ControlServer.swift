import Foundation
import Logging
import Synchronization
import Wire
import ZMQ

/// Something that answers some control requests. The node runtime asks each module in turn; the
/// first non-nil response wins. Upper layers (the market) add their own modules.
public protocol ControlModule: Sendable {
    /// Returns a response if this module handles `request`, nil otherwise.
    func handle(_ request: Ciro_V1_ControlRequest) async -> Ciro_V1_ControlResponse?
}

/// The node's local control socket: a ZeroMQ REP socket on `ipc://DATA_DIR/control.sock`, served
/// by its own thread. Each request is a serialized `ControlRequest`, each reply a `ControlResponse`.
public final class ControlServer: Sendable {
    /// The endpoint clients connect to.
    public let endpoint: String
    private let modules: Mutex<[any ControlModule]>
    private let stopping = Mutex(false)
    private let logger: Logger

    /// The control endpoint for a data folder.
    public static func endpoint(dataDirectory: String) -> String {
        "ipc://" + dataDirectory + "/control.sock"
    }

    public init(endpoint: String, modules: [any ControlModule], logger: Logger) {
        self.endpoint = endpoint
        self.modules = Mutex(modules)
        self.logger = logger
    }

    /// Adds a module (checked after the existing ones).
    public func add(_ module: any ControlModule) {
        modules.withLock { $0.append(module) }
    }

    /// Binds and starts serving on a dedicated thread; throws if the endpoint cannot be bound.
    public func start() async throws {
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread { [self] in self.serve(started: started) }
            thread.name = "control"
            thread.start()
        }
    }

    /// Stops serving (within half a second).
    public func stop() {
        stopping.withLock { $0 = true }
    }

    private func serve(started: CheckedContinuation<Void, any Error>) {
        let socket: ZMQSocket
        do {
            let context = try ZMQContext()
            socket = try context.socket(.rep)
            try socket.set([.receiveTimeout(milliseconds: 200), .maxMessageSize(16 << 20)])
            if endpoint.hasPrefix("ipc://") { unlink(String(endpoint.dropFirst(6))) }
            try socket.bind(endpoint)
        } catch {
            started.resume(throwing: error)
            return
        }
        started.resume()
        while !stopping.withLock({ $0 }) {
            let frames: [[UInt8]]
            do {
                frames = try socket.receiveMultipart()
            } catch {
                if error.isWouldBlock || error.isInterrupted { continue }
                logger.error("control socket failed", metadata: ["error": "\(error)"])
                break
            }
            let reply = respond(to: frames.last ?? [])
            do {
                try socket.send(reply)
            } catch {
                logger.warning("control reply failed", metadata: ["error": "\(error)"])
            }
        }
        socket.close()
        if endpoint.hasPrefix("ipc://") { unlink(String(endpoint.dropFirst(6))) }
    }

    /// Decodes, dispatches (waiting for the async modules) and encodes the answer.
    private func respond(to bytes: [UInt8]) -> [UInt8] {
        var response = Ciro_V1_ControlResponse()
        if let request = try? Ciro_V1_ControlRequest(serializedBytes: bytes) {
            let modules = self.modules.withLock { $0 }
            let box = Mutex<Ciro_V1_ControlResponse?>(nil)
            let done = DispatchSemaphore(value: 0)
            Task {
                var answer: Ciro_V1_ControlResponse? = nil
                for module in modules {
                    if let r = await module.handle(request) { answer = r; break }
                }
                box.withLock { $0 = answer }
                done.signal()
            }
            done.wait()
            if let answer = box.withLock({ $0 }) {
                response = answer
            } else {
                response.error = "request not supported by this node"
            }
        } else {
            response.error = "malformed control request"
        }
        return (try? response.serializedBytes()) ?? []
    }
}

/// A client for a node's control socket (REQ).
public struct ControlClient: Sendable {
    public let endpoint: String
    public let timeoutMs: Int32

    public init(endpoint: String, timeoutMs: Int32 = 5000) {
        self.endpoint = endpoint
        self.timeoutMs = timeoutMs
    }

    /// Sends one request and waits for the response.
    public func call(_ request: Ciro_V1_ControlRequest) throws -> Ciro_V1_ControlResponse {
        let context = try ZMQContext()
        let socket = try context.socket(.req)
        try socket.set([.receiveTimeout(milliseconds: timeoutMs), .sendTimeout(milliseconds: timeoutMs)])
        try socket.connect(endpoint)
        var request = request
        request.version = 1
        try socket.send(try request.serializedBytes() as [UInt8])
        let frames: [[UInt8]]
        do {
            frames = try socket.receiveMultipart()
        } catch {
            if error.isWouldBlock { throw ControlError.noAnswer(endpoint) }
            throw error
        }
        socket.close()
        return try Ciro_V1_ControlResponse(serializedBytes: frames.last ?? [])
    }
}

/// Control client failures.
public enum ControlError: Error, CustomStringConvertible {
    case noAnswer(String)
    case failed(String)
    public var description: String {
        switch self {
        case let .noAnswer(endpoint): "no node answered on \(endpoint) (is `ciro node start` running?)"
        case let .failed(reason): reason
        }
    }
}
