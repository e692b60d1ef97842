/// A model in fixed point: every tensor holds integers `q` that stand for the reals `q / 2^exponent`,
/// and every layer is one explicit integer operation. This is the exact computation the integer
/// engine runs and the proof system proves; see docs/QUANTIZATION.md for the scheme and its bounds.
///
/// Tensors are numbered: ids `0..<inputs.count` are the model inputs; layer `i` writes tensor id
/// `inputs.count + i` (its `output`). Layers are in execution order and read only earlier tensors.
public struct QuantizedModel: Sendable, Equatable {
    /// Every tensor (inputs, then one per layer), indexed by tensor id.
    public var tensors: [QuantizedTensorInfo]
    /// Number of model inputs (tensor ids `0..<inputCount`).
    public var inputCount: Int
    /// The layers in execution order; `layers[i].output == inputCount + i`.
    public var layers: [QuantizedLayer]
    /// Tensor ids of the model outputs (dequantized with their tensor's exponent).
    public var outputs: [Int]
    /// Float steps applied after dequantization, outside the integer computation (and the proof):
    /// Softmax / ArgMax at the graph output.
    public var postProcessing: [PostProcessingStep]
    /// The bit widths used.
    public var config: QuantizationConfig

    public init(
        tensors: [QuantizedTensorInfo], inputCount: Int, layers: [QuantizedLayer], outputs: [Int],
        postProcessing: [PostProcessingStep], config: QuantizationConfig
    ) {
        self.tensors = tensors
        self.inputCount = inputCount
        self.layers = layers
        self.outputs = outputs
        self.postProcessing = postProcessing
        self.config = config
    }

    /// Quantizes a real input for model input `index`: `clamp(round(x * 2^exponent), -A, A)` with
    /// `A = 2^(activationBits-1) - 1`; round half away from zero.
    public func quantizeInput(_ values: [Float], index: Int = 0) -> [Int64] {
        Self.quantize(values, exponent: tensors[index].exponent, limit: config.activationMax)
    }

    /// The input rule: `clamp(round(x·2^exponent), ±limit)`, half away from zero; non-finite values
    /// saturate. Shared with every caller that must agree with the engine bit for bit.
    public static func quantize(_ values: [Float], exponent: Int, limit: Int64) -> [Int64] {
        let scale = Float(sign: .plus, exponent: exponent, significand: 1)
        return values.map { v in
            let r = (v * scale).rounded(.toNearestOrAwayFromZero)
            guard r.isFinite else { return r > 0 ? limit : -limit }
            if r >= Float(limit) { return limit }
            if r <= Float(-limit) { return -limit }
            return Int64(r)
        }
    }

    /// Converts integers of tensor `id` back to reals: `q / 2^exponent`.
    public func dequantize(_ values: [Int64], tensor id: Int) -> [Float] {
        let scale = Float(sign: .plus, exponent: -tensors[id].exponent, significand: 1)
        return values.map { Float($0) * scale }
    }
}

/// Bit widths and table parameters of a quantization.
public struct QuantizationConfig: Sendable, Equatable, Hashable {
    /// Signed bits of weights: every weight is in `[-(2^(b-1)-1), 2^(b-1)-1]`.
    public var weightBits: Int
    /// Signed bits of activations: every activation leaving a clamp is in `[-(2^(b-1)-1), 2^(b-1)-1]`.
    public var activationBits: Int
    /// Fractional bits of a lookup table's input (sigmoid/tanh): resolution `2^-tableInputBits`.
    public var tableInputBits: Int
    /// Tables cover inputs in `[-tableRange, tableRange]` (values beyond are clamped to the ends).
    public var tableRange: Int
    /// Fractional bits of a non-power-of-two constant (average-pool divisor, LeakyRelu slope).
    public var constantShift: Int

    public init(weightBits: Int = 8, activationBits: Int = 16, tableInputBits: Int = 8, tableRange: Int = 8, constantShift: Int = 16) {
        self.weightBits = weightBits
        self.activationBits = activationBits
        self.tableInputBits = tableInputBits
        self.tableRange = tableRange
        self.constantShift = constantShift
    }

