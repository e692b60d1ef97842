/// Turns ONNX nodes, one at a time in topological order, into `GraphNode`s with static shapes.
struct GraphBuilder {
    let opset: Int
    var constants: [String: FloatTensor]
    var shapes: [String: [Int]]
    var nodes: [GraphNode] = []

    init(opset: Int, constants: [String: FloatTensor], shapes: [String: [Int]]) {
        self.opset = opset
        self.constants = constants
        self.shapes = shapes
    }

    mutating func add(_ proto: Onnx_NodeProto, index: Int) throws(ModelError) {
        let name = proto.name.isEmpty ? "\(proto.opType)_\(index)" : proto.name
        guard proto.domain.isEmpty || proto.domain == "ai.onnx" else {
            throw .unsupportedOp(opType: "\(proto.domain).\(proto.opType)", node: name, supported: GraphOp.supportedOpTypes)
        }
        let attributes = NodeAttributes(proto, nodeName: name)
        guard let output = proto.output.first, !output.isEmpty else {
            throw .invalidModel("node '\(name)' (\(proto.opType)) has no output")
        }
        if proto.opType == "Constant" {
            let tensor = try constantValue(attributes, name: name)
            constants[output] = tensor
            shapes[output] = tensor.shape
            return
        }
        if let extra = proto.output.dropFirst().first(where: { !$0.isEmpty }) {
            throw .unsupportedAttribute(opType: proto.opType, node: name, detail: "only the first output is supported; '\(extra)' (e.g. a Dropout mask or MaxPool indices) is not")
        }
        let op = try makeOp(proto, attributes: attributes, name: name)
        var inputs = Array(proto.input)
        // Trailing optional inputs that are not read by the engine.
        switch op {
        case .dropout: inputs = Array(inputs.prefix(1))
        case .reshape: inputs = Array(inputs.prefix(1))
        default: break
        }
        var inputShapes: [[Int]] = []
        for input in inputs {
            if input.isEmpty { inputShapes.append([]); continue }
            guard let shape = shapes[input] else {
                throw .invalidModel("node '\(name)' reads '\(input)', which has no known shape")
            }
            inputShapes.append(shape)
        }
        let node = GraphNode(name: name, opType: proto.opType, op: op, inputs: inputs, outputs: Array(proto.output))
        let outputShape = try ShapeInference.outputShape(of: node, inputShapes: inputShapes)
        shapes[output] = outputShape
        // Fold nodes whose operands are all constants (shape arithmetic, weight preprocessing).
        let operands = inputs.filter { !$0.isEmpty }
        if !operands.isEmpty, operands.allSatisfy({ constants[$0] != nil }) {
            let values = inputs.map { $0.isEmpty ? nil : constants[$0] }
            let folded = try FloatKernels.evaluate(node, inputs: values, outputShape: outputShape)
            constants[output] = folded
            return
        }
        nodes.append(node)
    }

    private func constantValue(_ attributes: NodeAttributes, name: String) throws(ModelError) -> FloatTensor {
        if let t = attributes.tensor("value") { return try TensorDecoding.decode(t, name: name) }
        if let a = attributes.attribute("value_float") { return FloatTensor(shape: [], data: [a.f]) }
        if let a = attributes.attribute("value_floats") { return FloatTensor(shape: [a.floats.count], data: a.floats) }
        if let a = attributes.attribute("value_int") { return FloatTensor(shape: [], data: [Float(a.i)]) }
        if let a = attributes.attribute("value_ints") { return FloatTensor(shape: [a.ints.count], data: a.ints.map { Float($0) }) }
        throw .unsupportedAttribute(opType: "Constant", node: name, detail: "only tensor, float(s) and int(s) values are supported")
    }

