/// Byte-level edits of serialized envelopes, so that forwarding never parses and re-encodes a
/// message: a forwarder sends the signed bytes it received, with only the unsigned `hops` field
/// (field 8, varint) rewritten.
package enum EnvelopeBytes {
    /// The key byte of field 8 (`hops`) with wire type 0 (varint).
    static let hopsKey: UInt8 = 8 << 3
    /// The key byte and length byte of field 7 (`signature`, 64 bytes, length-delimited).
    static let signatureKey: UInt8 = 7 << 3 | 2
    static let signatureLength: UInt8 = 64

    /// `raw` (a well-formed envelope whose `hops` decoded as `hops`) with `hops + 1`.
    ///
    /// An encoder that writes fields in number order (this one does) puts a nonzero `hops` last,
    /// right after the signature: that trailing field is replaced. Otherwise the new value is
    /// appended, which protobuf decoders read as the field's value (the last one wins), so the
    /// result is correct for any encoder. Nil when `hops` is at its maximum.
    package static func forwarded(_ raw: [UInt8], hops: UInt32) -> [UInt8]? {
        guard hops < .max else { return nil }
        var keep = raw.count
        if hops > 0 {
            let old = varintLength(UInt64(hops))
            let start = raw.count - 1 - old
            // The trailing field must be exactly `hops` and sit right after a 64-byte signature.
            if start >= 66, raw[start] == hopsKey, raw[start - 66] == signatureKey, raw[start - 65] == signatureLength,
               decodeVarint(raw, from: start + 1) == UInt64(hops) {
                keep = start
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(keep + 6)
        out.append(contentsOf: raw[0..<keep])
        out.append(hopsKey)
        var value = hops + 1
        while value >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        out.append(UInt8(value))
        return out
    }

    static func varintLength(_ value: UInt64) -> Int {
        var n = 1
        var v = value >> 7
        while v != 0 {
            n += 1
            v >>= 7
        }
        return n
    }

    /// The varint at `offset` that ends exactly at the end of `bytes`; nil otherwise.
    static func decodeVarint(_ bytes: [UInt8], from offset: Int) -> UInt64? {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        var index = offset
        while index < bytes.count, shift < 64 {
            let byte = bytes[index]
            value |= UInt64(byte & 0x7F) << shift
            index += 1
            if byte & 0x80 == 0 { return index == bytes.count ? value : nil }
            shift += 7
        }
        return nil
    }
}
