import Sodium

/// Why a text is not a node id. Each case says what is wrong and where.
public enum NodeIDError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The text does not start with `ciro1`.
    case missingPrefix(String)
    /// The text has the wrong number of characters.
    case wrongLength(actual: Int, expected: Int)
    /// A character outside the base32 alphabet, at a character offset in the whole text.
    case invalidCharacter(Character, offset: Int)
    /// The checksum does not match: a typo, or a truncated or altered id.
    case checksumMismatch
    /// The last character carries bits that must be zero (a non-canonical spelling).
    case nonCanonical

    public var description: String {
        switch self {
        case let .missingPrefix(text): "not a node id: '\(text.prefix(16))' does not start with '\(NodeID.prefix)'"
        case let .wrongLength(actual, expected): "not a node id: \(actual) characters, expected \(expected)"
        case let .invalidCharacter(c, offset): "not a node id: invalid character \(String(reflecting: c)) at offset \(offset)"
        case .checksumMismatch: "not a node id: checksum mismatch (mistyped or altered)"
        case .nonCanonical: "not a node id: the last character is not canonical"
        }
    }
}

/// A node's id: its Ed25519 public key, written as `ciro1` followed by the base32 (RFC 4648,
/// lower case, no padding) of the 32 key bytes and a 4-byte checksum, the start of
/// BLAKE2b-256("ciro-node-id-v1" || key). 63 characters; parsing checks the checksum.
public struct NodeID: Sendable, Hashable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// Every node id starts with this (the `1` is the encoding version).
    public static let prefix = "ciro1"
    /// Number of checksum bytes.
    static let checksumByteCount = 4
    /// Number of characters in a node id.
    public static let textLength = prefix.utf8.count + (8 * (Ed25519PublicKey.byteCount + checksumByteCount) + 4) / 5
    /// Number of base32 characters kept by `short`.
    static let shortCharacterCount = 8
    private static let domain = Array("ciro-node-id-v1".utf8)

    /// The node's public key.
    public let publicKey: Ed25519PublicKey

    /// The id of the node with this public key.
    public init(publicKey: Ed25519PublicKey) {
        self.publicKey = publicKey
    }

    /// Parses the text form, checking prefix, length, alphabet and checksum.
    public init(parsing text: some StringProtocol) throws(NodeIDError) {
        let utf8 = Array(text.utf8)
        let prefix = Array(Self.prefix.utf8)
        guard utf8.count >= prefix.count, utf8[..<prefix.count].map({ $0 | 0x20 }) == prefix else {
            throw .missingPrefix(String(text))
        }
        guard utf8.count == Self.textLength else { throw .wrongLength(actual: utf8.count, expected: Self.textLength) }
        let decoded: [UInt8]
        do {
            decoded = try Base32.decode(utf8[prefix.count...])
        } catch let .invalidCharacter(offset) {
            let at = prefix.count + offset
            let c: Character = utf8[at] < 0x80 ? Character(Unicode.Scalar(utf8[at])) : "\u{FFFD}"
            throw .invalidCharacter(c, offset: at)
        } catch {
            throw .nonCanonical
        }
        let keyBytes = Array(decoded[..<Ed25519PublicKey.byteCount])
        guard Array(decoded[Ed25519PublicKey.byteCount...]) == Self.checksum(keyBytes) else { throw .checksumMismatch }
        guard let key = try? Ed25519PublicKey(bytes: keyBytes) else {
            throw .wrongLength(actual: utf8.count, expected: Self.textLength)
        }
        self.publicKey = key
    }

    /// Parses the text form; nil if it is not a valid node id.
    public init?(_ description: String) {
        guard let id = try? NodeID(parsing: description) else { return nil }
        self = id
    }

    /// The full 63-character text form.
    public var description: String {
        Self.prefix + String(decoding: Base32.encode(publicKey.bytes + Self.checksum(publicKey.bytes)), as: UTF8.self)
    }

    /// A short form for logs: the prefix and the first 8 base32 characters (40 bits of the key).
    public var short: String {
        String(description.prefix(Self.prefix.count + Self.shortCharacterCount))
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            self = try NodeID(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    private static func checksum(_ key: [UInt8]) -> [UInt8] {
        var digest = [UInt8](repeating: 0, count: Blake2b.defaultLength)
        let input = domain + key
        input.withUnsafeBytes { i in digest.withUnsafeMutableBytes { Blake2b.hash(i, into: $0) } }
        return Array(digest[..<checksumByteCount])
    }
}
