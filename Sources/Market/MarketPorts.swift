import Ledger
import Wire

/// What the market engine needs from the network (the gossip overlay implements it in Node).
/// Every message the engine sends is signed by the overlay with the node's key, and every message
/// it receives has had its signature checked: `sender` is authenticated.
public protocol MarketNetwork: Sendable {
    /// Gossips `body` under `topic` to every node.
    func publish(_ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws
    /// Sends `body` to one node only.
    func send(to node: [UInt8], _ topic: Ciro_V1_Topic, _ body: [UInt8]) async throws
    /// Serves `bytes` to peers by their BLAKE2b-256 id (returned).
    func serve(_ bytes: [UInt8]) async throws -> [UInt8]
    /// Fetches a blob by id from `node`, checked against the id.
    func fetch(id: [UInt8], from node: [UInt8]) async throws -> [UInt8]
}

/// A model the local prover knows.
public struct MarketModel: Sendable, Equatable {
    /// The model id (its commitment id).
    public var id: [UInt8]
    /// BLAKE2b-256 of the model file, the id it is fetched by.
    public var blobID: [UInt8]
    /// Multiply-accumulates of one inference: the units of work.
    public var macs: UInt64
    /// Ops the model uses.
    public var ops: [String]

    public init(id: [UInt8], blobID: [UInt8], macs: UInt64, ops: [String]) {
        self.id = id
        self.blobID = blobID
        self.macs = macs
        self.ops = ops
    }
}

/// A proven inference.
public struct ProvenOutput: Sendable, Equatable {
    public var output: [Int64]
    public var outputScaleBits: Int32
    public var proof: [UInt8]
    public var inferenceMicroseconds: UInt64
    public var provingMicroseconds: UInt64
    /// The model id of the re-randomized weight copy the proof is against (nil: the offer's model).
    public var weightCopyID: [UInt8]?
    /// The link files chaining the offer's model to that copy, in order (docs/MARKET.md "Weight copies").
    public var links: [[UInt8]]

    public init(output: [Int64], outputScaleBits: Int32, proof: [UInt8], inferenceMicroseconds: UInt64, provingMicroseconds: UInt64,
                weightCopyID: [UInt8]? = nil, links: [[UInt8]] = []) {
        self.output = output
        self.outputScaleBits = outputScaleBits
        self.proof = proof
        self.inferenceMicroseconds = inferenceMicroseconds
        self.provingMicroseconds = provingMicroseconds
        self.weightCopyID = weightCopyID
        self.links = links
    }
}

/// One timed proof of a known amount of work: what a node's advertised proving throughput is
/// measured from.
public struct ProvingCalibration: Sendable, Equatable {
    /// Multiply-accumulates of the proven inference.
    public var macs: UInt64
    /// Time spent proving it.
    public var provingMicroseconds: UInt64

    public init(macs: UInt64, provingMicroseconds: UInt64) {
        self.macs = macs
        self.provingMicroseconds = provingMicroseconds
    }

