import Foundation
import Ledger
import Market
import Sodium
import Wire

/// The market's journal over the node's LMDB ledger (docs/LEDGER.md): every market record is a
/// ledger record, appended to the hash-chained log in the same transaction; records that came
/// from a peer keep the peer's signed envelope. Job inputs are not ledger records (a private input
/// must not be in a log others may read): they are kept as files in `DATA_DIR/market/inputs/`.
public struct LedgerMarketJournal: MarketJournal {
    public let ledger: Ledger
    let inputsDirectory: String
    let committer: GroupCommit

    public init(ledger: Ledger, dataDirectory: String) throws {
        self.ledger = ledger
        committer = GroupCommit(ledger: ledger)
        inputsDirectory = dataDirectory + "/market/inputs"
        try FileManager.default.createDirectory(atPath: inputsDirectory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
    }

    public func record(_ entry: MarketEntry) async throws {
        try await record(batch: [entry])
    }

    /// Records entries in one ledger transaction, grouped with concurrent callers' records
    /// (`GroupCommit`); inputs go to their files first.
    public func record(batch: [MarketEntry]) async throws {
        var items: [LedgerAppend] = []
        for entry in batch {
            if case let .input(jobID, bytes) = entry {
                try Data(bytes).write(to: URL(fileURLWithPath: inputPath(jobID)), options: .atomic)
                continue
            }
            items.append(try Self.append(entry))
        }
        try await committer.append(items)
    }

    /// The ledger append of an entry: with the peer's signed envelope when the entry is the
    /// inbound message being handled (`InboundEnvelope.current`), else as a local record.
    static func append(_ entry: MarketEntry) throws -> LedgerAppend {
        let record = try Self.ledgerRecord(entry)
        if let bytes = InboundEnvelope.current, let envelope = try? Ciro_V1_Envelope(serializedBytes: bytes),
           LedgerRecord.kind(of: envelope.topic) == record.kind,
           let fromPeer = try? LedgerAppend(envelope: envelope), fromPeer.record.jobID == record.jobID {
            return fromPeer
        }
        return try LedgerAppend(record)
    }

    public func entries() async throws -> [MarketEntry] {
        var out: [MarketEntry] = []
        var seenAds = Set<[UInt8]>()
        try ledger.reader.snapshot { snap in
            for logged in try snap.entries() {
                let kind = logged.kind
                if kind == .capacityAd {
                    // The store keeps a node's newest ad only: replay it once.
                    guard seenAds.insert(Array(logged.entry.recordKey)).inserted else { continue }
                }
                guard kind != .proof, kind != .model,
                      let bytes = try snap.recordBytes(kind: kind, key: Array(logged.entry.recordKey)),
                      let entry = Self.marketEntry(try LedgerRecord.decode(kind: kind, bytes: bytes))
                else { continue }
                out.append(entry)
            }
        }
        // Inputs after every record: the engine attaches them to the jobs replayed above.
        for name in (try? FileManager.default.contentsOfDirectory(atPath: inputsDirectory)) ?? [] {
            guard let id = Hex.decode(name), let data = FileManager.default.contents(atPath: inputsDirectory + "/" + name) else { continue }
            out.append(.input(jobID: id, bytes: [UInt8](data)))
        }
        return out
    }

    public func proof(_ id: [UInt8]) async -> [UInt8]? {
        try? ledger.reader.proof(Data(id))
    }

    func inputPath(_ jobID: [UInt8]) -> String { inputsDirectory + "/" + Hex.encode(jobID) }

    /// The ledger record of a market entry (faults and expiries become the ledger's own records).
    static func ledgerRecord(_ entry: MarketEntry) throws -> LedgerRecord {
        switch entry {
        case let .offer(m): return .offer(m)
        case let .bid(m): return .bid(m)
        case let .award(m): return .award(m)
        case let .result(m): return .result(m)
        case let .proof(bytes): return .proof(bytes)
        case let .attestation(m): return .attestation(m)
        case let .settlement(m): return .settlement(m)
        case let .capacity(m): return .capacity(m)
        case let .fault(jobID, worker, round, reason, atMs):
            var fault = Ciro_V1_Fault()
            fault.jobID = Data(jobID)
            fault.worker = Data(worker)
            fault.round = round
            fault.kind = reason.hasPrefix("invalid proof") ? .invalidProof : .missedDeadline
            fault.detectedMs = atMs
            fault.detail = reason
            return .fault(fault)
        case let .expiry(jobID, reason, atMs):
            var expiry = Ciro_V1_Expiry()
            expiry.jobID = Data(jobID)
            expiry.reason = reason
            expiry.expiredMs = atMs
            return .expiry(expiry)
        case .input:
            throw MarketError.invalidMessage(kind: "input", reason: "inputs are not ledger records")
        }
    }

    /// The market entry a stored ledger record replays as.
    static func marketEntry(_ record: LedgerRecord) -> MarketEntry? {
        switch record {
        case let .offer(m): .offer(m)
        case let .bid(m): .bid(m)
        case let .award(m): .award(m)
        case let .result(m): .result(m)
        case let .attestation(m): .attestation(m)
        case let .settlement(m): .settlement(m)
        case let .capacity(m): .capacity(m)
        case let .fault(f): .fault(jobID: Array(f.jobID), worker: Array(f.worker), round: f.round, reason: f.detail, atMs: f.detectedMs)
        case let .expiry(e): .expiry(jobID: Array(e.jobID), reason: e.reason, atMs: e.expiredMs)
        case .proof, .model: nil
        }
    }
}
