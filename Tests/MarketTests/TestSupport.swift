import Foundation
import Ledger
import Market
import Sodium
import Synchronization
import Wire

/// An in-process network for engine tests: routes messages between engines by node id, with a
/// switch to cut a node off (as if killed). The multi-process tests use the real overlay.
final class LocalHub: Sendable {
    let engines = Mutex<[[UInt8]: MarketEngine]>([:])
    let blobs = Mutex<[[UInt8]: [[UInt8]: [UInt8]]]>([:])
    let dead = Mutex<Set<[UInt8]>>([])
    /// Every blob fetch tried, found or not, in order: the fetching node and the blob id.
    let fetched = Mutex<[(node: [UInt8], id: [UInt8])]>([])

    func add(_ engine: MarketEngine) { engines.withLock { $0[engine.nodeID] = engine } }
    func kill(_ node: [UInt8]) { _ = dead.withLock { $0.insert(node) } }
    func isDead(_ node: [UInt8]) -> Bool { dead.withLock { $0.contains(node) } }

    func deliver(from sender: [UInt8], to targets: [[UInt8]], _ topic: Ciro_V1_Topic, _ body: [UInt8]) {
        guard !isDead(sender) else { return }
        let all = engines.withLock { $0 }
        for target in targets where target != sender && !isDead(target) {
            guard let engine = all[target] else { continue }
            Task { await engine.receive(topic: topic, body: body, sender: sender) }
        }
    }
}

struct HubNetwork: MarketNetwork {
    let hub: LocalHub
    let me: [UInt8]

    func publish(_ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        hub.deliver(from: me, to: Array(hub.engines.withLock { $0.keys }), topic, body)
    }

    func send(to node: [UInt8], _ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws {
        hub.deliver(from: me, to: [node], topic, body)
    }

    func serve(_ bytes: [UInt8]) async throws -> [UInt8] {
        let id = try Blake2b.hash(bytes)
        hub.blobs.withLock { $0[me, default: [:]][id] = bytes }
        return id
    }

    struct NotFound: Error {}

    func fetch(id: [UInt8], from node: [UInt8]) async throws -> [UInt8] {
        hub.fetched.withLock { $0.append((me, id)) }
        guard !hub.isDead(node), let bytes = hub.blobs.withLock({ $0[node]?[id] }), try Blake2b.hash(bytes) == id else {
            throw NotFound()
        }
        return bytes
    }
}

/// An in-memory journal (the real one is the LMDB ledger).
actor MemoryJournal: MarketJournal {
    var log: [LedgerRecord] = []
    var proofs: [[UInt8]: [UInt8]] = [:]
    var kept: [[UInt8]: [UInt8]] = [:]

    func record(_ records: [LedgerRecord]) async throws {
        for record in records {
            if case let .proof(bytes) = record { proofs[try Blake2b.hash(bytes)] = bytes } else { log.append(record) }
        }
    }

    func records() async throws -> [LedgerRecord] { log }
    func keepInput(jobID: [UInt8], bytes: [UInt8]) async throws { kept[jobID] = bytes }
    func inputs() async throws -> [(jobID: [UInt8], bytes: [UInt8])] { kept.map { ($0.key, $0.value) } }
    func proof(_ id: [UInt8]) async -> [UInt8]? { proofs[id] }
    func reputation(_ node: [UInt8]) async -> Int64? { nil }
}

/// A stand-in prover for engine tests only: the "model" is a file whose bytes are the model, the
/// output is a fixed function of the input, and the "proof" is a keyed hash binding model, input
/// and output, so a forged proof or a wrong output fails `verify`. It proves nothing about
/// computation; the multi-process tests use ZKML.
final class HashProofBackend: ProofBackend {
    struct Invalid: Error, CustomStringConvertible { var description: String { "proof does not verify" } }
    struct Unknown: Error {}

    struct CalibrationFailed: Error {}

    let file: [UInt8]
    let delayMs: UInt64
    let calibrationFails: Bool
    let installed = Mutex(false)
    /// As a worker: each proof names a stand-in weight copy and this many link files (0: none).
    let copyLinks: Int
    /// Proofs checked against a weight copy here (`verify(modelID:copyID:links:...)` calls).
    let copyVerifications = Mutex(0)