    /// MACs proven per second (at least 1).
    public var macsPerSecond: UInt64 {
        guard provingMicroseconds > 0 else { return 1 }
        return max(1, UInt64(min(Double(UInt64.max / 2), Double(macs) * 1_000_000 / Double(provingMicroseconds))))
    }
}

/// The input a proof must state: what a verifier of a job holds.
public enum ProofInput: Sendable, Equatable {
    /// A public input (the input file, in the offer): the proof states it in the clear.
    case plain([UInt8])
    /// A private input: the proof must state this hiding commitment (the one the requester
    /// computed and signed in its offer) and nothing about the input itself.
    case committed([UInt8])
}

/// What the market needs from the proof system (ZKML implements it in Node). Inputs are opaque
/// bytes (the job's input file); the backend decodes and quantizes them.
public protocol ProofBackend: Sendable {
    /// Ops this node can prove.
    var supportedOps: [String] { get }
    /// A model known locally, if any.
    func model(_ id: [UInt8]) async -> MarketModel?
    /// The model file bytes, to serve to other nodes.
    func modelFile(_ id: [UInt8]) async -> [UInt8]?
    /// Installs fetched model bytes; throws unless they commit to `id`.
    func install(modelID id: [UInt8], file: [UInt8]) async throws -> MarketModel
    /// Runs the integer inference and proves it. `privateInputSeed` nil: the proof states the
    /// input in the clear. Otherwise the proof keeps the input private and its statement carries
    /// the hiding commitment `privateInputCommitment(modelID:input:seed:)` gives for this seed.
    func prove(modelID: [UInt8], input: [UInt8], privateInputSeed: [UInt8]?) async throws -> ProvenOutput
    /// The hiding commitment to a private input under an opening seed (32 bytes): what the
    /// requester puts in a private-input offer, before any worker is chosen.
    func privateInputCommitment(modelID: [UInt8], input: [UInt8], seed: [UInt8]) async throws -> [UInt8]
    /// Verifies a proof that the model on `input` outputs `output`; throws with the reason if not.
    func verify(modelID: [UInt8], input: ProofInput, output: [Int64], proof: [UInt8]) async throws
    /// Proves a small built-in model once and reports the work and the time (the calibration
    /// proof a node runs at start, before its first job).
    func calibrate() async throws -> ProvingCalibration
    /// Zero-knowledge proofs this node may still make against the model's commitment before its
    /// weight privacy budget is spent (docs/MARKET.md "Weight privacy budget"); nil when unbounded
    /// or not known yet. A worker does not bid for a job whose model has none left.
    func proofsLeft(modelID: [UInt8]) async -> Int?
    /// Verifies a proof against the weight copy that `links` (link files, in order) chain the model to;
    /// throws unless every link verifies, the chain ends at `copyID` and the proof verifies against it.
    func verify(modelID: [UInt8], copyID: [UInt8], links: [[UInt8]], input: ProofInput, output: [Int64], proof: [UInt8]) async throws
    /// The link files of this worker's weight copies of the model, to serve again after a restart
    /// (served blobs live in memory) for a result that names them; empty when it has none.
    func copyLinks(modelID: [UInt8]) async -> [[UInt8]]
}

extension ProofBackend {
    /// No budget enforced.
    public func proofsLeft(modelID: [UInt8]) async -> Int? { nil }
    /// No weight copies.
    public func copyLinks(modelID: [UInt8]) async -> [[UInt8]] { [] }
    /// Weight copies unsupported: refused.
    public func verify(modelID: [UInt8], copyID: [UInt8], links: [[UInt8]], input: ProofInput, output: [Int64], proof: [UInt8]) async throws {
        throw MarketError.invalidMessage(kind: "result", reason: "this node's prover does not verify weight copies")
    }
}

/// Where the market records what happens (the LMDB ledger implements it in Node). Records are
/// the ledger's own `LedgerRecord`s, the same values its hash-chained log holds.
public protocol MarketJournal: Sendable {
    /// Records durably, in order, before returning (in one write where the store allows).
    func record(_ records: [LedgerRecord]) async throws
    /// Every record so far, oldest first, proofs and models left out (to resume after a restart).
    func records() async throws -> [LedgerRecord]
    /// Keeps a job's input as the requester or winner holds it (not a ledger record: a private
    /// input must not be in a log others may read), so the job resumes after a restart.
    func keepInput(jobID: [UInt8], bytes: [UInt8]) async throws
    /// Every kept input.
    func inputs() async throws -> [(jobID: [UInt8], bytes: [UInt8])]
    /// A stored proof by id.
    func proof(_ id: [UInt8]) async -> [UInt8]?
    /// A node's reputation score as derived from the log (docs/LEDGER.md, "Reputation and
    /// balances"); nil when this journal derives none (the engine then applies the same rules
    /// to the records it saw).
    func reputation(_ node: [UInt8]) async -> Int64?
}
