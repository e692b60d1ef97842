import Foundation
import Models
import ZKML

/// The weight-copy link (docs/ZK.md §6 item 3) per shipped model: making a copy (one full weight
/// commitment), proving and verifying its link, the link's size, and the zero-knowledge job proof of
/// the same model for scale. Models whose layout cannot be linked are reported as such.
public enum LinkBench {
    /// One model's figures (seconds, bytes).
    public struct Row: Sendable {
        public var model: String
        /// Nil when the model's layout cannot be linked (the reason).
        public var unsupported: String?
        public var copySeconds = 0.0
        public var proveSeconds = 0.0
        public var proveCPUSeconds = 0.0
        public var verifySeconds = 0.0
        public var linkBytes = 0
    }

    /// Loads each model from `directory`, then times a copy, its link's prove and verify (medians).
    public static func run(directory: String, repetitions: Int, models names: [String] = ProverBench.models) throws -> [Row] {
        var rows: [Row] = []
        for name in names {
            let original = try LoadedModel(onnxPath: "\(directory)/\(name).onnx").prover
            var row = Row(model: name)
            var copy: WeightCopy? = nil
            row.copySeconds = try ProverBench.median(repetitions) { copy = try WeightCopy(of: original) }
            var link: [UInt8] = []
            do {
                (row.proveSeconds, row.proveCPUSeconds) = try ProverBench.medianWithCPU(repetitions) {
                    link = try WeightCopyLink.prove(from: original, to: copy!.model)
                }
            } catch ZKMLError.unsupportedModel(let reason) {
                row.unsupported = reason
                rows.append(row)
                continue
            }
            let key = original.verifierKey(), commitment = copy!.model.commitment
            row.verifySeconds = try ProverBench.median(max(3, repetitions)) {
                try WeightCopyLink.verify(link, from: key, toCommitment: commitment)
            }
            row.linkBytes = link.count
            rows.append(row)
        }
        return rows
    }

    /// The figures as a Markdown table.
    public static func table(_ rows: [Row], repetitions: Int) -> String {
        var out = "weight-copy link (median of \(repetitions); copy = one full weight commitment)\n"
        out += "model | copy | link prove | prove CPU | link verify | link bytes\n---|---|---|---|---|---\n"
        for r in rows {
            if let reason = r.unsupported {
                out += "\(r.model) | \(ProverBench.ms(r.copySeconds)) | cannot link: \(reason)\n"
                continue
            }
            out += [r.model, ProverBench.ms(r.copySeconds), ProverBench.ms(r.proveSeconds), ProverBench.ms(r.proveCPUSeconds),
                    ProverBench.ms(r.verifySeconds), "\(r.linkBytes)"].joined(separator: " | ") + "\n"
        }
        return out
    }

    /// The figures as one JSON object.
    public static func json(_ rows: [Row], repetitions: Int) -> String {
        func n(_ v: Double) -> String { String(format: "%.9f", v) }
        let items = rows.map { r -> String in
            var f = ["\"model\": \"\(r.model)\"", "\"copy_s\": \(n(r.copySeconds))"]
            if let reason = r.unsupported {
                f.append("\"unsupported\": \"\(reason.replacingOccurrences(of: "\"", with: "'"))\"")
            } else {
                f += ["\"link_prove_s\": \(n(r.proveSeconds))", "\"link_prove_cpu_s\": \(n(r.proveCPUSeconds))",
                      "\"link_verify_s\": \(n(r.verifySeconds))", "\"link_bytes\": \(r.linkBytes)"]
            }
            return "{" + f.joined(separator: ", ") + "}"
        }
        return "{\"repetitions\": \(repetitions), \"models\": [" + items.joined(separator: ", ") + "]}"
    }
}
