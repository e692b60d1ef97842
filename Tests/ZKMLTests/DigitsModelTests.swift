import Foundation
import Models
import Testing
import ZKML
import TestSupport

/// End to end on the shared digits models (fixtures of the Models tests).
@Suite struct DigitsModelTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path

    func load(_ name: String) throws -> (LoadedModel, [Int64]) {
        let loaded = try LoadedModel(onnxPath: "\(Self.fixtures)/\(name).onnx")
        let input = loaded.quantized.quantizeInput(try EZKLData.inputs(path: "\(Self.fixtures)/\(name).input.json")[0])
        return (loaded, input)
    }

    @Test(arguments: ["digits_mlp", "digits_cnn"])
    func provesTheIntegerEnginesOutput(_ name: String) throws {
        let (loaded, input) = try load(name)
        let (output, proof) = try ZKMLProver.prove(model: loaded.prover, input: input)
        let engine = try IntegerEngine(model: loaded.quantized).run(inputs: [input])[0]
        #expect(output == engine)
        let key = loaded.prover.verifierKey()
        try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
        var wrong = output
        wrong[0] += 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: wrong, proof: proof) }
    }

    @Test func registeredModelVerifiesFromItsId() throws {
        let (loaded, input) = try load("digits_mlp")
        let dir = NSTemporaryDirectory() + "zkml-store-\(UInt64.random(in: 0...UInt64.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = ModelStore(dataDirectory: dir)
        try store.save(loaded.prover)
        let key = try store.verifierKey(id: loaded.prover.modelID)
        let (output, proof) = try ZKMLProver.prove(model: try store.proverModel(id: loaded.prover.modelID), input: input)
        try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
        let metadata = try QuantizationMetadata(key.metadata)
        #expect(metadata.quantizeInput(try EZKLData.inputs(path: "\(Self.fixtures)/digits_mlp.input.json")[0]) == input)
        let file = ProofFile.encode(modelID: key.modelID, output: output, proof: proof)
        let decoded = try ProofFile.decode(file)
        #expect(decoded.output == output && decoded.proof == proof && decoded.modelID == key.modelID)
        #expect(throws: ZKMLError.self) { try ProofFile.decode(Array(file.dropLast())) }
    }
}
