import Models
import Testing

@Suite("ONNX import")
struct ImportTests {
    @Test("digits_mlp imports as Gemm/Relu with static shapes")
    func digitsMLP() throws {
        let graph = try Fixtures.graph("digits_mlp")
        #expect(graph.inputs == [ValueInfo(name: "input", shape: [1, 64])])
        #expect(graph.outputs == [ValueInfo(name: "output", shape: [1, 10])])
        #expect(graph.nodes.map(\.opType) == ["Gemm", "Relu", "Gemm", "Relu", "Gemm"])
        #expect(graph.parameterCount == 17_226)
        #expect(graph.opsetVersion == 13)
    }

    @Test("digits_cnn imports with Conv, MaxPool and Flatten shapes")
    func digitsCNN() throws {
        let graph = try Fixtures.graph("digits_cnn")
        #expect(graph.inputs == [ValueInfo(name: "input", shape: [1, 1, 8, 8])])
        #expect(graph.nodes.map(\.opType) == ["Conv", "Relu", "Conv", "Relu", "MaxPool", "Flatten", "Gemm", "Relu", "Gemm"])
        #expect(graph.parameterCount == 9_802)
        let pooled = graph.nodes[4].outputs[0]
        #expect(graph.shapes[pooled] == [1, 16, 4, 4])
    }

    @Test("float path reproduces the onnxruntime reference outputs")
    func floatMatchesReference() throws {
        for model in Fixtures.modelNames {
            let graph = try Fixtures.graph(model)
            let out = try FloatEngine(graph: graph).run(flatInput: try Fixtures.input(model))
            let reference = try Fixtures.reference(model)
            for (a, b) in zip(out.data, reference.output_data[0]) {
                #expect(abs(a - b) <= 1e-3 * max(1, abs(b)), "\(model): \(a) vs \(b)")
            }
            #expect(argmax(out.data) == reference.argmax)
        }
    }
}