    private func makeOp(_ proto: Onnx_NodeProto, attributes a: NodeAttributes, name: String) throws(ModelError) -> GraphOp {
        let type = proto.opType
        func need(_ count: ClosedRange<Int>) throws(ModelError) {
            guard count.contains(proto.input.count) else {
                throw .invalidModel("node '\(name)' (\(type)) has \(proto.input.count) inputs, expected \(count.lowerBound)...\(count.upperBound)")
            }
        }
        switch type {
        case "Gemm":
            try need(2...3)
            return .gemm(
                alpha: try a.float("alpha", default: 1), beta: try a.float("beta", default: 1),
                transA: try a.int("transA", default: 0) != 0, transB: try a.int("transB", default: 0) != 0)
        case "MatMul": try need(2...2); return .matMul
        case "Add": try need(2...2); return .add
        case "Sub": try need(2...2); return .sub
        case "Mul": try need(2...2); return .mul
        case "Relu": try need(1...1); return .relu
        case "LeakyRelu": try need(1...1); return .leakyRelu(alpha: try a.float("alpha", default: 0.01))
        case "Sigmoid": try need(1...1); return .sigmoid
        case "Tanh": try need(1...1); return .tanh
        case "Identity": try need(1...1); return .identity
        case "Dropout":
            try need(1...3)
            if proto.input.count == 3, !proto.input[2].isEmpty {
                guard let mode = constants[proto.input[2]], mode.data.allSatisfy({ $0 == 0 }) else {
                    throw .unsupportedAttribute(opType: type, node: name, detail: "training_mode must be a constant false")
                }
            }
            return .dropout
        case "Conv":
            try need(2...3)
            guard try a.int("group", default: 1) == 1 else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "group must be 1")
            }
            guard let w = shapes[proto.input[1]], w.count == 4 else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "only 2-D convolution (4-D weights) is supported")
            }
            guard let x = shapes[proto.input[0]], x.count == 4 else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "input must be 4-D (NCHW)")
            }
            if let ks = try a.ints("kernel_shape"), ks != [w[2], w[3]] {
                throw .shapeMismatch(node: name, detail: "kernel_shape \(ks) does not match weights \(w)")
            }
            return .conv(try window(a, kernel: [w[2], w[3]], input: x, name: name, type: type))
        case "MaxPool", "AveragePool":
            try need(1...1)
            guard proto.output.count == 1 || proto.output[1].isEmpty else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "the Indices output is not supported")
            }
            guard let x = shapes[proto.input[0]], x.count == 4 else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "only 2-D pooling over NCHW input is supported")
            }
            guard let ks = try a.ints("kernel_shape"), ks.count == 2, ks.allSatisfy({ $0 > 0 }) else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "kernel_shape must have 2 positive entries")
            }
            if try a.int("storage_order", default: 0) != 0 {
                throw .unsupportedAttribute(opType: type, node: name, detail: "storage_order must be 0")
            }
            let geometry = try window(a, kernel: ks, input: x, name: name, type: type)
            let ceil = try a.int("ceil_mode", default: 0) != 0
            if type == "MaxPool" { return .maxPool(geometry, ceilMode: ceil) }
            return .averagePool(geometry, ceilMode: ceil, countIncludePad: try a.int("count_include_pad", default: 0) != 0)
        case "GlobalAveragePool":
            try need(1...1)
            guard let x = shapes[proto.input[0]], x.count == 4 else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "only NCHW input is supported")
            }
            return .globalAveragePool
        case "Flatten":
            try need(1...1)
            return .flatten(axis: try a.int("axis", default: 1))
        case "Reshape":
            try need(1...2)
            guard let input = shapes[proto.input[0]] else { throw .invalidModel("node '\(name)' has no input shape") }
            var target: [Int]
            if opset < 5 {
                guard let s = try a.ints("shape") else {
                    throw .unsupportedAttribute(opType: type, node: name, detail: "missing shape attribute")
                }
                target = s
            } else {
                guard proto.input.count == 2, let s = constants[proto.input[1]] else {
                    throw .dynamicShape(tensor: proto.output[0], detail: "Reshape in node '\(name)' takes its shape from a runtime value; only constant shapes are supported")
                }
                target = s.data.map { Int($0) }
            }
            let allowZero = try a.int("allowzero", default: 0) != 0
            return .reshape(shape: try ShapeInference.resolveReshape(target, input: input, allowZero: allowZero, node: name))
        case "Transpose":
            try need(1...1)
            guard let x = shapes[proto.input[0]] else { throw .invalidModel("node '\(name)' has no input shape") }
            let perm = try a.ints("perm") ?? Array((0..<x.count).reversed())
            guard perm.count == x.count, Set(perm) == Set(0..<x.count) else {
                throw .unsupportedAttribute(opType: type, node: name, detail: "perm \(perm) is not a permutation of the \(x.count) axes")
            }
            return .transpose(perm: perm)
        case "Concat":
            guard !proto.input.isEmpty else { throw .invalidModel("node '\(name)' (Concat) has no inputs") }
            guard a.has("axis") else { throw .unsupportedAttribute(opType: type, node: name, detail: "missing axis") }
            return .concat(axis: try a.int("axis", default: 0))
        case "BatchNormalization":
            try need(5...5)
            if try a.int("training_mode", default: 0) != 0 {
                throw .unsupportedAttribute(opType: type, node: name, detail: "training_mode must be 0")
            }
            if proto.output.count > 1, proto.output.dropFirst().contains(where: { !$0.isEmpty }) {
                throw .unsupportedAttribute(opType: type, node: name, detail: "running mean/var outputs are training-only")
            }
            return .batchNormalization(epsilon: try a.float("epsilon", default: 1e-5))
        case "Softmax":
            try need(1...1)
            let legacy = opset < 13
            return .softmax(axis: try a.int("axis", default: legacy ? 1 : -1), legacy: legacy)
        case "ArgMax":
            try need(1...1)
            return .argMax(
                axis: try a.int("axis", default: 0), keepDims: try a.int("keepdims", default: 1) != 0,
                selectLastIndex: try a.int("select_last_index", default: 0) != 0)
        default:
            throw .unsupportedOp(opType: type, node: name, supported: GraphOp.supportedOpTypes)
        }
    }

    /// Reads strides, pads, dilations and auto_pad for a 2-D window op.
    private func window(_ a: NodeAttributes, kernel: [Int], input: [Int], name: String, type: String) throws(ModelError) -> WindowGeometry {
        let strides = try a.ints("strides") ?? [1, 1]
        let dilations = try a.ints("dilations") ?? [1, 1]
        guard strides.count == 2, strides.allSatisfy({ $0 > 0 }), dilations.count == 2, dilations.allSatisfy({ $0 > 0 }) else {
            throw .unsupportedAttribute(opType: type, node: name, detail: "strides and dilations must be 2 positive values")
        }
        var pads = try a.ints("pads") ?? [0, 0, 0, 0]
        guard pads.count == 4, pads.allSatisfy({ $0 >= 0 }) else {
            throw .unsupportedAttribute(opType: type, node: name, detail: "pads must be 4 non-negative values")
        }
        let autoPad = a.string("auto_pad") ?? "NOTSET"
        switch autoPad {
        case "NOTSET", "": break
        case "VALID": pads = [0, 0, 0, 0]
        case "SAME_UPPER", "SAME_LOWER":
            for axis in 0..<2 {
                let size = input[2 + axis]
                let outSize = (size + strides[axis] - 1) / strides[axis]
                let effective = dilations[axis] * (kernel[axis] - 1) + 1
                let total = max(0, (outSize - 1) * strides[axis] + effective - size)
                let small = total / 2, large = total - small
                pads[axis] = autoPad == "SAME_UPPER" ? small : large
                pads[axis + 2] = autoPad == "SAME_UPPER" ? large : small
            }
        default:
            throw .unsupportedAttribute(opType: type, node: name, detail: "auto_pad '\(autoPad)'")
        }
        return WindowGeometry(kernel: kernel, strides: strides, pads: pads, dilations: dilations)
    }
}
