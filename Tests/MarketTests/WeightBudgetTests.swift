import Foundation
import Identity
import Market
import Node
import Testing
import Sodium
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

    /// digits_mlp's prover model as a worker registers it (for copies made by hand).
    static func prover() throws -> ProverModel {
        try LoadedModel(onnxPath: fixtures + "/digits_mlp.onnx", calibrationPath: fixtures + "/digits_mlp.calib.json").prover
    }

    /// Where a worker with data in `directory` keeps its copies of model `id`.
    static func copies(_ directory: String, _ id: [UInt8]) -> String { directory + "/models/" + Hex.encode(id) + "/copies" }

    static func registered(_ directory: String, _ policy: WeightBudgetPolicy = .modelBudget) async throws -> (ZKMLProofBackend, [UInt8]) {
        let backend = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0, weightBudget: policy)
        let model = try await backend.register(onnx: try file("digits_mlp.onnx"), calibration: try file("digits_mlp.calib.json"))
        return (backend, model.id)
    }

    @Test func aWorkerServesMoreJobsThanOneCommitmentsBudgetByRotatingCopiesAndARestartKeepsThem() async throws {
        let (workerDirectory, auditorDirectory) = (Self.directory(), Self.directory())
        defer {
            try? FileManager.default.removeItem(atPath: workerDirectory)
            try? FileManager.default.removeItem(atPath: auditorDirectory)
        }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, auditorModel) = try await Self.registered(auditorDirectory)
        var chain: [[UInt8]] = []
        let id: [UInt8]
        do {
            // 3 units per commitment: copy first, the registered one serves only the link into copy
            // 1; each copy its incoming link, 1 job and its outgoing link.
            let (worker, model) = try await Self.registered(workerDirectory, .enforce(cap: 3))
            id = model
            #expect(id == auditorModel)
            #expect(await worker.proofsLeft(modelID: id) == nil)  // copies: no end; the first is made ahead
            await worker.waitForCopies()
            var copies: [[UInt8]?] = []
            for _ in 0..<6 {
                let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
                await worker.waitForCopies()
                copies.append(proven.weightCopyID)
                let copy = try #require(proven.weightCopyID, "a job proven against the registered commitment")
                try await auditor.verify(modelID: id, copyID: copy, links: proven.links, input: .plain(input), output: proven.output, proof: proven.proof)
                // Without its links the proof is against an unknown commitment.
                await #expect(throws: (any Error).self) {
                    try await auditor.verify(modelID: id, input: .plain(input), output: proven.output, proof: proven.proof)
                }
            }
            chain = try await worker.copyChain(modelID: id)
            #expect(chain.count == 7 && Set(chain).count == 7)
            #expect(copies == chain[1...].map { Optional($0) })
            #expect(await worker.linksMade == 6)
            #expect(await worker.copiesMadeAhead == 6)  // every copy and link made off the job path, the first too
            // Each link verified once; later proofs found it in the cache.
            #expect(await auditor.verifiedLinkCount == 6)
            // The registered commitment: its one link; each retired copy at its limit; the last one
            // its link and its job.
            for (n, element) in chain.enumerated() {
                #expect(try worker.weightBudget?.used(element) == (n == 0 ? 1 : n == chain.count - 1 ? 2 : 3))
            }
            // The seeds are secret files.
            let secret = workerDirectory + "/models/" + Hex.encode(id) + "/copies/000001.ccpy"
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: secret)[.posixPermissions] as? Int)
            #expect(mode == 0o600)
        }
        // A restart: the copies come back from their seeds, the counts from LMDB, and the next job
        // rotates from the last copy.
        let (again, _) = try await Self.registered(workerDirectory, .enforce(cap: 3))
        #expect(try await again.copyChain(modelID: id) == chain)
        let proven = try await again.prove(modelID: id, input: input, privateInputSeed: nil)
        let next = try #require(proven.weightCopyID)
        #expect(!chain.contains(next) && proven.links.count == 7)
        try await auditor.verify(modelID: id, copyID: next, links: proven.links, input: .plain(input), output: proven.output, proof: proven.proof)
        #expect(await auditor.verifiedLinkCount == 7)
        #expect(try again.weightBudget?.used(id) == 1)
    }

    /// Copy first at the model's own budget (20 for digits_mlp): every job of each worker is proven
    /// against a copy of its own, and each worker spends exactly one unit of the registered
    /// commitment (its first link), however many jobs it serves: two workers, two units in all.
    @Test func eachWorkerProvesEveryJobAgainstItsOwnCopyAndSpendsOneUnitOfTheRegisteredCommitment() async throws {
        let (a, b, auditorDirectory) = (Self.directory(), Self.directory(), Self.directory())
        defer { for d in [a, b, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        var firstCopies: [[UInt8]] = []
        for directory in [a, b] {
            let (worker, _) = try await Self.registered(directory)
            #expect(try worker.weightBudget?.used(id) == 0)
            for _ in 0..<4 {
                let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
                let copy = try #require(proven.weightCopyID, "a job proven against the registered commitment")
                #expect(copy != id && proven.links.count == 1)
                try await auditor.verify(modelID: id, copyID: copy, links: proven.links, input: .plain(input), output: proven.output, proof: proven.proof)
                // The proof is not one against the registered commitment.
                await #expect(throws: (any Error).self) {
                    try await auditor.verify(modelID: id, input: .plain(input), output: proven.output, proof: proven.proof)
                }
            }
            let chain = try await worker.copyChain(modelID: id)
            #expect(chain.count == 2 && chain[0] == id)
            firstCopies.append(chain[1])
            #expect(try worker.weightBudget?.used(id) == 1)
            #expect(try worker.weightBudget?.used(chain[1]) == 5)  // its link and 4 jobs
            #expect(await worker.linksMade == 1)
        }
        #expect(firstCopies[0] != firstCopies[1])
    }

    /// The exception to copy first: when a copy cannot be made (a test hook fails every copy), an
    /// enforcing worker proves up to L jobs against the registered commitment, then refuses. A
    /// restart with working copies needs a unit of the registered commitment for the first link:
    /// none left, refused (nothing written); one left, the worker rotates into a copy with it.
    @Test func aWorkerWhoseCopiesCannotBeMadeProvesUpToTheBudgetAgainstTheRegisteredCommitment() async throws {
        let (spentDirectory, leftDirectory, auditorDirectory) = (Self.directory(), Self.directory(), Self.directory())
        defer { for d in [spentDirectory, leftDirectory, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        func failing(_ directory: String) async throws -> ZKMLProofBackend {
            let worker = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0, weightBudget: .enforce(cap: 3), testCopyFailure: true)
            _ = try await worker.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json"))
            return worker
        }
        func copies(_ directory: String) -> [String] {
            (try? FileManager.default.contentsOfDirectory(atPath: Self.copies(directory, id))) ?? []
        }
        do {
            let worker = try await failing(spentDirectory)
            #expect(await worker.copiesStatus(modelID: id) == nil)  // not tried yet
            for left in [2, 1, 0] {
                let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
                #expect(proven.weightCopyID == nil && proven.links.isEmpty)
                try await auditor.verify(modelID: id, input: .plain(input), output: proven.output, proof: proven.proof)
                #expect(await worker.proofsLeft(modelID: id) == left)
            }
            #expect(await worker.copiesStatus(modelID: id)?.contains("weight copies fail (test hook)") == true)
            do {
                _ = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
                Issue.record("proved beyond the registered commitment's budget")
            } catch let spent as WeightBudgetSpent {
                #expect(spent == WeightBudgetSpent(modelID: id, used: 3, limit: 3))
            }
            #expect(try worker.weightBudget?.used(id) == 3)
            #expect(try await worker.copyChain(modelID: id) == [id])
            #expect(await worker.linksMade == 0)
        }
        do {
            // Copies work again, but the first link would be the registered commitment's 4th proof.
            let (worker, _) = try await Self.registered(spentDirectory, .enforce(cap: 3))
            #expect(await worker.proofsLeft(modelID: id) == 0)
            await #expect(throws: WeightBudgetSpent(modelID: id, used: 3, limit: 3)) {
                _ = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            }
            #expect(try worker.weightBudget?.used(id) == 3)
            #expect(copies(spentDirectory).isEmpty)
        }
        do {
            let worker = try await failing(leftDirectory)
            for _ in 0..<2 { #expect(try await worker.prove(modelID: id, input: input, privateInputSeed: nil).weightCopyID == nil) }
        }
        // One unit left: it goes to the link into the first copy, which then serves the jobs.
        let (worker, _) = try await Self.registered(leftDirectory, .enforce(cap: 3))
        #expect(await worker.proofsLeft(modelID: id) == nil)
        for _ in 0..<2 {
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            try await auditor.verify(modelID: id, copyID: try #require(proven.weightCopyID), links: proven.links, input: .plain(input),
                                     output: proven.output, proof: proven.proof)
        }
        #expect(try worker.weightBudget?.used(id) == 3)
        #expect(try await worker.copyChain(modelID: id).count == 3)
    }

    /// The link bound, lowered to 2 for the test (the market's is `maxLinkChain`, 64): a chain at
    /// the bound goes on with a copy linked from the registered commitment, a new chain for one of
    /// its units, so no result names more links than the bound and every proof verifies (the
    /// auditor at the market's bound). 3 units: each copy serves 1 job, a chain of 2 copies 2 jobs,
    /// the registered commitment's 3 units 3 chains: 6 jobs, then refused, saying why. A restart
    /// rebuilds the chains from the link files' "from" ids with their counts, and completes a
    /// rotation from the registered commitment that a crash interrupted after its seed.
    @Test func aChainAtTheLinkBoundGoesOnFromTheRegisteredCommitment() async throws {
        let (directory, auditorDirectory) = (Self.directory(), Self.directory())
        defer { for d in [directory, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        let registered = try Self.prover()
        let copies = Self.copies(directory, id)
        func start() async throws -> ZKMLProofBackend {
            let worker = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0, weightBudget: .enforce(cap: 3), linkChainBound: 2)
            _ = try await worker.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json"))
            return worker
        }
        func prove(_ worker: ZKMLProofBackend) async throws -> ProvenOutput {
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            try await auditor.verify(modelID: id, copyID: try #require(proven.weightCopyID), links: proven.links, input: .plain(input),
                                     output: proven.output, proof: proven.proof)
            await worker.waitForCopies()
            return proven
        }
        func linkedFrom(_ n: Int) throws -> [UInt8] {
            try WeightCopyFiles.decodeLink([UInt8](try #require(FileManager.default.contents(atPath: copies + "/00000\(n).clnk")))).0
        }
        #expect(try ZKMLProofBackend(dataDirectory: Self.directory()).linkChainBound == ZKMLProofBackend.maxLinkChain)
        #expect(try ZKMLProofBackend(dataDirectory: Self.directory(), linkChainBound: 100).linkChainBound == ZKMLProofBackend.maxLinkChain)
        var lengths: [Int] = [], chain: [[UInt8]] = []
        do {
            let worker = try await start()
            #expect(worker.linkChainBound == 2)
            for _ in 0..<4 { lengths.append(try await prove(worker).links.count) }
            chain = try await worker.copyChain(modelID: id)
            #expect(chain.count == 5)
            #expect(try worker.weightBudget?.used(id) == 2)  // two chains
            // A copy inside a chain is retired by its outgoing link; the one ending a chain keeps its last unit.
            #expect(try chain.dropFirst().map { try worker.weightBudget?.used($0) ?? -1 } == [3, 2, 3, 2])
        }
        #expect(try [1, 2, 3, 4].map(linkedFrom) == [id, chain[1], id, chain[3]])
        // The next rotation (from the registered commitment: copy 4 ends a chain) crashed after copy 5's seed.
        let fifth = try WeightCopy(of: registered)
        try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: fifth), at: copies + "/000005.ccpy", mode: 0o600)
        let worker = try await start()
        #expect(try await worker.copyChain(modelID: id) == chain)
        #expect(await worker.proofsLeft(modelID: id) == nil)
        await worker.waitForCopies()
        let restored = try await prove(worker)
        #expect(restored.weightCopyID == fifth.model.modelID && restored.links.count == 1)
        #expect(await worker.copiesRestored == 1)
        #expect(try linkedFrom(5) == id)
        lengths += [restored.links.count, try await prove(worker).links.count]
        #expect(lengths == [1, 2, 1, 2, 1, 2])
        #expect(try worker.weightBudget?.used(id) == 3)
        // Three chains of 2 links: the registered commitment's units are spent and the last chain is
        // at the bound, so nothing is left to prove (no bid) and the next job is refused.
        #expect(await worker.proofsLeft(modelID: id) == 0)
        do {
            _ = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            Issue.record("proved past the link bound with the registered commitment spent")
        } catch let spent as WeightBudgetSpent {
            #expect(spent.modelID == id && spent.used == 3 && spent.limit == 3)
            #expect(spent.description.contains("its copy chain is at 2 links (at most 2) and a new chain needs a link from the registered commitment"),
                    "\(spent)")
        }
        #expect(try await worker.copyChain(modelID: id).count == 7)
        #expect(!FileManager.default.fileExists(atPath: copies + "/000007.ccpy"))
    }

    /// At start a link file must lead from the registered model or the copy before it: one from an
    /// earlier copy is refused, nothing counted.
    @Test func aLinkFromAnEarlierCopyIsRefusedAtStart() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let registered = try Self.prover()
        let id = registered.modelID, copies = Self.copies(directory, id)
        try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
        let made = try (0..<3).map { _ in try WeightCopy(of: registered) }
        for (n, (copy, from)) in zip(made, [registered, made[0].model, made[0].model]).enumerated() {
            try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: copy), at: copies + "/00000\(n + 1).ccpy", mode: 0o600)
            try FileSystem.createNewFile(WeightCopyFiles.encodeLink(fromModelID: from.modelID, copyCommitment: copy.model.commitment,
                                                                    link: try WeightCopyLink.prove(from: from, to: copy.model)),
                                         at: copies + "/00000\(n + 1).clnk", mode: 0o644)
        }
        let (worker, _) = try await Self.registered(directory, .enforce(cap: 3))
        let error = await #expect(throws: ZKMLError.self) { _ = try await worker.copyChain(modelID: id) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("copy 3's link leads from neither the registered model nor copy 2"), "\(String(describing: error))")
        #expect(await worker.proofsLeft(modelID: id) == 0)
        await #expect(throws: ZKMLError.self) { _ = try await worker.prove(modelID: id, input: try Self.file("digits_mlp.input.json"), privateInputSeed: nil) }
        #expect(try worker.weightBudget?.used(id) == 0)
    }

    /// A crash inside a rotation, simulated by doing its first steps and not the rest, then
    /// restarting: the chain goes on from what is on disk, no commitment serves beyond its limit
    /// and the node keeps proving.
    @Test func aRotationInterruptedBetweenItsStepsIsCompletedAfterARestart() async throws {
        let (directory, auditorDirectory) = (Self.directory(), Self.directory())
        defer { for d in [directory, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        let registered = try Self.prover()
        #expect(registered.modelID == id)
        let copies = Self.copies(directory, id)
        func check(_ proven: ProvenOutput) async throws {
            try await auditor.verify(modelID: id, copyID: try #require(proven.weightCopyID), links: proven.links, input: .plain(input),
                                     output: proven.output, proof: proven.proof)
        }
        // 3 units; copy first: the first job rotates. The crash came after that rotation wrote copy
        // 1's seed (durably, 0600), before its link file and the counts.
        try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
        let first = try WeightCopy(of: registered)
        try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: first), at: copies + "/000001.ccpy", mode: 0o600)
        let second: WeightCopy
        do {
            let (worker, _) = try await Self.registered(directory, .enforce(cap: 3))
            #expect(try await worker.copyChain(modelID: id) == [id])  // the unlinked copy is not in the chain yet
            // The next job completes the rotation into that copy (from its seed) and proves against it.
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            #expect(proven.weightCopyID == first.model.modelID && proven.links.count == 1)
            try await check(proven)
            #expect(await worker.copiesRestored == 1)
            #expect(await worker.linksMade == 1)
            #expect(try worker.weightBudget?.used(id) == 1)
            #expect(try worker.weightBudget?.used(first.model.modelID) == 2)
            #expect(FileManager.default.fileExists(atPath: copies + "/000001.clnk"))
            await worker.waitForCopies()
            // The next rotation was counted (copy 1 at its limit) and crashed after copy 2's seed.
            try worker.weightBudget?.raise(first.model.modelID, to: 3)
            second = try WeightCopy(of: registered)
            try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: second), at: copies + "/000002.ccpy", mode: 0o600)
        }
        do {
            let (worker, _) = try await Self.registered(directory, .enforce(cap: 3))
            #expect(try await worker.copyChain(modelID: id) == [id, first.model.modelID])
            // Copy 1's budget is spent, but the rotation into copy 2 is completed, not refused.
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            #expect(proven.weightCopyID == second.model.modelID && proven.links.count == 2)
            try await check(proven)
            #expect(try worker.weightBudget?.used(first.model.modelID) == 3)
            #expect(try worker.weightBudget?.used(second.model.modelID) == 2)
            // And rotates on as usual.
            let next = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            #expect(next.links.count == 3 && next.weightCopyID != second.model.modelID)
            try await check(next)
            #expect(try await worker.copyChain(modelID: id).count == 4)
            #expect(await worker.copiesRestored == 1)
            let chain = try await worker.copyChain(modelID: id)
            #expect(try worker.weightBudget?.used(id) == 1)
            for element in chain[1..<3] { #expect(try worker.weightBudget?.used(element) == 3) }
        }
    }

    /// A crash after both files of the first rotation, before its counts: at start the copy is in
    /// the chain, its count raised to 1 (its link) and the registered commitment's to 1 (the same
    /// link: copy first).
    @Test func aRotationInterruptedBeforeItsCountsIsCountedAtStart() async throws {
        let (directory, auditorDirectory) = (Self.directory(), Self.directory())
        defer { for d in [directory, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        let registered = try Self.prover()
        let copies = Self.copies(directory, id)
        let copy = try WeightCopy(of: registered)
        let link = try WeightCopyLink.prove(from: registered, to: copy.model)
        try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
        try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: copy), at: copies + "/000001.ccpy", mode: 0o600)
        try FileSystem.createNewFile(WeightCopyFiles.encodeLink(fromModelID: id, copyCommitment: copy.model.commitment, link: link),
                                     at: copies + "/000001.clnk", mode: 0o644)
        let (worker, _) = try await Self.registered(directory, .enforce(cap: 3))
        #expect(try await worker.copyChain(modelID: id) == [id, copy.model.modelID])
        #expect(try worker.weightBudget?.used(id) == 1)
        #expect(try worker.weightBudget?.used(copy.model.modelID) == 1)
        let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
        #expect(proven.weightCopyID == copy.model.modelID && proven.links.count == 1)
        try await auditor.verify(modelID: id, copyID: copy.model.modelID, links: proven.links, input: .plain(input), output: proven.output, proof: proven.proof)
        #expect(await worker.linksMade == 0)
        #expect(await worker.copiesRestored == 0)
    }

    /// Refused, nothing counted: a copy without its link before the last copy (not an interrupted
    /// rotation), and an unlinked seed that is a copy of another model.
    @Test func aGapInTheChainAndAForeignSeedAreRefused() async throws {
        let (gapDirectory, foreignDirectory) = (Self.directory(), Self.directory())
        defer { for d in [gapDirectory, foreignDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let registered = try Self.prover()
        let id = registered.modelID
        func seed(_ directory: String, _ n: Int, of model: [UInt8]) throws {
            let copies = Self.copies(directory, id)
            try FileManager.default.createDirectory(atPath: copies, withIntermediateDirectories: true)
            try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: model, copy: try WeightCopy(of: registered)),
                                         at: copies + "/00000\(n).ccpy", mode: 0o600)
        }
        let (gap, _) = try await Self.registered(gapDirectory, .enforce(cap: 3))
        try seed(gapDirectory, 1, of: id)
        try seed(gapDirectory, 2, of: id)
        try Data([1]).write(to: URL(fileURLWithPath: gapDirectory + "/models/" + Hex.encode(id) + "/copies/000002.clnk"))
        let gapError = await #expect(throws: ZKMLError.self) { _ = try await gap.copyChain(modelID: id) }
        #expect("\(gapError.map { "\($0)" } ?? "")".contains("copies: copy 1 lacks its link (and is not the last copy)"), "\(String(describing: gapError))")
        await #expect(throws: ZKMLError.self) { _ = try await gap.prove(modelID: id, input: input, privateInputSeed: nil) }
        #expect(try gap.weightBudget?.used(id) == 0)

        let (foreign, _) = try await Self.registered(foreignDirectory, .enforce(cap: 3))
        try seed(foreignDirectory, 1, of: [UInt8](repeating: 7, count: 32))
        let foreignError = await #expect(throws: ZKMLError.self) { _ = try await foreign.prove(modelID: id, input: input, privateInputSeed: nil) }
        #expect("\(foreignError.map { "\($0)" } ?? "")".contains("copies/000001.ccpy is a copy of another model"), "\(String(describing: foreignError))")
        #expect(try foreign.weightBudget?.used(id) == 0)
        #expect(try await foreign.copyChain(modelID: id) == [id])
        #expect(!FileManager.default.fileExists(atPath: foreignDirectory + "/models/" + Hex.encode(id) + "/copies/000001.clnk"))
    }

    @Test func copiesGetPreparedMasksAndARetiredCommitmentsMasksAreDropped() async throws {
        let (directory, auditorDirectory) = (Self.directory(), Self.directory())
        defer { for d in [directory, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, _) = try await Self.registered(auditorDirectory)
        // 4 units: copy first (no masks are made for the registered commitment: never proven
        // against), each copy serves 2 jobs.
        let worker = try ZKMLProofBackend(dataDirectory: directory, weightBudget: .enforce(cap: 4))
        let id = try await worker.register(onnx: try Self.file("digits_mlp.onnx"), calibration: try Self.file("digits_mlp.calib.json")).id
        let supply = worker.weightMasks
        var targets: [[UInt8]?] = []
        for _ in 0..<5 {
            await worker.waitForMaskRefills()
            await worker.waitForCopies()
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            targets.append(proven.weightCopyID)
            if let copy = proven.weightCopyID {
                try await auditor.verify(modelID: id, copyID: copy, links: proven.links, input: .plain(input), output: proven.output, proof: proven.proof)
            } else {
                try await auditor.verify(modelID: id, input: .plain(input), output: proven.output, proof: proven.proof)
            }
        }
        let (first, second, copy) = (try #require(targets[0]), try #require(targets[2]), try #require(targets[4]))
        #expect(targets == [first, first, second, second, copy] && Set([first, second, copy]).count == 3)
        // Each copy's first proof made its mask inline, its second took one prepared for the copy.
        let (prepared, inline) = (await worker.preparedMaskProofs, await worker.inlineMaskProofs)
        #expect(prepared == 2 && inline == 3)
        await worker.waitForMaskRefills()
        try await Task.sleep(for: .milliseconds(50))  // the discard runs on the supply's actor
        #expect(await supply.readyCount(modelID: id) == 0)  // never proven against: none made
        #expect(await supply.take(modelID: id) == nil)
        #expect(await supply.readyCount(modelID: first) == 0)  // retired: dropped, not refilled
        #expect(await supply.readyCount(modelID: second) == 0)
        #expect(await supply.readyCount(modelID: copy) == supply.masksPerModel)
        #expect(await supply.reservedBytes == supply.heldBytes)
    }

    @Test func forgedTamperedReplayedAndOverlongLinksAreRejected() async throws {
        let (a, b, auditorDirectory) = (Self.directory(), Self.directory(), Self.directory())
        defer { for d in [a, b, auditorDirectory] { try? FileManager.default.removeItem(atPath: d) } }
        let input = try Self.file("digits_mlp.input.json")
        let (auditor, id) = try await Self.registered(auditorDirectory)
        // 4 units: each copy serves 2 jobs, so the 4th proof names copy 2 through 2 links.
        let (first, _) = try await Self.registered(a, .enforce(cap: 4))
        let (second, _) = try await Self.registered(b, .enforce(cap: 4))
        var proofs: [ProvenOutput] = [], others: [ProvenOutput] = []
        for _ in 0..<4 {
            proofs.append(try await first.prove(modelID: id, input: input, privateInputSeed: nil))
            others.append(try await second.prove(modelID: id, input: input, privateInputSeed: nil))
        }
        let p = proofs[3], copy = try #require(p.weightCopyID)
        #expect(p.links.count == 2)
        func rejects(_ links: [[UInt8]], copyID: [UInt8]? = nil, _ comment: Comment) async {
            await #expect(throws: (any Error).self, comment) {
                try await auditor.verify(modelID: id, copyID: copyID ?? copy, links: links, input: .plain(input), output: p.output, proof: p.proof)
            }
        }
        // A job proof naming a copy with no link to it.
        await rejects([], "no links")
        await rejects([p.links[0]], "the chain stops short of the copy")
        // A tampered link: one byte of the link proof flipped (the last byte).
        var tampered = p.links[1]
        tampered[tampered.count - 1] ^= 1
        await rejects([p.links[0], tampered], "tampered link")
        // A link from the wrong model: the copy-to-copy link presented as starting at the registered model.
        await rejects([p.links[1]], "link from another commitment")
        var relabeled = p.links[1]
        relabeled.replaceSubrange(5..<37, with: id)
        await rejects([relabeled], "a link whose from id was rewritten")
        // A replayed link: another worker's chain of the same model leads to another copy.
        await rejects(others[3].links, "another worker's links")
        await rejects([others[3].links[0], p.links[1]], "links of two chains")
        // The chain length bound.
        await rejects(Array(repeating: p.links[0], count: ZKMLProofBackend.maxLinkChain + 1), "over-long chain")
        // Nothing above was cached as verified for this copy's chain except real links; the real chain verifies.
        try await auditor.verify(modelID: id, copyID: copy, links: p.links, input: .plain(input), output: p.output, proof: p.proof)
        // A wrong output against a real chain.
        var wrong = p.output
        wrong[0] &+= 1
        await #expect(throws: (any Error).self) {
            try await auditor.verify(modelID: id, copyID: copy, links: p.links, input: .plain(input), output: wrong, proof: p.proof)
        }
    }

    @Test func aModelThatCannotBeCopiedKeepsTheRegisteredBudgetAndRefusesBeyondIt() async throws {
        let directory = Self.directory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let input = try Self.file("digits_mlp.input.json")
        // 2 units: too few for a copy (its incoming link, a job, its outgoing link).
        let id: [UInt8]
        do {
        let (worker, registered) = try await Self.registered(directory, .enforce(cap: 2))
        id = registered
        #expect(await worker.proofsLeft(modelID: id) == 2)
        for _ in 0..<2 {
            let proven = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            #expect(proven.weightCopyID == nil)
        }
        #expect(await worker.proofsLeft(modelID: id) == 0)
        do {
            _ = try await worker.prove(modelID: id, input: input, privateInputSeed: nil)
            Issue.record("proved beyond the budget")
        } catch let spent as WeightBudgetSpent {
            #expect(spent.used == 2 && spent.limit == 2 && spent.modelID == id)
            #expect(spent.description.contains("weight privacy budget"))
        }
        #expect(try worker.weightBudget?.used(id) == 2)  // the refusal counted nothing
        #expect(try await worker.copyChain(modelID: id) == [id])
        }
        // A restart keeps the count.
        let again = try ZKMLProofBackend(dataDirectory: directory, weightMaskBudget: 0, weightBudget: .enforce(cap: 2))
        #expect(await again.proofsLeft(modelID: id) == 0)
        await #expect(throws: WeightBudgetSpent.self) {
            _ = try await again.prove(modelID: id, input: input, privateInputSeed: nil)
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
        // `off` keeps proving against the registered commitment itself, no copies.
        for _ in 0..<2 {
            let proven = try await off.prove(modelID: model.id, input: input, privateInputSeed: nil)
            #expect(proven.weightCopyID == nil && proven.links.isEmpty)
        }
        #expect(try await off.copyChain(modelID: model.id) == [model.id])
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
