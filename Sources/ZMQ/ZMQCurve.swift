import CZMQ

/// CurveZMQ key helpers: the 40-character Z85 text form that libzmq uses, and key generation.
/// Node keys normally come from the node identity (X25519 form of its Ed25519 key); these helpers
/// serve tests and tools.
public enum ZMQCurve {
    /// A fresh CurveZMQ key pair, 32 binary bytes each.
    public static func generateKeyPair() throws(ZMQError) -> (publicKey: [UInt8], secretKey: [UInt8]) {
        var publicText = [CChar](repeating: 0, count: 41)
        var secretText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_keypair(&publicText, &secretText) == 0 else { throw ZMQError.last("zmq_curve_keypair") }
        return (try decodeZ85(publicText), try decodeZ85(secretText))
    }

    /// The public key that belongs to a 32-byte secret key.
    public static func publicKey(secretKey: [UInt8]) throws(ZMQError) -> [UInt8] {
        guard secretKey.count == 32 else { throw .invalidArgument("CURVE secret key must be 32 bytes, got \(secretKey.count)") }
        let secretText = encodeZ85(secretKey)
        var publicText = [CChar](repeating: 0, count: 41)
        guard zmq_curve_public(&publicText, secretText) == 0 else { throw ZMQError.last("zmq_curve_public") }
        return try decodeZ85(publicText)
    }

    /// Z85-encodes a 32-byte key (40 characters).
    public static func encodeZ85(_ key: [UInt8]) -> String {
        precondition(key.count % 4 == 0, "Z85 input length must be a multiple of 4")
        var text = [CChar](repeating: 0, count: key.count * 5 / 4 + 1)
        _ = zmq_z85_encode(&text, key, key.count)
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    /// Decodes a Z85 key (40 characters) to 32 bytes.
    public static func decodeZ85(_ text: String) throws(ZMQError) -> [UInt8] {
        try decodeZ85(Array(text.utf8CString))
    }

    private static func decodeZ85(_ text: [CChar]) throws(ZMQError) -> [UInt8] {
        let length = text.firstIndex(of: 0) ?? text.count
        guard length == 40 else { throw .invalidArgument("Z85 key must be 40 characters, got \(length)") }
        var out = [UInt8](repeating: 0, count: 32)
        guard zmq_z85_decode(&out, text) != nil else { throw .invalidArgument("not valid Z85 text") }
        return out
    }
}
