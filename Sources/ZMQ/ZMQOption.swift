import CZMQ

/// A socket option and its value. Durations are in milliseconds, as libzmq takes them.
public enum ZMQOption: Sendable {
    /// How long unsent messages linger after `close()` (0: drop at once, -1: forever).
    case linger(milliseconds: Int32)
    /// Outbound high-water mark in messages (0: unlimited).
    case sendHighWaterMark(Int32)
    /// Inbound high-water mark in messages (0: unlimited).
    case receiveHighWaterMark(Int32)
    /// Largest inbound message in bytes; a peer that sends more is disconnected (-1: unlimited).
    case maxMessageSize(Int64)
    /// ROUTER: fail with `EHOSTUNREACH` instead of silently dropping unroutable messages.
    case routerMandatory(Bool)
    /// The identity this socket announces to a ROUTER peer (1...255 bytes).
    case routingID([UInt8])
    /// ZMTP heartbeats: send a PING every interval.
    case heartbeatInterval(milliseconds: Int32)
    /// ZMTP heartbeats: how long the remote side may wait for the next heartbeat.
    case heartbeatTTL(milliseconds: Int32)
    /// ZMTP heartbeats: drop the connection if no traffic arrives within this time after a PING.
    case heartbeatTimeout(milliseconds: Int32)
    /// CurveZMQ: act as the server side of the handshake.
    case curveServer(Bool)
    /// CurveZMQ: this socket's long-term public key (32 bytes, binary).
    case curvePublicKey([UInt8])
    /// CurveZMQ: this socket's long-term secret key (32 bytes, binary).
    case curveSecretKey([UInt8])
    /// CurveZMQ client: the server's long-term public key (32 bytes, binary).
    case curveServerKey([UInt8])
    /// ZAP authentication domain.
    case zapDomain(String)
    /// Queue messages only to completed connections.
    case immediate(Bool)
    /// Maximum time for the ZMTP (and CURVE) handshake; 0 disables the limit.
    case handshakeInterval(milliseconds: Int32)
    /// Receive timeout (-1: block forever, 0: never block).
    case receiveTimeout(milliseconds: Int32)
    /// Send timeout (-1: block forever, 0: never block).
    case sendTimeout(milliseconds: Int32)
    /// Initial reconnection interval.
    case reconnectInterval(milliseconds: Int32)
    /// Upper bound of the exponential reconnection back-off (0: no back-off).
    case reconnectIntervalMax(milliseconds: Int32)
    /// SUB: subscribe to a prefix (empty: everything).
    case subscribe([UInt8])

    var name: String {
        switch self {
        case .linger: "ZMQ_LINGER"
        case .sendHighWaterMark: "ZMQ_SNDHWM"
        case .receiveHighWaterMark: "ZMQ_RCVHWM"
        case .maxMessageSize: "ZMQ_MAXMSGSIZE"
        case .routerMandatory: "ZMQ_ROUTER_MANDATORY"
        case .routingID: "ZMQ_ROUTING_ID"
        case .heartbeatInterval: "ZMQ_HEARTBEAT_IVL"
        case .heartbeatTTL: "ZMQ_HEARTBEAT_TTL"
        case .heartbeatTimeout: "ZMQ_HEARTBEAT_TIMEOUT"
        case .curveServer: "ZMQ_CURVE_SERVER"
        case .curvePublicKey: "ZMQ_CURVE_PUBLICKEY"
        case .curveSecretKey: "ZMQ_CURVE_SECRETKEY"
        case .curveServerKey: "ZMQ_CURVE_SERVERKEY"
        case .zapDomain: "ZMQ_ZAP_DOMAIN"
        case .immediate: "ZMQ_IMMEDIATE"
        case .handshakeInterval: "ZMQ_HANDSHAKE_IVL"
        case .receiveTimeout: "ZMQ_RCVTIMEO"
        case .sendTimeout: "ZMQ_SNDTIMEO"
        case .reconnectInterval: "ZMQ_RECONNECT_IVL"
        case .reconnectIntervalMax: "ZMQ_RECONNECT_IVL_MAX"
        case .subscribe: "ZMQ_SUBSCRIBE"
        }
    }

    /// The option code and its value as bytes, in the C layout libzmq expects.
    func encoded() throws(ZMQError) -> (code: Int32, bytes: [UInt8]) {
        func int(_ v: Int32) -> [UInt8] { withUnsafeBytes(of: v) { Array($0) } }
        func flag(_ v: Bool) -> [UInt8] { int(v ? 1 : 0) }
        func key(_ k: [UInt8]) throws(ZMQError) -> [UInt8] {
            guard k.count == 32 else { throw .invalidArgument("\(name) needs a 32-byte key, got \(k.count) bytes") }
            return k
        }
        switch self {
        case let .linger(v): return (ZMQ_LINGER, int(v))
        case let .sendHighWaterMark(v): return (ZMQ_SNDHWM, int(v))
        case let .receiveHighWaterMark(v): return (ZMQ_RCVHWM, int(v))
        case let .maxMessageSize(v): return (ZMQ_MAXMSGSIZE, withUnsafeBytes(of: v) { Array($0) })
        case let .routerMandatory(v): return (ZMQ_ROUTER_MANDATORY, flag(v))
        case let .routingID(v):
            guard (1...255).contains(v.count) else { throw .invalidArgument("ZMQ_ROUTING_ID must be 1...255 bytes, got \(v.count)") }
            return (ZMQ_ROUTING_ID, v)
        case let .heartbeatInterval(v): return (ZMQ_HEARTBEAT_IVL, int(v))
        case let .heartbeatTTL(v): return (ZMQ_HEARTBEAT_TTL, int(v))
        case let .heartbeatTimeout(v): return (ZMQ_HEARTBEAT_TIMEOUT, int(v))
        case let .curveServer(v): return (ZMQ_CURVE_SERVER, flag(v))
        case let .curvePublicKey(k): return (ZMQ_CURVE_PUBLICKEY, try key(k))
        case let .curveSecretKey(k): return (ZMQ_CURVE_SECRETKEY, try key(k))
        case let .curveServerKey(k): return (ZMQ_CURVE_SERVERKEY, try key(k))
        case let .zapDomain(v): return (ZMQ_ZAP_DOMAIN, Array(v.utf8))
        case let .immediate(v): return (ZMQ_IMMEDIATE, flag(v))
        case let .handshakeInterval(v): return (ZMQ_HANDSHAKE_IVL, int(v))
        case let .receiveTimeout(v): return (ZMQ_RCVTIMEO, int(v))
        case let .sendTimeout(v): return (ZMQ_SNDTIMEO, int(v))
        case let .reconnectInterval(v): return (ZMQ_RECONNECT_IVL, int(v))
        case let .reconnectIntervalMax(v): return (ZMQ_RECONNECT_IVL_MAX, int(v))
        case let .subscribe(v): return (ZMQ_SUBSCRIBE, v)
        }
    }
}
