import ArgumentParser
import Identity
import Sodium
import Foundation

struct IdCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "id",
        abstract: "Print the node id and its CurveZMQ public key.",
        discussion: """
        Loads the node key from the data folder, refusing a secret key file that group or others \
        can read (fix with chmod 600). Exit codes: 1 key file permissions too open, or node.pub does \
        not match node.key; 2 no key or an unreadable one; 3 a system failure.
        """
    )

    @OptionGroup var data: DataDirectoryOptions

    @Flag(help: "Print JSON (nodeId, shortId, ed25519PublicKey, curvePublicKey) instead of text.")
    var json = false

    /// What `ciro id --json` prints.
    struct Output: Encodable {
        var nodeId: String
        var shortId: String
        var ed25519PublicKey: String
        var curvePublicKey: String
    }

    func run() async throws {
        let identity: NodeIdentity
        do {
            identity = try data.directory.loadIdentity()
        } catch {
            throw report(error, command: "id")
        }
        let output = Output(
            nodeId: identity.nodeID.description,
            shortId: identity.nodeID.short,
            ed25519PublicKey: Hex.encode(identity.signing.publicKey.bytes),
            curvePublicKey: identity.curve.publicKey.z85)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(output), as: UTF8.self))
        } else {
            print("""
            node id:          \(output.nodeId)
            curve public key: \(output.curvePublicKey)
            """)
        }
    }
}
