import Foundation
import Testing
import Models
import ProofCore
import ZKML

/// The weight class's zero-knowledge opening (protocol v11, docs/ZK.md §6.2): the registered weight
/// commitment is opened as weights + β·M with a per-proof mask M committed in its own batch.
@Suite struct WeightMaskTests {
    func model(_ net: QuantizedNetwork = SyntheticNetworks.mlp()) throws -> (ProverModel, [Int64]) {
        let (arch, weights) = try NetworkCompiler.compile(net)
        return (try ProverModel(architecture: arch, weights: weights), SyntheticNetworks.input(arch.inputLength))
    }

    /// The batched opening proof at the end of a ZKML proof.
    func openingProof(_ proof: [UInt8]) throws -> OpeningProof { try ZeroKnowledgeTests().openingProof(proof) }

    /// The weight class: the size class of the model commitment.
    func weightClass(_ o: OpeningProof, _ model: ProverModel) throws -> Int {
        let n = try Commitment(serialized: model.commitment).numVariables
        return try #require(o.classes.firstIndex { $0.numVariables == n })
    }

    /// Every element the weight class shows besides the registered tree's leaves: mask sum, rounds,
    /// final polynomial, folded layers, mask leaves (base-field coordinates).
    func maskedElements(_ c: SizeClassProof) -> [UInt64] {
        let ext = c.values + c.rounds.roundPolynomials.flatMap { $0 } + c.finalCoefficients + c.layerOpenings.flatMap { $0.leaves.flatMap { $0 } }
        return ext.flatMap { [$0.c0.value, $0.c1.value] } + c.batchOpenings.dropFirst().flatMap { $0.leaves.flatMap { $0.map(\.value) } }
    }

    func looksLikeData(_ v: UInt64) -> Bool { v < 1 << 32 || Goldilocks.modulus - v <= 1 << 32 }

    @Test(arguments: [false, true])
    func weightOpeningSharesNothingBetweenProofs(cnn: Bool) throws {
        let (model, input) = try model(cnn ? SyntheticNetworks.cnn() : SyntheticNetworks.mlp())
        let key = model.verifierKey()
        var sets = [Set<UInt64>]()
        for _ in 0..<2 {
            let r = try ZKMLProver.prove(model: model, input: input)
            try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
            let o = try openingProof(r.proof)
            let c = o.classes[try weightClass(o, model)]
            #expect(c.batchOpenings.count == 2 && c.values.count == 1 && c.pointReduction == nil)
            let elements = maskedElements(c)
            #expect(elements.count > 500)
            #expect(!elements.contains(where: looksLikeData), "a weight-class element in the quantized range")
            sets.append(Set(elements))
        }
        #expect(sets[0].isDisjoint(with: sets[1]))
        // Plain proofs open the registered tree alone, without a mask.
        let plain = try openingProof(try ZKMLProver.prove(model: model, input: input, options: .plain).proof)
        let p = plain.classes[try weightClass(plain, model)]
        #expect(p.batchOpenings.count == 1 && p.values.isEmpty)
    }