    /// The largest weight magnitude, `2^(weightBits-1) - 1`.
    public var weightMax: Int64 { (Int64(1) << (weightBits - 1)) - 1 }
    /// The largest activation magnitude, `2^(activationBits-1) - 1`.
    public var activationMax: Int64 { (Int64(1) << (activationBits - 1)) - 1 }
}

/// What the model knows about one integer tensor.
public struct QuantizedTensorInfo: Sendable, Equatable {
    /// The name of the ONNX value it represents (or a derived name for intermediate steps).
    public var name: String
    /// Static shape (row-major).
    public var shape: [Int]
    /// Fixed-point exponent: the integer `q` stands for `q / 2^exponent`.
    public var exponent: Int
    /// A proven bound: every element satisfies `|q| <= bound` for every input (interval analysis).
    public var bound: Int64

    public init(name: String, shape: [Int], exponent: Int, bound: Int64) {
        self.name = name
        self.shape = shape
        self.exponent = exponent
        self.bound = bound
    }

    public var count: Int { elementCount(shape) }
}

/// One integer layer: an op, the tensor ids it reads and the tensor id it writes.
public struct QuantizedLayer: Sendable, Equatable {
    public var op: QuantizedOp
    /// Tensor ids read, in operand order.
    public var inputs: [Int]
    /// Tensor id written.
    public var output: Int
    /// The ONNX node this layer came from.
    public var sourceNode: String

    public init(op: QuantizedOp, inputs: [Int], output: Int, sourceNode: String) {
        self.op = op
        self.inputs = inputs
        self.output = output
        self.sourceNode = sourceNode
    }
}

/// An integer operation with exact semantics (all arithmetic on Int64, which never overflows for
/// the bounds recorded in `QuantizedTensorInfo.bound`).
public enum QuantizedOp: Sendable, Equatable {
    /// Fully connected: input `[rows, inFeatures]`, output `[rows, outFeatures]`,
    /// `y[r][o] = bias[o] + sum_i weights[o * inFeatures + i] * x[r][i]`.
    case dense(DenseParameters)
    /// 2-D convolution over NCHW with zero padding:
    /// `y[n][m][oy][ox] = bias[m] + sum_{c,ky,kx} w[m][c][ky][kx] * x[n][c][oy*sh - pt + ky*dh][ox*sw - pl + kx*dw]`
    /// (terms outside the input are 0).
    case conv(ConvParameters)
    /// Rounded arithmetic right shift: `y = (x + 2^(shift-1)) >> shift` (floor shift, so halves round up).
    case rescale(shift: Int)
    /// Exact multiplication by a power of two: `y = x * 2^shift`.
    case scaleUp(shift: Int)
    /// Saturation: `y = min(max(x, lo), hi)`.
    case clamp(lo: Int64, hi: Int64)
    /// `y = max(x, 0)`.
    case relu
    /// `y = x >= 0 ? x : (x * multiplier + 2^(shift-1)) >> shift`.
    case leakyRelu(multiplier: Int64, shift: Int)
    /// Lookup: `y = values[min(max(x, inputOffset), inputOffset + values.count - 1) - inputOffset]`.
    case table(TableParameters)
    /// Max over each window (padding positions are skipped, never part of the max).
    case maxPool(PoolParameters)
    /// Sum over each window (padding counts as 0). Averages are a `sumPool` followed by
    /// `mulConst` (non-power-of-two divisors) and `rescale`.
    case sumPool(PoolParameters)
    /// Elementwise product with a constant of the output's size: `y[i] = x[i] * values[i]`.
    case mulConst(values: [Int64])
    /// Elementwise sum with a constant of the output's size: `y[i] = x[i] + values[i]`.
    case addConst(values: [Int64])
    /// Elementwise sum of two tensors of the same shape and exponent.
    case add
    /// Elementwise difference of two tensors of the same shape and exponent.
    case sub
    /// Same elements, new shape (Flatten, Reshape).
    case reshape(shape: [Int])
    /// Relayout: `y[i] = x[indexMap[i]]` (Transpose).
    case gather(indexMap: [Int])
    /// Concatenation along `axis` of tensors with the same exponent.
    case concat(axis: Int)

