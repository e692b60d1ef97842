import Testing
import ProofCore
import Sodium
import ZKML

/// A private input committed by the requester before any prover exists (the market's private-input
/// jobs, docs/MARKET.md): the prover proves with the requester's opening seed, so the proof's header
/// carries exactly the commitment the requester computed and signed.
@Suite struct RequesterCommitmentTests {
    func model() throws -> (ProverModel, [Int64]) {
        let (arch, weights) = try NetworkCompiler.compile(SyntheticNetworks.mlp())
        return (try ProverModel(architecture: arch, weights: weights), SyntheticNetworks.input(arch.inputLength))
    }

    @Test func proofWithTheRequestersSeedCarriesTheRequestersCommitment() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let seed = SecureRandom.bytes(ProofRandomness.seedByteCount)
        let commitment = try ZKMLProver.privateInputCommitment(key: key, input: input, seed: seed)
        let r = try ZKMLProver.proveWithOpening(model: model, input: input,
                                                options: ProofOptions(privacy: Privacy(privateInput: true), ioOpeningSeed: seed))
        let header = try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: r.output, proof: r.proof)
        #expect(header.ioCommitment == commitment)
        #expect(r.ioOpeningSeed == seed)
        // Deterministic in (input, seed); another seed or another input gives another commitment.
        #expect(try ZKMLProver.privateInputCommitment(key: key, input: input, seed: seed) == commitment)
        #expect(try ZKMLProver.privateInputCommitment(key: key, input: input, seed: SecureRandom.bytes(32)) != commitment)
        var other = input
        other[0] += 1
        #expect(try ZKMLProver.privateInputCommitment(key: key, input: other, seed: seed) != commitment)
        // A prover that picks its own seed proves against a commitment the requester never made.
        let own = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Privacy(privateInput: true)))
        #expect(try ProofHeader.parse(own.proof).header.ioCommitment != commitment)
    }

    @Test func badSeedsAndInputsAreRefused() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.privateInputCommitment(key: key, input: input, seed: [1, 2, 3]) }
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.privateInputCommitment(key: key, input: Array(input.dropLast()), seed: SecureRandom.bytes(32)) }
        #expect(throws: ZKMLError.self) {
            _ = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Privacy(privateInput: true), ioOpeningSeed: [7]))
        }
    }
}
