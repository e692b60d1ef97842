import Models
import SwiftProtobuf
import Testing

/// Builds small ONNX models in memory for refusal tests.
enum TinyModels {
    static func valueInfo(_ name: String, _ dims: [Int64]) -> Onnx_ValueInfoProto {
        var v = Onnx_ValueInfoProto()
        v.name = name
        var t = Onnx_TypeProto.Tensor()
        t.elemType = 1
        var shape = Onnx_TensorShapeProto()
        shape.dim = dims.map { d in
            var dim = Onnx_TensorShapeProto.Dimension()
            dim.dimValue = d
            return dim
        }
        t.shape = shape
        v.type.tensorType = t
        return v
    }

    /// A one-node model `y = op(x)` with x of shape [1, 4].
    static func singleNode(opType: String, nodeName: String, inputDims: [Int64] = [1, 4]) throws -> [UInt8] {
        var node = Onnx_NodeProto()
        node.opType = opType
        node.name = nodeName
        node.input = ["x"]
        node.output = ["y"]
        var graph = Onnx_GraphProto()
        graph.name = "tiny"
        graph.node = [node]
        graph.input = [valueInfo("x", inputDims)]
        graph.output = [valueInfo("y", inputDims)]
        var model = Onnx_ModelProto()
        model.irVersion = 8
        var opset = Onnx_OperatorSetIdProto()
        opset.version = 13
        model.opsetImport = [opset]
        model.graph = graph
        return try model.serializedBytes()
    }
}

@Suite("Malformed and unsupported models")
struct MalformedModelTests {
    @Test("every truncation of a real model is an error or a smaller valid graph, never a crash")
    func truncated() throws {
        let bytes = try Fixtures.bytes("digits_cnn.onnx")
        var errors = 0
        for length in stride(from: 0, to: bytes.count, by: 97) {
            do {
                _ = try ONNXImporter.load(bytes: Array(bytes[..<length]))
            } catch {
                errors += 1
            }
        }
        #expect(errors > 0)
        // Cut inside the weights: always an error that says the file is malformed.
        #expect(throws: ModelError.self) { try ONNXImporter.load(bytes: Array(bytes[..<(bytes.count / 2)])) }
    }

    @Test("garbage bytes give malformedONNX")
    func garbage() {
        var generator = SystemRandomNumberGenerator()
        for size in [1, 7, 100, 4096] {
            let junk = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            #expect(throws: ModelError.self) { try ONNXImporter.load(bytes: junk) }
        }
        let error = modelError { _ = try ONNXImporter.load(bytes: Array("not an onnx file at all".utf8)) }
        #expect(error != nil)
        #expect(error?.description.contains("ONNX") == true)
    }

    @Test("empty file is refused")
    func empty() {
        #expect(throws: ModelError.self) { try ONNXImporter.load(bytes: []) }
    }

    @Test("an unsupported op is refused with op type, node name and the supported list")
    func unsupportedOp() throws {
        let bytes = try TinyModels.singleNode(opType: "Erf", nodeName: "my_erf")
        let error = try #require(modelError { _ = try ONNXImporter.load(bytes: bytes) })
        guard case .unsupportedOp(let op, let node, let supported) = error else {
            Issue.record("wrong error \(error)")
            return
        }
        #expect(op == "Erf")
        #expect(node == "my_erf")
        #expect(supported.contains("Gemm"))
        #expect(error.description.contains("Erf") && error.description.contains("my_erf") && error.description.contains("Conv"))
    }

    @Test("a supported op in the same shape imports")
    func supportedTiny() throws {
        let graph = try ONNXImporter.load(bytes: try TinyModels.singleNode(opType: "Relu", nodeName: "r"))
        #expect(graph.nodes.count == 1)
    }

    @Test("unknown dimensions are refused as dynamic shapes")
    func dynamicShape() throws {
        let bytes = try TinyModels.singleNode(opType: "Relu", nodeName: "r", inputDims: [1, -1])
        #expect(throws: ModelError.self) { try ONNXImporter.load(bytes: bytes) }
    }

    @Test("a node reading a missing value is refused")
    func dangling() throws {
        var model = try Onnx_ModelProto(serializedBytes: try TinyModels.singleNode(opType: "Relu", nodeName: "r"))
        model.graph.node[0].input = ["nowhere"]
        #expect(throws: ModelError.self) { try ONNXImporter.load(bytes: try model.serializedBytes()) }
    }
}

/// The `ModelError` a body throws, or nil when it succeeds.
func modelError(_ body: () throws -> Void) -> ModelError? {
    do {
        try body()
        return nil
    } catch {
        return error as? ModelError
    }
}
