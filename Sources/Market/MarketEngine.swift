import Foundation
import Ledger
import Logging
import Sodium
import SwiftProtobuf
import Wire

/// The market of one node: requester, worker and auditor at once (docs/MARKET.md).
///
/// Inbound messages arrive through `receive` (already signature-checked by the overlay, so
/// `sender` is authenticated). Every accepted message and every local decision is recorded in the
/// journal before the engine acts on it, and `start()` rebuilds the state from the journal, so
/// in-flight jobs resume after a restart.
public actor MarketEngine {
    enum Timer: Hashable, Sendable {
        case bidWindow([UInt8])
        case resultDue([UInt8], UInt32)
        case audit([UInt8], UInt32)
        case deadline([UInt8])
        /// The worker publishes its result again while the job is open (a requester that was
        /// down, or a publish made before the node had links, would miss it otherwise).
        case republish([UInt8], UInt32)
        /// The requester publishes its award again while no result came (a winner that restarted
        /// before recording the award would miss it otherwise).
        case repeatAward([UInt8], UInt32)
        /// Drops early messages that waited too long (armed while any are kept).
        case pruneParked
    }

    struct Job {
        var offer: Ciro_V1_JobOffer
        var machine: JobMachine
        var bids: [[UInt8]: Ciro_V1_Bid] = [:]
        var faulted: Set<[UInt8]> = []
        var awards: [Ciro_V1_Award] = []
        var results: [UInt32: Ciro_V1_Result] = [:]
        var attestations: [UInt32: [[UInt8]: Ciro_V1_Attestation]] = [:]
        var input: [UInt8]?
        /// Private-input jobs: the opening seed of the offer's input commitment (the requester
        /// chose it; the winner receives it sealed with the input and proves with it).
        var inputSeed: [UInt8]?
        var requesterVerified: [UInt32: Bool] = [:]
        var settlement: Ciro_V1_Settlement?
        var faults: [String] = []
        var events: [(ms: UInt64, text: String)] = []
        var proving = false
        /// An award (or expiry) decision is being recorded: no second one may start.
        var awarding = false
        var auditing: Set<UInt32> = []
        var sealedPending: [UInt32: [UInt8]] = [:]
        /// The bid this node sent (as a worker): sent again when the requester repeats its offer
        /// after a restart inside the bid window (it may have missed it while down).
        var sentBid: Ciro_V1_Bid?
        /// Journal writes of received bids still in flight (the award waits for them).
        var bidWrites: [Task<Void, Never>] = []
        /// Journal writes of received attestations still in flight (the settlement waits for them).
        var attestationWrites: [Task<Void, Never>] = []
        /// Proofs fetched and verified here but not journaled yet: they are recorded together
        /// with this node's next record about the job (attestation, settlement or fault).
        var unrecordedProofs: [UInt32: [UInt8]] = [:]
        /// The check (fetch and verify) of each round's proof, started as soon as the result
        /// arrives and shared by the requester's verification and this node's audit.
        var checks: [UInt32: Task<ProofCheck, Never>] = [:]

        var id: [UInt8] { Array(offer.jobID) }
        var requester: [UInt8] { Array(offer.requester) }
        var currentAward: Ciro_V1_Award? { awards.last }
    }

    /// The outcome of checking a round's proof.
    struct ProofCheck: Sendable {
        enum Verdict: Sendable {
            case valid
            /// The proof does not verify (or could not be fetched from its worker).
            case invalid(String)
            /// This node cannot check it (e.g. a private input it does not hold): no verdict.
            case unavailable(String)
        }
        let verdict: Verdict
        /// Time spent fetching and verifying.
        let microseconds: UInt64
    }

    struct Parked {
        let topic: Ciro_V1_Topic
        let body: [UInt8]
        let sender: [UInt8]
        let envelope: [UInt8]?
        let atMs: UInt64
    }

    /// At most this many early messages are kept (all jobs together); more are dropped.
    static let parkedLimit = 4096
    /// Early messages are kept this long at most.
    static let parkedMaxAgeMs: UInt64 = 120_000

    public nonisolated let nodeID: [UInt8]
    let keys: Ed25519KeyPair
    let boxKeys: X25519KeyPair
    public let settings: MarketSettings
    let network: any MarketNetwork
    let backend: any ProofBackend
    let journal: any MarketJournal
    let logger: Logger
    let endpoint: String
    var capacity: Capacity

    var jobs: [[UInt8]: Job] = [:]
    var ads: [[UInt8]: (ad: Ciro_V1_CapacityAd, receivedMs: UInt64)] = [:]
    /// The newest journaled ad of each node (`adNeedsJournal`).
    var journaledAds: [[UInt8]: Ciro_V1_CapacityAd] = [:]
    var timers = DeadlineQueue<Timer>()
    /// The one sleeping task that fires the earliest timer (deadline-driven: no polling).
    var wakeTask: Task<Void, Never>?
    /// When `wakeTask` wakes up; nil when none sleeps.
    var wakeAtMs: UInt64?
    /// Bumped whenever `wakeTask` is replaced, so a superseded sleeper does nothing.
    var wakeGeneration: UInt64 = 0
    /// How many audit timeouts passed per (job, round): widens the auditor set.
    var auditEscalation: [Timer: Int] = [:]
    var reputation: [[UInt8]: Int64] = [:]
    /// Messages that arrived before a message they need, by job (`MarketError.early`).
    var parked: [[UInt8]: [Parked]] = [:]
    var parkedCount = 0
    /// Proof fetches in flight, by proof id.
    var proofFetches: [[UInt8]: Task<[UInt8], any Error>] = [:]
    /// Weight copy link files fetched for audits, by id (bounded: cleared at 4096).
    var links: [[UInt8]: [UInt8]] = [:]
    var balances: [[UInt8]: Int64] = [:]
    var activeJobs: UInt32 = 0
    var loops: [Task<Void, Never>] = []
    var stopped = false
    /// When `start()` ran: until 3 ad intervals later this node's market view is still filling.
    var startedMs: UInt64 = 0
    /// This node's own jobs found in their bid window at start: their offers are gossiped again
    /// when peers are heard from (workers then send their bids again: bids sent while this node
    /// was down are lost), at most once per ad interval, until the job leaves its bid window.
    var offersToRepeat: Set<[UInt8]> = []
    var offersRepeatedMs: UInt64 = 0

    public init(keys: Ed25519KeyPair, endpoint: String, settings: MarketSettings, capacity: Capacity,
                network: any MarketNetwork, backend: any ProofBackend, journal: any MarketJournal,
                logger: Logger = Logger(label: "ciro.market")) throws {
        self.keys = keys
        self.boxKeys = try keys.x25519()
        self.nodeID = keys.publicKey.bytes
        self.endpoint = endpoint
        self.settings = settings
        self.capacity = capacity
        self.network = network
        self.backend = backend
        self.journal = journal
        self.logger = logger
    }

    static func nowMs() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Lifecycle

    /// Replays the journal, re-arms timers, resumes in-flight work, and starts the ad and timer loops.
    public func start() async throws {
        startedMs = Self.nowMs()
        // Offers first: a worker journals an offer after bidding on it, so another record of the
        // job may precede it in the log, and every other record needs its job.
        let records = try await journal.records()
        for record in records { if case .offer = record { apply(record, replay: true) } }
        for record in records { if case .offer = record {} else { apply(record, replay: true) } }
        for (id, bytes) in try await journal.inputs() { attachInput(id, kept: bytes) }
        let now = Self.nowMs()
        for job in jobs.values where !job.machine.phase.isTerminal { rearm(job, now: now) }
        for job in jobs.values where !job.machine.phase.isTerminal { resume(job.id) }
        loops.append(Task { [weak self] in
            while let self, await !self.stopped {
                await self.publishAd()
                try? await Task.sleep(for: .milliseconds(self.settings.adIntervalMs))
            }
        })
        armWakeup()
        if settings.calibrateAtStart {
            let backend = self.backend, logger = self.logger
            loops.append(Task(priority: .utility) { [weak self] in
                do {
                    let calibration = try await backend.calibrate()
                    await self?.calibrated(calibration)
                } catch {
                    logger.warning("calibration proof failed: the proving throughput stays unmeasured until the first job", metadata: ["error": "\(error)"])
                }
            })
        }
    }

    /// The calibration proof finished: advertise its throughput at once, unless a real proof
    /// measured one already (a real job's figure is the better estimate).
    func calibrated(_ calibration: ProvingCalibration) async {
        guard !stopped else { return }
        logger.info("calibration proof", metadata: ["macs": "\(calibration.macs)", "us": "\(calibration.provingMicroseconds)",
                                                    "macsPerSecond": "\(calibration.macsPerSecond)"])
        guard capacity.provingMacsPerSecond == 0 else { return }
        capacity.provingMacsPerSecond = calibration.macsPerSecond
        await publishAd()
    }

    /// Stops the loops (in-flight proving tasks finish on their own).
    public func stop() {
        stopped = true
        for loop in loops { loop.cancel() }
        loops.removeAll()
        wakeTask?.cancel()
        wakeTask = nil
        wakeAtMs = nil
    }

    // MARK: Timers

    /// Schedules (or moves) a timer and makes sure a sleeper wakes up for it in time.
    func schedule(_ timer: Timer, atMs: UInt64) {
        timers.schedule(timer, atMs: atMs)
        armWakeup()
    }

    /// Makes the sleeper wake at the earliest due timer: replaces it when a timer is due earlier
    /// than it sleeps. The node sleeps while nothing is due (no periodic tick).
    func armWakeup() {
        guard !stopped, let next = timers.nextDueMs else { return }
        if let at = wakeAtMs, at <= next { return }
        wakeTask?.cancel()
        wakeGeneration &+= 1
        wakeAtMs = next
        let generation = wakeGeneration
        let delay = next &- min(next, Self.nowMs())
        wakeTask = Task { [weak self] in
            if delay > 0 {
                do { try await Task.sleep(for: .milliseconds(delay)) } catch { return }
            }
            await self?.wake(generation)
        }
    }

    /// The sleeper woke up: fires what is due and sleeps again until the next timer.
    func wake(_ generation: UInt64) async {
        guard generation == wakeGeneration, !stopped else { return }
        wakeTask = nil
        wakeAtMs = nil
        await fireDueTimers()
        armWakeup()
    }

    /// Sets the calibrated proving throughput advertised from now on.
    public func setProvingThroughput(_ macsPerSecond: UInt64) { capacity.provingMacsPerSecond = macsPerSecond }

    // MARK: Queries

    /// The live market: the newest ad of every node heard within 3 ad intervals (this node included).
    public func market() -> [Ciro_V1_CapacityAd] {
        let horizon = Self.nowMs() &- 3 * settings.adIntervalMs
        return ads.values.filter { $0.receivedMs >= horizon }.map(\.ad)
            .sorted { $0.nodeID.lexicographicallyPrecedes($1.nodeID) }
    }

    /// One job as this node sees it.
    public func job(_ id: [UInt8]) -> JobView? {
        guard let job = jobs[id] else { return nil }
        return view(job)
    }

    /// Every job this node knows, newest first.
    public func jobList() -> [JobView] {
        jobs.values.sorted { $0.offer.createdMs > $1.offer.createdMs }.map(view)
    }

    /// Credits as derived from the settlements this node recorded.
    public func balance(_ node: [UInt8]) -> Int64 { balances[node] ?? 0 }

    /// A node's reputation score as derived from this node's ledger (docs/LEDGER.md).
    public func reputationScore(_ node: [UInt8]) async -> Int64 {
        if let score = await journal.reputation(node) { return score }
        return reputation[node] ?? 0
    }

    func view(_ job: Job) -> JobView {
        // An expired job has no current round: show its last result.
        let round = job.machine.phase.round != 0 ? job.machine.phase.round : (job.results.keys.max() ?? 0)
        return JobView(offer: job.offer, phase: job.machine.phase,
                       bids: job.bids.values.sorted { $0.createdMs < $1.createdMs }, awards: job.awards,
                       result: job.results[round], proofVerifiedByRequester: job.requesterVerified[round],
                       attestations: Array((job.attestations[round] ?? [:]).values), settlement: job.settlement,
                       faults: job.faults, events: job.events)
    }

    // MARK: Inbound

    /// Handles one authenticated message from `sender`. Malformed or unauthorized messages are
    /// dropped (the returned error says why; the overlay may score the sender down).
    @discardableResult
    public func receive(topic: Ciro_V1_Topic, body: [UInt8], sender: [UInt8]) async -> MarketError? {
        guard !stopped else { return .invalidMessage(kind: "\(topic)", reason: "the engine is stopped") }
        let error = await handle(topic: topic, body: body, sender: sender)
        if case let .early(jobID, _, _) = error {
            park(jobID, Parked(topic: topic, body: body, sender: sender, envelope: InboundEnvelope.current, atMs: Self.nowMs()))
        } else if error == nil, let jobID = Self.jobID(topic, body), parked[jobID] != nil {
            await replayParked(jobID)
        }
        return error
    }

    func park(_ jobID: [UInt8], _ message: Parked) {
        guard parkedCount < Self.parkedLimit else { return }
        parked[jobID, default: []].append(message)
        parkedCount += 1
        if timers.dueTime(.pruneParked) == nil { schedule(.pruneParked, atMs: message.atMs &+ 1000) }
    }

    /// Handles the job's early messages again, as long as one of them gets through.
    func replayParked(_ jobID: [UInt8]) async {
        var progress = true
        while progress, let waiting = parked.removeValue(forKey: jobID) {
            parkedCount -= waiting.count
            progress = false
            let horizon = Self.nowMs() &- Self.parkedMaxAgeMs
            for message in waiting where message.atMs >= horizon {
                let error = await InboundEnvelope.$current.withValue(message.envelope) {
                    await handle(topic: message.topic, body: message.body, sender: message.sender)
                }
                if case .early = error { park(jobID, message) } else { progress = true }
            }
        }
    }

    /// Drops early messages of ended jobs and old ones.
    func pruneParked(now: UInt64) {
        let horizon = now &- Self.parkedMaxAgeMs
        for (id, waiting) in parked {
            let kept = (jobs[id]?.machine.phase.isTerminal ?? false) ? [] : waiting.filter { $0.atMs >= horizon }
            parkedCount -= waiting.count - kept.count
            parked[id] = kept.isEmpty ? nil : kept
        }
    }

    /// The job id of a market message, if it has one.
    static func jobID(_ topic: Ciro_V1_Topic, _ body: [UInt8]) -> [UInt8]? {
        let id: Data? = switch topic {
        case .jobOffer: try? Ciro_V1_JobOffer(serializedBytes: body).jobID
        case .bid: try? Ciro_V1_Bid(serializedBytes: body).jobID
        case .award: try? Ciro_V1_Award(serializedBytes: body).jobID
        case .sealedInput: try? Ciro_V1_SealedInput(serializedBytes: body).jobID
        case .result: try? Ciro_V1_Result(serializedBytes: body).jobID
        case .attestation: try? Ciro_V1_Attestation(serializedBytes: body).jobID
        case .settlement: try? Ciro_V1_Settlement(serializedBytes: body).jobID
        case .expiry: try? Ciro_V1_Expiry(serializedBytes: body).jobID
        default: nil
        }
        return id.map(Array.init)
    }

    func handle(topic: Ciro_V1_Topic, body: [UInt8], sender: [UInt8]) async -> MarketError? {
        do {
            switch topic {
            case .capacityAd: try await onAd(try decode(body), sender: sender)
            case .jobOffer: try await onOffer(try decode(body), sender: sender)
            case .bid: try await onBid(try decode(body), sender: sender)
            case .award: try await onAward(try decode(body), sender: sender)
            case .sealedInput: try await onSealedInput(try decode(body), sender: sender)
            case .result: try await onResult(try decode(body), sender: sender)
            case .attestation: try await onAttestation(try decode(body), sender: sender)
            case .settlement: try await onSettlement(try decode(body), sender: sender)
            case .expiry: try await onExpiry(try decode(body), sender: sender)
            default: throw MarketError.invalidMessage(kind: "\(topic)", reason: "not a market topic")
            }
            return nil
        } catch let error as MarketError {
            logger.debug("market message dropped", metadata: ["topic": "\(topic)", "reason": "\(error)"])
            return error
        } catch {
            return .invalidMessage(kind: "\(topic)", reason: "\(error)")
        }
    }

    func decode<M: SwiftProtobuf.Message>(_ body: [UInt8]) throws -> M {
        do { return try M(serializedBytes: body) } catch {
            throw MarketError.invalidMessage(kind: "\(M.self)", reason: "undecodable: \(error)")
        }
    }

    static func check(_ condition: Bool, _ kind: String, _ reason: @autoclosure () -> String) throws {
        if !condition { throw MarketError.invalidMessage(kind: kind, reason: reason()) }
    }

    func record(_ record: LedgerRecord) async throws {
        try await self.record(batch: [record])
    }

    /// Records in one journal write, then applies them in order.
    func record(batch: [LedgerRecord]) async throws {
        try await journal.record(batch)
        for record in batch { apply(record, replay: false) }
    }

    /// Keeps a job's input in the journal and attaches it to the job. A private input is kept
    /// with its opening seed (a serialized `PrivateInputOpening`).
    func keepInput(_ id: [UInt8], _ bytes: [UInt8]) async throws {
        try await journal.keepInput(jobID: id, bytes: bytes)
        attachInput(id, kept: bytes)
    }

    /// Attaches kept input bytes to the job: the input itself for a public job, an opening (input
    /// and seed) for a private one.
    func attachInput(_ id: [UInt8], kept bytes: [UInt8]) {
        guard let job = jobs[id] else { return }
        if job.offer.inputPrivacy == .private {
            guard let opening = try? Ciro_V1_PrivateInputOpening(serializedBytes: bytes) else {
                logger.warning("kept private input is not an opening", metadata: ["job": "\(Hex.short(id))"])
                return
            }
            mutate(Data(id)) { $0.input = Array(opening.input); $0.inputSeed = Array(opening.seed) }
        } else {
            mutate(Data(id)) { $0.input = bytes }
        }
    }

    /// The opening of a private input, as kept and as sealed to the winner.
    static func opening(input: [UInt8], seed: [UInt8]) throws -> [UInt8] {
        var opening = Ciro_V1_PrivateInputOpening()
        opening.input = Data(input)
        opening.seed = Data(seed)
        return try opening.serializedBytes()
    }

    /// A fault record (the ledger's `Fault`).
    static func fault(_ id: [UInt8], worker: [UInt8], round: UInt32, kind: Ciro_V1_FaultKind, detail: String, atMs: UInt64) -> LedgerRecord {
        var fault = Ciro_V1_Fault()
        fault.jobID = Data(id)
        fault.worker = Data(worker)
        fault.round = round
        fault.kind = kind
        fault.detectedMs = atMs
        fault.detail = detail
        return .fault(fault)
    }

    /// Closes a job without settlement: records the expiry and, on the requester, gossips it
    /// signed, so every ledger records the same expiry (docs/MARKET.md, "Expiries").
    func expire(_ id: [UInt8], reason: String, atMs: UInt64) async {
        guard let job = jobs[id], !job.machine.phase.isTerminal else { return }
        let record = Self.expiry(id, reason: reason, atMs: atMs)
        do {
            try await self.record(record)
            if job.requester == nodeID, case let .expiry(expiry) = record {
                try await network.publish(.expiry, try expiry.serializedBytes())
            }
        } catch {
            logger.warning("expiry failed", metadata: ["job": "\(Hex.short(id))", "error": "\(error)"])
        }
    }

    /// An expiry record (the ledger's `Expiry`).
    static func expiry(_ id: [UInt8], reason: String, atMs: UInt64) -> LedgerRecord {
        var expiry = Ciro_V1_Expiry()
        expiry.jobID = Data(id)
        expiry.reason = reason
        expiry.expiredMs = atMs
        return .expiry(expiry)
    }
}

