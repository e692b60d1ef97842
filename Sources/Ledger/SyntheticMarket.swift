import Foundation
import Sodium
import Wire

/// Synthetic market records with realistic sizes, for `ciro bench ledger`, the crash-test child
/// and tests. Ids are derived from a number, so runs are reproducible.
package enum SyntheticMarket {
    package static func id(_ tag: UInt8, _ n: UInt64) -> Data {
        var seed = [UInt8](repeating: 0, count: 9)
        seed[0] = tag
        withUnsafeBytes(of: n.bigEndian) { for i in 0..<8 { seed[1 + i] = $0[i] } }
        return Data(blake2b256(seed))
    }

    package static func node(_ n: UInt64) -> Data { id(1, n) }
    package static func job(_ n: UInt64) -> Data { id(2, n) }

    package static func offer(job n: UInt64, requester: UInt64 = 0, attestations: UInt32 = 2) -> Ciro_V1_JobOffer {
        var o = Ciro_V1_JobOffer()
        o.jobID = job(n)
        o.requester = node(requester)
        o.modelID = id(3, n % 16)
        o.modelSources = ["tcp://10.0.0.1:7400"]
        o.inputCommitment = id(4, n)
        o.maxPrice = 1_000
        o.bidWindowMs = 2_000
        o.deadlineMs = 1_800_000_000_000
        o.attestationsRequired = attestations
        o.macs = 1_000_000
        o.createdMs = 1_700_000_000_000 + n
        return o
    }

    package static func bid(job n: UInt64, worker: UInt64) -> Ciro_V1_Bid {
        bid(job: n, jobID: job(n), worker: worker, workerID: node(worker))
    }

    /// `bid(job:worker:)` with the ids already derived (`job(n)`, `node(worker)`).
    package static func bid(job n: UInt64, jobID: Data, worker: UInt64, workerID: Data) -> Ciro_V1_Bid {
        var b = Ciro_V1_Bid()
        b.jobID = jobID
        b.worker = workerID
        b.price = 100 + worker
        b.promisedMs = 5_000
        b.createdMs = 1_700_000_000_000 + n
        return b
    }

    package static func award(job n: UInt64, worker: UInt64, round: UInt32 = 0) -> Ciro_V1_Award {
        var a = Ciro_V1_Award()
        a.jobID = job(n)
        a.worker = node(worker)
        a.bidID = id(5, n)
        a.price = 100 + worker
        a.round = round
        a.awardedMs = 1_700_000_000_000 + n
        a.resultDueMs = 1_700_000_060_000 + n
        return a
    }

    package static func proofBytes(job n: UInt64, size: Int = 2048) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: size)
        var x = n &* 0x9E37_79B9_7F4A_7C15 | 1
        for i in 0..<size {
            x ^= x << 13; x ^= x >> 7; x ^= x << 17
            out[i] = UInt8(truncatingIfNeeded: x)
        }
        return out
    }

    package static func result(job n: UInt64, worker: UInt64, proof: [UInt8], round: UInt32 = 0) -> Ciro_V1_Result {
        var r = Ciro_V1_Result()
        r.jobID = job(n)
        r.worker = node(worker)
        r.output = [12, -3, 40, 7, 0, -1, 5, 9, 22, -8]
        r.outputScaleBits = 8
        r.proofID = Data(blake2b256(proof))
        r.proofSize = UInt64(proof.count)
        r.inferenceUs = 1_200
        r.provingUs = 45_000
        r.round = round
        return r
    }

    package static func attestation(job n: UInt64, auditor: UInt64, worker: UInt64, proof: [UInt8], valid: Bool = true, round: UInt32 = 0) -> Ciro_V1_Attestation {
        var a = Ciro_V1_Attestation()
        a.jobID = job(n)
        a.proofID = Data(blake2b256(proof))
        a.auditor = node(auditor)
        a.worker = node(worker)
        a.verdict = valid ? .valid : .invalid
        a.verifyUs = 800
        a.round = round
        return a
    }

    package static func settlement(job n: UInt64, requester: UInt64, worker: UInt64, proof: [UInt8], round: UInt32 = 0) -> Ciro_V1_Settlement {
        var s = Ciro_V1_Settlement()
        s.jobID = job(n)
        s.requester = node(requester)
        s.worker = node(worker)
        s.price = 100 + worker
        s.proofID = Data(blake2b256(proof))
        s.attestationIds = [id(6, n), id(7, n)]
        s.settledMs = 1_700_000_090_000 + n
        s.round = round
        return s
    }

    /// A whole job: offer, 2 bids, award, proof, result, 2 valid attestations, settlement (9 entries).
    package static func lifecycle(job n: UInt64) throws -> [LedgerAppend] {
        let requester: UInt64 = 1000 + n % 7
        let worker: UInt64 = 2000 + n % 5
        let proof = proofBytes(job: n, size: 512)
        return try [
            LedgerAppend(.offer(offer(job: n, requester: requester))),
            LedgerAppend(.bid(bid(job: n, worker: worker))),
            LedgerAppend(.bid(bid(job: n, worker: worker + 10))),
            LedgerAppend(.award(award(job: n, worker: worker))),
            LedgerAppend(.proof(proof)),
            LedgerAppend(.result(result(job: n, worker: worker, proof: proof))),
            LedgerAppend(.attestation(attestation(job: n, auditor: 3000 + n % 3, worker: worker, proof: proof))),
            LedgerAppend(.attestation(attestation(job: n, auditor: 3003 + n % 3, worker: worker, proof: proof))),
            LedgerAppend(.settlement(settlement(job: n, requester: requester, worker: worker, proof: proof))),
        ]
    }
}