    /// A short name of the op (for listings).
    public var name: String {
        switch self {
        case .dense: "dense"
        case .conv: "conv"
        case .rescale: "rescale"
        case .scaleUp: "scaleUp"
        case .clamp: "clamp"
        case .relu: "relu"
        case .leakyRelu: "leakyRelu"
        case .table: "table"
        case .maxPool: "maxPool"
        case .sumPool: "sumPool"
        case .mulConst: "mulConst"
        case .addConst: "addConst"
        case .add: "add"
        case .sub: "sub"
        case .reshape: "reshape"
        case .gather: "gather"
        case .concat: "concat"
        }
    }
}

/// Weights of a dense layer.
public struct DenseParameters: Sendable, Equatable {
    public var inFeatures: Int
    public var outFeatures: Int
    /// `[outFeatures][inFeatures]`, row-major, contiguous; exponent `weightExponent`.
    public var weights: [Int64]
    /// `[outFeatures]`, at the accumulator exponent (input exponent + weight exponent).
    public var bias: [Int64]
    /// Exponent of the weights (the accumulator's exponent is the input's plus this).
    public var weightExponent: Int

    public init(inFeatures: Int, outFeatures: Int, weights: [Int64], bias: [Int64], weightExponent: Int) {
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.weights = weights
        self.bias = bias
        self.weightExponent = weightExponent
    }
}

/// Weights and geometry of a 2-D convolution.
public struct ConvParameters: Sendable, Equatable {
    public var inChannels: Int
    public var outChannels: Int
    /// Input height and width.
    public var inputSize: [Int]
    /// Output height and width.
    public var outputSize: [Int]
    public var geometry: WindowGeometry
    /// `[outChannels][inChannels][kH][kW]`, row-major; exponent `weightExponent`.
    public var weights: [Int64]
    /// `[outChannels]` at the accumulator exponent.
    public var bias: [Int64]
    public var weightExponent: Int

    public init(inChannels: Int, outChannels: Int, inputSize: [Int], outputSize: [Int], geometry: WindowGeometry, weights: [Int64], bias: [Int64], weightExponent: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.inputSize = inputSize
        self.outputSize = outputSize
        self.geometry = geometry
        self.weights = weights
        self.bias = bias
        self.weightExponent = weightExponent
    }
}

/// A pooling window over NCHW input.
public struct PoolParameters: Sendable, Equatable {
    public var geometry: WindowGeometry
    /// Input height and width.
    public var inputSize: [Int]
    /// Output height and width.
    public var outputSize: [Int]

    public init(geometry: WindowGeometry, inputSize: [Int], outputSize: [Int]) {
        self.geometry = geometry
        self.inputSize = inputSize
        self.outputSize = outputSize
    }
}

/// A function tabulated over a bounded integer range.
public struct TableParameters: Sendable, Equatable {
    /// The function tabulated (for listings): `sigmoid` or `tanh`.
    public var function: String
    /// The smallest input in the table.
    public var inputOffset: Int64
    /// Outputs for inputs `inputOffset, inputOffset + 1, ...`.
    public var values: [Int64]

    public init(function: String, inputOffset: Int64, values: [Int64]) {
        self.function = function
        self.inputOffset = inputOffset
        self.values = values
    }
}

/// A float step after the integer computation (not proven).
public enum PostProcessingStep: Sendable, Equatable {
    case softmax(axis: Int)
    case argMax(axis: Int, keepDims: Bool, selectLastIndex: Bool)
}

/// The documented accuracy bound of the default quantization on the reference models
/// (docs/QUANTIZATION.md): every output logit is within this fraction of the largest
/// |logit| of the float model's output.
public enum QuantizationErrorBound {
    public static let relativeLogitError: Float = 0.02
}
