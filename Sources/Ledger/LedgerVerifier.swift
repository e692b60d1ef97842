import Foundation
import LMDB
import Sodium
import Wire

/// The first place a ledger fails a check.
public struct LedgerBreak: Sendable, Equatable, CustomStringConvertible {
    /// The log entry where the chain breaks (nil for a store-wide inconsistency).
    public let sequence: UInt64?
    /// What is wrong, in words.
    public let reason: String

    public var description: String {
        if let sequence { return "entry \(sequence): \(reason)" }
        return reason
    }
}

/// What `LedgerVerifier.verify` found.
public struct LedgerVerification: Sendable {
    /// Entries walked.
    public var entries: UInt64 = 0
    /// Entries per kind.
    public var entriesByKind: [Ciro_V1_EntryKind: UInt64] = [:]
    /// Entries that keep a peer's envelope.
    public var envelopes: UInt64 = 0
    /// Envelope signatures re-checked (and found valid).
    public var signaturesChecked: UInt64 = 0
    /// Envelopes whose signature could not be re-checked (no verifier given).
    public var signaturesUnchecked: UInt64 = 0
    /// Jobs whose derived state was recomputed and matched.
    public var jobsChecked: UInt64 = 0
    /// Nodes whose reputation was replayed from the log and matched.
    public var reputationsChecked: UInt64 = 0
    /// The head of the chain.
    public var head = LedgerHead.genesis
    /// The first break, or nil if the whole ledger checks out.
    public var firstBreak: LedgerBreak?

    /// Whether every check passed.
    public var isIntact: Bool { firstBreak == nil }
}

/// Walks the hash chain and re-checks everything the ledger derives: every record's hash, every
/// stored envelope (body hash, author, signature), store sizes, job states and reputations.
public enum LedgerVerifier {
    private struct Stop: Error { let brk: LedgerBreak }

    /// Verifies the whole ledger in one snapshot. `signatures` re-checks peers' envelopes (by
    /// default with the wire protocol's rule); with `nil` they are counted as unchecked.
    public static func verify(_ reader: LedgerReader, signatures: EnvelopeVerifier? = .wire) throws -> LedgerVerification {
        var report = LedgerVerification()
        do {
            try reader.snapshot { snap in
                try walk(snap, signatures: signatures, report: &report)
            }
        } catch let stop as Stop {
            report.firstBreak = stop.brk
        }
        return report
    }

    private static func fail(_ sequence: UInt64?, _ reason: String) -> Stop {
        Stop(brk: LedgerBreak(sequence: sequence, reason: reason))
    }

