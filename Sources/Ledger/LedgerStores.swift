import Foundation
import LMDB
import Wire

/// The named databases of one ledger environment.
package struct LedgerStores: Sendable {
    package let meta: LMDBDatabase
    package let log: LMDBDatabase
    package let jobs: LMDBDatabase
    package let bids: LMDBDatabase
    package let awards: LMDBDatabase
    package let results: LMDBDatabase
    package let proofs: LMDBDatabase
    package let attestations: LMDBDatabase
    package let settlements: LMDBDatabase
    package let peers: LMDBDatabase
    package let models: LMDBDatabase
    package let faults: LMDBDatabase
    package let expiries: LMDBDatabase
    package let reputation: LMDBDatabase
    /// Derived job states: job_id -> JobStatus.
    package let jobState: LMDBDatabase
    /// Index: state byte, job_id -> empty.
    package let jobsByState: LMDBDatabase
    /// Index: job number, sequence -> empty (every log entry about a job).
    package let jobLog: LMDBDatabase
    /// Index: L(auditor), job number, round -> attestation key.
    package let attestationsByAuditor: LMDBDatabase
    /// Job number (8 bytes big-endian) -> job id: the local numbers every per-job store is keyed by.
    package let jobNumbers: LMDBDatabase
    /// The reverse map (job id -> number), in memory, shared by the writer and every reader of
    /// this environment.
    let numbers: JobNumbers

    /// Every store name, in the order they are opened.
    static let names = [
        "meta", "log", "jobs", "bids", "awards", "results", "proofs", "attestations", "settlements",
        "peers", "models", "faults", "expiries", "reputation", "job_state", "jobs_by_state", "job_log",
        "attestations_by_auditor", "job_numbers",
    ]

    /// Opens (with `create`: creating) every store in one transaction.
    init(environment: LMDBEnvironment, create: Bool) throws(LMDBError) {
        let txn = try environment.beginTransaction(readOnly: !create)
        var dbs: [LMDBDatabase] = []
        for name in Self.names {
            dbs.append(try txn.openDatabase(named: name, flags: create ? .create : []))
        }
        try txn.commit()
        meta = dbs[0]; log = dbs[1]; jobs = dbs[2]; bids = dbs[3]; awards = dbs[4]; results = dbs[5]
        proofs = dbs[6]; attestations = dbs[7]; settlements = dbs[8]; peers = dbs[9]; models = dbs[10]
        faults = dbs[11]; expiries = dbs[12]; reputation = dbs[13]; jobState = dbs[14]
        jobsByState = dbs[15]; jobLog = dbs[16]; attestationsByAuditor = dbs[17]; jobNumbers = dbs[18]
        numbers = JobNumbers()
    }

    /// The job's local number as of `txn`'s snapshot (nil: the snapshot has no record of the job).
    func jobNumber(_ job: Data, in txn: borrowing LMDBTransaction) throws -> UInt64? {
        try numbers.number(of: job, in: txn, store: jobNumbers)
    }

    /// The store that holds records of `kind`.
    package func store(for kind: Ciro_V1_EntryKind) -> LMDBDatabase? {
        switch kind {
        case .jobOffer: jobs
        case .bid: bids
        case .award: awards
        case .result: results
        case .proof: proofs
        case .attestation: attestations
        case .settlement: settlements
        case .capacityAd: peers
        case .model: models
        case .fault: faults
        case .expiry: expiries
        case .unspecified, .UNRECOGNIZED: nil
        }
    }
}
