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

    public init(output: [Int64], outputScaleBits: Int32, proof: [UInt8], inferenceMicroseconds: UInt64, provingMicroseconds: UInt64) {
        self.output = output
        self.outputScaleBits = outputScaleBits
        self.proof = proof
        self.inferenceMicroseconds = inferenceMicroseconds
        self.provingMicroseconds = provingMicroseconds
    }
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
    /// Runs the integer inference and proves it.
    func prove(modelID: [UInt8], input: [UInt8]) async throws -> ProvenOutput
    /// Verifies a proof that the model on `input` outputs `output`; throws with the reason if not.
    func verify(modelID: [UInt8], input: [UInt8], output: [Int64], proof: [UInt8]) async throws
}

/// One thing the market records. The ledger stores each in its store and appends it to the
/// hash-chained log; `envelope` is the peer's signed envelope when the record came from a peer.
public enum MarketEntry: Sendable, Equatable {
    case offer(Ciro_V1_JobOffer)
    case bid(Ciro_V1_Bid)
    case award(Ciro_V1_Award)
    case result(Ciro_V1_Result)
    case proof([UInt8])
    case attestation(Ciro_V1_Attestation)
    case settlement(Ciro_V1_Settlement)
    case capacity(Ciro_V1_CapacityAd)
    case fault(jobID: [UInt8], worker: [UInt8], round: UInt32, reason: String, atMs: UInt64)
    case expiry(jobID: [UInt8], reason: String, atMs: UInt64)
    /// The job input as the requester or winner holds it (kept locally so jobs resume after restart).
    case input(jobID: [UInt8], bytes: [UInt8])

    /// The job this entry belongs to, if any.
    public var jobID: [UInt8]? {
        switch self {
        case let .offer(m): Array(m.jobID)
        case let .bid(m): Array(m.jobID)
        case let .award(m): Array(m.jobID)
        case let .result(m): Array(m.jobID)
        case let .attestation(m): Array(m.jobID)
        case let .settlement(m): Array(m.jobID)
        case let .fault(id, _, _, _, _), let .expiry(id, _, _), let .input(id, _): id
        case .proof, .capacity: nil
        }
    }
}

extension MarketJournal {
    public func record(batch: [MarketEntry]) async throws {
        for entry in batch { try await record(entry) }
    }
}

/// Where the market records what happens (the ledger implements it in Node).
public protocol MarketJournal: Sendable {
    /// Records an entry durably before returning.
    func record(_ entry: MarketEntry) async throws
    /// Records entries durably, in order, before returning (one write where the store allows).
    func record(batch: [MarketEntry]) async throws
    /// Every entry recorded so far, oldest first (to resume after a restart).
    func entries() async throws -> [MarketEntry]
    /// A stored proof by id.
    func proof(_ id: [UInt8]) async -> [UInt8]?
}
