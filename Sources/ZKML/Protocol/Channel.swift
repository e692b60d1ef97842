import ProofCore

/// The extension field every challenge and every prover message of the protocol lives in.
public typealias Ext = GoldilocksExt2

/// The prover's side of the Fiat-Shamir conversation: every message is written to the proof bytes
/// and absorbed into the transcript before the next challenge is drawn.
struct ProverChannel {
    var transcript: Transcript
    var writer: ByteWriter
    /// Zero-knowledge mode: the Libra masks of every sumcheck (nil: sumchecks are not masked).
    var masks: MaskPoolProver?

    init(transcript: Transcript) {
        self.transcript = transcript
        self.writer = ByteWriter(capacity: 1 << 16)
    }

    mutating func send(_ label: String, _ value: Ext) {
        value.write(to: &writer)
        transcript.absorb(label, value)
    }

    /// Sends a vector whose length the verifier knows (no length prefix in the proof).
    mutating func send(_ label: String, _ values: [Ext]) {
        for v in values { v.write(to: &writer) }
        transcript.absorb(label, elements: values)
    }

    mutating func sendBytes(_ label: String, _ bytes: [UInt8]) {
        writer.writeLengthPrefixed(bytes)
        transcript.absorb(label, bytes: bytes)
    }

    mutating func challenge(_ label: String) -> Ext { transcript.challenge(label) }

    mutating func challenges(_ label: String, count: Int) -> [Ext] { transcript.challenges(label, count: count) }

    /// Runs a sumcheck (which absorbs its own messages) and appends its proof to the bytes.
    /// In zero-knowledge mode the sumcheck is masked (see `maskedSumcheck`); the output is the same.
    /// The claim's value is `claim − offset(pool)` (docs/ZK.md §2a); `finalMasks` (one μ per table, or
    /// nil) mask the final evaluations, `lastDegree` is the declared degree of the last round then.
    /// A sumcheck without variables cannot hide: its offset is revealed (`zk.offset`).
    mutating func sumcheck(tables: [[Ext]], combination: SumOfProducts<Ext>, finalMasks: [Ext]? = nil, lastDegree: Int = 0,
                           offset: PoolFunctional = .zero) -> SumcheckProverOutput<Ext> {
        if masks != nil && tables[0].count > 1 {
            return maskedSumcheck(tables: tables, combination: combination, finalMasks: finalMasks, lastDegree: lastDegree, offset: offset)
        }
        if masks != nil && !offset.isZero {
            let v = offset.evaluate(masks!.column)
            send("zk.offset", v)
            masks!.linearRecords.append(LinearRecord(functional: offset, value: v))
        }
        let out = Sumcheck.prove(tables: tables, combination: combination, transcript: &transcript)
        out.proof.write(to: &writer)
        return out
    }
}

/// The verifier's side: reads each message from the proof bytes (length-checked) and absorbs it
/// exactly where the prover did.
struct VerifierChannel {
    var transcript: Transcript
    var reader: ByteReader
    /// Where in the protocol the verifier is (for error messages).
    var section = "header"
    /// Zero-knowledge mode: slot counters of the mask pool (nil: sumchecks are not masked).
    var masks: MaskPoolVerifier?
    /// When non-nil, every field element read from the proof, tagged by what it is (tests inspect
    /// them: the zero-knowledge tests check that none looks like unmasked data).
    var recorded: [(what: String, value: Goldilocks)]?

    mutating func record(_ what: String, _ values: [Ext]) {
        guard recorded != nil else { return }
        for v in values { recorded!.append((what, v.c0)); recorded!.append((what, v.c1)) }
    }

    init(transcript: Transcript, proof: [UInt8]) {
        self.transcript = transcript
        self.reader = ByteReader(proof)
    }

    mutating func receive(_ label: String) throws(ZKMLError) -> Ext {
        let v: Ext
        do { v = try Ext(from: &reader) } catch { throw .proof(error, at: section) }
        record(label, [v])
        transcript.absorb(label, v)
        return v
    }

    mutating func receive(_ label: String, count: Int) throws(ZKMLError) -> [Ext] {
        let v: [Ext]
        do { v = try reader.readElements(Ext.self, count: count, what: label) } catch { throw .proof(error, at: section) }
        record(label, v)
        transcript.absorb(label, elements: v)
        return v
    }

    mutating func receiveBytes(_ label: String, limit: Int) throws(ZKMLError) -> [UInt8] {
        let b: [UInt8]
        do { b = try reader.readLengthPrefixed(what: label, limit: limit) } catch { throw .proof(error, at: section) }
        transcript.absorb(label, bytes: b)
        return b
    }

    mutating func challenge(_ label: String) -> Ext { transcript.challenge(label) }

    mutating func challenges(_ label: String, count: Int) -> [Ext] { transcript.challenges(label, count: count) }

    /// Reads and checks a sumcheck proof of `claim`; returns the sub-claim left to check.
    /// The claim's value is `claim − offset(pool)`; `lastDegree` is the declared degree of the last
    /// round when the final evaluations are masked (docs/ZK.md §2a).
    mutating func sumcheck(claim: Ext, offset: PoolFunctional = .zero, numVariables: Int, degree: Int,
                           lastDegree: Int = 0) throws(ZKMLError) -> SumcheckSubClaim<Ext> {
        if masks != nil && numVariables > 0 {
            return try maskedSumcheck(claim: claim, offset: offset, numVariables: numVariables, degree: degree, lastDegree: lastDegree)
        }
        var claim = claim
        if masks != nil && !offset.isZero {
            let v = try receive("zk.offset")
            masks!.linearRecords.append(LinearRecord(functional: offset, value: v))
            claim -= v
        }
        do {
            let proof = try SumcheckProof<Ext>(from: &reader)
            record("sumcheck round", proof.roundPolynomials.flatMap { $0 })
            return try Sumcheck.verify(claimedSum: claim, numVariables: numVariables, degree: degree,
                                       proof: proof, transcript: &transcript)
        } catch {
            throw .proof(error, at: section)
        }
    }

    /// Throws unless two values the protocol requires to be equal are.
    func expect(_ lhs: Ext, _ rhs: Ext, _ what: @autoclosure () -> String) throws(ZKMLError) {
        guard lhs == rhs else { throw .rejected("\(section): \(what())") }
    }
}

extension ProverChannel {
    /// Sends base-field elements whose count the verifier knows.
    mutating func sendBase(_ label: String, _ values: [Goldilocks]) {
        for v in values { v.write(to: &writer) }
        transcript.absorb(label, elements: values)
    }
}

extension VerifierChannel {
    mutating func receiveBase(_ label: String, count: Int) throws(ZKMLError) -> [Goldilocks] {
        let v: [Goldilocks]
        do { v = try reader.readElements(Goldilocks.self, count: count, what: label) } catch { throw .proof(error, at: section) }
        if recorded != nil { recorded! += v.map { (label, $0) } }
        transcript.absorb(label, elements: v)
        return v
    }
}
