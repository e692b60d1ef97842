/// A node's market terms and timers (docs/MARKET.md, "Timers").
public struct MarketSettings: Sendable {
    /// Credits asked per 10^6 MACs.
    public var pricePerMegaMac: UInt64 = 10
    /// Jobs this node proves at once.
    public var maxJobs: UInt32 = 1
    /// Whether this node bids on jobs at all.
    public var sellsCapacity = true
    /// Bid window of the jobs this node offers: the longest the requester waits for bids.
    public var bidWindowMs: UInt64 = 1000
    /// The requester awards this long after the first bid at the latest (or at once when every
    /// live worker that can take the job has bid), without waiting for the whole window.
    public var bidGraceMs: UInt64 = 30
    /// Added to a winner's promised time before it counts as silent.
    public var resultGraceMs: UInt64 = 5000
    /// Promised time when no proving throughput has been measured yet.
    public var defaultPromisedMs: UInt64 = 30_000
    /// Bids never promise less than this (proving time per MAC differs between models).
    public var minPromisedMs: UInt64 = 10_000
    /// The calibrated proving estimate is multiplied by this in bids (a loaded machine is slower).
    public var promisedFactor: UInt64 = 3
    /// Margin added to the calibrated proving estimate in bids.
    public var promisedMarginMs: UInt64 = 1000
    /// After a result, how long designated auditors have before the next ranked ones audit.
    public var auditTimeoutMs: UInt64 = 10_000
    /// Capacity ad period; a node whose newest ad is older than 3 periods is not live.
    public var adIntervalMs: UInt64 = 5000
    /// Deadline of a job when the submitter gives none.
    public var defaultDeadlineMs: UInt64 = 120_000
    /// Whether `start()` runs a calibration proof (in the background) to advertise a measured
    /// proving throughput before the first job.
    public var calibrateAtStart = true
    /// Test only: as a worker, return a wrong output with a forged proof.
    public var cheat = false
    /// Test only: as a worker on a private-input job, prove with an opening seed of its own (a
    /// valid proof against another commitment than the one the requester signed).
    public var cheatCommitment = false
    /// Test only: as a worker, wait this long before sending a bid.
    public var testBidDelayMs: UInt64 = 0
    /// A result naming weight copy links that its worker does not serve (yet) is held: a link
    /// whose fetch fails is fetched again `linkRetryMs` later, until `linkFetchAttempts` fetches of
    /// the result's links have failed; then its proof is invalid (docs/MARKET.md "Weight copies").
    public var linkFetchAttempts = 10
    /// The wait after a failed link fetch before the next (see `linkFetchAttempts`).
    public var linkRetryMs: UInt64 = 500
    /// Test only: as a worker, serve a result's weight copy links this long after publishing the
    /// result instead of before (`UInt64.max`: never).
    public var testLinkDelayMs: UInt64 = 0

    public init() {}
}
