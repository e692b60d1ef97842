/// Errors from decoding or encoding Z85 text. Each says what was wrong and where.
public enum Z85Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// Z85 encodes whole 4-byte groups and decodes whole 5-character groups.
    case lengthNotMultiple(of: Int, length: Int)
    /// The text has the wrong length for what it should hold (for example a 40-character CURVE key).
    case invalidLength(length: Int, expected: Int)
    /// A character outside the Z85 alphabet, at a character offset.
    case invalidCharacter(Character, offset: Int)
    /// A 5-character group whose value exceeds 2^32 - 1, starting at a character offset.
    case groupOverflow(offset: Int)

    public var description: String {
        switch self {
        case let .lengthNotMultiple(n, length): "Z85: length \(length) is not a multiple of \(n)"
        case let .invalidLength(length, expected): "Z85: expected \(expected) characters, got \(length)"
        case let .invalidCharacter(c, offset): "Z85: invalid character \(String(reflecting: c)) at offset \(offset)"
        case let .groupOverflow(offset): "Z85: the group at offset \(offset) does not fit in 32 bits"
        }
    }
}

/// ZeroMQ's Z85 encoding (ZeroMQ RFC 32): 4 bytes to 5 printable characters, big-endian.
/// CurveZMQ keys are written as 40 Z85 characters.
public enum Z85 {
    private static let alphabet = Array("0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.-:+=^!/*?&<>()[]{}@%$#".utf8)

    /// Digit value of each ASCII byte, or 0xFF for bytes outside the alphabet.
    private static let values: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = UInt8(i) }
        return table
    }()

    /// Encodes `bytes`; their count must be a multiple of 4.
    public static func encode(_ bytes: some Sequence<UInt8>) throws(Z85Error) -> String {
        let input = Array(bytes)
        guard input.count % 4 == 0 else { throw .lengthNotMultiple(of: 4, length: input.count) }
        return encodeWholeGroups(input)
    }

    /// Encodes `input`, whose count the caller guarantees is a multiple of 4.
    static func encodeWholeGroups(_ input: [UInt8]) -> String {
        var out = [UInt8]()
        out.reserveCapacity(input.count / 4 * 5)
        var i = 0
        while i + 4 <= input.count {
            var value = UInt32(input[i]) << 24 | UInt32(input[i + 1]) << 16 | UInt32(input[i + 2]) << 8 | UInt32(input[i + 3])
            var group = [UInt8](repeating: 0, count: 5)
            for j in stride(from: 4, through: 0, by: -1) {
                group[j] = alphabet[Int(value % 85)]
                value /= 85
            }
            out.append(contentsOf: group)
            i += 4
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes Z85 `text`; its length must be a multiple of 5 and every character in the alphabet.
    public static func decode(_ text: some StringProtocol) throws(Z85Error) -> [UInt8] {
        let utf8 = Array(text.utf8)
        guard utf8.count % 5 == 0 else { throw .lengthNotMultiple(of: 5, length: utf8.count) }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 5 * 4)
        var i = 0
        while i < utf8.count {
            var value: UInt64 = 0
            for j in 0..<5 {
                let digit = values[Int(utf8[i + j])]
                guard digit != 0xFF else { throw .invalidCharacter(character(in: utf8, at: i + j), offset: i + j) }
                value = value * 85 + UInt64(digit)
            }
            guard value <= UInt64(UInt32.max) else { throw .groupOverflow(offset: i) }
            out.append(UInt8(truncatingIfNeeded: value >> 24))
            out.append(UInt8(truncatingIfNeeded: value >> 16))
            out.append(UInt8(truncatingIfNeeded: value >> 8))
            out.append(UInt8(truncatingIfNeeded: value))
            i += 5
        }
        return out
    }

    /// The character at a byte offset, for error messages (a non-ASCII byte shows as U+FFFD).
    private static func character(in utf8: [UInt8], at offset: Int) -> Character {
        utf8[offset] < 0x80 ? Character(Unicode.Scalar(utf8[offset])) : "\u{FFFD}"
    }
}
