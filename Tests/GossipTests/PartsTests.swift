import Gossip
import Sodium
import Testing

@Suite struct BootstrapListTests {
    @Test func parsesAndRendersEntries() throws {
        let key = try Ed25519KeyPair.generate().publicKey
        let text = #"{"version": 1, "peers": [{"endpoint": "tcp://127.0.0.1:7401", "node": "\#(Hex.encode(key.bytes))"}]}"#
        let peers = try BootstrapList.parse(Array(text.utf8))
        #expect(peers.count == 1)
        #expect(peers[0].endpoint == "tcp://127.0.0.1:7401")
        #expect(peers[0].key == key)
        #expect(peers[0].curveKey == (try key.x25519()))
        #expect(try BootstrapList.parse(BootstrapList.render(peers)) == peers)
    }

    @Test func reportsWhatIsWrong() {
        #expect(throws: BootstrapList.ParseError.self) { try BootstrapList.parse(Array("nope".utf8)) }
        #expect(throws: BootstrapList.ParseError(entry: nil, reason: "unsupported version 9")) {
            try BootstrapList.parse(Array(#"{"version": 9, "peers": []}"#.utf8))
        }
        #expect(throws: BootstrapList.ParseError(entry: 0, reason: "endpoint must look like tcp://HOST:PORT, got udp://x")) {
            try BootstrapList.parse(Array(#"{"version": 1, "peers": [{"endpoint": "udp://x", "node": "00"}]}"#.utf8))
        }
        #expect(throws: BootstrapList.ParseError(entry: 0, reason: "not a node id or key: abcd")) {
            try BootstrapList.parse(Array(#"{"version": 1, "peers": [{"endpoint": "tcp://h:1", "node": "abcd"}]}"#.utf8))
        }
    }
}
