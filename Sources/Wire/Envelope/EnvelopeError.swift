/// Why an envelope or its body was refused. Each case says what was wrong.
public enum EnvelopeError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The envelope bytes are not a valid protobuf `Envelope`.
    case malformedEnvelope(String)
    /// The envelope's protocol version is not one this node speaks.
    case unsupportedVersion(UInt32)
    /// A fixed-length field had the wrong length.
    case badFieldLength(field: String, expected: Int, actual: Int)
    /// The topic is unspecified or unknown to this node.
    case unknownTopic(Int)
    /// The body is larger than the limit for its topic.
    case bodyTooLarge(size: Int, limit: Int)
    /// The whole serialized envelope is larger than the limit.
    case envelopeTooLarge(size: Int, limit: Int)
    /// The signature does not verify under the sender's key.
    case signatureInvalid
    /// The body is not a valid message of the type its topic names.
    case malformedBody(topic: String, reason: String)

    public var description: String {
        switch self {
        case let .malformedEnvelope(reason): "malformed envelope: \(reason)"
        case let .unsupportedVersion(v): "unsupported envelope version \(v) (this node speaks \(EnvelopeFormat.currentVersion))"
        case let .badFieldLength(field, expected, actual): "envelope field \(field) must be \(expected) bytes, got \(actual)"
        case let .unknownTopic(t): "unknown topic \(t)"
        case let .bodyTooLarge(size, limit): "body of \(size) bytes exceeds the limit of \(limit)"
        case let .envelopeTooLarge(size, limit): "envelope of \(size) bytes exceeds the limit of \(limit)"
        case .signatureInvalid: "envelope signature does not verify"
        case let .malformedBody(topic, reason): "malformed \(topic) body: \(reason)"
        }
    }
}
