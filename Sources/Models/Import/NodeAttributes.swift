/// Typed access to an ONNX node's attributes, with errors that name the node.
struct NodeAttributes {
    let node: Onnx_NodeProto
    let nodeName: String
    private let byName: [String: Onnx_AttributeProto]

    init(_ node: Onnx_NodeProto, nodeName: String) {
        self.node = node
        self.nodeName = nodeName
        var map: [String: Onnx_AttributeProto] = [:]
        for attribute in node.attribute { map[attribute.name] = attribute }
        self.byName = map
    }

    func has(_ name: String) -> Bool { byName[name] != nil }

    func int(_ name: String, default value: Int) throws(ModelError) -> Int {
        guard let a = byName[name] else { return value }
        guard a.hasI || a.type == .int else { throw bad(name, "expected an integer") }
        guard let v = Int(exactly: a.i) else { throw bad(name, "out of range") }
        return v
    }

    func float(_ name: String, default value: Float) throws(ModelError) -> Float {
        guard let a = byName[name] else { return value }
        guard a.hasF || a.type == .float else { throw bad(name, "expected a float") }
        return a.f
    }

    func ints(_ name: String) throws(ModelError) -> [Int]? {
        guard let a = byName[name] else { return nil }
        var out: [Int] = []
        for v in a.ints {
            guard let x = Int(exactly: v), abs(x) < 1 << 31 else { throw bad(name, "value \(v) out of range") }
            out.append(x)
        }
        return out
    }

    func string(_ name: String) -> String? {
        guard let a = byName[name] else { return nil }
        return String(decoding: a.s, as: UTF8.self)
    }

    func tensor(_ name: String) -> Onnx_TensorProto? {
        guard let a = byName[name], a.hasT else { return nil }
        return a.t
    }

    func attribute(_ name: String) -> Onnx_AttributeProto? { byName[name] }

    private func bad(_ name: String, _ detail: String) -> ModelError {
        .unsupportedAttribute(opType: node.opType, node: nodeName, detail: "attribute '\(name)': \(detail)")
    }
}
