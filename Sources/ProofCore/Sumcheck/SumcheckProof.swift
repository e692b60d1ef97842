/// A sumcheck transcript: one univariate polynomial per round, as its evaluations at 0, 1, …, degree.
public struct SumcheckProof<F: FieldElement>: Sendable, Equatable {
    public var roundPolynomials: [[F]]

    public init(roundPolynomials: [[F]]) { self.roundPolynomials = roundPolynomials }

    /// Appends the proof: round count, then per round the evaluation count and evaluations.
    public func write(to writer: inout ByteWriter) {
        writer.writeCount(roundPolynomials.count)
        for r in roundPolynomials { writer.write(elements: r) }
    }

    /// Reads a proof; shape limits only (the verifier checks the exact round count and degree).
    public init(from reader: inout ByteReader) throws(ProofError) {
        let rounds = try reader.readCount(what: "sumcheck rounds", limit: Sumcheck.maxRounds)
        var polys = [[F]]()
        polys.reserveCapacity(rounds)
        for _ in 0..<rounds {
            polys.append(try reader.readElements(F.self, what: "sumcheck round polynomial", limit: Sumcheck.maxDegree + 1))
        }
        roundPolynomials = polys
    }

    /// The encoded size in bytes.
    public var byteCount: Int { 4 + roundPolynomials.reduce(0) { $0 + 4 + $1.count * F.byteCount } }
}

/// What a sumcheck verifier leaves the caller to check: the summed polynomial at `point` must equal
/// `expectedValue` (typically by evaluating the tables there, or by a commitment opening).
public struct SumcheckSubClaim<F: FieldElement>: Sendable, Equatable {
    /// The random point, first variable first (same order as the MLE index convention).
    public var point: [F]
    public var expectedValue: F

    @inlinable
    public init(point: [F], expectedValue: F) {
        self.point = point
        self.expectedValue = expectedValue
    }
}

/// What the prover gets back: the proof, the point the verifier will derive, each table's value at
/// that point (the claims the caller reduces next), and the claimed sum.
public struct SumcheckProverOutput<F: FieldElement>: Sendable {
    public var proof: SumcheckProof<F>
    public var point: [F]
    public var finalEvaluations: [F]
    public var claimedSum: F

    @inlinable
    public init(proof: SumcheckProof<F>, point: [F], finalEvaluations: [F], claimedSum: F) {
        self.proof = proof
        self.point = point
        self.finalEvaluations = finalEvaluations
        self.claimedSum = claimedSum
    }
}
