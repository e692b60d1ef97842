import Foundation
import Sodium
import SwiftProtobuf

extension Ciro_V1_Topic {
    /// Whether this topic is one this build knows (not unspecified, not an unrecognized number).
    public var isKnown: Bool {
        switch self {
        case .unspecified, .UNRECOGNIZED: false
        default: true
        }
    }

    /// Link-level topics are exchanged between two neighbours and never forwarded.
    public var isLinkLevel: Bool {
        switch self {
        case .hello, .peerExchange, .ping, .pong, .ihave, .iwant, .fetchRequest, .fetchResponse: true
        default: false
        }
    }
}

extension Ciro_V1_Envelope {
    /// Builds and signs an envelope with the sender's Ed25519 key pair.
    public static func signed(topic: Ciro_V1_Topic, body: [UInt8], by signer: Ed25519KeyPair,
                              sequence: UInt64, timestampMs: UInt64,
                              version: UInt32 = EnvelopeFormat.currentVersion) -> Ciro_V1_Envelope {
        var envelope = Ciro_V1_Envelope()
        envelope.version = version
        envelope.sender = Data(signer.publicKey.bytes)
        envelope.timestampMs = timestampMs
        envelope.sequence = sequence
        envelope.topic = topic
        envelope.body = Data(body)
        envelope.signature = Data(signer.sign(envelope.signingBytes()).bytes)
        return envelope
    }

    /// Builds and signs an envelope whose body is a protobuf message.
    public static func signed(topic: Ciro_V1_Topic, message: some SwiftProtobuf.Message, by signer: Ed25519KeyPair,
                              sequence: UInt64, timestampMs: UInt64) throws -> Ciro_V1_Envelope {
        let body: [UInt8] = try message.serializedBytes()
        return signed(topic: topic, body: body, by: signer, sequence: sequence, timestampMs: timestampMs)
    }

    /// The canonical bytes the signature covers (see `EnvelopeFormat`).
    public func signingBytes() -> [UInt8] {
        EnvelopeFormat.signingBytes(version: version, sender: Array(sender), timestampMs: timestampMs,
                                    sequence: sequence, topic: UInt32(truncatingIfNeeded: topic.rawValue),
                                    body: Array(body))
    }

    /// The message id: BLAKE2b-256 of the signing bytes followed by the signature.
    public func messageID() -> MessageID {
        MessageID.of(signingBytes: signingBytes(), signature: Array(signature))
    }

    /// Checks version, field lengths, topic, body size and the signature, in that order, without
    /// parsing the body. Returns the envelope with its sender key and message id.
    public func verified(maxBodyBytes: Int = .max) throws(EnvelopeError) -> VerifiedEnvelope {
        try verified(maxBodyBytes: maxBodyBytes, skipSignatureIfKnown: { _ in false }).envelope
    }

    /// Like `verified(maxBodyBytes:)`, but skips the (costly) signature check when `isKnownValid`
    /// says this exact message id was verified before: the id covers every signed byte and the
    /// signature, so identical ids mean identical, already-checked content. `alreadyKnown` tells
    /// the caller which path was taken (a duplicate, for gossip).
    public func verified(maxBodyBytes: Int = .max, skipSignatureIfKnown isKnownValid: (MessageID) -> Bool)
        throws(EnvelopeError) -> (envelope: VerifiedEnvelope, alreadyKnown: Bool)
    {
        guard version == EnvelopeFormat.currentVersion else { throw .unsupportedVersion(version) }
        guard sender.count == EnvelopeFormat.senderByteCount else {
            throw .badFieldLength(field: "sender", expected: EnvelopeFormat.senderByteCount, actual: sender.count)
        }
        guard signature.count == EnvelopeFormat.signatureByteCount else {
            throw .badFieldLength(field: "signature", expected: EnvelopeFormat.signatureByteCount, actual: signature.count)
        }
        guard topic.isKnown else { throw .unknownTopic(topic.rawValue) }
        guard body.count <= maxBodyBytes else { throw .bodyTooLarge(size: body.count, limit: maxBodyBytes) }
        let bytes = signingBytes()
        let signatureBytes = Array(signature)
        let id = MessageID.of(signingBytes: bytes, signature: signatureBytes)
        guard let key = try? Ed25519PublicKey(bytes: sender) else { throw .signatureInvalid }
        if isKnownValid(id) {
            return (VerifiedEnvelope(envelope: self, sender: key, id: id), true)
        }
        guard let sig = try? Ed25519Signature(bytes: signatureBytes),
              bytes.withUnsafeBytes({ key.isValidSignature(sig, for: $0) })
        else { throw .signatureInvalid }
        return (VerifiedEnvelope(envelope: self, sender: key, id: id), false)
    }

    /// Parses envelope bytes from the wire (the body stays opaque bytes) and verifies them.
    public static func verified(serialized bytes: [UInt8], maxEnvelopeBytes: Int = .max,
                                maxBodyBytes: Int = .max) throws(EnvelopeError) -> VerifiedEnvelope {
        guard bytes.count <= maxEnvelopeBytes else { throw .envelopeTooLarge(size: bytes.count, limit: maxEnvelopeBytes) }
        let envelope: Ciro_V1_Envelope
        do {
            envelope = try Ciro_V1_Envelope(serializedBytes: bytes)
        } catch {
            throw .malformedEnvelope("\(error)")
        }
        return try envelope.verified(maxBodyBytes: maxBodyBytes)
    }
}

/// An envelope whose signature has been checked, with its sender key and message id.
public struct VerifiedEnvelope: Sendable {
    /// The envelope as received (`hops` included).
    public let envelope: Ciro_V1_Envelope
    /// The signer.
    public let sender: Ed25519PublicKey
    /// The message id.
    public let id: MessageID

    /// The topic.
    public var topic: Ciro_V1_Topic { envelope.topic }

    /// Parses the body as the message type `type`; a malformed body throws `malformedBody`.
    public func decodeBody<M: SwiftProtobuf.Message>(as type: M.Type) throws(EnvelopeError) -> M {
        do {
            return try M(serializedBytes: Array(envelope.body))
        } catch {
            throw .malformedBody(topic: "\(envelope.topic)", reason: "\(error)")
        }
    }
}
