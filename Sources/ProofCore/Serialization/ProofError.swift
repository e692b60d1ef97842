/// Every way a proof can be rejected, malformed bytes included. Verifiers and parsers throw these;
/// they never trap on what a peer sent.
public enum ProofError: Error, Equatable, Sendable, CustomStringConvertible {
    // Decoding.
    /// The bytes ended before `what` (needed `needed` bytes at `offset`).
    case truncated(what: String, offset: Int, needed: Int)
    /// A field coefficient at `offset` was not below p.
    case nonCanonicalField(offset: Int)
    /// A length prefix for `what` was `count`, above the limit `limit`.
    case lengthOutOfRange(what: String, count: Int, limit: Int)
    /// The proof did not start with the expected magic tag for `what`.
    case badMagic(what: String)
    /// The format version is not one this build reads.
    case unsupportedVersion(what: String, found: Int, supported: Int)
    /// Bytes were left over after a complete object.
    case trailingBytes(count: Int)
    /// A decoded value is outside what the format allows (an enum tag, a flag).
    case invalidValue(what: String, value: UInt64)

    // Sumcheck.
    /// The proof had `actual` rounds where the claim needs `expected`.
    case wrongRoundCount(expected: Int, actual: Int)
    /// Round `round` sent `actual` evaluations where degree bound needs `expected`.
    case wrongRoundDegree(round: Int, expected: Int, actual: Int)
    /// In round `round`, s(0) + s(1) did not equal the running claim.
    case sumMismatch(round: Int)

    // Commitments.
    /// The shape (sizes, counts) of a proof disagrees with the commitment or parameters: `detail`.
    case shapeMismatch(String)
    /// A Merkle authentication path did not lead to the committed root (`what`, query `query`).
    case merklePathInvalid(what: String, query: Int)
    /// The folded values at query `query` in round `round` disagree with the next layer.
    case foldMismatch(round: Int, query: Int)
    /// The final polynomial disagrees with the last folded layer at query `query`.
    case finalPolynomialMismatch(query: Int)
    /// The claimed evaluations are inconsistent with the opening proof.
    case evaluationMismatch
    /// The proof-of-work nonce does not meet the grinding target.
    case insufficientProofOfWork
    /// Parameters were out of their supported range: `detail`.
    case invalidParameters(String)

    public var description: String {
        switch self {
        case let .truncated(what, offset, needed): "proof truncated: \(what) needs \(needed) bytes at offset \(offset)"
        case let .nonCanonicalField(offset): "non-canonical field element at offset \(offset)"
        case let .lengthOutOfRange(what, count, limit): "\(what): length \(count) exceeds limit \(limit)"
        case let .badMagic(what): "\(what): bad magic tag"
        case let .unsupportedVersion(what, found, supported): "\(what): version \(found) unsupported (this build reads \(supported))"
        case let .trailingBytes(count): "\(count) unexpected trailing bytes"
        case let .invalidValue(what, value): "\(what): invalid value \(value)"
        case let .wrongRoundCount(expected, actual): "sumcheck: \(actual) rounds, expected \(expected)"
        case let .wrongRoundDegree(round, expected, actual): "sumcheck round \(round): \(actual) evaluations, expected \(expected)"
        case let .sumMismatch(round): "sumcheck round \(round): s(0) + s(1) differs from the claim"
        case let .shapeMismatch(detail): "proof shape mismatch: \(detail)"
        case let .merklePathInvalid(what, query): "\(what): Merkle path of query \(query) does not match the root"
        case let .foldMismatch(round, query): "folding round \(round), query \(query): inconsistent with the next layer"
        case let .finalPolynomialMismatch(query): "query \(query): final polynomial disagrees with the last layer"
        case .evaluationMismatch: "claimed evaluations inconsistent with the opening"
        case .insufficientProofOfWork: "proof-of-work nonce below the grinding target"
        case let .invalidParameters(detail): "invalid parameters: \(detail)"
        }
    }
}
