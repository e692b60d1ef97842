import Foundation
import Testing
import Models
import ProofCore
import ZKML

/// Protocol v21's merged folded opening (docs/ZK.md §6 item 4, point 3; `MergedOpening`): when the
/// weights and the zero-knowledge witness have one size, one folded-mask opening proves both, after
/// one mask-free sumcheck of 4 low rounds (hidden by the low-round mask column Z) and a batch round
/// (hidden by the cross block X through S_X = V(z_X) + f(z_X), sent before γ).
@Suite struct MergedOpeningTests {
    let zk = ZeroKnowledgeTests()

    func synthetic() throws -> (ProverModel, [Int64]) { try zk.model(SyntheticNetworks.cnnMergingTheOpenings()) }

    /// The synthetic merging CNN and digits_cnn.
    func bothModels() throws -> [(ProverModel, [Int64])] {
        let (cnn, input) = try DigitsModelTests().load("digits_cnn")
        return [try synthetic(), (cnn.prover, input)]
    }

    /// The end of a merged zero-knowledge proof: the batched opening ("CPCS", only with a private input
    /// or output), the weight mask's commitment ("CCOM") and the one folded-mask opening ("CPFM").
    func tail(_ proof: [UInt8]) throws -> (opening: Range<Int>?, mask: Range<Int>, folded: Range<Int>) {
        let folded = try zk.blob(proof, endingAt: proof.count, magic: "CPFM")
        let mask = try zk.blob(proof, endingAt: folded.lowerBound - 4, magic: "CCOM")
        #expect((try? zk.blob(proof, endingAt: mask.lowerBound - 4, magic: "CPFM")) == nil, "a second folded opening")
        return (try? zk.blob(proof, endingAt: mask.lowerBound - 4, magic: "CPCS"), mask, folded)
    }

    func verify(_ model: ProverModel, _ input: [Int64], _ output: [Int64], _ proof: [UInt8], privacy: Privacy = .publicIO) throws {
        try ZKMLVerifier.verify(key: model.verifierKey(), publicInput: privacy.privateInput ? nil : input,
                                publicOutput: privacy.privateOutput ? nil : output, proof: proof)
    }

