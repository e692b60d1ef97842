import Foundation
import Models
import Testing
import ProofCore
import TestSupport
import ZKML

/// Weight copies and the link proof (docs/ZK.md §6 item 3): a copy commits the same weights under a
/// fresh secret blinding; a link proves V = W′ on every weight segment in zero knowledge.
@Suite struct WeightCopyLinkTests {
    func model(_ net: QuantizedNetwork) throws -> ProverModel {
        let (arch, weights) = try NetworkCompiler.compile(net)
        return try ProverModel(architecture: arch, weights: weights)
    }

    /// 12 -> 20 -> ReLU -> 16: every weight segment has at least 2^foldingLog = 16 entries (biases of
    /// 32 and 16), so its layout needs no zero padding (`SyntheticNetworks.mlp()`'s 8-entry output bias
    /// does: `unalignedLayoutsAreRefusedAndTheRulePadsThem`).
    static func alignedMLP(seed: UInt64 = 11) -> QuantizedNetwork {
        var rng = SplitMix64(seed: seed)
        let w1 = (0..<20).map { _ in SyntheticNetworks.values(12, -64...64, &rng) }
        let w2 = (0..<16).map { _ in SyntheticNetworks.values(20, -64...64, &rng) }
        return QuantizedNetwork(inputShape: [12], inputMin: 0, inputMax: 16, layers: [
            .dense(weights: w1, bias: SyntheticNetworks.values(20, -200...200, &rng)),
            .requantize(shift: 5, lo: 0, hi: 127),
            .dense(weights: w2, bias: SyntheticNetworks.values(16, -200...200, &rng)),
        ])
    }

    /// 1x6x6 -> conv 3x3 pad 1 (16 ch) -> ReLU -> maxpool 2x2 -> flatten -> 16.
    static func alignedCNN(seed: UInt64 = 12) -> QuantizedNetwork {
        var rng = SplitMix64(seed: seed)
        return QuantizedNetwork(inputShape: [1, 6, 6], inputMin: 0, inputMax: 16, layers: [
            .conv(weights: SyntheticNetworks.values(16 * 9, -64...64, &rng), bias: SyntheticNetworks.values(16, -100...100, &rng),
                  outChannels: 16, kernel: [3, 3], strides: [1, 1], pads: [1, 1, 1, 1]),
            .requantize(shift: 4, lo: 0, hi: 127),
            .maxPool(kernel: [2, 2], strides: [2, 2]),
            .flatten,
            .dense(weights: (0..<16).map { _ in SyntheticNetworks.values(144, -64...64, &rng) },
                   bias: SyntheticNetworks.values(16, -100...100, &rng)),
            .requantize(shift: 6, lo: -128, hi: 127),
        ])
    }

    static let nets = [alignedMLP(), alignedCNN()]

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ModelsTests/Fixtures/models").path

