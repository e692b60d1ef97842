import Foundation
import Market
import Models
import Sodium
import Synchronization
import ZKML

/// The market's proof backend over ZKML: models live in the node's `ModelStore`
/// (`DATA_DIR/models/<id>/`), travel as `ModelPackage`s, inputs are EZKL JSON. Proving and
/// verifying run on a Dispatch worker, never on Swift's cooperative pool (a proof takes seconds
/// and would stall the node's networking otherwise). The market sees proofs only as bytes.
public actor ZKMLProofBackend: ProofBackend {
    public nonisolated let supportedOps: [String] = ["Gemm", "MatMul", "Conv", "Relu", "MaxPool", "Flatten", "Reshape", "Identity", "Constant"]

    let store: ModelStore
    let marketDirectory: String
    var provers: [[UInt8]: ProverModel] = [:]
    var keys: [[UInt8]: VerifierKey] = [:]
    var infos: [[UInt8]: MarketModel] = [:]
    var metadata: [[UInt8]: QuantizationMetadata] = [:]
    var packages: [[UInt8]: [UInt8]] = [:]
    /// Test only: sleep this long before proving (lets a test kill a worker mid-proof).
    let proveDelayMs: UInt64
    /// The weights' per-proof opening masks, made ahead while this backend is idle (docs/ZK.md §9):
    /// a proof takes one when ready and makes its own inline otherwise. Each is used by one proof.
    public nonisolated let weightMasks: WeightMaskSupply
    /// Proofs and verifications in flight: masks are made only while it is 0.
    var busy = 0
    /// Models whose masks want refilling (the models known here, most recently proven last).
    var refillWanted: [[UInt8]] = []
    var refilling = false
    /// When the last proof or verification ended; masks are made only after `maskIdleDelay` of quiet
    /// (the result of a proof is still being published right after it, and a mask made then would
    /// only move its cost from the proof onto the job's latency).
    var lastWork = ContinuousClock.now
    /// The quiet spell before masks are made (default 50 ms).
    public nonisolated let maskIdleDelay: Duration
    /// Proofs made with a prepared mask, and with the mask made inside the proof.
    public private(set) var preparedMaskProofs = 0
    public private(set) var inlineMaskProofs = 0
    /// The count of zero-knowledge proofs made against each commitment (LMDB), nil when the budget is
    /// not enforced (`WeightBudgetPolicy.off`).
    public nonisolated let weightBudget: WeightBudgetStore?
    /// The most zero-knowledge proofs made against one commitment: the smaller of its own
    /// `weightPrivacyBudget.proofs` and this cap (nil: no cap).
    public nonisolated let weightBudgetCap: Int?
    /// Each registered model's chain of weight copies on this worker (docs/MARKET.md "Weight copies").
    var chains: [[UInt8]: [ChainElement]] = [:]
    /// Models whose copies cannot be made or linked, with the reason (their budget is the registered
    /// commitment's alone).
    var copiesUnavailable: [[UInt8]: String] = [:]
    /// Verified link files by hash: the id they link from and the copy's key (bounded: cleared at 4096).
    var verifiedLinks: [[UInt8]: (from: [UInt8], key: VerifierKey)] = [:]
    /// Links this worker made, and link files this node verified (not counting cache hits).
    public internal(set) var linksMade = 0
    /// Of `linksMade`, those whose copy and link were made ahead, off the job path.
    public internal(set) var copiesMadeAhead = 0
    /// Rotations that completed a copy whose seed an interrupted rotation had written (a crash or
    /// a failed write between its files), instead of making a new one.
    public internal(set) var copiesRestored = 0
    /// The next copy and its link, made ahead for a model's chain (used at the next rotation when
    /// they start from the chain's last commitment).
    var pendingCopies: [[UInt8]: PendingCopy] = [:]
    /// Models whose next copy is being made.
    var preparingCopies: Set<[UInt8]> = []
    public internal(set) var verifiedLinkCount = 0
    /// Test only: making a weight copy fails, as for a model whose copies cannot be made.
    nonisolated let testCopyFailure: Bool
    /// The most links a result of this worker names (`maxLinkChain`, the verifiers' bound, unless a
    /// test lowers it): a copy chain at this many links restarts from the registered commitment.
    public nonisolated let linkChainBound: Int

    /// `weightMaskBudget`: the bytes of prepared weight masks this backend may hold
    /// (`WeightMaskSupply.byteBudget`; 0 makes every mask inside its proof). `weightBudget`: whether
    /// zero-knowledge proofs are counted per commitment and refused once its hiding budget is spent
    /// (docs/MARKET.md "Weight privacy budget"; counts in `DATA_DIR/market/weight-budget/`).
    /// `linkChainBound` (tests lower it): the most links a result names, clamped to
    /// 1 ... `maxLinkChain`. `testCopyFailure` (tests only): every weight copy fails to be made.
    public init(dataDirectory: String, proveDelayMs: UInt64 = 0, weightMaskBudget: Int = WeightMaskSupply.defaultByteBudget,
                maskIdleDelay: Duration = .milliseconds(50), weightBudget: WeightBudgetPolicy = .modelBudget,
                linkChainBound: Int = MarketEngine.maxLinkChain, testCopyFailure: Bool = false) throws {
        self.maskIdleDelay = maskIdleDelay
        self.testCopyFailure = testCopyFailure
        self.linkChainBound = min(max(1, linkChainBound), MarketEngine.maxLinkChain)
        switch weightBudget {
        case .off: (self.weightBudget, weightBudgetCap) = (nil, nil)
        case let .enforce(cap):
            self.weightBudget = try WeightBudgetStore(directory: dataDirectory + "/market/weight-budget")
            weightBudgetCap = cap
        }
        store = ModelStore(dataDirectory: dataDirectory)
        marketDirectory = dataDirectory + "/market/models"
        self.proveDelayMs = proveDelayMs
        weightMasks = WeightMaskSupply(byteBudget: weightMaskBudget)
        try FileManager.default.createDirectory(atPath: marketDirectory, withIntermediateDirectories: true)
    }

    /// Imports, quantizes and commits an ONNX model (with its calibration samples), stores it and
    /// returns it. Registering the same model twice gives the same id.
    public func register(onnx: [UInt8], calibration: [UInt8]) async throws -> MarketModel {
        let summary = try ModelSummary.inspect(bytes: onnx)
        if let refusal = summary.refusal { throw refusal }
        let scratch = NSTemporaryDirectory() + "/ciro-register-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        try Data(onnx).write(to: URL(fileURLWithPath: scratch + "/model.onnx"))
        try Data(calibration).write(to: URL(fileURLWithPath: scratch + "/model.calib.json"))
        let store = self.store
        let prover = try await Self.offload {
            let loaded = try LoadedModel(onnxPath: scratch + "/model.onnx", calibrationPath: scratch + "/model.calib.json")
            try store.save(loaded.prover)
            return loaded.prover
        }
        return try remember(prover, macs: UInt64(max(1, summary.macCount)))
    }

    public func model(_ id: [UInt8]) async -> MarketModel? {
        if let info = infos[id] { return info }
        // A model registered by `ciro model register` (or before a restart): load it once.
        guard FileManager.default.fileExists(atPath: store.directory(for: id) + "/weights.bin") else { return nil }
        let store = self.store
        guard let prover = try? await Self.offload({ try store.proverModel(id: id) }) else { return nil }
        let macs = storedMacs(id) ?? UInt64(max(1, prover.weights.matrices.reduce(0) { $0 + $1.count }))
        return try? remember(prover, macs: macs)
    }

    public func modelFile(_ id: [UInt8]) async -> [UInt8]? {
        guard let info = await model(id) else { return nil }
        return packages[info.blobID]
    }

    public func install(modelID id: [UInt8], file: [UInt8]) async throws -> MarketModel {
        if let info = await model(id) { return info }
        let package = try ModelPackage(decoding: file)
        let directory = store.directory(for: id)
        let staging = directory + ".incoming-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: staging, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: staging) }
        try Data(package.architecture).write(to: URL(fileURLWithPath: staging + "/architecture.bin"))
        try Data(package.metadata).write(to: URL(fileURLWithPath: staging + "/metadata.bin"))
        try Data(package.weights).write(to: URL(fileURLWithPath: staging + "/weights.bin"))
        // Recommit in a scratch store that looks up `id` in the staging folder, then check the id.
        let scratch = ModelStore(dataDirectory: NSTemporaryDirectory() + "/ciro-install-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: scratch.root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: (scratch.root as NSString).deletingLastPathComponent) }
        try FileManager.default.moveItem(atPath: staging, toPath: scratch.directory(for: id))
        let store = self.store
        let prover = try await Self.offload {
            let model = try scratch.proverModel(id: id)  // throws unless the weights commit to `id`
            try store.save(model)
            return model
        }
        return try remember(prover, macs: package.macs)
    }

    public func prove(modelID: [UInt8], input: [UInt8], privateInputSeed: [UInt8]?) async throws -> ProvenOutput {
        let (prover, meta) = try await loaded(modelID)
        let quantized = try meta.quantizeInputs(try Self.decodeInput(input))
        let options = privateInputSeed.map { ProofOptions(privacy: Privacy(privateInput: true), ioOpeningSeed: $0) } ?? .default
        if proveDelayMs > 0 { try await Task.sleep(for: .milliseconds(proveDelayMs)) }
        // Count the proof durably before making it, against the commitment it will use (the
        // registered one or the current copy); refuse once the budget is spent.
        let (target, links) = options.zeroKnowledge ? try reserveJobProof(prover) : (prover, [])
        busy += 1
        defer {
            // Masks are refilled for the commitment proven against (a copy's too).
            if target.modelID != modelID { provers[target.modelID] = target }
            finishedWork(refill: target.modelID)
            if options.zeroKnowledge { prepareNextCopy(prover) }
        }
        // Market proofs are zero-knowledge: a prepared mask (taken, so never handed out again) or none.
        let mask = options.zeroKnowledge ? await weightMasks.take(modelID: target.modelID) : nil
        if mask != nil { preparedMaskProofs += 1 } else { inlineMaskProofs += 1 }
        return try await Self.offload {
            // The prover reports its stages; the first one ("inference") ends when the next begins.
            let stages = Mutex<[UInt64]>([])
            let started = DispatchTime.now().uptimeNanoseconds
            let r = try ZKMLProver.proveWithOpening(model: target, input: quantized, options: options, weightMask: mask) { _ in
                stages.withLock { $0.append(DispatchTime.now().uptimeNanoseconds) }
            }
            let (output, proof) = (r.output, r.proof)
            let now = DispatchTime.now().uptimeNanoseconds
            let marks = stages.withLock { $0 }
            let inference = marks.count >= 2 ? (marks[1] - marks[0]) / 1000 : 0
            return ProvenOutput(output: output, outputScaleBits: Int32(clamping: meta.outputExponent), proof: proof,
                                inferenceMicroseconds: inference, provingMicroseconds: (now - started) / 1000,
                                weightCopyID: target.modelID == modelID ? nil : target.modelID, links: links)
        }
    }

    public func privateInputCommitment(modelID: [UInt8], input: [UInt8], seed: [UInt8]) async throws -> [UInt8] {
        let (prover, meta) = try await loaded(modelID)
        let quantized = try meta.quantizeInputs(try Self.decodeInput(input))
        let key = keys[modelID] ?? prover.verifierKey()
        return try await Self.offload { try ZKMLProver.privateInputCommitment(key: key, input: quantized, seed: seed) }
    }

    /// A private input is checked against the commitment the requester signed: the proof must
    /// state a private input, a public output and exactly that commitment in its header.
    public func verify(modelID: [UInt8], input: ProofInput, output: [Int64], proof: [UInt8]) async throws {
        _ = try await loaded(modelID)
        busy += 1
        defer { finishedWork(refill: nil) }
        guard let key = keys[modelID], let meta = metadata[modelID] else {
            throw ZKMLError.badInput("model \(Hex.encode(Array(modelID.prefix(8)))) is not on this node")
        }
        try await verify(key: key, meta: meta, input: input, output: output, proof: proof)
    }

    /// Verifies a proof against `key` (the registered model's or a copy's).
    func verify(key: VerifierKey, meta: QuantizationMetadata, input: ProofInput, output: [Int64], proof: [UInt8]) async throws {
        switch input {
        case let .plain(bytes):
            let quantized = try meta.quantizeInputs(try Self.decodeInput(bytes))
            try await Self.offload { try ZKMLVerifier.verify(key: key, input: quantized, output: output, proof: proof) }
        case let .committed(commitment):
            let header = try ProofHeader.parse(proof).header
            guard header.privacy == Privacy(privateInput: true) else {
                throw ZKMLError.wrongStatement("a private-input job needs a proof with a private input and a public output, got \(header.privacy)")
            }
            guard header.ioCommitment == commitment else {
                throw ZKMLError.wrongStatement("the proof commits to another input than the one the requester signed")
            }
            try await Self.offload { _ = try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: output, proof: proof) }
        }
    }

    /// Ends a proof or verification; once nothing is in flight, refills the weight masks (of
    /// `model` first when given).
    func finishedWork(refill model: [UInt8]?) {
        busy -= 1
        lastWork = .now
        if let model { wantMasks(model) }
        startRefills()
    }

    /// Queues a model for mask refills (moved to the front when already queued).
    func wantMasks(_ id: [UInt8]) {
        guard weightMasks.byteBudget > 0 else { return }
        refillWanted.removeAll { $0 == id }
        refillWanted.insert(id, at: 0)
    }

    /// Starts the background refill (which waits for a quiet spell) unless one runs, work is in
    /// flight, or nothing is wanted.
    func startRefills() {
        guard !refilling, busy == 0, !refillWanted.isEmpty else { return }
        refilling = true
        Task { await self.runRefills() }
    }

    /// Makes masks for the wanted models in turn once nothing has been in flight for
    /// `maskIdleDelay`; while work goes on it waits (a model interrupted by new work stays queued). A
    /// mask being made when a job arrives is finished (about 0.4–0.8 s of CPU for a 2^21-entry
    /// model; milliseconds for the digits models).
    func runRefills() async {
        while let id = refillWanted.first {
            while !isIdle {
                let quiet = lastWork + maskIdleDelay
                try? await Task.sleep(until: busy > 0 ? .now + maskIdleDelay : max(quiet, .now + .milliseconds(1)), clock: .continuous)
            }
            guard let prover = provers[id] else {
                refillWanted.removeFirst()
                continue
            }
            await weightMasks.refill(model: prover) { await self.isIdle }
            if isIdle { refillWanted.removeAll { $0 == id } }
        }
        refilling = false
    }

    /// Nothing in flight, and nothing for `maskIdleDelay`.
    var isIdle: Bool { busy == 0 && ContinuousClock.now >= lastWork + maskIdleDelay }

    /// Waits until no mask refill runs (tests and benchmarks; returns at once when none does).
    public func waitForMaskRefills() async {
        while refilling { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// The most zero-knowledge proofs this node makes against `prover`'s commitment.
    nonisolated func weightProofLimit(_ prover: ProverModel) -> Int {
        let own = prover.weightPrivacyBudget.proofs
        return weightBudgetCap.map { min($0, own) } ?? own
    }

    /// Zero-knowledge proofs this node may still make against the model: nil when not enforced, when
    /// the model is not here yet (so none made), or while a next copy can be linked (copies rotate);
    /// 0 when its chain cannot be read. The engine asks before it bids, so a model whose next job
    /// rotates gets its next copy made ahead here (the first copy too: copy first).
    public func proofsLeft(modelID: [UInt8]) async -> Int? {
        guard let weightBudget, await model(modelID) != nil, let prover = provers[modelID] else { return nil }
        guard let chain = try? chain(of: prover), let used = try? weightBudget.used(chain[chain.count - 1].prover.modelID) else { return 0 }
        let limit = weightProofLimit(prover), last = chain[chain.count - 1]
        guard copiesUnavailable[modelID] == nil && limit >= 3 else { return last.depth <= linkChainBound ? max(0, limit - used) : 0 }
        if (try? linkSource(chain, limit: limit)) != nil {
            prepareNextCopy(prover)
            return nil
        }
        // No next link (the registered commitment's units spent, the chain at its bound): the last
        // copy's jobs left, its last unit unused.
        return chain.count > 1 && last.depth <= linkChainBound ? max(0, limit - 1 - used) : 0
    }

    /// The prover model and quantization of a model known here.
    func loaded(_ modelID: [UInt8]) async throws -> (ProverModel, QuantizationMetadata) {
        guard await model(modelID) != nil, let prover = provers[modelID], let meta = metadata[modelID] else {
            throw ZKMLError.badInput("model \(Hex.encode(Array(modelID.prefix(8)))) is not on this node")
        }
        return (prover, meta)
    }

    /// Proves the built-in calibration model (`CalibrationModel`) once and checks the proof;
    /// the committing is not timed, the proving is (docs/MARKET.md, "Capacity ads").
    public func calibrate() async throws -> ProvingCalibration {
        try await Self.offload {
            let (architecture, weights) = try NetworkCompiler.compile(CalibrationModel.network())
            let model = try ProverModel(architecture: architecture, weights: weights)
            let input = CalibrationModel.input()
            let started = DispatchTime.now().uptimeNanoseconds
            let (output, proof) = try ZKMLProver.prove(model: model, input: input)
            let microseconds = (DispatchTime.now().uptimeNanoseconds - started) / 1000
            try ZKMLVerifier.verify(key: model.verifierKey(), input: input, output: output, proof: proof)
            return ProvingCalibration(macs: CalibrationModel.macs, provingMicroseconds: max(1, microseconds))
        }
    }

    /// Throws unless `input` (EZKL JSON) is an input of the model: one array per model input, each of
    /// its input's size.
    public func checkInput(modelID: [UInt8], input: [UInt8]) async throws {
        let (_, meta) = try await loaded(modelID)
        _ = try meta.quantizeInputs(try Self.decodeInput(input))
    }

    /// The output as real numbers (dequantized, every output with its own exponent, concatenated),
    /// when the model is known here.
    public func outputValues(modelID: [UInt8], output: [Int64]) -> [Float]? {
        guard let meta = metadata[modelID] else { return nil }
        return (try? meta.dequantizeOutputs(output))?.flatMap { $0 } ?? meta.dequantizeOutput(output)
    }

    /// An EZKL JSON input (`{"input_data": [[...], ...]}`, one flat array per model input) as floats.
    public static func decodeInput(_ bytes: [UInt8]) throws -> [[Float]] {
        let inputs = try EZKLData.inputs(json: bytes)
        guard !inputs.isEmpty else { throw ZKMLError.badInput("the input holds no tensor") }
        return inputs
    }

    func remember(_ prover: ProverModel, macs: UInt64) throws -> MarketModel {
        let id = prover.modelID
        let dir = store.directory(for: id)
        func read(_ name: String) throws -> [UInt8] {
            guard let data = FileManager.default.contents(atPath: dir + "/" + name) else { throw ZKMLError.storage("cannot read \(dir)/\(name)") }
            return [UInt8](data)
        }
        let package = ModelPackage(architecture: try read("architecture.bin"), metadata: try read("metadata.bin"),
                                   weights: try read("weights.bin"), macs: macs).encoded()
        let blobID = try Blake2b.hash(package)
        let info = MarketModel(id: id, blobID: blobID, macs: macs, ops: supportedOps)
        metadata[id] = try QuantizationMetadata(prover.metadata)
        provers[id] = prover
        keys[id] = prover.verifierKey()
        packages[blobID] = package
        infos[id] = info
        // An enforcing worker never proves against a linkable registered commitment (copy first):
        // its masks are made for its copies.
        if weightBudget == nil || weightProofLimit(prover) < 3 { wantMasks(id) }
        startRefills()
        try? Data("\(macs)\n".utf8).write(to: URL(fileURLWithPath: marketDirectory + "/" + Hex.encode(id) + ".macs"))
        return info
    }

    func storedMacs(_ id: [UInt8]) -> UInt64? {
        guard let data = FileManager.default.contents(atPath: marketDirectory + "/" + Hex.encode(id) + ".macs") else { return nil }
        return UInt64(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Runs CPU-heavy work on a Dispatch worker thread and waits for it without blocking the
    /// cooperative pool.
    static func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async {
                continuation.resume(with: Result { try work() })
            }
        }
    }
}
