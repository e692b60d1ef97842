/// Everything that can go wrong when reading, checking, quantizing or running a model.
///
/// Every case says what failed and where (node name, tensor name, byte offset where known),
/// so a user can act on the message without reading the source.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not a valid ONNX protobuf (truncated, garbage, wrong wire types).
    case malformedONNX(String)
    /// The file parsed but is not a usable model (no graph, missing tensors, bad attributes).
    case invalidModel(String)
    /// A node uses an op this engine does not run.
    case unsupportedOp(opType: String, node: String, supported: [String])
    /// An op is supported but used in a way that is not (e.g. Conv with groups > 1).
    case unsupportedAttribute(opType: String, node: String, detail: String)
    /// A tensor's shape could not be resolved to static dimensions.
    case dynamicShape(tensor: String, detail: String)
    /// Shapes of a node's operands do not fit together.
    case shapeMismatch(node: String, detail: String)
    /// A tensor uses an element type the engine does not read.
    case unsupportedDataType(tensor: String, dataType: Int)
    /// Input data does not fit the model (wrong count, wrong name).
    case badInput(String)
    /// A JSON file could not be read in the expected (EZKL) format.
    case badJSON(String)
    /// Quantization could not represent the model (e.g. a shift out of range).
    case quantization(String)

    public var description: String {
        switch self {
        case .malformedONNX(let detail):
            return "malformed ONNX file: \(detail)"
        case .invalidModel(let detail):
            return "invalid model: \(detail)"
        case .unsupportedOp(let opType, let node, let supported):
            return "unsupported op \(opType) in node '\(node)'; supported ops: \(supported.joined(separator: ", "))"
        case .unsupportedAttribute(let opType, let node, let detail):
            return "unsupported use of \(opType) in node '\(node)': \(detail)"
        case .dynamicShape(let tensor, let detail):
            return "cannot resolve a static shape for tensor '\(tensor)': \(detail)"
        case .shapeMismatch(let node, let detail):
            return "shape mismatch in node '\(node)': \(detail)"
        case .unsupportedDataType(let tensor, let dataType):
            return "tensor '\(tensor)' has unsupported data type \(dataType)"
        case .badInput(let detail):
            return "bad input: \(detail)"
        case .badJSON(let detail):
            return "bad JSON: \(detail)"
        case .quantization(let detail):
            return "quantization failed: \(detail)"
        }
    }
}