    init(file: [UInt8], preinstalled: Bool, delayMs: UInt64 = 20, calibrationFails: Bool = false, copyLinks: Int = 0) {
        self.file = file
        self.delayMs = delayMs
        self.calibrationFails = calibrationFails
        self.copyLinks = copyLinks
        installed.withLock { $0 = preinstalled }
    }

    /// The stand-in copy's id and its `count` link files (the n-th names its place in the chain).
    var copyID: [UInt8] { try! Blake2b.hash(Array("copy".utf8) + modelID) }
    func links(_ count: Int) -> [[UInt8]] { (0..<count).map { Array("link \($0) of ".utf8) + modelID } }

    var modelID: [UInt8] { try! Blake2b.hash([0x4D] + file) }
    var supportedOps: [String] { ["Gemm", "Relu"] }
    var info: MarketModel { MarketModel(id: modelID, blobID: try! Blake2b.hash(file), macs: 2_000_000, ops: supportedOps) }

    func model(_ id: [UInt8]) async -> MarketModel? { installed.withLock { $0 } && id == modelID ? info : nil }
    func modelFile(_ id: [UInt8]) async -> [UInt8]? { installed.withLock { $0 } && id == modelID ? file : nil }

    func install(modelID id: [UInt8], file bytes: [UInt8]) async throws -> MarketModel {
        guard id == modelID, try Blake2b.hash([0x4D] + bytes) == id else { throw Unknown() }
        installed.withLock { $0 = true }
        return info
    }

    static func output(_ input: [UInt8]) -> [Int64] { input.map { Int64($0) * 3 + 1 } }

    func proof(_ input: [UInt8], _ output: [Int64]) throws -> [UInt8] {
        var bytes = modelID + input
        for value in output { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        return try Blake2b.hash(bytes, length: 64)
    }

    /// A private input's stand-in commitment: a hash of seed and input.
    func privateInputCommitment(modelID: [UInt8], input: [UInt8], seed: [UInt8]) async throws -> [UInt8] {
        try Blake2b.hash(Array("input".utf8) + seed + input)
    }

    /// With a seed, the "proof" binds the commitment instead of the input: commitment || hash.
    func prove(modelID: [UInt8], input: [UInt8], privateInputSeed: [UInt8]?) async throws -> ProvenOutput {
        try await Task.sleep(for: .milliseconds(delayMs))
        let output = Self.output(input)
        let proof: [UInt8]
        if let seed = privateInputSeed {
            let commitment = try await privateInputCommitment(modelID: modelID, input: input, seed: seed)
            proof = commitment + (try committedProof(commitment, output))
        } else {
            proof = try self.proof(input, output)
        }
        return ProvenOutput(output: output, outputScaleBits: 0, proof: proof, inferenceMicroseconds: 1, provingMicroseconds: delayMs * 1000,
                            weightCopyID: copyLinks > 0 ? copyID : nil, links: links(copyLinks))
    }

    func copyLinks(modelID: [UInt8]) async -> [[UInt8]] { modelID == self.modelID ? links(copyLinks) : [] }

    /// A stand-in chain: the links must be exactly this model's first `links.count` and name its copy.
    func verify(modelID: [UInt8], copyID: [UInt8], links: [[UInt8]], input: ProofInput, output: [Int64], proof: [UInt8]) async throws {
        copyVerifications.withLock { $0 += 1 }
        guard copyID == self.copyID, !links.isEmpty, links == self.links(links.count) else { throw Invalid() }
        try await verify(modelID: modelID, input: input, output: output, proof: proof)
    }

    func committedProof(_ commitment: [UInt8], _ output: [Int64]) throws -> [UInt8] {
        try proof(Array("committed".utf8) + commitment, output)
    }

    func verify(modelID: [UInt8], input: ProofInput, output: [Int64], proof given: [UInt8]) async throws {
        guard modelID == self.modelID else { throw Invalid() }
        switch input {
        case let .plain(bytes):
            guard try proof(bytes, output) == given else { throw Invalid() }
        case let .committed(commitment):
            guard given.count > 32, Array(given.prefix(32)) == commitment,
                  try committedProof(commitment, output) == Array(given.dropFirst(32)) else { throw Invalid() }
        }
    }

    /// A stand-in calibration: the model's MACs in `delayMs`.
    func calibrate() async throws -> ProvingCalibration {
        try await Task.sleep(for: .milliseconds(delayMs))
        if calibrationFails { throw CalibrationFailed() }
        return ProvingCalibration(macs: info.macs, provingMicroseconds: delayMs * 1000)
    }
}
