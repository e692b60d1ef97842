import Testing
import ZKML

@Suite struct ProtocolTests {
    func roundTrip(_ net: QuantizedNetwork) throws -> (ProverModel, [Int64], [Int64], [UInt8]) {
        let (arch, weights) = try NetworkCompiler.compile(net)
        let model = try ProverModel(architecture: arch, weights: weights)
        let input = SyntheticNetworks.input(arch.inputLength)
        let (output, proof) = try ZKMLProver.prove(model: model, input: input)
        try ZKMLVerifier.verify(key: model.verifierKey(), input: input, output: output, proof: proof)
        return (model, input, output, proof)
    }

    @Test func mlpProofVerifies() throws {
        _ = try roundTrip(SyntheticNetworks.mlp())
    }

    @Test func cnnProofVerifies() throws {
        _ = try roundTrip(SyntheticNetworks.cnn())
    }

    @Test func changedOutputIsRejected() throws {
        let (model, input, output, proof) = try roundTrip(SyntheticNetworks.cnn())
        for i in output.indices {
            var bad = output
            bad[i] += 1
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: model.verifierKey(), input: input, output: bad, proof: proof) }
        }
    }

    @Test func changedInputIsRejected() throws {
        let (model, input, output, proof) = try roundTrip(SyntheticNetworks.mlp())
        var bad = input
        bad[3] += 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: model.verifierKey(), input: bad, output: output, proof: proof) }
    }
}
