import ArgumentParser
import Models

struct ModelInspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Print a model's ops, shapes and costs.",
        discussion: """
        Lists every node with its op type, output shape, parameter count and multiply-accumulates,
        and says whether the integer engine supports the model. Exits 2 when the file cannot be
        read or the model is not supported (the reason is printed).
        """
    )

    @Argument(help: "The ONNX model file.")
    var file: String

    @Flag(help: "Print one JSON object instead of a table.")
    var json = false

    func run() async throws {
        let summary: ModelSummary
        do {
            summary = try ModelSummary.inspect(bytes: try ONNXImporter.readFile(file))
        } catch {
            printError("ciro model inspect: \(error)")
            throw CiroExit.badInput
        }
        print(json ? ModelReport.json(summary) : ModelReport.text(summary, file: file))
        if let refusal = summary.refusal {
            if json { printError("ciro model inspect: \(refusal)") }
            throw CiroExit.badInput
        }
    }
}

/// Text and JSON renderings of a `ModelSummary`.
enum ModelReport {
    static func text(_ s: ModelSummary, file: String) -> String {
        var lines: [String] = []
        lines.append("model: \(file)")
        if !s.producer.isEmpty { lines.append("producer: \(s.producer)") }
        lines.append("opset: \(s.opsetVersion)")
        for i in s.inputs { lines.append("input:  \(i.name) \(i.shape)") }
        for o in s.outputs { lines.append("output: \(o.name) \(o.shape)") }
        let header = ["node", "op", "output shape", "params", "MACs", "supported"]
        var rows = [header]
        for n in s.nodes {
            rows.append([n.name, n.opType, n.outputShape.map { "\($0)" } ?? "?", "\(n.parameters)", "\(n.macs)", n.supported ? "yes" : "NO"])
        }
        let widths = (0..<header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        for row in rows {
            lines.append(row.enumerated().map { c, cell in cell.padding(toLength: widths[c]) }.joined(separator: "  "))
        }
        lines.append("parameters: \(s.parameterCount)")
        lines.append("MACs per inference: \(s.macCount)")
        if let refusal = s.refusal {
            lines.append("supported: no: \(refusal)")
        } else {
            lines.append("supported: yes")
        }
        return lines.joined(separator: "\n")
    }

    static func json(_ s: ModelSummary) -> String {
        func str(_ v: String) -> String {
            var out = "\""
            for ch in v.unicodeScalars {
                switch ch {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                default:
                    if ch.value < 0x20 { out += "\\u" + String(ch.value, radix: 16).leftPadded(to: 4) } else { out.unicodeScalars.append(ch) }
                }
            }
            return out + "\""
        }
        func shape(_ v: [Int]) -> String { "[" + v.map(String.init).joined(separator: ", ") + "]" }
        let nodes = s.nodes.map { n in
            "{\"name\": \(str(n.name)), \"op\": \(str(n.opType)), \"output_shape\": \(n.outputShape.map(shape) ?? "null"), \"params\": \(n.parameters), \"macs\": \(n.macs), \"supported\": \(n.supported)}"
        }
        let values: ([ValueInfo]) -> String = { "[" + $0.map { "{\"name\": \(str($0.name)), \"shape\": \(shape($0.shape))}" }.joined(separator: ", ") + "]" }
        var fields = [
            "\"producer\": \(str(s.producer))", "\"opset\": \(s.opsetVersion)", "\"inputs\": \(values(s.inputs))",
            "\"outputs\": \(values(s.outputs))", "\"nodes\": [\(nodes.joined(separator: ", "))]",
            "\"params\": \(s.parameterCount)", "\"macs\": \(s.macCount)", "\"supported\": \(s.isSupported)",
        ]
        if let r = s.refusal { fields.append("\"refusal\": \(str(r.description))") }
        return "{" + fields.joined(separator: ", ") + "}"
    }
}

extension String {
    func padding(toLength length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
