import Foundation
import Testing
import Models
import ProofCore
import ZKML

/// The weights' zero-knowledge opening (protocol v15, docs/ZK.md §6 item 4): a masked sumcheck binds
/// the registered weight vector's 4 low variables to ρ, and ProofCore's folded-mask opening opens
/// G = V(· ‖ ρ) as G + β·M with a per-proof mask M of n − 4 variables (v11–v14: a mask of n variables
/// in the batched opening).
@Suite struct WeightMaskTests {
    func model(_ net: QuantizedNetwork = SyntheticNetworks.mlp()) throws -> (ProverModel, [Int64]) {
        let (arch, weights) = try NetworkCompiler.compile(net)
        return (try ProverModel(architecture: arch, weights: weights), SyntheticNetworks.input(arch.inputLength))
    }

    /// The batched opening proof at the end of a ZKML proof.
    func openingProof(_ proof: [UInt8]) throws -> OpeningProof { try ZeroKnowledgeTests().openingProof(proof) }

    /// The weights' folded-mask opening proof of a zero-knowledge proof, and its mask commitment's place.
    func foldedMaskProof(_ proof: [UInt8]) throws -> (mask: Range<Int>, proof: FoldedMaskOpeningProof) {
        try ZeroKnowledgeTests().foldedMaskProof(proof)
    }

    /// The weight class of a plain proof: the size class of the model commitment.
    func weightClass(_ o: OpeningProof, _ model: ProverModel) throws -> Int {
        let n = try Commitment(serialized: model.commitment).numVariables
        return try #require(o.classes.firstIndex { $0.numVariables == n })
    }

    /// Every element the folded-mask opening shows besides the registered tree's leaves: mask sum,
    /// rounds, final polynomial, F′'s and the further layers' leaves, the mask's leaves (base-field
    /// coordinates).
    func maskedElements(_ f: FoldedMaskOpeningProof) -> [UInt64] {
        let ext = [f.maskSum] + f.rounds.roundPolynomials.flatMap { $0 } + f.finalCoefficients
            + f.foldedOpening.leaves.flatMap { $0 } + f.layerOpenings.flatMap { $0.leaves.flatMap { $0 } }
        return ext.flatMap { [$0.c0.value, $0.c1.value] } + f.maskOpening.leaves.flatMap { $0.map(\.value) }
    }

    func looksLikeData(_ v: UInt64) -> Bool { v < 1 << 32 || Goldilocks.modulus - v <= 1 << 32 }

