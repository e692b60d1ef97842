import Wire

/// What a node knows about one job: the answer to `ciro job show` and the progress `--wait` prints.
public struct JobView: Sendable {
    public var offer: Ciro_V1_JobOffer
    public var phase: JobPhase
    public var bids: [Ciro_V1_Bid]
    public var awards: [Ciro_V1_Award]
    public var result: Ciro_V1_Result?
    public var proofVerifiedByRequester: Bool?
    public var attestations: [Ciro_V1_Attestation]
    public var settlement: Ciro_V1_Settlement?
    public var faults: [String]
    /// Human-readable events, oldest first, with Unix ms.
    public var events: [(ms: UInt64, text: String)]

    public var jobID: [UInt8] { Array(offer.jobID) }
}
