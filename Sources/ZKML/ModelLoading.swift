import Foundation
import Models
import ProofCore

/// Loads an ONNX model the way every proving command does: import, quantize with a fixed calibration
/// set (so the model id does not depend on any job's input), compile and commit.
public struct LoadedModel: Sendable {
    public let quantized: QuantizedModel
    public let prover: ProverModel

    /// `calibration`: EZKL-format samples; default `NAME.calib.json` beside `NAME.onnx`.
    public init(onnxPath: String, calibrationPath: String? = nil, config: QuantizationConfig = QuantizationConfig()) throws(ZKMLError) {
        let calibration = calibrationPath ?? LoadedModel.defaultCalibrationPath(onnxPath)
        do {
            let graph = try ONNXImporter.load(path: onnxPath)
            guard graph.inputs.count == 1 else { throw ZKMLError.unsupportedModel("models with \(graph.inputs.count) inputs") }
            guard FileManager.default.fileExists(atPath: calibration) else {
                throw ZKMLError.badInput("no calibration samples at \(calibration) (pass --calibration FILE)")
            }
            let size = graph.inputs[0].shape.reduce(1, *)
            let samples = try CalibrationRanges.splitSamples(try EZKLData.inputs(path: calibration).flatMap { $0 }, sampleSize: size)
            quantized = try Quantizer.quantize(graph, samples: samples, config: config)
        } catch let e as ZKMLError {
            throw e
        } catch {
            throw .badInput("\(onnxPath): \(error)")
        }
        prover = try ModelAdapter.proverModel(from: quantized)
    }

    public static func defaultCalibrationPath(_ onnxPath: String) -> String {
        let base = onnxPath.hasSuffix(".onnx") ? String(onnxPath.dropLast(5)) : onnxPath
        return base + ".calib.json"
    }
}

/// The quantization parameters a verifier needs to read a float input and print the output, decoded
/// from a model's metadata bytes (written by `ModelAdapter.metadata`).
public struct QuantizationMetadata: Sendable, Equatable {
    public var activationBits: Int
    public var inputExponent: Int
    public var outputExponent: Int

    public init(_ bytes: [UInt8]) throws(ZKMLError) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: Array("CZKQ".utf8), version: 1, what: "quantization metadata")
            var v: [Int] = []
            for _ in 0..<7 {
                let x = Int64(bitPattern: try r.readUInt64(what: "metadata field"))
                guard abs(x) < 1 << 20 else { throw ProofError.invalidValue(what: "metadata field", value: UInt64(bitPattern: x)) }
                v.append(Int(x))
            }
            try r.expectEnd()
            guard v[1] >= 2 && v[1] <= 32 else { throw ProofError.invalidValue(what: "activation bits", value: UInt64(v[1])) }
            activationBits = v[1]
            inputExponent = v[5]
            outputExponent = v[6]
        } catch {
            throw .proof(error, at: "model metadata")
        }
    }

    /// `clamp(round(x·2^e), ±(2^(bits−1) − 1))`, half away from zero (the Models module's rule).
    public func quantizeInput(_ values: [Float]) -> [Int64] {
        QuantizedModel.quantize(values, exponent: inputExponent, limit: (Int64(1) << Int64(activationBits - 1)) - 1)
    }

    public func dequantizeOutput(_ values: [Int64]) -> [Float] {
        let scale = Float(sign: .plus, exponent: -outputExponent, significand: 1)
        return values.map { Float($0) * scale }
    }
}

/// The file `ciro prove` writes: the claimed integer output and the proof bytes.
public enum ProofFile {
    static let magic = Array("CZKF".utf8)

    public static func encode(modelID: [UInt8], output: [Int64], proof: [UInt8]) -> [UInt8] {
        var w = ByteWriter(capacity: proof.count + 64 + output.count * 8)
        w.writeBytes(magic)
        w.writeUInt8(1)
        w.writeBytes(modelID)
        w.writeCount(output.count)
        for v in output { w.writeUInt64(UInt64(bitPattern: v)) }
        w.writeLengthPrefixed(proof)
        return w.bytes
    }

    public static func decode(_ bytes: [UInt8]) throws(ZKMLError) -> (modelID: [UInt8], output: [Int64], proof: [UInt8]) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: magic, version: 1, what: "proof file")
            let id = try r.readBytes(32, what: "model id")
            let n = try r.readCount(what: "output", limit: 1 << 20)
            var out: [Int64] = []
            for _ in 0..<n { out.append(Int64(bitPattern: try r.readUInt64(what: "output value"))) }
            let proof = try r.readLengthPrefixed(what: "proof", limit: ZKMLProtocol.maxProofSize)
            try r.expectEnd()
            return (id, out, proof)
        } catch {
            throw .proof(error, at: "proof file")
        }
    }
}