    @Test(arguments: [false, true])
    func weightOpeningSharesNothingBetweenProofs(cnn: Bool) throws {
        let (model, input) = try model(cnn ? SyntheticNetworks.cnn() : SyntheticNetworks.mlp())
        let key = model.verifierKey()
        let n = try Commitment(serialized: model.commitment).numVariables
        var sets = [Set<UInt64>]()
        for _ in 0..<2 {
            let r = try ZKMLProver.prove(model: model, input: input)
            try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
            // No batched opening (v19: the witness has its own folded-mask opening too); the weights'
            // folded-mask opening opens V's leaves (16 entries), the mask's ((M_0, M_1) pairs of 4
            // positions, 8) and F′'s (16).
            #expect(try ZeroKnowledgeTests().tail(r.proof).opening == nil)
            let f = try foldedMaskProof(r.proof)
            let mask = try Commitment(serialized: Array(r.proof[f.mask]))
            #expect(mask.numVariables == n - 4 && mask.polynomialCount == 2)
            #expect(f.proof.registeredOpenings.count == 1 && f.proof.registeredOpenings[0].leaves.allSatisfy { $0.count == 16 }
                    && f.proof.maskOpening.leaves.allSatisfy { $0.count == 8 } && f.proof.foldedOpening.leaves.allSatisfy { $0.count == 16 })
            let elements = maskedElements(f.proof)
            #expect(elements.count > 500)
            #expect(!elements.contains(where: looksLikeData), "a weight-opening element in the quantized range")
            sets.append(Set(elements))
        }
        #expect(sets[0].isDisjoint(with: sets[1]))
        // Plain proofs open the registered tree alone, without a mask, in the batched opening.
        let plain = try openingProof(try ZKMLProver.prove(model: model, input: input, options: .plain).proof)
        let p = plain.classes[try weightClass(plain, model)]
        #expect(p.batchOpenings.count == 1 && p.values.isEmpty)
    }

    @Test func tamperedFoldedMaskOpeningIsRejected() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let r = try ZKMLProver.prove(model: model, input: input)
        let (maskRange, folded) = try foldedMaskProof(r.proof)
        func verify(_ f: FoldedMaskOpeningProof) throws {
            try ZeroKnowledgeTests().verifyWithFoldedMask(f, proof: r.proof, key: key, input: input, output: r.output)
        }
        try verify(folded)
        var cases: [(String, (inout FoldedMaskOpeningProof) -> Void)] = [
            ("mask sum", { $0.maskSum += .one }),
            ("F′ root", { $0.foldedRoot = Digest([UInt8](repeating: 7, count: Digest.byteCount))! }),
            ("round", { $0.rounds.roundPolynomials[0][1] += .one }),
            ("last round", { $0.rounds.roundPolynomials[$0.rounds.roundPolynomials.count - 1][0] += .one }),
            ("final coefficient", { $0.finalCoefficients[0] += .one }),
            ("nonce", { $0.powNonce &+= 1 }),
            ("registered leaf", { $0.registeredOpenings[0].leaves[0][3] += .one }),
            ("M_0 leaf", { $0.maskOpening.leaves[0][0] += .one }),
            ("M_1 leaf", { $0.maskOpening.leaves[0][7] += .one }),
            ("F′ leaf", { $0.foldedOpening.leaves[0][5] += .one }),
        ]
        if !folded.layerOpenings.isEmpty {
            cases.append(("layer leaf", { $0.layerOpenings[0].leaves[0][0] += .one }))
            cases.append(("layer root", { $0.layerRoots[0] = Digest([UInt8](repeating: 9, count: Digest.byteCount))! }))
        }
        for (what, change) in cases {
            var bad = folded
            change(&bad)
            #expect(throws: ZKMLError.self, "\(what)") { try verify(bad) }
        }
        // The mask commitment: its root changed; a mask of n variables (v11–v14's size); the registered
        // commitment in its place.
        var changed = r.proof
        changed[maskRange.upperBound - 20] ^= 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: changed) }
        let n = try Commitment(serialized: model.commitment).numVariables
        let parameters = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 46, grindingBits: 8, hiding: true)
        for other in [OpeningMask(numVariables: n, parameters: parameters).commitment.serialized(), model.commitment,
                      OpeningMask(numVariables: n - 5, parameters: parameters).commitment.serialized()] {
            var w = ByteWriter()
            w.writeLengthPrefixed(other)
            let swapped = Array(r.proof[..<(maskRange.lowerBound - 4)]) + w.bytes + r.proof[maskRange.upperBound...]
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: swapped) }
        }
        // The 4 masked low rounds (the last masked sumcheck's rounds: they move ρ and claim′), their
        // G* and g(r) (the last `zk.mask.sum` and `zk.mask.value`), and the trailing bytes: rejected.
        let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
        let rounds = elements.filter { $0.what == "masked sumcheck round" }.map(\.value).suffix(4 * 3 * 2)
        let lastSum = try #require(elements.last { $0.what == "zk.mask.sum" }).value
        let lastValue = try #require(elements.last { $0.what == "zk.mask.value" }).value
        for v in Array(rounds) + [lastSum, lastValue] {
            let bytes = withUnsafeBytes(of: v.value.littleEndian, Array.init)
            let at = try #require(r.proof.indices.last { Array(r.proof[$0..<min($0 + 8, r.proof.count)]) == bytes })
            var bad = r.proof
            bad[at] ^= 0x01
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: bad) }
        }
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof + [0]) }
        #expect(throws: ZKMLError.self) {
            try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: Array(r.proof[..<(maskRange.lowerBound - 4)]))
        }
    }

    @Test func preparedMaskIsUsedAndChecked() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let mask = PreparedWeightMask(model: model)
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask)
        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
        // The proof carries the prepared mask's commitment (n − 4 variables) right before the folded-mask opening.
        #expect(Array(r.proof[try foldedMaskProof(r.proof).mask]) == mask.commitment)
        #expect(try Commitment(serialized: mask.commitment).numVariables == Commitment(serialized: model.commitment).numVariables - 4)
        // The witness's folded opening mask (protocol v19, n_W − 4 variables) is the prepared one too:
        // the proof carries its commitment before the witness's folded-mask opening; a proof with
        // another prepared value carries another.
        let witnessMask = try ZeroKnowledgeTests().witnessFoldedMaskProof(r.proof).mask
        let witnessCommitment = try #require(mask.witnessCommitment)
        #expect(Array(r.proof[witnessMask]) == witnessCommitment)
        let witnessLog = ZKMLVerifier.zeroKnowledgeWitnessShape(key: key).log
        #expect(try Commitment(serialized: witnessCommitment).numVariables == witnessLog - 4)
        let another = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: PreparedWeightMask(model: model))
        try ZKMLVerifier.verify(key: key, input: input, output: another.output, proof: another.proof)
        #expect(Array(another.proof[try ZeroKnowledgeTests().witnessFoldedMaskProof(another.proof).mask]) != witnessCommitment)
        // Another model's mask, and a mask with a plain proof, are refused.
        let (other, _) = try self.model(SyntheticNetworks.cnn())
        #expect(throws: ZKMLError.self) {
            _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: PreparedWeightMask(model: other))
        }
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, options: .plain, weightMask: mask) }
        // A mask of the weights' own size (v11–v14) or of another size is refused, before it is used.
        let n = try Commitment(serialized: model.commitment).numVariables
        for size in [n, n - 3, n - 5] {
            let wrong = PreparedWeightMask(model: model, weightMaskVariables: size)
            #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: wrong) }
            #expect(!wrong.isUsed)
        }
        // A witness mask of the witness's own size (v12–v18's same-batch mask) or of another size is
        // refused, before it is used.
        for size in [witnessLog, witnessLog - 3, witnessLog - 5] {
            let wrong = PreparedWeightMask(model: model, weightMaskVariables: n - 4, witnessMaskVariables: size)
            #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: wrong) }
            #expect(!wrong.isUsed)
        }
    }

    /// docs/ZK.md §5.3's table: the budget of proofs per registration of the shipped models (fixtures
    /// of the Models tests), and that the random top of the weight vector really is random fill that
    /// no segment covers. Protocol v20: the blinding segment (64, 16, 4096 entries) is sized so its
    /// budget ⌊s/2⌋ is at least the random top's, which sets the budget.
    @Test func budgetOfTheShippedModels() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path
        let expected: [(String, WeightPrivacyBudget, Int)] = [
            ("digits_mlp", WeightPrivacyBudget(committedEntries: 1 << 15, usedEntries: 17_680, blindingEntries: 64, openedEntriesPerProof: 736), 20),
            ("digits_cnn", WeightPrivacyBudget(committedEntries: 1 << 14, usedEntries: 10_976, blindingEntries: 16, openedEntriesPerProof: 736), 7),
            ("wide_mlp", WeightPrivacyBudget(committedEntries: 1 << 21, usedEntries: 1_136_656, blindingEntries: 4096, openedEntriesPerProof: 736), 1305),
        ]
        for (name, budget, proofs) in expected {
            let model = try LoadedModel(onnxPath: "\(fixtures)/\(name).onnx").prover
            #expect(model.weightPrivacyBudget == budget, "\(name): \(model.weightPrivacyBudget)")
            #expect(model.weightPrivacyBudget.proofs == proofs)
            #expect(budget.proofsByBlindingEntries >= budget.proofsByOpenedEntries)
            // The top is random: not the zero padding a plain layout would leave.
            let top = model.committedWeightVector[budget.usedEntries...]
            #expect(top.count == budget.randomTopEntries && !top.contains(where: { looksLikeData($0.value) }))
        }
    }

    /// Protocol v20's weight layout (docs/ZK.md §6 item 3) on the shipped models: the blinding segment
    /// has at least 16 entries, and no aligned 16-block holds both a weight entry and a blinding or
    /// random-top entry (the small weight segments' last block is completed by zero segments, which
    /// are committed as zeros); the blinding segment is random.
    @Test func noWeightSharesASixteenBlockWithBlindingOrRandomEntries() throws {
        let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path
        for (name, padded) in [("digits_mlp", false), ("digits_cnn", true), ("wide_mlp", false)] {
            let model = try LoadedModel(onnxPath: "\(fixtures)/\(name).onnx").prover
            let regions = model.weightRegions
            let vector = model.committedWeightVector
            let used = model.weightPrivacyBudget.usedEntries
            #expect(regions.blinding.count >= 16 && regions.blinding.lowerBound % 16 == 0, "\(name)")
            #expect(!regions.padding.isEmpty == padded, "\(name): \(regions.padding)")
            #expect(regions.padding.allSatisfy { $0.allSatisfy { vector[$0] == .zero } })
            #expect(!vector[regions.blinding].contains(where: { looksLikeData($0.value) }), "\(name)")
            var weightBlocks = Set<Int>(), otherBlocks = Set<Int>(regions.blinding.map { $0 >> 4 })
            for r in regions.weights { for i in r { weightBlocks.insert(i >> 4) } }
            for i in used..<vector.count { otherBlocks.insert(i >> 4) }
            #expect(weightBlocks.isDisjoint(with: otherBlocks), "\(name): \(weightBlocks.intersection(otherBlocks).sorted())")
            // Every entry below the random top is a weight, blinding or padding entry.
            let covered = regions.weights.reduce(0) { $0 + $1.count } + regions.blinding.count + regions.padding.reduce(0) { $0 + $1.count }
            #expect(covered == used, "\(name)")
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