    /// Which models merge: digits_cnn (weights and witness 2^14, u_V = 10,976 ≤ u_W = 13,904; X at
    /// 1,936, the first 16-aligned block of its pool's unused tail [1,930, 2,048)) and the synthetic
    /// CNN built for it; not the models whose vectors differ in size (digits_mlp 2^15 / 2^12, wide_mlp
    /// 2^21 / 2^14, the small synthetic networks) nor the MLP whose weights (2^12) end above its witness's
    /// columns.
    @Test func theMergeIsDecidedFromThePlan() throws {
        func check(_ key: VerifierKey, _ name: String) throws {
            let m = try #require(ZKMLVerifier.mergedOpening(key: key), "\(name) does not merge")
            #expect(m.crossBlock % 16 == 0 && m.crossBlock >= m.poolUsed.upperBound && m.crossBlock + 16 <= m.poolEnd, "\(name): \(m)")
            #expect(m.crossBlock + 16 <= m.weightsEnd && m.weightsEnd <= m.witnessEnd, "\(name): \(m)")
            #expect(m.crossBlock - 16 < m.poolUsed.upperBound, "\(name): X is the first free block")
        }
        let (cnn, _) = try DigitsModelTests().load("digits_cnn")
        try check(cnn.prover.verifierKey(), "digits_cnn")
        let m = try #require(ZKMLVerifier.mergedOpening(key: cnn.prover.verifierKey()))
        #expect(m.crossBlock == 1936 && m.poolUsed == 0..<1930 && m.weightsEnd == 10_976 && m.witnessEnd == 13_904, "\(m)")
        try check(try synthetic().0.verifierKey(), "cnnMergingTheOpenings")
        for name in ["digits_mlp", "wide_mlp"] {
            let (loaded, _) = try DigitsModelTests().load(name)
            #expect(ZKMLVerifier.mergedOpening(key: loaded.prover.verifierKey()) == nil, "\(name) merges")
        }
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp(), SyntheticNetworks.mlpSharingTheWitnessSize()] {
            #expect(ZKMLVerifier.mergedOpening(key: try zk.model(net).0.verifierKey()) == nil)
        }
    }

    /// The merged claims' guards, which an honest proof never meets: the cross block X in the pool's
    /// unused tail passes the free-region check; X moved into the witness's free region (its first
    /// 16-aligned block past the used end) fails it, and γ = 0 forms no claims (the verifier rejects
    /// both: "a merged claim touches the witness's free region", "γ is zero").
    @Test func mergedClaimsGuardTheFreeRegionAndAZeroGamma() throws {
        for (model, _) in try bothModels() {
            let key = model.verifierKey()
            let m = try #require(ZKMLVerifier.mergedOpening(key: key))
            let gamma = GoldilocksExt2(Goldilocks(3), Goldilocks(11))
            #expect(ZKMLVerifier.mergedClaimsMissFreeRegion(key: key, crossBlock: m.crossBlock, gamma: gamma) == true)
            let free = (m.witnessEnd + 15) / 16 * 16
            #expect(ZKMLVerifier.mergedClaimsMissFreeRegion(key: key, crossBlock: free, gamma: gamma) == false)
            #expect(ZKMLVerifier.mergedClaimsMissFreeRegion(key: key, crossBlock: m.crossBlock, gamma: .zero) == nil)
        }
    }

    /// A merged proof verifies in every privacy mode, carries one mask (n − 4 variables) and one folded
    /// opening with both vectors' leaves, and its messages are the merged ones: G*, S_X and 5 rounds of
    /// 3 extension elements (no witness low rounds, no masked low rounds for the weights). The plain
    /// proof is unchanged (a batched opening of both vectors).
    @Test(arguments: [Privacy.publicIO, Privacy(privateInput: true), ZeroKnowledgeTests.privateIO])
    func mergedProofVerifiesWithOneFoldedOpening(privacy: Privacy) throws {
        for (model, input) in try bothModels() {
            let key = model.verifierKey()
            let r = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: privacy))
            try verify(model, input, r.output, r.proof, privacy: privacy)
            let t = try tail(r.proof)
            #expect((t.opening != nil) == (privacy.privateInput || privacy.privateOutput))
            let n = try Commitment(serialized: model.commitment).numVariables
            #expect(ZKMLVerifier.zeroKnowledgeWitnessShape(key: key).log == n)
            let mask = try Commitment(serialized: Array(r.proof[t.mask]))
            #expect(mask.numVariables == n - 4 && mask.polynomialCount == 2)
            let folded = try FoldedMaskOpeningProof(serialized: Array(r.proof[t.folded]))
            #expect(folded.registeredOpenings.count == 2 && folded.registeredOpenings.allSatisfy { $0.leaves.allSatisfy { $0.count == 16 } })
            let elements = try ZKMLVerifier.proofElements(key: key, publicInput: privacy.privateInput ? nil : input,
                                                          publicOutput: privacy.privateOutput ? nil : r.output, proof: r.proof)
            func count(_ what: String) -> Int { elements.filter { $0.what == what }.count }
            #expect(count("merged low round") == 5 * 3 * 2 && count("zk.merged.cross.sum") == 2 && count("zk.witness.lowmask.sum") == 2)
            #expect(count("witness low round") == 0)
            #expect(elements.contains { $0.what == "opening leaf of batch 0 (registered weights)" }
                    && elements.contains { $0.what == "opening leaf of batch 1 (witness)" })
            // A wrong output is rejected (public output only).
            if !privacy.privateOutput {
                var wrong = r.output
                wrong[0] += 1
                #expect(throws: ZKMLError.self) { try verify(model, input, wrong, r.proof, privacy: privacy) }
            }
        }
        let (model, input) = try synthetic()
        let plain = try ZKMLProver.prove(model: model, input: input, options: .plain)
        try verify(model, input, plain.output, plain.proof)
        #expect(try zk.openingProof(plain.proof).classes.map { $0.batchOpenings.count } == [2])
    }

    /// Every merged message is bound: G*, S_X and each coefficient of the 5 rounds (the batch round's
    /// B included), the mask's commitment, and every part of the folded opening (mask sum, F′ root,
    /// rounds, final polynomial, nonce, a leaf of each vector, of the mask, of F′ and of a further layer).
    @Test func tamperedMergedMessagesAreRejected() throws {
        let (model, input) = try synthetic()
        let key = model.verifierKey()
        let r = try ZKMLProver.prove(model: model, input: input)
        let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
        let merged = elements.filter { ["zk.witness.lowmask.sum", "zk.merged.cross.sum", "merged low round"].contains($0.what) }
        #expect(merged.count == 2 + 2 + 30)
        for e in merged {
            let bytes = withUnsafeBytes(of: e.value.value.littleEndian, Array.init)
            let at = try #require(r.proof.indices.last { Array(r.proof[$0..<min($0 + 8, r.proof.count)]) == bytes })
            var bad = r.proof
            bad[at] ^= 0x01
            #expect(throws: ZKMLError.self, "\(e.what)") { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: bad) }
        }
        let t = try tail(r.proof)
        var changedMask = r.proof
        changedMask[t.mask.upperBound - 20] ^= 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: changedMask) }
        let folded = try FoldedMaskOpeningProof(serialized: Array(r.proof[t.folded]))
        func verify(_ f: FoldedMaskOpeningProof) throws {
            try ZKMLVerifier.verify(key: key, input: input, output: r.output,
                                    proof: Array(r.proof[..<t.folded.lowerBound]) + f.serialized() + r.proof[t.folded.upperBound...])
        }
        try verify(folded)
        for (what, change) in zk.foldedOpeningTampering(folded, openedVectors: ["weights", "witness"]) {
            var bad = folded
            change(&bad)
            #expect(throws: ZKMLError.self, "\(what)") { try verify(bad) }
        }
        // Truncated before the folded opening, or with a byte more.
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: Array(r.proof[..<t.folded.lowerBound])) }
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof + [0]) }
    }

    /// What the merge sends is uniform and fresh: G*, S_X, the 5 rounds (the batch round's coefficient
    /// B, a functional of the activations and the weights without X), the folded opening's mask sum,
    /// rounds, final polynomial, F′'s and the layers' leaves, the mask's leaves and the witness's opened
    /// leaves share no element between two proofs of one statement and none is a small integer. The
    /// registered weights' opened leaves (entries of the fixed weight codeword, hidden by its random top
    /// within the budget, docs/ZK.md §5.3) are not small integers either.
    @Test func mergedMessagesShareNoElementAndHideData() throws {
        for (model, input) in try bothModels() {
            let key = model.verifierKey()
            var sets: [Set<UInt64>] = []
            for _ in 0..<2 {
                let r = try ZKMLProver.prove(model: model, input: input)
                let f = try FoldedMaskOpeningProof(serialized: Array(r.proof[try tail(r.proof).folded]))
                let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
                let rounds = elements.filter { ["zk.witness.lowmask.sum", "zk.merged.cross.sum", "merged low round"].contains($0.what) }.map(\.value)
                #expect(rounds.count == 34)
                let values = zk.freshElements(f, witnessBatch: 1) + rounds
                let small = (values + f.registeredOpenings[0].leaves.flatMap { $0 }).filter { zk.looksLikeData($0) }
                #expect(small.isEmpty, "small elements in the merged opening: \(small.prefix(5).map(\.value))")
                sets.append(Set(values.map(\.value)))
            }
            #expect(sets[0].count > 1000)
            #expect(sets[0].isDisjoint(with: sets[1]))
        }
    }

    /// A prepared mask of a merging model holds the weight mask only (the merged opening's one mask):
    /// the proof carries its commitment; a prepared value with a witness mask, or a weight mask of
    /// another size, is refused before its use flag is taken.
    @Test func preparedMaskOfAMergingModelIsOneMask() throws {
        let (model, input) = try synthetic()
        let mask = PreparedWeightMask(model: model)
        #expect(mask.witnessCommitment == nil)
        #expect(mask.byteCount == PreparedWeightMask.byteCount(for: model))
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask)
        try verify(model, input, r.output, r.proof)
        #expect(Array(r.proof[try tail(r.proof).mask]) == mask.commitment && mask.isUsed)
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask) }
        let n = try Commitment(serialized: model.commitment).numVariables
        for wrong in [PreparedWeightMask(model: model, weightMaskVariables: n - 4, witnessMaskVariables: n - 4),
                      PreparedWeightMask(model: model, weightMaskVariables: n - 3)] {
            #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: wrong) }
            #expect(!wrong.isUsed)
        }
    }

    /// The debug seed reproduces a merged proof byte for byte whether the masks are made inside the
    /// proof or on the background queue (the weight mask's fork serves the merged opening).
    @Test func debugSeedReproducesAMergedProof() throws {
        let (model, input) = try synthetic()
        let options = ProofOptions(debugSeed: Array(repeating: 3, count: 16))
        let a = try ZKMLProver.prove(model: model, input: input, options: options)
        let b = try ZKMLProver.prove(model: model, input: input, options: options)
        #expect(a.proof == b.proof)
        try verify(model, input, a.output, a.proof)
    }
}
