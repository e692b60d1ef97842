import ProofCore

/// Protocol constants and the statement every transcript starts from.
public enum ZKMLProtocol {
    /// Proof format and protocol version (absorbed first, written in the header).
    public static let version: UInt8 = 1
    /// The proof's magic tag.
    public static let magic: [UInt8] = Array("CZKP".utf8)
    /// Largest proof this build reads (bytes).
    public static let maxProofSize = 64 << 20

    /// A transcript bound to the protocol version, the model id, the input and the output.
    static func transcript(modelID: [UInt8], input: [Int64], output: [Int64]) -> Transcript {
        var t = Transcript(domain: "ciro.zkml.v\(version)")
        t.absorb("model.id", bytes: modelID)
        t.absorb("input", elements: input.map { Goldilocks(integer: Int($0)) })
        t.absorb("output", elements: output.map { Goldilocks(integer: Int($0)) })
        return t
    }

    static func header(modelID: [UInt8]) -> [UInt8] {
        magic + [version] + modelID
    }
}
