import ZMQ
import Sodium

/// A CURVE server (ROUTER) bound on a free loopback port, and its keys.
struct CurveServer {
    let router: ZMQSocket
    let endpoint: String
    let publicKey: [UInt8]

    init(context: ZMQContext, options: [ZMQOption] = []) throws {
        let keys = try ZMQCurve.generateKeyPair()
        router = try context.socket(.router)
        try router.set([.curveServer(true), .curveSecretKey(keys.secretKey), .curvePublicKey(keys.publicKey)] + options)
        try router.bind("tcp://127.0.0.1:*")
        endpoint = try router.lastEndpoint()
        publicKey = keys.publicKey
    }
}

/// A CURVE client (DEALER) with its own fresh keys, connected to `endpoint`.
func curveClient(context: ZMQContext, endpoint: String, serverKey: [UInt8], options: [ZMQOption] = []) throws -> ZMQSocket {
    let keys = try ZMQCurve.generateKeyPair()
    let dealer = try context.socket(.dealer)
    try dealer.set([.curveServerKey(serverKey), .curvePublicKey(keys.publicKey), .curveSecretKey(keys.secretKey)] + options)
    try dealer.connect(endpoint)
    return dealer
}

/// Polls one socket for up to `milliseconds`; true if a message is waiting.
func waitReadable(_ socket: ZMQSocket, milliseconds: Int) throws -> Bool {
    let poller = ZMQPoller()
    try poller.add(socket)
    return try poller.poll(timeoutMilliseconds: milliseconds) > 0 && poller.isReadable(0)
}

func uniqueInproc(_ name: String) -> String {
    "inproc://\(name)-\(Hex.encode(SecureRandom.bytes(6)))"
}
