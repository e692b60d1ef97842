import Foundation

/// The bytes a model travels as between nodes (fetched by their BLAKE2b-256 id, the offer's
/// `model_file_id`): the registered model's architecture, quantization metadata and weights as
/// `ModelStore` keeps them, plus its MAC count. The receiver recommits the weights and accepts the
/// package only if it hashes to the job's model id, so a holder cannot substitute another model.
///
/// Layout: `"CMPK"`, version u8 = 1, then three u32-length-prefixed parts (architecture,
/// metadata, weights), then `macs` u64, all little endian; nothing after.
struct ModelPackage: Equatable {
    static let magic = Array("CMPK".utf8)
    static let maxPart = 1 << 30

    var architecture: [UInt8]
    var metadata: [UInt8]
    var weights: [UInt8]
    var macs: UInt64

    func encoded() -> [UInt8] {
        var out = Self.magic + [1]
        for part in [architecture, metadata, weights] {
            withUnsafeBytes(of: UInt32(part.count).littleEndian) { out += $0 }
            out += part
        }
        withUnsafeBytes(of: macs.littleEndian) { out += $0 }
        return out
    }

    init(architecture: [UInt8], metadata: [UInt8], weights: [UInt8], macs: UInt64) {
        self.architecture = architecture
        self.metadata = metadata
        self.weights = weights
        self.macs = macs
    }

    /// Decodes a package; throws `ModelPackageError` saying what is wrong and where.
    init(decoding bytes: [UInt8]) throws(ModelPackageError) {
        guard bytes.count >= 5, Array(bytes[0..<4]) == Self.magic else { throw .malformed("not a model package (bad magic)", offset: 0) }
        guard bytes[4] == 1 else { throw .malformed("unsupported package version \(bytes[4])", offset: 4) }
        var offset = 5
        func u32() throws(ModelPackageError) -> Int {
            guard offset + 4 <= bytes.count else { throw .malformed("truncated length", offset: offset) }
            var v: UInt32 = 0
            for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
            offset += 4
            return Int(v)
        }
        var parts: [[UInt8]] = []
        for name in ["architecture", "metadata", "weights"] {
            let n = try u32()
            guard n <= Self.maxPart, offset + n <= bytes.count else { throw .malformed("\(name) of \(n) bytes runs past the end", offset: offset) }
            parts.append(Array(bytes[offset..<offset + n]))
            offset += n
        }
        guard offset + 8 == bytes.count else { throw .malformed("expected an 8-byte MAC count and nothing after", offset: offset) }
        var macs: UInt64 = 0
        for i in 0..<8 { macs |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
        self.init(architecture: parts[0], metadata: parts[1], weights: parts[2], macs: macs)
    }
}

/// Why a model package was refused.
enum ModelPackageError: Error, CustomStringConvertible {
    case malformed(String, offset: Int)
    var description: String {
        switch self {
        case let .malformed(reason, offset): "model package: \(reason) (at byte \(offset))"
        }
    }
}