    @Test func tamperedWeightMaskIsRejected() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let r = try ZKMLProver.prove(model: model, input: input)
        let opening = try openingProof(r.proof)
        let k = try weightClass(opening, model)
        func verify(_ o: OpeningProof) throws {
            try ZeroKnowledgeTests().verifyWithOpening(o, proof: r.proof, key: key, input: input, output: r.output)
        }
        // The mask sum; a weight entry, an M_0 and an M_1 entry of the first opened leaf.
        try ZeroKnowledgeTests().expectMaskedClassTamperingRejected(opening, class: k, entries: [(0, 0, 3), (1, 0, 0), (1, 0, 16)], verify)
        var bad = opening
        bad.classes[k].batchOpenings.removeLast()                    // the mask tree's opening missing
        #expect(throws: ZKMLError.self) { try verify(bad) }
        // The mask commitment (the blob before the opening proof): its root changed.
        let tail = opening.serialized().count + 4
        var changed = r.proof
        changed[r.proof.count - tail - 20] ^= 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: changed) }
    }

    @Test func preparedMaskIsUsedAndChecked() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let mask = PreparedWeightMask(model: model)
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask)
        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
        // The proof carries the prepared mask's commitment right before the opening.
        let tail = try openingProof(r.proof).serialized().count + 4
        let commitment = mask.commitment
        #expect(Array(r.proof[(r.proof.count - tail - commitment.count)..<(r.proof.count - tail)]) == commitment)
        // The witness's same-batch opening mask is the prepared one too: every opened witness leaf
        // (f ‖ M_0 ‖ M_1, 16 entries each) holds M_0 and M_1 entries of its codewords at one leaf index;
        // a proof with another prepared value holds none of them.
        let cw = mask.witnessMaskCodewords
        var segments = Set<[UInt64]>()
        for i in 0..<(cw[0].count / 16) { segments.insert((cw[0][(16 * i)..<(16 * i + 16)] + cw[1][(16 * i)..<(16 * i + 16)]).map(\.value)) }
        func witnessLeaves(_ proof: [UInt8]) throws -> [[Goldilocks]] {
            let o = try openingProof(proof)
            return try #require(o.classes.first { $0.batchOpenings.count == 1 && $0.batchOpenings[0].leaves.first?.count == 48 })
                .batchOpenings[0].leaves
        }
        let leaves = try witnessLeaves(r.proof)
        #expect(leaves.count > 20 && leaves.allSatisfy { segments.contains($0[16...].map(\.value)) })
        let another = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: PreparedWeightMask(model: model))
        try ZKMLVerifier.verify(key: key, input: input, output: another.output, proof: another.proof)
        #expect(try witnessLeaves(another.proof).allSatisfy { !segments.contains($0[16...].map(\.value)) })
        // Another model's mask, and a mask with a plain proof, are refused.
        let (other, _) = try self.model(SyntheticNetworks.cnn())
        #expect(throws: ZKMLError.self) {
            _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: PreparedWeightMask(model: other))
        }
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, options: .plain, weightMask: mask) }
    }

    /// docs/ZK.md §5.3's table: the budget of proofs per registration of the shipped models (fixtures
    /// of the Models tests), and that the random top of the weight vector really is random fill that
    /// no segment covers.
    @Test func budgetOfTheShippedModels() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path
        let expected: [(String, WeightPrivacyBudget, Int)] = [
            ("digits_mlp", WeightPrivacyBudget(committedEntries: 1 << 15, usedEntries: 17_632, blindingEntries: 16, openedEntriesPerProof: 736), 16),
            ("digits_cnn", WeightPrivacyBudget(committedEntries: 1 << 14, usedEntries: 10_960, blindingEntries: 8, openedEntriesPerProof: 736), 7),
            ("wide_mlp", WeightPrivacyBudget(committedEntries: 1 << 21, usedEntries: 1_132_576, blindingEntries: 16, openedEntriesPerProof: 736), 16),
        ]
        for (name, budget, proofs) in expected {
            let model = try LoadedModel(onnxPath: "\(fixtures)/\(name).onnx").prover
            #expect(model.weightPrivacyBudget == budget, "\(name): \(model.weightPrivacyBudget)")
            #expect(model.weightPrivacyBudget.proofs == proofs)
            // The top is random: not the zero padding a plain layout would leave.
            let top = model.committedWeightVector[budget.usedEntries...]
            #expect(top.count == budget.randomTopEntries && !top.contains(where: { looksLikeData($0.value) }))
        }
    }

    /// A model whose segments nearly fill their power of two (the 12-20-6 MLP: 816 of 1,024 entries)
    /// gets a larger registered vector, so its first zero-knowledge proof already hides its weights.
    @Test func smallModelsStillHideTheirWeightsForOneProof() throws {
        for net in [SyntheticNetworks.mlp(), SyntheticNetworks.cnn()] {
            let (model, input) = try model(net)
            let budget = model.weightPrivacyBudget
            #expect(budget.randomTopEntries >= budget.openedEntriesPerProof, "\(budget)")
            #expect(budget.proofs >= 1, "\(budget)")
            let top = model.committedWeightVector[budget.usedEntries...]
            #expect(!top.contains(where: { looksLikeData($0.value) }))
            let r = try ZKMLProver.prove(model: model, input: input)
            try ZKMLVerifier.verify(key: model.verifierKey(), input: input, output: r.output, proof: r.proof)
        }
    }
}
