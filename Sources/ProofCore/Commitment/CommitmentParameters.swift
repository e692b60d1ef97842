/// Parameters of the Reed-Solomon/Basefold polynomial commitment. Prover and verifier must agree on
/// them; they are absorbed into the transcript by every opening.
public struct CommitmentParameters: Sendable, Equatable {
    /// Code rate is 2^-rateLog (codewords are 2^rateLog times the message).
    public var rateLog: Int
    /// Variables folded per committed layer; leaves hold 2^foldingLog codeword entries.
    public var foldingLog: Int
    /// Folding stops when at most 2^finalLog coefficients remain; they are sent in the clear.
    public var finalLog: Int
    /// Query repetitions.
    public var queries: Int
    /// Proof-of-work bits ground before the queries are drawn.
    public var grindingBits: Int
    /// Salt every Merkle leaf with fresh randomness (the hiding hook for zero knowledge).
    public var hiding: Bool

    public init(rateLog: Int, foldingLog: Int, finalLog: Int, queries: Int, grindingBits: Int, hiding: Bool = false) {
        self.rateLog = rateLog
        self.foldingLog = foldingLog
        self.finalLog = finalLog
        self.queries = queries
        self.grindingBits = grindingBits
        self.hiding = hiding
    }

    /// 100-bit security under the list-decoding-capacity conjecture for Reed-Solomon proximity gaps
    /// (each query costs a cheating prover a factor ρ = 1/4): 44 queries · 2 bits + 12 bits of
    /// grinding (2^12 hashes for the prover: 2^16 cost more than the rest of a small proof). See
    /// docs/PROOF_CORE.md.
    public static let conjectured100 = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 44, grindingBits: 12)

    /// 100-bit security from proven bounds (Johnson bound, each query costs a factor √ρ = 1/2):
    /// 84 queries · 1 bit + 16 bits of grinding.
    public static let provable100 = CommitmentParameters(rateLog: 2, foldingLog: 4, finalLog: 6, queries: 84, grindingBits: 16)

    /// Small and fast, for tests only (about 20 bits of security).
    public static let testing = CommitmentParameters(rateLog: 1, foldingLog: 2, finalLog: 2, queries: 8, grindingBits: 2)

    /// Bits of security of the query phase under the conjecture: queries · rateLog + grindingBits.
    public var conjecturedSecurityBits: Int { queries * rateLog + grindingBits }
    /// Bits of security of the query phase from the Johnson bound: queries · rateLog / 2 + grindingBits.
    public var provableSecurityBits: Int { queries * rateLog / 2 + grindingBits }

    /// Throws unless the parameters are in the supported range.
    public func validate() throws(ProofError) {
        guard (1...4).contains(rateLog) else { throw .invalidParameters("rateLog must be 1…4") }
        guard (1...6).contains(foldingLog) else { throw .invalidParameters("foldingLog must be 1…6") }
        guard finalLog >= foldingLog, finalLog <= 16 else { throw .invalidParameters("finalLog must be foldingLog…16") }
        guard (1...512).contains(queries) else { throw .invalidParameters("queries must be 1…512") }
        guard (0...30).contains(grindingBits) else { throw .invalidParameters("grindingBits must be 0…30") }
    }

    func absorb(into transcript: inout Transcript) {
        transcript.absorb("pcs.rate", integer: UInt64(rateLog))
        transcript.absorb("pcs.folding", integer: UInt64(foldingLog))
        transcript.absorb("pcs.final", integer: UInt64(finalLog))
        transcript.absorb("pcs.queries", integer: UInt64(queries))
        transcript.absorb("pcs.grinding", integer: UInt64(grindingBits))
        transcript.absorb("pcs.hiding", integer: hiding ? 1 : 0)
    }

    /// Number of variables folded before the final polynomial, for an n-variable polynomial.
    func foldedVariables(_ n: Int) -> Int {
        guard n > finalLog else { return 0 }
        let layers = (n - finalLog + foldingLog - 1) / foldingLog
        return layers * foldingLog
    }
}
