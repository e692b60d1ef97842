import SwiftProtobuf
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads ONNX `TensorProto` values into `FloatTensor`s.
enum TensorDecoding {
    /// ONNX `TensorProto.DataType` codes this reader accepts.
    enum DataType: Int32 {
        case float = 1, uint8 = 2, int8 = 3, uint16 = 4, int16 = 5, int32 = 6, int64 = 7, bool = 9
        case double = 11, uint32 = 12, uint64 = 13
    }

    /// Decodes a tensor (raw bytes or typed fields, little-endian) into floats.
    static func decode(_ proto: Onnx_TensorProto, name: String) throws(ModelError) -> FloatTensor {
        var shape: [Int] = []
        for dim in proto.dims {
            guard dim >= 0, dim <= Int64(Int32.max) else {
                throw .invalidModel("tensor '\(name)' has dimension \(dim)")
            }
            shape.append(Int(dim))
        }
        let (count, overflow) = shape.reduce((1, false)) { acc, d in
            let r = acc.0.multipliedReportingOverflow(by: d)
            return (r.partialValue, acc.1 || r.overflow)
        }
        guard !overflow, count <= 1 << 31 else {
            throw .invalidModel("tensor '\(name)' is too large: shape \(shape)")
        }
        if proto.dataLocation == .external || !proto.externalData.isEmpty {
            throw .invalidModel("tensor '\(name)' uses external data, which is not supported (embed the weights)")
        }
        guard let type = DataType(rawValue: proto.dataType) else {
            throw .unsupportedDataType(tensor: name, dataType: Int(proto.dataType))
        }
        var values: [Float]
        if proto.hasRawData {
            values = try decodeRaw(proto.rawData, type: type, count: count, name: name)
        } else {
            switch type {
            case .float: values = proto.floatData
            case .double: values = proto.doubleData.map { Float($0) }
            case .int64: values = proto.int64Data.map { Float($0) }
            case .uint64, .uint32: values = proto.uint64Data.map { Float($0) }
            case .int32, .int16, .int8, .uint16, .uint8, .bool: values = proto.int32Data.map { Float($0) }
            }
        }
        guard values.count == count else {
            throw .invalidModel("tensor '\(name)' has \(values.count) elements, its shape \(shape) needs \(count)")
        }
        return FloatTensor(shape: shape, data: values)
    }

    private static func decodeRaw(_ raw: Data, type: DataType, count: Int, name: String) throws(ModelError) -> [Float] {
        let width: Int
        switch type {
        case .float, .int32, .uint32: width = 4
        case .double, .int64, .uint64: width = 8
        case .int16, .uint16: width = 2
        case .int8, .uint8, .bool: width = 1
        }
        guard raw.count == count * width else {
            throw .invalidModel("tensor '\(name)' has \(raw.count) raw bytes, expected \(count * width)")
        }
        var out = [Float](repeating: 0, count: count)
        raw.withUnsafeBytes { bytes in
            for i in 0..<count {
                let o = i * width
                switch type {
                case .float: out[i] = Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                case .double: out[i] = Float(Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self))))
                case .int64: out[i] = Float(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int64.self)))
                case .uint64: out[i] = Float(UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt64.self)))
                case .int32: out[i] = Float(Int32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int32.self)))
                case .uint32: out[i] = Float(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt32.self)))
                case .int16: out[i] = Float(Int16(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: Int16.self)))
                case .uint16: out[i] = Float(UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: o, as: UInt16.self)))
                case .int8: out[i] = Float(bytes.load(fromByteOffset: o, as: Int8.self))
                case .uint8, .bool: out[i] = Float(bytes.load(fromByteOffset: o, as: UInt8.self))
                }
            }
        }
        return out
    }
}

/// A serialized `TensorProto` file (the ONNX backend test data `.pb` format).
public enum ONNXTensorFile {
    /// Decodes one tensor file: its name, its values as floats, and its ONNX data type code.
    public static func decode(bytes: [UInt8]) throws(ModelError) -> (name: String, tensor: FloatTensor, dataType: Int) {
        let proto: Onnx_TensorProto
        do {
            proto = try Onnx_TensorProto(serializedBytes: bytes)
        } catch {
            throw .malformedONNX("tensor file: \(error)")
        }
        return (proto.name, try TensorDecoding.decode(proto, name: proto.name), Int(proto.dataType))
    }
}
