import Foundation
import Market
import Node
import Testing
import ZKML

/// The market's prover prepares zero-knowledge weight masks while idle (docs/ZK.md §9,
/// docs/MARKET.md): proofs take them, each once, and verify; the byte budget caps what it holds.
@Suite struct PreparedMaskBackendTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/models").path

    static func file(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    /// A backend in a fresh folder with digits_mlp registered; returns the folder to remove.
    static func backend(budget: Int) async throws -> (ZKMLProofBackend, MarketModel, String) {
        let directory = NSTemporaryDirectory() + "/ciro-masks-\(UUID().uuidString)"
        // `off`: proofs against the registered commitment itself (masks for copies: WeightBudgetTests).
        let backend = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: budget, weightBudget: .off)
        let model = try await backend.register(onnx: try file("digits_mlp.onnx"), calibration: try file("digits_mlp.calib.json"))
        return (backend, model, directory)
    }

    @Test func proofsUsePreparedMasksOnceAndVerify() async throws {
        let (backend, model, directory) = try await Self.backend(budget: WeightMaskSupply.defaultByteBudget)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        await backend.waitForMaskRefills()
        let supply = backend.weightMasks
        #expect(await supply.readyCount(modelID: model.id) == supply.masksPerModel)
        let input = try Self.file("digits_mlp.input.json")
        var proofs = Set<[UInt8]>()
        for round in 0..<3 {
            if round == 2 { await backend.waitForMaskRefills() }
            let proven = try await backend.prove(modelID: model.id, input: input, privateInputSeed: nil)
            try await backend.verify(modelID: model.id, input: .plain(input), output: proven.output, proof: proven.proof)
            proofs.insert(proven.proof)
        }
        #expect(proofs.count == 3)
        let (prepared, inline) = (await backend.preparedMaskProofs, await backend.inlineMaskProofs)
        #expect(prepared + inline == 3)
        #expect(prepared >= 2)                         // the first proof and the one after waiting
        await backend.waitForMaskRefills()
        let (handedOut, made, ready, reserved, held) = (await supply.handedOut, await supply.made,
                                                      await supply.readyCount(modelID: model.id), await supply.reservedBytes, await supply.heldBytes)
        #expect(handedOut == prepared)                 // every prepared proof took its own mask
        #expect(made == handedOut + ready && ready == supply.masksPerModel)
        #expect(reserved == held && held <= supply.byteBudget)
        // What the supply holds now was never used.
        let taken = try #require(await supply.take(modelID: model.id))
        #expect(!taken.isUsed)
    }

    @Test func aZeroBudgetMakesEveryMaskInsideTheProof() async throws {
        let (backend, model, directory) = try await Self.backend(budget: 0)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.file("digits_mlp.input.json")
        let proven = try await backend.prove(modelID: model.id, input: input, privateInputSeed: nil)
        try await backend.verify(modelID: model.id, input: .plain(input), output: proven.output, proof: proven.proof)
        await backend.waitForMaskRefills()
        #expect(await backend.preparedMaskProofs == 0)
        #expect(await backend.inlineMaskProofs == 1)
        #expect(await backend.weightMasks.made == 0)
        #expect(await backend.weightMasks.reservedBytes == 0)
    }
}