    /// The shipped models all link (protocol v20: digits_cnn's 8-entry weight segment is completed to
    /// a 16-block by zeros and its blinding segment has 16 entries), their links' low rounds are zero,
    /// and a tampered link, another copy's commitment, swapped roots and a copy with one weight
    /// changed are rejected (docs/ZK.md §6 item 3).
    @Test(arguments: ["digits_mlp", "digits_cnn", "wide_mlp"])
    func shippedModels(_ name: String) throws {
        let original = try LoadedModel(onnxPath: "\(Self.fixtures)/\(name).onnx").prover
        let copy = try WeightCopy(of: original)
        let key = original.verifierKey()
        let link = try WeightCopyLink.prove(from: original, to: copy.model)
        let copyKey = try WeightCopyLink.verify(link, from: key, toCommitment: copy.model.commitment)
        #expect(copyKey.modelID == copy.model.modelID)
        #expect(try WeightCopyLink.elements(link).filter { $0.what == "round" }.allSatisfy { $0.value == .zero })
        var bad = link
        bad[bad.count / 2] ^= 0x04
        #expect(throws: ZKMLError.self) { try WeightCopyLink.verify(bad, from: key, toCommitment: copy.model.commitment) }
        let other = try WeightCopy(of: original)
        #expect(throws: ZKMLError.self) { try WeightCopyLink.verify(link, from: key, toCommitment: other.model.commitment) }
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(link, from: copy.model.verifierKey(), toCommitment: original.commitment)
        }
        var weights = original.weights
        weights.biases[weights.biases.count - 1][0] += 1
        let forged = try ProverModel(architecture: original.architecture, weights: weights, metadata: original.metadata,
                                     blindingSeed: Array(repeating: 7, count: 32))
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(try WeightCopyLink.prove(from: original, to: forged), from: key, toCommitment: forged.commitment)
        }
    }

    /// The layout rule (`CircuitPlan.weightLayout(weightSegments:)`, protocol v20) and the check both
    /// sides make (`WeightCopyLink.checkLinkable`): a weight segment of fewer than 16 entries sharing
    /// its 16-block with blinding or random entries is refused — session 11's layouts (an 8-entry
    /// blinding segment next to an 8-entry bias; an 8-entry bias next to the random top) — and the
    /// rule's zero padding makes every layout linkable, with a blinding segment of ≥ 16 entries.
    @Test func unalignedLayoutsAreRefusedAndTheRulePadsThem() throws {
        // Weights 2^5 and 2^3, blinding 2^3 (session 11's rule): refused.
        #expect(!WeightCopyLink.isLinkable(logSizes: [5, 3, 3], weightSegments: 2, zeroSegments: 3..<3))
        // Blinding 2^4 but the 8-entry bias shares its block with the random top: refused.
        #expect(!WeightCopyLink.isLinkable(logSizes: [5, 3, 4], weightSegments: 2, zeroSegments: 3..<3))
        // The same with 8 zeros completing the block: linkable; with 4 zeros only: refused.
        #expect(WeightCopyLink.isLinkable(logSizes: [5, 3, 4, 3], weightSegments: 2, zeroSegments: 3..<4))
        #expect(!WeightCopyLink.isLinkable(logSizes: [5, 3, 4, 2], weightSegments: 2, zeroSegments: 3..<4))
        // Weight segments of 8 + 8, or of 16 and more: linkable without padding.
        #expect(WeightCopyLink.isLinkable(logSizes: [5, 3, 3, 4], weightSegments: 3, zeroSegments: 4..<4))
        var rng = SplitMix64(seed: 20)
        for _ in 0..<200 {
            let segments = (0..<Int(rng.next() % 7 + 1)).map { _ in Int(rng.next() % 11) }
            let (logs, linkable) = WeightCopyLink.plannedLayout(weightSegments: segments)
            #expect(linkable, "\(segments) -> \(logs)")
            #expect(logs[segments.count] >= 4 && Array(logs.prefix(segments.count)) == segments)
            let small = segments.filter { $0 < 4 }.reduce(0) { $0 + (1 << $1) }
            let zeros = logs.dropFirst(segments.count + 1).reduce(0) { $0 + (1 << $1) }
            #expect((small + zeros) % 16 == 0 && zeros < 16, "\(segments) -> \(logs)")
        }
        // The 12-20-6 MLP (8-entry output bias) links now; its link does not verify from another layout.
        let original = try model(SyntheticNetworks.mlp())
        let copy = try WeightCopy(of: original)
        let link = try WeightCopyLink.prove(from: original, to: copy.model)
        try WeightCopyLink.verify(link, from: original.verifierKey(), toCommitment: copy.model.commitment)
        #expect(try WeightCopyLink.elements(link).filter { $0.what == "round" }.allSatisfy { $0.value == .zero })
        let aligned = try model(Self.alignedMLP())
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(link, from: aligned.verifierKey(), toCommitment: copy.model.commitment)
        }
    }

    @Test func honestLinkVerifiesAndTheCopyProvesJobs() throws {
        for net in Self.nets {
            let original = try model(net)
            let copy = try WeightCopy(of: original)
            #expect(copy.model.commitment != original.commitment && copy.model.modelID != original.modelID)
            #expect(copy.blindingSeed.count == 32)
            // The stored seed rebuilds the copy; another copy differs.
            #expect(try WeightCopy(of: original, blindingSeed: copy.blindingSeed).model.commitment == copy.model.commitment)
            #expect(try WeightCopy(of: original).model.commitment != copy.model.commitment)
            let link = try WeightCopyLink.prove(from: original, to: copy.model)
            let key = try WeightCopyLink.verify(link, from: original.verifierKey(), toCommitment: copy.model.commitment)
            #expect(key.modelID == copy.model.modelID && key.commitment == copy.model.commitment)
            // A job proof made against the copy verifies against the copy's key (and not the original's).
            let input = SyntheticNetworks.input(original.architecture.inputLength)
            let job = try ZKMLProver.prove(model: copy.model, input: input)
            try ZKMLVerifier.verify(key: key, publicInput: input, publicOutput: job.output, proof: job.proof)
            #expect(throws: ZKMLError.self) {
                try ZKMLVerifier.verify(key: original.verifierKey(), publicInput: input, publicOutput: job.output, proof: job.proof)
            }
            // A chain: a copy of the copy, linked from the copy's key.
            let next = try WeightCopy(of: copy.model)
            try WeightCopyLink.verify(try WeightCopyLink.prove(from: copy.model, to: next.model), from: key,
                                      toCommitment: next.model.commitment)
            #expect(throws: ZKMLError.self) { try WeightCopy(of: original, blindingSeed: [1, 2, 3]) }
        }
    }

    @Test func aCopyWithOneWeightChangedIsRejected() throws {
        for net in Self.nets {
            let original = try model(net)
            var changes: [CircuitWeights] = []
            var w = original.weights
            w.matrices[0][0] += 1
            changes.append(w)
            w = original.weights
            w.biases[w.biases.count - 1][0] -= 1
            changes.append(w)
            for weights in changes {
                let forged = try ProverModel(architecture: original.architecture, weights: weights, metadata: original.metadata,
                                             blindingSeed: Array(repeating: 9, count: 32))
                let link = try WeightCopyLink.prove(from: original, to: forged)
                #expect(throws: ZKMLError.self) {
                    try WeightCopyLink.verify(link, from: original.verifierKey(), toCommitment: forged.commitment)
                }
            }
        }
    }

    @Test func swappedRootsTamperedTruncatedAndOversizedLinksAreRejected() throws {
        let original = try model(Self.alignedMLP())
        let copy = try WeightCopy(of: original)
        let link = try WeightCopyLink.prove(from: original, to: copy.model)
        let key = original.verifierKey()
        try WeightCopyLink.verify(link, from: key, toCommitment: copy.model.commitment)
        // Swapped roots: the copy's key and the original's commitment.
        let copyKey = copy.model.verifierKey()
        #expect(throws: ZKMLError.self) { try WeightCopyLink.verify(link, from: copyKey, toCommitment: original.commitment) }
        // Another copy's commitment.
        let other = try WeightCopy(of: original)
        #expect(throws: ZKMLError.self) { try WeightCopyLink.verify(link, from: key, toCommitment: other.model.commitment) }
        // Tampered bytes across the proof (header, mask commitment, rounds, opening), truncated, oversized.
        for position in stride(from: 4, to: link.count, by: max(1, link.count / 40)) {
            var bad = link
            bad[position] ^= 0x10
            #expect(throws: ZKMLError.self, "byte \(position)") {
                try WeightCopyLink.verify(bad, from: key, toCommitment: copy.model.commitment)
            }
        }
        for bad in [Array(link.dropLast()), Array(link.prefix(link.count / 2)), [], link + [0], link + link] {
            #expect(throws: ZKMLError.self) { try WeightCopyLink.verify(bad, from: key, toCommitment: copy.model.commitment) }
        }
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(link + [UInt8](repeating: 0, count: WeightCopyLink.maxSize), from: key,
                                      toCommitment: copy.model.commitment)
        }
    }

    @Test func aCopyOfAnotherModelIsRejected() throws {
        let original = try model(Self.alignedMLP())
        let another = try model(Self.alignedMLP(seed: 5))
        // Another model's weights under the original's architecture and metadata.
        let impostor = try ProverModel(architecture: original.architecture, weights: another.weights, metadata: original.metadata,
                                       blindingSeed: Array(repeating: 3, count: 32))
        let link = try WeightCopyLink.prove(from: original, to: impostor)
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(link, from: original.verifierKey(), toCommitment: impostor.commitment)
        }
        // A true copy of another model: the prover refuses to link it from the original (another
        // architecture: the tables follow the weights), and its own link does not verify from the original.
        let copy = try WeightCopy(of: another)
        #expect(throws: ZKMLError.self) { try WeightCopyLink.prove(from: original, to: copy.model) }
        let own = try WeightCopyLink.prove(from: another, to: copy.model)
        try WeightCopyLink.verify(own, from: another.verifierKey(), toCommitment: copy.model.commitment)
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(own, from: original.verifierKey(), toCommitment: copy.model.commitment)
        }
        // Another layout (a CNN): the commitments' shapes differ.
        let cnn = try model(Self.alignedCNN())
        let cnnCopy = try WeightCopy(of: cnn)
        #expect(throws: ZKMLError.self) {
            try WeightCopyLink.verify(try WeightCopyLink.prove(from: cnn, to: cnnCopy.model), from: original.verifierKey(),
                                      toCommitment: cnnCopy.model.commitment)
        }
    }

    /// As `ZeroKnowledgeTests.noProofElementLooksLikeData`: a small signed element (|v| < 2^32) is what
    /// quantized data looks like; a uniform element is one with probability 2^-31.
    func looksLikeData(_ v: Goldilocks) -> Bool {
        v.value < 1 << 32 || Goldilocks.modulus - v.value <= 1 << 32
    }

    @Test func noLinkElementLooksLikeWeightsAndTwoLinksShareNone() throws {
        for net in Self.nets {
            let original = try model(net)
            let copy = try WeightCopy(of: original)
            let links = try (0..<2).map { _ in try WeightCopyLink.prove(from: original, to: copy.model) }
            var sent: [Set<UInt64>] = []
            for link in links {
                let elements = try WeightCopyLink.elements(link)
                // The low rounds are the public value 0 (D = 0 on L's support).
                #expect(elements.filter { $0.what == "round" }.allSatisfy { $0.value == .zero })
                let secret = elements.filter { $0.what != "round" }
                #expect(secret.count > 1000)
                let small = secret.filter { looksLikeData($0.value) }
                #expect(small.isEmpty, "small elements: \(small.prefix(5).map { "\($0.what)=\($0.value.value)" })")
                // The registered leaves are fixed codeword entries of V and W′ (two links opening one
                // position show the same leaf: budget (b), docs/ZK.md §5.3); everything else is fresh.
                sent.append(Set(secret.filter { !$0.what.hasPrefix("registered") }.map(\.value.value)))
            }
            #expect(sent[0].isDisjoint(with: sent[1]))
        }
    }
}
