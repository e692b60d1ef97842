import Models
import Testing
import TestSupport
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Small ONNX graphs in `Fixtures/graphs/` for the prover's graph features (several inputs, several
/// outputs, dense layers over several rows, Concat along the batch axis), with their calibration and
/// input files. They are made here by `OnnxGraphBuilder` from a fixed seed; the test checks the
/// committed files are exactly what the builder makes (run with `CIRO_WRITE_FIXTURES=1` to rewrite
/// them) and that the integer engine runs each.
@Suite struct GraphFixtureTests {
    /// Name, ONNX bytes, calibration JSON, input JSON.
    static func fixtures() throws -> [(String, [UInt8], String, String)] {
        var rng = SplitMix64(seed: 0x0C1A_0F1C)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in Float(Int(rng.next() % 33) - 16) / 16 } }
        func json(_ arrays: [[Float]]) -> String {
            "{\"input_data\": [" + arrays.map { "[" + $0.map { EZKLData.formatNumber($0) }.joined(separator: ", ") + "]" }.joined(separator: ", ") + "]}"
        }
        var result: [(String, [UInt8], String, String)] = []

        // multi_io: inputs a, b [1, 8]; outputs y [1, 3] (dense of the sum of two branches) and
        // d [1, 6] (their difference).
        var m = OnnxGraphBuilder(input: "a", shape: [1, 8])
        m.input("b", shape: [1, 8])
        m.constant("wa", shape: [8, 6], values: values(48))
        m.constant("ca", shape: [6], values: values(6))
        m.constant("wb", shape: [8, 6], values: values(48))
        m.constant("cb", shape: [6], values: values(6))
        m.constant("wy", shape: [6, 3], values: values(18))
        m.constant("cy", shape: [3], values: values(3))
        m.node("Gemm", ["a", "wa", "ca"], "ga")
        m.node("Relu", ["ga"], "ha")
        m.node("Gemm", ["b", "wb", "cb"], "hb")
        m.node("Add", ["ha", "hb"], "s")
        m.node("Gemm", ["s", "wy", "cy"], "y")
        m.node("Sub", ["ha", "hb"], "d")
        result.append(("multi_io", try m.bytes(outputs: [("y", [1, 3]), ("d", [1, 6])]),
                       json([values(8 * 8), values(8 * 8)]), json([values(8), values(8)])))

        // batch_concat: x [1, 8]; Concat of two branches along the batch axis [2, 8], MatMul by
        // [8, 5] (a dense layer over 2 rows), ReLU.
        var c = OnnxGraphBuilder(input: "x", shape: [1, 8])
        c.constant("w", shape: [8, 5], values: values(40))
        c.node("Relu", ["x"], "r")
        c.node("LeakyRelu", ["x"], "l", floats: ["alpha": 0.25])
        c.node("Concat", ["r", "l"], "c", ints: ["axis": 0])
        c.node("MatMul", ["c", "w"], "p")
        c.node("Relu", ["p"], "y")
        result.append(("batch_concat", try c.bytes(output: "y", shape: [2, 5]), json([values(8 * 8)]), json([values(8)])))

        // batch_gemm: x [3, 8] (three rows, no batch dimension dropped); Gemm by [8, 4] with a bias,
        // ReLU, then MatMul by [4, 2].
        var g = OnnxGraphBuilder(input: "x", shape: [3, 8])
        g.constant("w", shape: [8, 4], values: values(32))
        g.constant("c", shape: [4], values: values(4))
        g.constant("v", shape: [4, 2], values: values(8))
        g.node("Gemm", ["x", "w", "c"], "h")
        g.node("Relu", ["h"], "r")
        g.node("MatMul", ["r", "v"], "y")
        result.append(("batch_gemm", try g.bytes(output: "y", shape: [3, 2]), json([values(24 * 8)]), json([values(24)])))

        // batch_cnn: x [2, 1, 6, 6] (two images); Conv 3x3 pad 1 → [2, 2, 6, 6], ReLU, MaxPool 2x2 →
        // [2, 2, 3, 3], Flatten → [2, 18], Gemm by [18, 3].
        var n = OnnxGraphBuilder(input: "x", shape: [2, 1, 6, 6])
        n.constant("k", shape: [2, 1, 3, 3], values: values(18))
        n.constant("kb", shape: [2], values: values(2))
        n.constant("w", shape: [18, 3], values: values(54))
        n.node("Conv", ["x", "k", "kb"], "c", intLists: ["kernel_shape": [3, 3], "pads": [1, 1, 1, 1]])
        n.node("Relu", ["c"], "r")
        n.node("MaxPool", ["r"], "p", intLists: ["kernel_shape": [2, 2], "strides": [2, 2]])
        n.node("Flatten", ["p"], "f", ints: ["axis": 1])
        n.node("Gemm", ["f", "w"], "y")
        result.append(("batch_cnn", try n.bytes(output: "y", shape: [2, 3]), json([values(72 * 8)]), json([values(72)])))
        return result
    }

    @Test func committedGraphFixturesAreTheBuildersAndRun() throws {
        let write = ProcessInfo.processInfo.environment["CIRO_WRITE_FIXTURES"] == "1"
        let folder = "\(Fixtures.directory)/graphs"
        if write { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }
        for (name, onnx, calibration, input) in try Self.fixtures() {
            let files: [(String, [UInt8])] = [("\(name).onnx", onnx), ("\(name).calib.json", Array(calibration.utf8)),
                                              ("\(name).input.json", Array(input.utf8))]
            for (file, bytes) in files {
                let path = "\(folder)/\(file)"
                if write { try Data(bytes).write(to: URL(fileURLWithPath: path)) }
                #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == bytes, "\(file) differs from the builder's")
            }
            let graph = try ONNXImporter.load(bytes: onnx)
            let sizes = graph.inputs.map { elementCount($0.shape) }
            let samples = try CalibrationRanges.samples(fromArrays: try EZKLData.inputs(json: Array(calibration.utf8)), inputSizes: sizes)
            #expect(samples.count == 8)
            let q = try Quantizer.quantize(graph, samples: samples)
            let inputs = try EZKLData.inputs(json: Array(input.utf8))
            let outputs = try IntegerEngine(model: q).run(inputs: inputs.enumerated().map { q.quantizeInput($0.element, index: $0.offset) })
            #expect(outputs.count == graph.outputs.count)
        }
    }

    @Test func calibrationArraysAreSplitPerInput() throws {
        // One array per input (samples back to back) and one per input and sample give the same samples.
        let perInput = try CalibrationRanges.samples(fromArrays: [[1, 2, 3, 4], [5, 6, 7, 8, 9, 10]], inputSizes: [2, 3])
        let perSample = try CalibrationRanges.samples(fromArrays: [[1, 2], [5, 6, 7], [3, 4], [8, 9, 10]], inputSizes: [2, 3])
        #expect(perInput == [[1, 2, 5, 6, 7], [3, 4, 8, 9, 10]])
        #expect(perSample == perInput)
        #expect(throws: ModelError.self) { try CalibrationRanges.samples(fromArrays: [[1, 2, 3, 4], [5, 6, 7]], inputSizes: [2, 3]) }
        #expect(throws: ModelError.self) { try CalibrationRanges.samples(fromArrays: [[1, 2, 3, 4]], inputSizes: [2, 3]) }
    }
}
