import ArgumentParser
import Node
import Wire

struct NodePeersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "peers",
        abstract: "List a running node's peers and their scores.",
        discussion: "Asks the node over its control socket. Exit code 3: no node answered."
    )

    @OptionGroup var data: DataDirectoryOptions

    @Option(help: ArgumentHelp("The control endpoint (default: ipc://DIR/control.sock).", valueName: "endpoint"))
    var node: String?

    @Flag(help: "Print JSON-like raw protobuf text instead of a table.")
    var raw = false

    func run() async throws {
        let endpoint = node ?? ControlServer.endpoint(dataDirectory: data.directory.path)
        var request = Ciro_V1_ControlRequest()
        request.peers = Ciro_V1_PeersRequest()
        let response: Ciro_V1_ControlResponse
        do {
            response = try ControlClient(endpoint: endpoint, timeoutMs: 3000).call(request)
        } catch {
            printError("ciro node peers: error: \(error)")
            throw CiroExit.runtimeFailure
        }
        guard response.error.isEmpty, case let .peers(peers) = response.response else {
            printError("ciro node peers: error: \(response.error.isEmpty ? "unexpected answer" : response.error)")
            throw CiroExit.runtimeFailure
        }
        if raw {
            print(peers.textFormatString())
            return
        }
        print("\(peers.peers.count) peer(s)")
        for p in peers.peers {
            let score = (p.score * 100).rounded() / 100
            print("  \(p.nodeID)  \(p.endpoint)  \(p.direction)  score \(score)  heard \(p.lastHeardMsAgo) ms ago  in \(p.messagesReceived) out \(p.messagesSent)")
        }
        if !peers.banned.isEmpty {
            print("\(peers.banned.count) banned")
            for p in peers.banned { print("  \(p.nodeID)  score \((p.score * 100).rounded() / 100)") }
        }
    }
}
