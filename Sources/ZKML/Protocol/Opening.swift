import ProofCore

/// A claim that a committed vector's multilinear extension takes `value` at `point`.
struct EvaluationClaim: Sendable {
    var point: [Ext]
    var value: Ext
}

/// Commitment to one vector of field elements and the opening of many evaluation claims on it.
///
/// Interim scheme until ProofCore's multilinear PCS lands: the commitment is BLAKE2b-256 of the
/// vector and an opening reveals the vector (binding, so sound, but neither succinct nor hiding).
/// Every call site goes through this type, so swapping in the PCS changes this file only.
enum VectorCommitment {
    /// The commitment bytes for `values`.
    static func commit(_ values: [Goldilocks]) -> [UInt8] {
        var w = ByteWriter(capacity: values.count * 8)
        for v in values { v.write(to: &w) }
        return w.bytes.withUnsafeBytes { Digest.hash($0) }.bytes
    }

    /// Proves every claim on `values`.
    static func open(_ values: [Goldilocks], claims: [EvaluationClaim], channel: inout ProverChannel) {
        channel.sendBase("opening.values", values)
    }

    /// Checks every claim against the commitment.
    static func verify(commitment: [UInt8], size: Int, claims: [EvaluationClaim], channel: inout VerifierChannel) throws(ZKMLError) {
        let values = try channel.receiveBase("opening.values", count: size)
        guard commit(values) == commitment else { throw .rejected("\(channel.section): opened vector does not match its commitment") }
        for (i, c) in claims.enumerated() {
            guard evaluateSliced(values, at: c.point) == c.value else {
                throw .rejected("\(channel.section): evaluation claim \(i) does not hold")
            }
        }
    }
}

/// Evaluates the extension of `values` at `point`, restricting to a sub-range first for every leading
/// coordinate that is exactly 0 or 1 (a claim on one segment costs the segment's size, not the vector's).
func evaluateSliced(_ values: [Goldilocks], at point: [Ext]) -> Ext {
    var lower = 0
    var size = values.count
    var k = 0
    while k < point.count, point[k] == .zero || point[k] == .one {
        size /= 2
        if point[k] == .one { lower += size }
        k += 1
    }
    return MLE.evaluate(Array(values[lower..<(lower + size)]), at: Array(point[k...]))
}
