import Foundation
import Models
import ProofCore

/// Loads an ONNX model the way every proving command does: import, quantize with a fixed calibration
/// set (so the model id does not depend on any job's input), compile and commit.
public struct LoadedModel: Sendable {
    public let quantized: QuantizedModel
    public let prover: ProverModel

    /// `calibration`: EZKL-format samples; default `NAME.calib.json` beside `NAME.onnx`. For a model
    /// with several inputs, `input_data` holds one array per input (or per input and sample, in input
    /// order): see `CalibrationRanges.samples(fromArrays:inputSizes:)`.
    public init(onnxPath: String, calibrationPath: String? = nil, config: QuantizationConfig = QuantizationConfig()) throws(ZKMLError) {
        let calibration = calibrationPath ?? LoadedModel.defaultCalibrationPath(onnxPath)
        do {
            let graph = try ONNXImporter.load(path: onnxPath)
            guard FileManager.default.fileExists(atPath: calibration) else {
                throw ZKMLError.badInput("no calibration samples at \(calibration) (pass --calibration FILE)")
            }
            let samples = try CalibrationRanges.samples(fromArrays: try EZKLData.inputs(path: calibration),
                                                        inputSizes: graph.inputs.map { $0.shape.reduce(1, *) })
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
/// from a model's metadata bytes (written by `ModelAdapter.metadata`; version 1 for a model with one
/// input and one output, version 2 with every input's and output's exponent and element count).
public struct QuantizationMetadata: Sendable, Equatable {
    public var activationBits: Int
    /// The first input's exponent.
    public var inputExponent: Int
    /// The first output's exponent.
    public var outputExponent: Int
    /// Every input's exponent and element count; nil for version 1 (one input, its count implied by
    /// the architecture).
    public var inputs: [(exponent: Int, count: Int)]?
    /// Every output's exponent and element count; nil for version 1 (one output).
    public var outputs: [(exponent: Int, count: Int)]?

    public static func == (a: QuantizationMetadata, b: QuantizationMetadata) -> Bool {
        func same(_ x: [(exponent: Int, count: Int)]?, _ y: [(exponent: Int, count: Int)]?) -> Bool {
            x?.map(\.exponent) == y?.map(\.exponent) && x?.map(\.count) == y?.map(\.count)
        }
        return a.activationBits == b.activationBits && a.inputExponent == b.inputExponent
            && a.outputExponent == b.outputExponent && same(a.inputs, b.inputs) && same(a.outputs, b.outputs)
    }

    public init(_ bytes: [UInt8]) throws(ZKMLError) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            guard try r.readBytes(4, what: "quantization metadata magic") == Array("CZKQ".utf8) else {
                throw ProofError.badMagic(what: "quantization metadata")
            }
            let version = try r.readUInt8(what: "quantization metadata version")
            guard version == 1 || version == 2 else {
                throw ProofError.unsupportedVersion(what: "quantization metadata", found: Int(version), supported: 2)
            }
            func field(_ what: String) throws(ProofError) -> Int {
                let x = Int64(bitPattern: try r.readUInt64(what: what))
                guard abs(x) < 1 << 20 else { throw ProofError.invalidValue(what: what, value: UInt64(bitPattern: x)) }
                return Int(x)
            }
            var v: [Int] = []
            for _ in 0..<7 { v.append(try field("metadata field")) }
            guard v[1] >= 2 && v[1] <= 32 else { throw ProofError.invalidValue(what: "activation bits", value: UInt64(v[1])) }
            activationBits = v[1]
            inputExponent = v[5]
            outputExponent = v[6]
            if version == 2 {
                var lists: [[(exponent: Int, count: Int)]] = []
                for what in ["inputs", "outputs"] {
                    let n = try r.readUInt64(what: "metadata \(what)")
                    guard n >= 1 && n <= 1 << 10 else { throw ProofError.invalidValue(what: "metadata \(what)", value: n) }
                    var list: [(exponent: Int, count: Int)] = []
                    for _ in 0..<n {
                        let e = try field("metadata exponent")
                        let c = try r.readUInt64(what: "metadata element count")
                        guard c >= 1 && c <= 1 << 30 else { throw ProofError.invalidValue(what: "metadata element count", value: c) }
                        list.append((e, Int(c)))
                    }
                    lists.append(list)
                }
                guard lists[0][0].exponent == inputExponent, lists[1][0].exponent == outputExponent else {
                    throw ProofError.invalidValue(what: "metadata first exponents", value: 0)
                }
                inputs = lists[0]
                outputs = lists[1]
            }
            try r.expectEnd()
        } catch {
            throw .proof(error, at: "model metadata")
        }
    }

    /// `clamp(round(x·2^e), ±(2^(bits−1) − 1))`, half away from zero (the Models module's rule), with
    /// the first input's exponent.
    public func quantizeInput(_ values: [Float]) -> [Int64] {
        quantize(values, exponent: inputExponent)
    }

    /// The circuit input for the model's inputs (one float array per input, in input order): each
    /// quantized with its own exponent, then concatenated. Throws `badInput` for a wrong number of
    /// inputs or (version 2) a wrong element count.
    public func quantizeInputs(_ values: [[Float]]) throws(ZKMLError) -> [Int64] {
        guard let inputs else {
            guard values.count == 1 else { throw .badInput("the model takes 1 input, got \(values.count)") }
            return quantizeInput(values[0])
        }
        guard values.count == inputs.count else { throw .badInput("the model takes \(inputs.count) inputs, got \(values.count)") }
        var flat: [Int64] = []
        for (k, (input, v)) in zip(inputs, values).enumerated() {
            guard v.count == input.count else { throw .badInput("input \(k) needs \(input.count) values, got \(v.count)") }
            flat += quantize(v, exponent: input.exponent)
        }
        return flat
    }

    func quantize(_ values: [Float], exponent: Int) -> [Int64] {
        QuantizedModel.quantize(values, exponent: exponent, limit: (Int64(1) << Int64(activationBits - 1)) - 1)
    }

    /// The first output's reals (`q / 2^e`).
    public func dequantizeOutput(_ values: [Int64]) -> [Float] {
        Self.dequantize(values, exponent: outputExponent)
    }

    /// The circuit output (every output's flat vector, concatenated) split into the outputs, each
    /// dequantized with its own exponent. Throws `badInput` when the length does not match.
    public func dequantizeOutputs(_ values: [Int64]) throws(ZKMLError) -> [[Float]] {
        guard let outputs else { return [dequantizeOutput(values)] }
        let total = outputs.map(\.count).reduce(0, +)
        guard values.count == total else { throw .badInput("the outputs hold \(total) values, got \(values.count)") }
        var result: [[Float]] = []
        var offset = 0
        for o in outputs {
            result.append(Self.dequantize(Array(values[offset..<(offset + o.count)]), exponent: o.exponent))
            offset += o.count
        }
        return result
    }

    static func dequantize(_ values: [Int64], exponent: Int) -> [Float] {
        let scale = Float(sign: .plus, exponent: -exponent, significand: 1)
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
