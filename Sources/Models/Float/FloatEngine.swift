/// Runs a `ModelGraph` in float32: the reference the quantized engine is measured against.
public struct FloatEngine: Sendable {
    public let graph: ModelGraph

    public init(graph: ModelGraph) {
        self.graph = graph
    }

    /// Runs the graph on named inputs and returns every graph output, in graph order.
    public func run(_ inputs: [String: FloatTensor]) throws(ModelError) -> [FloatTensor] {
        let values = try runAll(inputs)
        var outputs: [FloatTensor] = []
        for output in graph.outputs {
            guard let v = values[output.name] else { throw .invalidModel("output '\(output.name)' was not computed") }
            outputs.append(v)
        }
        return outputs
    }

    /// Runs a single-input graph on a flat input (row-major) and returns the first output.
    public func run(flatInput: [Float]) throws(ModelError) -> FloatTensor {
        guard graph.inputs.count == 1 else { throw .badInput("the model has \(graph.inputs.count) inputs, expected 1") }
        let input = graph.inputs[0]
        guard flatInput.count == elementCount(input.shape) else {
            throw .badInput("input '\(input.name)' needs \(elementCount(input.shape)) values \(input.shape), got \(flatInput.count)")
        }
        return try run([input.name: FloatTensor(shape: input.shape, data: flatInput)])[0]
    }

    /// Runs the graph and returns every value computed (inputs, constants and node outputs).
    public func runAll(_ inputs: [String: FloatTensor]) throws(ModelError) -> [String: FloatTensor] {
        var values = graph.constants
        for input in graph.inputs {
            guard let v = inputs[input.name] else { throw .badInput("missing input '\(input.name)'") }
            guard v.shape == input.shape || (v.count == elementCount(input.shape)) else {
                throw .badInput("input '\(input.name)' has shape \(v.shape), expected \(input.shape)")
            }
            values[input.name] = FloatTensor(shape: input.shape, data: v.data)
        }
        for node in graph.nodes {
            let operands = node.inputs.map { $0.isEmpty ? nil : values[$0] }
            guard let outputShape = graph.shapes[node.outputs[0]] else {
                throw .invalidModel("no shape for '\(node.outputs[0])'")
            }
            values[node.outputs[0]] = try FloatKernels.evaluate(node, inputs: operands, outputShape: outputShape)
        }
        return values
    }
}
