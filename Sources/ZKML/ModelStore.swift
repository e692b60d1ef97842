import Foundation
import ProofCore
import Sodium

/// A registered model on disk: `DIR/models/<model id hex>/` holds the architecture, the quantization
/// metadata, the weight commitment (what verifiers need) and the weights (what the prover needs).
public struct ModelStore: Sendable {
    public let root: String

    public init(dataDirectory: String) {
        root = (dataDirectory as NSString).appendingPathComponent("models")
    }

    public func directory(for id: [UInt8]) -> String {
        (root as NSString).appendingPathComponent(Hex.encode(id))
    }

    /// Writes every part of a committed model; returns its directory.
    @discardableResult
    public func save(_ model: ProverModel) throws(ZKMLError) -> String {
        let dir = directory(for: model.modelID)
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            try write(model.architecture.encoded(), dir, "architecture.bin")
            try write(model.metadata, dir, "metadata.bin")
            try write(model.commitment, dir, "commitment.bin")
            try write(WeightsEncoding.encode(model.weights), dir, "weights.bin")
        } catch {
            throw .storage("cannot write \(dir): \(error)")
        }
        return dir
    }

    /// The verifier key of a registered model, checked against its id.
    public func verifierKey(id: [UInt8]) throws(ZKMLError) -> VerifierKey {
        let dir = directory(for: id)
        return try VerifierKey(architecture: CircuitArchitecture(encoded: try read(dir, "architecture.bin")),
                               metadata: try read(dir, "metadata.bin"), commitment: try read(dir, "commitment.bin"),
                               expectedID: id)
    }

    /// The prover's model, recommitted from the stored weights and checked against its id.
    public func proverModel(id: [UInt8]) throws(ZKMLError) -> ProverModel {
        let dir = directory(for: id)
        let model = try ProverModel(architecture: CircuitArchitecture(encoded: try read(dir, "architecture.bin")),
                                    weights: WeightsEncoding.decode(try read(dir, "weights.bin")),
                                    metadata: try read(dir, "metadata.bin"))
        guard model.modelID == id else { throw .storage("stored weights do not match model id \(Hex.encode(id))") }
        return model
    }

    func write(_ bytes: [UInt8], _ dir: String, _ name: String) throws {
        try Data(bytes).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent(name)), options: .atomic)
    }

    func read(_ dir: String, _ name: String) throws(ZKMLError) -> [UInt8] {
        let path = (dir as NSString).appendingPathComponent(name)
        guard let data = FileManager.default.contents(atPath: path) else { throw .storage("cannot read \(path)") }
        return [UInt8](data)
    }
}

/// Binary encoding of `CircuitWeights` (length-checked on read).
enum WeightsEncoding {
    static func encode(_ w: CircuitWeights) -> [UInt8] {
        var out = ByteWriter()
        out.writeCount(w.matrices.count)
        for (m, b) in zip(w.matrices, w.biases) {
            out.writeCount(m.count)
            for v in m { out.writeUInt64(UInt64(bitPattern: v)) }
            out.writeCount(b.count)
            for v in b { out.writeUInt64(UInt64(bitPattern: v)) }
        }
        return out.bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ZKMLError) -> CircuitWeights {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            var matrices: [[Int64]] = [], biases: [[Int64]] = []
            for _ in 0..<(try r.readCount(what: "layers", limit: 4096)) {
                for k in 0..<2 {
                    let n = try r.readCount(what: "weights", limit: 1 << 26)
                    guard n * 8 <= r.remaining else { throw ProofError.truncated(what: "weights", offset: r.offset, needed: n * 8) }
                    var v = [Int64]()
                    v.reserveCapacity(n)
                    for _ in 0..<n { v.append(Int64(bitPattern: try r.readUInt64(what: "weight"))) }
                    if k == 0 { matrices.append(v) } else { biases.append(v) }
                }
            }
            try r.expectEnd()
            return CircuitWeights(matrices: matrices, biases: biases)
        } catch {
            throw .storage("weights file: \(error)")
        }
    }
}
