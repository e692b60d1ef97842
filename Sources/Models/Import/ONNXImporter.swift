import SwiftProtobuf
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Reads an ONNX file into a `ModelGraph`: decodes the protobuf, folds constants, checks every op
/// against the supported list and resolves a static shape for every value.
///
/// Anything the engine cannot run is refused here, before any inference: an unsupported op names
/// the op type, the node and the supported list; a shape that cannot be made static names the tensor.
public enum ONNXImporter {
    /// Options for import.
    public struct Options: Sendable {
        /// Values for graph inputs that should be treated as constants (e.g. a Reshape's shape
        /// operand supplied as an input). Keyed by input name.
        public var constantInputs: [String: FloatTensor]
        /// Size bound to a symbolic (named) leading dimension of an input: the batch size.
        public var batchSize: Int

        public init(constantInputs: [String: FloatTensor] = [:], batchSize: Int = 1) {
            self.constantInputs = constantInputs
            self.batchSize = batchSize
        }
    }

    /// Imports a model from the bytes of an `.onnx` file.
    public static func load(bytes: [UInt8], options: Options = Options()) throws(ModelError) -> ModelGraph {
        let proto: Onnx_ModelProto
        do {
            proto = try Onnx_ModelProto(serializedBytes: bytes)
        } catch {
            throw .malformedONNX("\(error) (file of \(bytes.count) bytes)")
        }
        return try load(proto: proto, options: options)
    }

    /// Imports a model from a file path.
    public static func load(path: String, options: Options = Options()) throws(ModelError) -> ModelGraph {
        try load(bytes: try readFile(path), options: options)
    }

    /// Reads a whole file, mapping failures to `ModelError.badInput`.
    package static func readFile(_ path: String) throws(ModelError) -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .badInput("cannot read file '\(path)'")
        }
        return [UInt8](data)
    }

    /// Imports a decoded `ModelProto`.
    static func load(proto: Onnx_ModelProto, options: Options) throws(ModelError) -> ModelGraph {
        guard proto.hasGraph else { throw .malformedONNX("the file has no graph (is it an ONNX model?)") }
        var opset = 0
        for entry in proto.opsetImport where entry.domain.isEmpty || entry.domain == "ai.onnx" {
            opset = Int(clamping: entry.version)
        }
        if opset == 0 {
            // IR version 3+ requires opset_import; very old files default to opset 1.
            guard proto.opsetImport.isEmpty else {
                throw .invalidModel("no default-domain (ai.onnx) opset is imported")
            }
            opset = 1
        }
        let graph = proto.graph
        var constants: [String: FloatTensor] = [:]
        var shapes: [String: [Int]] = [:]
        for initializer in graph.initializer {
            let tensor = try TensorDecoding.decode(initializer, name: initializer.name)
            constants[initializer.name] = tensor
            shapes[initializer.name] = tensor.shape
        }
        for (name, tensor) in options.constantInputs {
            constants[name] = tensor
            shapes[name] = tensor.shape
        }
        var inputs: [ValueInfo] = []
        for input in graph.input where constants[input.name] == nil {
            let shape = try staticShape(of: input, batchSize: options.batchSize)
            inputs.append(ValueInfo(name: input.name, shape: shape))
            shapes[input.name] = shape
        }
        guard !inputs.isEmpty || !graph.node.isEmpty else { throw .invalidModel("the graph is empty") }

        var builder = GraphBuilder(opset: opset, constants: constants, shapes: shapes)
        for (index, node) in try topologicalOrder(graph, known: Set(shapes.keys)).enumerated() {
            try builder.add(node, index: index)
        }
        var outputs: [ValueInfo] = []
        for output in graph.output {
            guard let shape = builder.shapes[output.name] else {
                throw .invalidModel("graph output '\(output.name)' is not produced by any node")
            }
            outputs.append(ValueInfo(name: output.name, shape: shape))
        }
        guard !outputs.isEmpty else { throw .invalidModel("the graph has no outputs") }
        return ModelGraph(
            inputs: inputs, outputs: outputs, constants: builder.constants, nodes: builder.nodes,
            shapes: builder.shapes, opsetVersion: opset,
            producer: [proto.producerName, proto.producerVersion].filter { !$0.isEmpty }.joined(separator: " ")
        )
    }

    /// The static shape of a graph input; a symbolic leading dimension is bound to the batch size.
    static func staticShape(of value: Onnx_ValueInfoProto, batchSize: Int) throws(ModelError) -> [Int] {
        guard value.hasType, case .tensorType(let tensorType)? = value.type.value else {
            throw .dynamicShape(tensor: value.name, detail: "the input has no tensor type")
        }
        // Float inputs only (float, float16, double, bfloat16): the engine quantizes real values.
        guard [1, 10, 11, 16].contains(tensorType.elemType) else {
            throw .unsupportedDataType(tensor: value.name, dataType: Int(tensorType.elemType))
        }
        guard tensorType.hasShape else {
            throw .dynamicShape(tensor: value.name, detail: "the input has no shape")
        }
        var shape: [Int] = []
        for (axis, dim) in tensorType.shape.dim.enumerated() {
            switch dim.value {
            case .dimValue(let v)? where v > 0 && v < 1 << 31:
                shape.append(Int(v))
            case .dimParam(let p)? where axis == 0:
                _ = p
                shape.append(batchSize)
            case .dimParam(let p)?:
                throw .dynamicShape(tensor: value.name, detail: "dimension \(axis) is symbolic ('\(p)')")
            default:
                throw .dynamicShape(tensor: value.name, detail: "dimension \(axis) is unknown")
            }
        }
        return shape
    }

    /// Orders nodes so that every node comes after the producers of its inputs.
    static func topologicalOrder(_ graph: Onnx_GraphProto, known: Set<String>) throws(ModelError) -> [Onnx_NodeProto] {
        var available = known
        available.insert("")
        var pending = graph.node
        var ordered: [Onnx_NodeProto] = []
        ordered.reserveCapacity(pending.count)
        while !pending.isEmpty {
            var next: [Onnx_NodeProto] = []
            for node in pending {
                if node.input.allSatisfy({ available.contains($0) }) {
                    ordered.append(node)
                    for output in node.output { available.insert(output) }
                } else {
                    next.append(node)
                }
            }
            if next.count == pending.count {
                let node = next[0]
                let missing = node.input.first { !available.contains($0) } ?? "?"
                throw .invalidModel("node '\(node.name)' (\(node.opType)) reads '\(missing)', which no node or input provides (or the graph has a cycle)")
            }
            pending = next
        }
        return ordered
    }
}
