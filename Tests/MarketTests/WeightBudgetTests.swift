import Foundation
import Market
import Node
import Testing
import ZKML

/// The worker counts zero-knowledge proofs per weight commitment in LMDB and refuses one beyond the
/// commitment's weight privacy budget (docs/ZK.md §5.3, docs/MARKET.md "Weight privacy budget");
/// the count survives a restart.
@Suite struct WeightBudgetTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("ModelsTests/Fixtures/models").path

    static func file(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixtures + "/" + name)))
    }

    static func directory() -> String { NSTemporaryDirectory() + "/ciro-budget-\(UUID().uuidString)" }

    @Test func aWorkerProvesUpToTheModelsBudgetThenRefusesAndARestartKeepsTheCount() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.file("digits_mlp.input.json")
        let budget: Int
        let id: [UInt8]
        do {
            let backend = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0)
            let model = try await backend.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json"))
            id = model.id
            let store = ModelStore(dataDirectory: directory)
            budget = try store.proverModel(id: id).weightPrivacyBudget.proofs
            #expect(budget == 20)  // digits_mlp since protocol v20 (docs/ZK.md §5.3)
            #expect(await backend.proofsLeft(modelID: id) == budget)
            for n in 0..<budget {
                let proven = try await backend.prove(modelID: id, input: input, privateInputSeed: nil)
                try await backend.verify(modelID: id, input: .plain(input), output: proven.output, proof: proven.proof)
                #expect(await backend.proofsLeft(modelID: id) == budget - n - 1)
            }
            await #expect(throws: WeightBudgetSpent.self) {
                _ = try await backend.prove(modelID: id, input: input, privateInputSeed: nil)
            }
            #expect(try backend.weightBudget?.used(id) == budget)  // the refusal counted nothing
            // Verifying spends nothing.
            #expect(await backend.proofsLeft(modelID: id) == 0)
        }
        // A restart (a new backend on the same folder): the count is in LMDB.
        let again = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0)
        #expect(await again.proofsLeft(modelID: id) == 0)
        do {
            _ = try await again.prove(modelID: id, input: input, privateInputSeed: nil)
            Issue.record("a restarted worker proved beyond the budget")
        } catch let spent as WeightBudgetSpent {
            #expect(spent.used == budget && spent.limit == budget && spent.modelID == id)
            #expect(spent.description.contains("weight privacy budget"))
        }
    }

    @Test func aCapLowersTheBudgetAndOffCountsNothing() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.file("digits_mlp.input.json")
        let capped = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0, weightBudget: .enforce(cap: 1))
        let model = try await capped.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json"))
        _ = try await capped.prove(modelID: model.id, input: input, privateInputSeed: nil)
        #expect(await capped.proofsLeft(modelID: model.id) == 0)
        await #expect(throws: WeightBudgetSpent.self) {
            _ = try await capped.prove(modelID: model.id, input: input, privateInputSeed: nil)
        }

        let otherDirectory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: otherDirectory) }
        let off = try ZKMLProofBackend(dataDirectory: otherDirectory, weightMaskBudget: 0, weightBudget: .off)
        _ = try await off.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json"))
        #expect(off.weightBudget == nil)
        #expect(await off.proofsLeft(modelID: model.id) == nil)
        for _ in 0..<2 { _ = try await off.prove(modelID: model.id, input: input, privateInputSeed: nil) }
    }

    @Test func theStoreCountsEachCommitmentApartAndRefusesAtTheLimit() throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let store = try WeightBudgetStore(directory: directory)
        let a = [UInt8](repeating: 1, count: 32), b = [UInt8](repeating: 2, count: 32)
        #expect(try store.reserve(a, limit: 2) == 1)
        #expect(try store.reserve(a, limit: 2) == 2)
        #expect(throws: WeightBudgetSpent(modelID: a, used: 2, limit: 2)) { try store.reserve(a, limit: 2) }
        #expect(try store.used(a) == 2)
        #expect(try store.reserve(b, limit: 2) == 1)
        #expect(try store.used(b) == 1)
        #expect(throws: WeightBudgetSpent.self) { try store.reserve(b, limit: 0) }
    }
}
