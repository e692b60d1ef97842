/// Geometry of a 2-D sliding window (convolution or pooling) over an NCHW tensor.
public struct WindowGeometry: Sendable, Equatable, Hashable {
    /// Kernel height and width.
    public var kernel: [Int]
    /// Vertical and horizontal strides.
    public var strides: [Int]
    /// Padding as `[top, left, bottom, right]`.
    public var pads: [Int]
    /// Vertical and horizontal dilations.
    public var dilations: [Int]

    public init(kernel: [Int], strides: [Int], pads: [Int], dilations: [Int]) {
        self.kernel = kernel
        self.strides = strides
        self.pads = pads
        self.dilations = dilations
    }

    /// Output height and width for an input of `height` x `width` (floor or ceil division).
    public func outputSize(height: Int, width: Int, ceilMode: Bool = false) -> (height: Int, width: Int) {
        func out(_ size: Int, _ axis: Int) -> Int {
            let effective = dilations[axis] * (kernel[axis] - 1) + 1
            let span = size + pads[axis] + pads[axis + 2] - effective
            if span < 0 { return 0 }
            if ceilMode {
                var result = (span + strides[axis] - 1) / strides[axis] + 1
                // The last window must start inside the input or the left padding.
                if (result - 1) * strides[axis] >= size + pads[axis] { result -= 1 }
                return result
            }
            return span / strides[axis] + 1
        }
        return (out(height, 0), out(width, 1))
    }
}

/// One operation of a `ModelGraph`, with its attributes resolved to static values.
public enum GraphOp: Sendable, Equatable {
    /// `Y = alpha * A' * B' + beta * C` with optional transposes.
    case gemm(alpha: Float, beta: Float, transA: Bool, transB: Bool)
    /// Matrix product with NumPy broadcasting of leading dimensions.
    case matMul
    /// Elementwise sum with broadcasting.
    case add
    /// Elementwise difference with broadcasting.
    case sub
    /// Elementwise product with broadcasting (integer path: one operand must be a constant).
    case mul
    case relu
    case leakyRelu(alpha: Float)
    /// 2-D convolution, NCHW input, weights `[outC, inC, kH, kW]`, optional bias.
    case conv(WindowGeometry)
    case maxPool(WindowGeometry, ceilMode: Bool)
    case averagePool(WindowGeometry, ceilMode: Bool, countIncludePad: Bool)
    case globalAveragePool
    case flatten(axis: Int)
    /// Reshape to a fully resolved target shape.
    case reshape(shape: [Int])
    case transpose(perm: [Int])
    case concat(axis: Int)
    /// Inference-mode batch normalization over axis 1 (inputs: X, scale, bias, mean, var).
    case batchNormalization(epsilon: Float)
    case sigmoid
    case tanh
    case identity
    /// Dropout in inference mode: the identity.
    case dropout
    /// Softmax along `axis`; `legacy` is the opset < 13 form (flatten to 2-D at `axis`).
    case softmax(axis: Int, legacy: Bool)
    case argMax(axis: Int, keepDims: Bool, selectLastIndex: Bool)

    /// ONNX op types this engine accepts (Constant is folded into constants at import).
    public static let supportedOpTypes: [String] = [
        "Add", "ArgMax", "AveragePool", "BatchNormalization", "Concat", "Constant", "Conv", "Dropout",
        "Flatten", "Gemm", "GlobalAveragePool", "Identity", "LeakyRelu", "MatMul", "MaxPool", "Mul",
        "Relu", "Reshape", "Sigmoid", "Softmax", "Sub", "Tanh", "Transpose",
    ]
}

/// A node of a `ModelGraph`: one op reading named values and writing named values.
public struct GraphNode: Sendable, Equatable {
    /// The node's name (or a generated `opType_index` when the file has none).
    public var name: String
    /// The ONNX op type, e.g. `Gemm`.
    public var opType: String
    public var op: GraphOp
    /// Names of the values read, in the op's operand order (empty string: absent optional input).
    public var inputs: [String]
    /// Names of the values written (only the first is used by every supported op).
    public var outputs: [String]

    public init(name: String, opType: String, op: GraphOp, inputs: [String], outputs: [String]) {
        self.name = name
        self.opType = opType
        self.op = op
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A named value with a static shape.
public struct ValueInfo: Sendable, Equatable {
    public var name: String
    public var shape: [Int]

    public init(name: String, shape: [Int]) {
        self.name = name
        self.shape = shape
    }
}

/// A model as this engine sees it: nodes in topological order, constants, and a static shape
/// for every value. Produced by `ONNXImporter`; consumed by the float engine and the quantizer.
public struct ModelGraph: Sendable {
    /// Runtime inputs (graph inputs that are not initializers), with static shapes.
    public var inputs: [ValueInfo]
    /// Graph outputs, with static shapes.
    public var outputs: [ValueInfo]
    /// Initializers and folded `Constant` nodes, by value name.
    public var constants: [String: FloatTensor]
    /// Nodes in topological order.
    public var nodes: [GraphNode]
    /// The static shape of every value (inputs, constants, node outputs).
    public var shapes: [String: [Int]]
    /// The default-domain opset the model was exported with.
    public var opsetVersion: Int
    /// The producer recorded in the file, e.g. `pytorch 2.3`.
    public var producer: String

    public init(
        inputs: [ValueInfo], outputs: [ValueInfo], constants: [String: FloatTensor], nodes: [GraphNode],
        shapes: [String: [Int]], opsetVersion: Int, producer: String
    ) {
        self.inputs = inputs
        self.outputs = outputs
        self.constants = constants
        self.nodes = nodes
        self.shapes = shapes
        self.opsetVersion = opsetVersion
        self.producer = producer
    }

    /// Number of parameters: elements of every constant.
    public var parameterCount: Int { constants.values.reduce(0) { $0 + $1.count } }
}