    private static func walk(_ snap: borrowing LedgerSnapshot, signatures: EnvelopeVerifier?, report: inout LedgerVerification) throws {
        let stores = snap.stores
        var previous = LedgerHead.genesis
        var latestReplaceable: [[UInt8]: (sequence: UInt64, hash: [UInt8])] = [:]
        var reputations: [Data: Ciro_V1_Reputation] = [:]
        var countByKind: [Ciro_V1_EntryKind: Int] = [:]

        // Job numbers: 1, 2, 3, ... without gaps, each a distinct valid job id.
        var jobIDs: [Data] = []          // jobIDs[n - 1] is job number n
        var numberOf: [Data: UInt64] = [:]
        try snap.txn.forEach(in: stores.jobNumbers) { key, value in
            let expected = UInt64(jobIDs.count) + 1
            guard let n = LedgerKeys.decodeSequence(key), n == expected else {
                throw fail(nil, "job_numbers: expected job number \(expected), found key \(Hex.encode(Array(key)))")
            }
            let id = Data(value)
            guard !id.isEmpty, id.count <= LedgerKeys.maxIDLength else {
                throw fail(nil, "job number \(n) names a job id of \(id.count) bytes")
            }
            guard numberOf.updateValue(n, forKey: id) == nil else {
                throw fail(nil, "job \(Hex.encode(id)) has two job numbers (\(numberOf[id]!) is the second)")
            }
            jobIDs.append(id)
            return true
        }
        var numberUsed = [Bool](repeating: false, count: jobIDs.count)

        try snap.txn.forEach(in: stores.log) { key, value in
            let expected = previous.sequence &+ 1
            guard let sequence = LedgerKeys.decodeSequence(key) else {
                throw fail(expected, "log key of \(key.count) bytes is not a sequence number")
            }
            guard sequence == expected else {
                throw fail(expected, "missing: the log jumps from \(previous.sequence) to \(sequence)")
            }
            let entry: LedgerEntry
            do { entry = try LedgerEntry(bytes: value, sequence: sequence) } catch {
                throw fail(sequence, "does not decode")
            }
            let e = entry.entry
            guard e.sequence == sequence else { throw fail(sequence, "stored under \(sequence) but says \(e.sequence)") }
            guard Array(e.previousHash) == previous.hash else {
                throw fail(sequence, "previous_hash \(Hex.encode(e.previousHash)) is not the hash of entry \(previous.sequence) (\(Hex.encode(previous.hash)))")
            }
            guard let store = stores.store(for: e.kind) else { throw fail(sequence, "unknown kind \(e.kind)") }
            let recordKey = Array(e.recordKey)
            let recordHash = Array(e.recordHash)
            let replaceable = e.kind == .capacityAd

            // The record: re-hash the stored bytes (a replaceable record: checked at the end
            // against its latest entry; older versions only through their envelope).
            var recordBytes: [UInt8]?
            if replaceable {
                latestReplaceable[recordKey] = (sequence, recordHash)
            } else {
                guard let stored = try snap.txn.get(store, key: recordKey) else {
                    throw fail(sequence, "\(e.kind) record \(Hex.encode(recordKey)) is missing from its store")
                }
                let actual = blake2b256(stored)
                guard actual == recordHash else {
                    throw fail(sequence, "\(e.kind) record \(Hex.encode(recordKey)) hashes to \(Hex.encode(actual)), the entry says \(Hex.encode(recordHash))")
                }
                recordBytes = stored
            }

            // The peer's envelope: its body is the record, its sender the author, its signature valid.
            if !e.envelope.isEmpty {
                report.envelopes &+= 1
                guard let envelope = try? Ciro_V1_Envelope(serializedBytes: e.envelope) else {
                    throw fail(sequence, "stored envelope does not decode")
                }
                guard blake2b256(Array(envelope.body)) == recordHash else {
                    throw fail(sequence, "envelope body does not hash to the record hash")
                }
                if recordBytes == nil { recordBytes = Array(envelope.body) }
                if let record = try? LedgerRecord.decode(kind: e.kind, bytes: Array(envelope.body)),
                   let author = record.author, author != envelope.sender {
                    throw fail(sequence, "envelope signed by \(Hex.encode(envelope.sender)) but the \(e.kind) author is \(Hex.encode(author))")
                }
                if let signatures {
                    guard signatures.isValid(envelope) else {
                        throw fail(sequence, "envelope signature by \(Hex.encode(envelope.sender)) does not verify")
                    }
                    report.signaturesChecked &+= 1
                } else {
                    report.signaturesUnchecked &+= 1
                }
            }

            // The record's key follows from its content (and, for a record of a job, from the
            // job's number): a record moved under another key, or a job number rewritten to
            // another job, breaks here.
            var decoded: LedgerRecord?
            if let bytes = recordBytes {
                guard let record = try? LedgerRecord.decode(kind: e.kind, bytes: bytes),
                      let suffix = try? record.keySuffix(recordHash: recordHash) else {
                    throw fail(sequence, "\(e.kind) record does not decode or has no valid key")
                }
                var expectedKey = suffix
                if let job = record.jobID {
                    guard let n = numberOf[job] else {
                        throw fail(sequence, "\(e.kind) record of job \(Hex.encode(job)), which has no job number")
                    }
                    numberUsed[Int(n - 1)] = true
                    expectedKey = LedgerKeys.jobKey(n, suffix: suffix)
                }
                guard expectedKey == recordKey else {
                    throw fail(sequence, "\(e.kind) record is stored under \(Hex.encode(recordKey)), its content gives \(Hex.encode(expectedKey))")
                }
                decoded = record
            }

            // Replay reputation.
            if let record = decoded {
                for effect in ReputationRules.effects(of: record) {
                    ReputationRules.apply(effect, to: &reputations[effect.node, default: Ciro_V1_Reputation()], sequence: sequence)
                }
            }

            countByKind[e.kind, default: 0] += 1
            report.entriesByKind[e.kind, default: 0] &+= 1
            report.entries &+= 1
            previous = LedgerHead(sequence: sequence, hash: entry.hash)
            return true
        }
        report.head = previous

        // Replaceable records: the store holds the latest version.
        for (key, latest) in latestReplaceable {
            guard let stored = try snap.txn.get(stores.peers, key: key), blake2b256(stored) == latest.hash else {
                throw fail(latest.sequence, "capacity ad \(Hex.encode(key)) in the store is not the one this entry logged")
            }
        }

        // Stores hold exactly the logged records.
        for kind in [Ciro_V1_EntryKind.jobOffer, .bid, .award, .result, .proof, .attestation, .settlement, .model, .fault, .expiry, .capacityAd] {
            guard let store = stores.store(for: kind) else { continue }
            let stored = try snap.txn.count(store)
            let logged = kind == .capacityAd ? latestReplaceable.count : countByKind[kind, default: 0]
            guard stored == logged else {
                throw fail(nil, "store of \(kind) holds \(stored) records but the log has \(logged)")
            }
        }

        // Every job number belongs to a logged record.
        if let unused = numberUsed.firstIndex(of: false) {
            throw fail(nil, "job number \(unused + 1) (job \(Hex.encode(jobIDs[unused]))) has no logged record")
        }

        // Derived job states.
        var derivedCount = 0
        try snap.txn.forEach(in: stores.jobs) { key, _ in
            guard let n = LedgerKeys.decodeSequence(key), n >= 1, n <= UInt64(jobIDs.count) else {
                throw fail(nil, "jobs store key \(Hex.encode(Array(key))) is not a job number")
            }
            let job = jobIDs[Int(n - 1)]
            guard var derived = try JobStateRules.derive(job: job, number: n, txn: snap.txn, stores: stores) else { return true }
            derivedCount += 1
            guard var stored = try snap.jobStatus(number: n) else {
                throw fail(nil, "job \(Hex.encode(job)) has no stored state (derived: \(derived.state))")
            }
            stored.updatedSequence = 0
            derived.updatedSequence = 0
            guard stored == derived else {
                throw fail(nil, "job \(Hex.encode(job)) is stored as \(stored.state) round \(stored.round) but its records give \(derived.state) round \(derived.round)")
            }
            let indexKey = LedgerKeys.stateIndex(state: UInt8(clamping: stored.state.rawValue), job: n)
            guard try snap.txn.contains(stores.jobsByState, key: indexKey) else {
                throw fail(nil, "job \(Hex.encode(job)) is missing from the \(stored.state) index")
            }
            report.jobsChecked &+= 1
            return true
        }
        let storedStates = try snap.txn.count(stores.jobState)
        let indexed = try snap.txn.count(stores.jobsByState)
        guard storedStates == derivedCount, indexed == derivedCount else {
            throw fail(nil, "\(storedStates) stored job states and \(indexed) index entries for \(derivedCount) jobs")
        }

        // Reputation replayed from the log equals the stored one.
        guard try snap.txn.count(stores.reputation) == reputations.count else {
            throw fail(nil, "reputation store has \(try snap.txn.count(stores.reputation)) nodes, the log gives \(reputations.count)")
        }
        for (node, replayed) in reputations {
            let stored = try snap.reputation(node)
            guard stored == replayed else {
                throw fail(nil, "node \(Hex.encode(node)): stored reputation (score \(stored.score)) differs from the log's (score \(replayed.score))")
            }
            report.reputationsChecked &+= 1
        }
    }
}
