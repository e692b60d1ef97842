import Testing
import ZKML

/// Every way a proof can lie must be rejected (issue 7, item 5).
@Suite struct SoundnessTests {
    /// The CNN whose weights and witness are opened alone, and one whose weights and witness share
    /// one merged folded opening (protocol v21): every cheat is tried on both.
    static let networks = ["cnn", "cnnMergingTheOpenings"]

    func setup(_ name: String) throws -> (ProverModel, CircuitWeights, [Int64], [Int64], [UInt8]) {
        let net = name == "cnn" ? SyntheticNetworks.cnn() : SyntheticNetworks.cnnMergingTheOpenings()
        let (arch, weights) = try NetworkCompiler.compile(net)
        let model = try ProverModel(architecture: arch, weights: weights)
        let input = SyntheticNetworks.input(arch.inputLength)
        let (output, proof) = try ZKMLProver.prove(model: model, input: input)
        return (model, weights, input, output, proof)
    }

    func rejects(_ key: VerifierKey, _ input: [Int64], _ output: [Int64], _ proof: [UInt8]) -> Bool {
        do {
            try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof)
            return false
        } catch {
            return true
        }
    }

    @Test(arguments: SoundnessTests.networks) func proofOfOneInputIsRejectedForAnother(_ network: String) throws {
        let (model, _, input, _, proof) = try setup(network)
        let other = SyntheticNetworks.input(input.count, seed: 99)
        let (otherOutput, _) = try ZKMLProver.prove(model: model, input: other)
        #expect(rejects(model.verifierKey(), other, otherOutput, proof))
    }

    @Test(arguments: SoundnessTests.networks) func proofWithOtherWeightsIsRejected(_ network: String) throws {
        let (model, weights, input, _, _) = try setup(network)
        var changed = weights
        changed.matrices[0][5] += 3
        let witness = try CircuitWitness(architecture: model.architecture, weights: changed, input: pad(input, model))
        let (output, proof) = ZKMLProver.prove(model: model, witness: witness)
        #expect(rejects(model.verifierKey(), input, output, proof))
    }

    @Test(arguments: SoundnessTests.networks) func replayUnderAnotherModelIdIsRejected(_ network: String) throws {
        let (model, weights, input, output, proof) = try setup(network)
        var changed = weights
        changed.biases[0][0] += 1
        let other = try ProverModel(architecture: model.architecture, weights: changed)
        #expect(throws: ZKMLError.wrongStatement("the proof is for another model id")) {
            try ZKMLVerifier.verify(key: other.verifierKey(), input: input, output: output, proof: proof)
        }
        // Rewriting the header to the other id does not help: the transcript binds the id.
        var rewritten = proof
        rewritten.replaceSubrange(5..<37, with: other.modelID)
        #expect(rejects(other.verifierKey(), input, output, rewritten))
    }

    /// The first requantize layer's index and its parameters.
    func firstRequantize(_ model: ProverModel) throws -> (Int, RequantizeLayer) {
        let l = try #require(model.architecture.layers.firstIndex { if case .requantize = $0 { true } else { false } })
        guard case .requantize(let rq) = model.architecture.layers[l] else { throw ZKMLError.badInput("no requantize") }
        return (l, rq)
    }

    @Test(arguments: SoundnessTests.networks) func skippedReluIsRejected(_ network: String) throws {
        let (model, _, input, honestOutput, _) = try setup(network)
        let (l, rq) = try firstRequantize(model)
        let accumulators = try CircuitWitness(architecture: model.architecture, weights: model.weights, input: pad(input, model)).values[l]
        // The cheat: rescale and clamp, but let negative values through (no ReLU).
        let witness = try CircuitWitness(architecture: model.architecture, weights: model.weights, input: pad(input, model)) { layer, y in
            guard layer == l else { return y }
            return accumulators.map { min(max(($0 + (1 << Int64(rq.shift - 1))) >> Int64(rq.shift), -rq.hi), rq.hi) }
        }
        let (output, proof) = ZKMLProver.prove(model: model, witness: witness)
        #expect(rejects(model.verifierKey(), input, output, proof))
        #expect(rejects(model.verifierKey(), input, honestOutput, proof))
    }

    @Test(arguments: SoundnessTests.networks) func skippedRescaleIsRejected(_ network: String) throws {
        let (model, _, input, _, _) = try setup(network)
        let (l, rq) = try firstRequantize(model)
        let accumulators = try CircuitWitness(architecture: model.architecture, weights: model.weights, input: pad(input, model)).values[l]
        let witness = try CircuitWitness(architecture: model.architecture, weights: model.weights, input: pad(input, model)) { layer, y in
            layer == l ? accumulators.map { min(max($0, rq.lo), rq.hi) } : y
        }
        let (output, proof) = ZKMLProver.prove(model: model, witness: witness)
        #expect(rejects(model.verifierKey(), input, output, proof))
    }

    /// Wrong multiplicities (the table half of the lookup tree) are rejected even when the lookups are
    /// honest: the tree's root numerator is then not zero.
    @Test(arguments: SoundnessTests.networks) func wrongMultiplicitiesAreRejected(_ network: String) throws {
        let (model, _, input, _, _) = try setup(network)
        var witness = try CircuitWitness(architecture: model.architecture, weights: model.weights, input: pad(input, model))
        let t = try #require(witness.multiplicities.firstIndex { $0.count >= 2 && $0[0] > 0 })
        witness.multiplicities[t][0] -= 1
        witness.multiplicities[t][1] += 1
        let (output, proof) = ZKMLProver.prove(model: model, witness: witness)
        #expect(rejects(model.verifierKey(), input, output, proof))
        let (plainOutput, plainProof) = ZKMLProver.prove(model: model, witness: witness, options: .plain)
        #expect(rejects(model.verifierKey(), input, plainOutput, plainProof))
    }

    @Test(arguments: SoundnessTests.networks) func everyFlippedByteIsRejected(_ network: String) throws {
        let (model, _, input, output, proof) = try setup(network)
        let key = model.verifierKey()
        let step = max(1, proof.count / 400)
        var positions = Array(0..<64) + Array(stride(from: 64, to: proof.count, by: step))
        positions.append(proof.count - 1)
        for i in positions where i < proof.count {
            var bad = proof
            bad[i] ^= 0x01
            #expect(rejects(key, input, output, bad), "flipped byte \(i) accepted")
        }
    }

    @Test(arguments: SoundnessTests.networks) func everyTruncationIsRejected(_ network: String) throws {
        let (model, _, input, output, proof) = try setup(network)
        let key = model.verifierKey()
        let step = max(1, proof.count / 300)
        for n in stride(from: 0, to: proof.count, by: step) {
            #expect(rejects(key, input, output, Array(proof[0..<n])), "truncation to \(n) accepted")
        }
        #expect(rejects(key, input, output, proof + [0]))
    }

    @Test(arguments: SoundnessTests.networks) func architectureRoundTripsAndRejectsGarbage(_ network: String) throws {
        let (model, _, _, _, _) = try setup(network)
        let bytes = model.architecture.encoded()
        #expect(try CircuitArchitecture(encoded: bytes) == model.architecture)
        for n in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 50)) {
            #expect(throws: ZKMLError.self) { try CircuitArchitecture(encoded: Array(bytes[0..<n])) }
        }
    }

    func pad(_ input: [Int64], _ model: ProverModel) -> [Int64] {
        input + [Int64](repeating: 0, count: model.architecture.inputSize - input.count)
    }
}
