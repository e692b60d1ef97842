import Testing
import Models
import ProofCore
import ZKML

/// Prepared weight masks (docs/ZK.md §6.2, §9): each is used by one proof, a supply hands each out
/// once and keeps within its byte budget.
@Suite struct WeightMaskSupplyTests {
    func model(_ net: QuantizedNetwork = SyntheticNetworks.mlp()) throws -> (ProverModel, [Int64]) { try WeightMaskTests().model(net) }

    @Test func aPreparedMaskIsUsedByOneProofOnly() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let mask = PreparedWeightMask(model: model)
        let copy = mask
        #expect(!mask.isUsed)
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask)
        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
        #expect(mask.isUsed && copy.isUsed)
        // The same mask again, through a copy of the value: refused.
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: copy) }
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask) }
    }

    @Test func theSupplyHandsEachMaskOutOnce() async throws {
        let (model, input) = try model()
        let (other, _) = try self.model(SyntheticNetworks.cnn())
        let key = model.verifierKey()
        let supply = WeightMaskSupply(byteBudget: 1 << 30, masksPerModel: 2)
        #expect(await supply.take(modelID: model.modelID) == nil)
        #expect(await supply.refill(model: model) == 2)
        #expect(await supply.refill(model: model) == 0)            // full: nothing more
        #expect(await supply.readyCount(modelID: model.modelID) == 2)
        #expect(await supply.take(modelID: other.modelID) == nil)  // none for a model not refilled
        let a = try #require(await supply.take(modelID: model.modelID))
        let b = try #require(await supply.take(modelID: model.modelID))
        #expect(await supply.take(modelID: model.modelID) == nil)  // two made, two handed out, no more
        #expect(a.commitment != b.commitment && !a.isUsed && !b.isUsed)
        let (handedOut, made, reserved) = (await supply.handedOut, await supply.made, await supply.reservedBytes)
        #expect(handedOut == 2 && made == 2 && reserved == 0)
        for mask in [a, b] {
            let r = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: mask)
            try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
        }
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: a) }
        // A supplied mask of another model is refused (and left unused).
        #expect(await supply.refill(model: other) == 2)
        let foreign = try #require(await supply.take(modelID: other.modelID))
        #expect(throws: ZKMLError.self) { _ = try ZKMLProver.proveWithOpening(model: model, input: input, weightMask: foreign) }
        #expect(!foreign.isUsed)
    }

    @Test func theSupplyKeepsWithinItsByteBudget() async throws {
        let (model, _) = try model()
        let bytes = PreparedWeightMask.byteCount(for: model)
        let mask = PreparedWeightMask(model: model)
        #expect(mask.byteCount == bytes)                            // the estimate is what a mask holds
        #expect(bytes > 2 * 8 * (1 << 10))
        for budget in [0, bytes - 1] {
            let supply = WeightMaskSupply(byteBudget: budget)
            #expect(await supply.refill(model: model) == 0)
            #expect(await supply.reservedBytes == 0)
            #expect(await supply.made == 0)
        }
        let supply = WeightMaskSupply(byteBudget: 2 * bytes + bytes / 2, masksPerModel: 5)
        #expect(await supply.refill(model: model) == 2)
        #expect(await supply.reservedBytes == 2 * bytes)
        #expect(await supply.heldBytes == 2 * bytes)
        #expect(await supply.reservedBytes <= supply.byteBudget)
        _ = await supply.take(modelID: model.modelID)
        #expect(await supply.reservedBytes == bytes)
        #expect(await supply.refill(model: model) == 1)
        // A busy owner: nothing is made.
        _ = await supply.take(modelID: model.modelID)
        #expect(await supply.refill(model: model, shouldContinue: { false }) == 0)
        #expect(await supply.readyCount(modelID: model.modelID) == 1)
    }
}
