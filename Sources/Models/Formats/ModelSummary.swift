import SwiftProtobuf

/// What `ciro model inspect` prints: every node with its op, output shape, parameters and
/// multiply-accumulate count, and whether the engine can run the model.
public struct ModelSummary: Sendable {
    /// One node of the file.
    public struct Node: Sendable, Equatable {
        public var name: String
        public var opType: String
        /// Output shape, when the whole graph imported.
        public var outputShape: [Int]?
        /// Elements of the constant operands the node reads.
        public var parameters: Int
        /// Multiply-accumulates for one inference.
        public var macs: Int
        /// Whether the op type is in the supported list.
        public var supported: Bool
    }

    public var producer: String
    public var opsetVersion: Int
    public var inputs: [ValueInfo]
    public var outputs: [ValueInfo]
    public var nodes: [Node]
    public var parameterCount: Int
    public var macCount: Int
    /// Why the engine refuses the model, or nil when it can run it.
    public var refusal: ModelError?

    /// Whether the engine can run the model.
    public var isSupported: Bool { refusal == nil }

    /// Summarizes a model file. Throws only when the bytes are not an ONNX model at all;
    /// a model that parses but is refused is summarized with `refusal` set.
    public static func inspect(bytes: [UInt8]) throws(ModelError) -> ModelSummary {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .malformedONNX("\(error) (file of \(bytes.count) bytes)")
        }
        guard proto.hasGraph else { throw .malformedONNX("the file has no graph (is it an ONNX model?)") }
        do {
            let graph = try ONNXImporter.load(proto: proto, options: .init())
            return summarize(graph)
        } catch {
            // Refused: list the file's nodes as written, marking what is supported.
            let supported = Set(GraphOp.supportedOpTypes)
            let nodes = proto.graph.node.enumerated().map { i, n in
                Node(name: n.name.isEmpty ? "\(n.opType)_\(i)" : n.name, opType: n.opType, outputShape: nil, parameters: 0, macs: 0,
                     supported: (n.domain.isEmpty || n.domain == "ai.onnx") && supported.contains(n.opType))
            }
            let opset = proto.opsetImport.first { $0.domain.isEmpty || $0.domain == "ai.onnx" }.map { Int(clamping: $0.version) } ?? 0
            let params = proto.graph.initializer.reduce(0) { $0 + $1.dims.reduce(1) { $0 * Int(clamping: $1) } }
            return ModelSummary(
                producer: proto.producerName, opsetVersion: opset, inputs: [], outputs: [], nodes: nodes,
                parameterCount: params, macCount: 0, refusal: error)
        }
    }

    /// Summarizes an imported graph.
    public static func summarize(_ graph: ModelGraph) -> ModelSummary {
        var nodes: [Node] = []
        for node in graph.nodes {
            let outShape = graph.shapes[node.outputs[0]] ?? []
            let params = node.inputs.reduce(0) { $0 + (graph.constants[$1]?.count ?? 0) }
            nodes.append(Node(name: node.name, opType: node.opType, outputShape: outShape, parameters: params,
                              macs: macs(node, graph: graph, outShape: outShape), supported: true))
        }
        return ModelSummary(
            producer: graph.producer, opsetVersion: graph.opsetVersion, inputs: graph.inputs, outputs: graph.outputs,
            nodes: nodes, parameterCount: graph.parameterCount, macCount: nodes.reduce(0) { $0 + $1.macs }, refusal: nil)
    }

    static func macs(_ node: GraphNode, graph: ModelGraph, outShape: [Int]) -> Int {
        let out = elementCount(outShape)
        switch node.op {
        case .gemm(_, _, let transA, _):
            guard let a = graph.shapes[node.inputs[0]], a.count == 2 else { return 0 }
            return out * (transA ? a[0] : a[1])
        case .matMul:
            guard let a = graph.shapes[node.inputs[0]], let k = a.last else { return 0 }
            return out * k
        case .conv:
            guard let w = graph.shapes[node.inputs[1]], w.count == 4 else { return 0 }
            return out * w[1] * w[2] * w[3]
        case .mul, .batchNormalization:
            return out
        default:
            return 0
        }
    }
}

extension QuantizedModel {
    /// Applies the output post-processing (Softmax / ArgMax, in float, outside the proof) to a
    /// dequantized output of shape `tensors[outputs[0]].shape`.
    public func postProcess(_ values: [Float]) -> [Float] {
        var data = values
        var shape = tensors[outputs[0]].shape
        for step in postProcessing {
            let node = GraphNode(name: "post", opType: "", op: .identity, inputs: [], outputs: [])
            switch step {
            case .softmax(let axis):
                var n = node
                n.op = .softmax(axis: axis, legacy: false)
                data = (try? FloatKernels.evaluate(n, inputs: [FloatTensor(shape: shape, data: data)], outputShape: shape))?.data ?? data
            case .argMax(let axis, let keepDims, let last):
                var n = node
                n.op = .argMax(axis: axis, keepDims: keepDims, selectLastIndex: last)
                var outShape = shape
                if keepDims { outShape[axis] = 1 } else { outShape.remove(at: axis) }
                data = (try? FloatKernels.evaluate(n, inputs: [FloatTensor(shape: shape, data: data)], outputShape: outShape))?.data ?? data
                shape = outShape
            }
        }
        return data
    }
}
