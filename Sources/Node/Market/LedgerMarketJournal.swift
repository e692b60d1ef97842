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

    /// Records in one ledger transaction, grouped with concurrent callers' records (`GroupCommit`).
    public func record(_ records: [LedgerRecord]) async throws {
        try await committer.append(try records.map(Self.append))
    }

    /// The ledger append of a record: with the peer's signed envelope when the record is the
    /// inbound message being handled (`InboundEnvelope.current`), else as a local record.
    static func append(_ record: LedgerRecord) throws -> LedgerAppend {
        if let bytes = InboundEnvelope.current, let envelope = try? Ciro_V1_Envelope(serializedBytes: bytes),
           LedgerRecord.kind(of: envelope.topic) == record.kind,
           let fromPeer = try? LedgerAppend(envelope: envelope), fromPeer.record.jobID == record.jobID {
            return fromPeer
        }
        return try LedgerAppend(record)
    }

    public func records() async throws -> [LedgerRecord] {
        var out: [LedgerRecord] = []
        var seenAds = Set<[UInt8]>()
        try ledger.reader.snapshot { snap in
            for logged in try snap.entries() {
                let kind = logged.kind
                if kind == .capacityAd {
                    // The store keeps a node's newest ad only: replay it once.
                    guard seenAds.insert(Array(logged.entry.recordKey)).inserted else { continue }
                }
                guard kind != .proof, kind != .model,
                      let bytes = try snap.recordBytes(kind: kind, key: Array(logged.entry.recordKey)) else { continue }
                out.append(try LedgerRecord.decode(kind: kind, bytes: bytes))
            }
        }
        return out
    }

    public func keepInput(jobID: [UInt8], bytes: [UInt8]) async throws {
        try Data(bytes).write(to: URL(fileURLWithPath: inputPath(jobID)), options: .atomic)
    }

    public func inputs() async throws -> [(jobID: [UInt8], bytes: [UInt8])] {
        var out: [(jobID: [UInt8], bytes: [UInt8])] = []
        for name in (try? FileManager.default.contentsOfDirectory(atPath: inputsDirectory)) ?? [] {
            guard let id = Hex.decode(name), let data = FileManager.default.contents(atPath: inputsDirectory + "/" + name) else { continue }
            out.append((id, [UInt8](data)))
        }
        return out
    }

    public func proof(_ id: [UInt8]) async -> [UInt8]? {
        try? ledger.reader.proof(Data(id))
    }

    /// The ledger's stored reputation score (reproducible from the log: `ciro ledger verify`).
    public func reputation(_ node: [UInt8]) async -> Int64? {
        try? ledger.reader.reputation(Data(node)).score
    }

    func inputPath(_ jobID: [UInt8]) -> String { inputsDirectory + "/" + Hex.encode(jobID) }
}
