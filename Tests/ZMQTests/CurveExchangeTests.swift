import Testing
import ZMQ

@Suite struct CurveExchangeTests {
    @Test func curveIsAvailable() {
        #expect(ZMQContext.has("curve"))
    }

    @Test func routerDealerExchangeOverCurveTCP() throws {
        let context = try ZMQContext()
        let server = try CurveServer(context: context)
        let client = try curveClient(context: context, endpoint: server.endpoint, serverKey: server.publicKey)
        try client.send(multipart: [Array("hello".utf8), [0, 1, 2, 255]])

        #expect(try waitReadable(server.router, milliseconds: 5000))
        let inbound = try server.router.receiveMultipart()
        #expect(inbound.count == 3)
        #expect(inbound[1] == Array("hello".utf8))
        #expect(inbound[2] == [0, 1, 2, 255])

        try server.router.send(multipart: [inbound[0], Array("world".utf8)])
        #expect(try waitReadable(client, milliseconds: 5000))
        #expect(try client.receiveMultipart() == [Array("world".utf8)])
    }

    @Test func clientWithWrongServerKeyCannotTalk() throws {
        let context = try ZMQContext()
        let server = try CurveServer(context: context)
        let monitor = try server.router.startMonitor(endpoint: uniqueInproc("wrong-key"))
        let impostorKey = try ZMQCurve.generateKeyPair().publicKey
        let client = try curveClient(context: context, endpoint: server.endpoint, serverKey: impostorKey)
        try client.send(Array("let me in".utf8), dontWait: true)

        #expect(try !waitReadable(server.router, milliseconds: 700))
        // The server saw the connection but no completed handshake.
        var events: [Int32] = []
        while let event = try? ZMQMonitorEvent.receive(from: monitor, dontWait: true) { events.append(event.event) }
        #expect(events.contains(ZMQMonitorEvent.accepted))
        #expect(!events.contains(ZMQMonitorEvent.handshakeSucceeded))
    }

    @Test func plainClientCannotTalkToCurveServer() throws {
        let context = try ZMQContext()
        let server = try CurveServer(context: context)
        let client = try context.socket(.dealer)
        try client.connect(server.endpoint)
        try client.send(Array("plain text".utf8), dontWait: true)
        #expect(try !waitReadable(server.router, milliseconds: 500))
    }

    @Test func oversizedMessageDropsTheConnection() throws {
        let context = try ZMQContext()
        let server = try CurveServer(context: context, options: [.maxMessageSize(1024)])
        let monitor = try server.router.startMonitor(endpoint: uniqueInproc("maxmsg"))
        let client = try curveClient(context: context, endpoint: server.endpoint, serverKey: server.publicKey,
                                     options: [.reconnectInterval(milliseconds: 50)])
        try client.send([UInt8](repeating: 7, count: 4096))
        #expect(try !waitReadable(server.router, milliseconds: 700))

        var sawDisconnect = false
        while let event = try? ZMQMonitorEvent.receive(from: monitor, dontWait: true) {
            if event.event == ZMQMonitorEvent.disconnected { sawDisconnect = true }
        }
        #expect(sawDisconnect)

        // The client reconnects; a message within the limit then gets through.
        try client.send([UInt8](repeating: 1, count: 100))
        #expect(try waitReadable(server.router, milliseconds: 5000))
        #expect(try server.router.receiveMultipart()[1].count == 100)
    }
}
