import Testing
import ZMQ
#if canImport(Glibc)
import Glibc
#endif

@Suite struct SocketTests {
    @Test func operationsOnClosedSocketThrow() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        socket.close()
        socket.close() // idempotent
        #expect(socket.isClosed)
        #expect(throws: ZMQError.socketClosed(operation: "send")) { try socket.send([1]) }
        #expect(throws: ZMQError.socketClosed(operation: "receive")) { try socket.receiveFrame(dontWait: true) }
        #expect(throws: ZMQError.socketClosed(operation: "connect")) { try socket.connect("tcp://127.0.0.1:1") }
        #expect(throws: ZMQError.self) { try socket.set(.linger(milliseconds: 0)) }
        #expect(throws: ZMQError.self) { try ZMQPoller().add(socket) }
    }

    @Test func pollerRefusesAClosedSocket() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pull)
        let poller = ZMQPoller()
        try poller.add(socket)
        socket.close()
        #expect(throws: ZMQError.self) { try poller.poll(timeoutMilliseconds: 0) }
    }

    @Test func badEndpointsFailWithErrno() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.router)
        do {
            try socket.bind("nonsense")
            Issue.record("bind to a malformed endpoint succeeded")
        } catch {
            #expect(error.code == EINVAL)
            #expect(error.description.contains("zmq_bind(nonsense)"))
        }
        #expect(throws: ZMQError.self) { try socket.connect("tcp://") }
        #expect(throws: ZMQError.self) { try socket.bind("carrier-pigeon://nowhere") }

        try socket.bind("tcp://127.0.0.1:*")
        let taken = try socket.lastEndpoint()
        let other = try context.socket(.router)
        do {
            try other.bind(taken)
            Issue.record("second bind to \(taken) succeeded")
        } catch {
            #expect(error.code == EADDRINUSE)
        }
    }

    @Test func receiveWithDontWaitSaysWouldBlock() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        do {
            _ = try socket.receiveMultipart(dontWait: true)
            Issue.record("received from an empty socket")
        } catch {
            #expect(error.isWouldBlock)
        }
    }

    @Test func receiveTimeoutExpires() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.pull)
        try socket.set(.receiveTimeout(milliseconds: 50))
        try socket.bind(uniqueInproc("timeout"))
        #expect(throws: ZMQError.self) { try socket.receiveFrame() }
    }

    @Test func routerMandatoryReportsUnknownPeer() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.set(.routerMandatory(true))
        try router.bind("tcp://127.0.0.1:*")
        do {
            try router.send(multipart: [Array("nobody".utf8), [1, 2, 3]])
            Issue.record("sent to an unknown routing id")
        } catch {
            #expect(error.isHostUnreachable)
        }
    }

    @Test func requestReplyWithRoutingID() throws {
        let context = try ZMQContext()
        let rep = try context.socket(.rep)
        try rep.bind("tcp://127.0.0.1:*")
        let req = try context.socket(.req)
        try req.set([.routingID(Array("client-1".utf8)), .receiveTimeout(milliseconds: 5000)])
        try rep.set(.receiveTimeout(milliseconds: 5000))
        try req.connect(try rep.lastEndpoint())
        try req.send(Array("ping".utf8))
        #expect(try rep.receiveMultipart() == [Array("ping".utf8)])
        try rep.send(Array("pong".utf8))
        #expect(try req.receiveMultipart() == [Array("pong".utf8)])
    }

    @Test func routerSeesTheDealerRoutingID() throws {
        let context = try ZMQContext()
        let router = try context.socket(.router)
        try router.bind(uniqueInproc("rid"))
        let dealer = try context.socket(.dealer)
        try dealer.set([.routingID([9, 9, 9]), .sendHighWaterMark(10), .receiveHighWaterMark(10),
                        .heartbeatInterval(milliseconds: 1000), .heartbeatTTL(milliseconds: 3000),
                        .heartbeatTimeout(milliseconds: 3000), .immediate(false), .handshakeInterval(milliseconds: 5000),
                        .sendTimeout(milliseconds: 1000), .reconnectIntervalMax(milliseconds: 2000)])
        try dealer.connect(try router.lastEndpoint())
        try dealer.send([42])
        #expect(try waitReadable(router, milliseconds: 2000))
        #expect(try router.receiveMultipart() == [[9, 9, 9], [42]])
    }

    @Test func optionsRejectBadValues() throws {
        let context = try ZMQContext()
        let socket = try context.socket(.dealer)
        #expect(throws: ZMQError.self) { try socket.set(.curveServerKey([1, 2, 3])) }
        #expect(throws: ZMQError.self) { try socket.set(.routingID([])) }
        try socket.set(.linger(milliseconds: 250))
        #expect(try socket.lingerMilliseconds() == 250)
    }

    @Test func pollerWatchesSeveralSocketsAndDescriptors() throws {
        let context = try ZMQContext()
        let a = try context.socket(.pull)
        let b = try context.socket(.pull)
        try a.bind(uniqueInproc("a"))
        try b.bind(uniqueInproc("b"))
        let pushB = try context.socket(.push)
        try pushB.connect(try b.lastEndpoint())
        var pipe: [Int32] = [0, 0]
        #expect(Glibc.pipe(&pipe) == 0)
        defer { Glibc.close(pipe[0]); Glibc.close(pipe[1]) }

        let poller = ZMQPoller()
        let ia = try poller.add(a)
        let ib = try poller.add(b)
        let ip = poller.add(fileDescriptor: pipe[0])
        #expect(try poller.poll(timeoutMilliseconds: 10) == 0)

        try pushB.send([5])
        var byte: UInt8 = 1
        #expect(Glibc.write(pipe[1], &byte, 1) == 1)
        #expect(try poller.poll(timeoutMilliseconds: 2000) >= 1)
        // Both become ready; poll again in case the inproc message landed after the first wake-up.
        _ = try poller.poll(timeoutMilliseconds: 2000)
        #expect(!poller.isReadable(ia))
        #expect(poller.isReadable(ib))
        #expect(poller.isReadable(ip))
    }

    @Test func z85RoundTripAndKeyDerivation() throws {
        let keys = try ZMQCurve.generateKeyPair()
        #expect(keys.publicKey.count == 32)
        let text = ZMQCurve.encodeZ85(keys.publicKey)
        #expect(text.count == 40)
        #expect(try ZMQCurve.decodeZ85(text) == keys.publicKey)
        #expect(try ZMQCurve.publicKey(secretKey: keys.secretKey) == keys.publicKey)
        #expect(throws: ZMQError.self) { try ZMQCurve.decodeZ85("short") }
        #expect(throws: ZMQError.self) { try ZMQCurve.publicKey(secretKey: [1]) }
    }
}
