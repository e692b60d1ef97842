/// Why a market operation was refused. Every case says what was wrong and where.
public enum MarketError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A state transition that the job state machine does not allow.
    case illegalTransition(job: String, from: String, event: String)
    /// A price or work computation that would overflow 64 bits.
    case priceOverflow(macs: UInt64, pricePerMegaMac: UInt64)
    /// A text the capacity probe could not parse (nvidia-smi line, /proc file).
    case capacityParse(source: String, line: Int, reason: String)
    /// A message field that is missing or out of range.
    case invalidMessage(kind: String, reason: String)
    /// A message that needs an earlier one this node has not seen yet (gossip may reorder): the
    /// engine keeps it and handles it again when the job's state moves.
    case early(jobID: [UInt8], kind: String, reason: String)

    public var description: String {
        switch self {
        case let .illegalTransition(job, from, event):
            "job \(job): event \(event) is not allowed in state \(from)"
        case let .priceOverflow(macs, price):
            "price overflow: \(macs) MACs at \(price) credits per 10^6 MACs does not fit 64 bits"
        case let .capacityParse(source, line, reason):
            "\(source) line \(line): \(reason)"
        case let .invalidMessage(kind, reason):
            "invalid \(kind): \(reason)"
        case let .early(_, kind, reason):
            "\(kind) arrived early: \(reason)"
        }
    }
}
