import Dispatch
import Foundation
import Models
import ProofCore
import ZKML
#if canImport(Glibc)
import Glibc
#endif

/// `ciro bench prover`: our prover and verifier on the shared digits models, next to EZKL's figures.
public enum ProverBench {
    /// One model's figures.
    public struct Row: Sendable {
        public var model: String
        public var parameters: Int
        /// Import + quantization + compile + weight commitment (one-time), seconds.
        public var registerSeconds: Double
        /// Weight commitment alone, seconds.
        public var commitSeconds: Double
        public var proveSeconds: Double
        /// CPU time (user + system, all threads) of the median-wall proof: less sensitive to other
        /// processes on the machine than wall time.
        public var proveCPUSeconds: Double
        public var verifySeconds: Double
        public var proofBytes: Int
        /// Process peak resident memory after this model (ru_maxrss; cumulative over the run).
        public var peakRSSBytes: Int
        /// Median integer inference (IntegerEngine.run), seconds.
        public var inferenceSeconds: Double
        public var ezkl: EZKLFigures?
        /// The same proof without zero knowledge (`ProofOptions.plain`); `proveSeconds` etc. are the
        /// default zero-knowledge proof.
        public var plain: PlainFigures? = nil
        /// The weights' per-proof opening mask (docs/ZK.md §6.2): `proveSeconds` includes making it;
        /// these are the figures with it prepared ahead, and the cost of preparing it.
        public var preparedMask: PreparedMaskFigures? = nil
    }

    /// A zero-knowledge proof whose weight mask was made before the statement (`PreparedWeightMask`,
    /// e.g. by a node in idle time), and the mask's own cost: never hidden, always printed next to
    /// the proof that makes the mask inside (the default, what `proveSeconds` measures).
    public struct PreparedMaskFigures: Sendable {
        /// The proof given a prepared mask (median wall; CPU of that run).
        public var proveSeconds: Double
        public var proveCPUSeconds: Double
        /// Making the masks alone (`PreparedWeightMask`: the weights' and the witness's opening masks, the
        /// weights' alone for a model whose weights and witness share one merged opening, protocol v21; median
        /// wall; CPU of that run): what is moved out of the proof.
        public var maskSeconds: Double
        public var maskCPUSeconds: Double
    }

    /// Figures of the plain (not zero-knowledge) proof, for the ZK overhead columns.
    public struct PlainFigures: Sendable {
        public var proveSeconds: Double
        public var proveCPUSeconds: Double
        public var verifySeconds: Double
        public var proofBytes: Int
    }

    /// EZKL 23.0.5 on the same models, recorded in shared/models/README.md (2-core Intel Xeon of this
    /// project, median of 3, time inside the ezkl call, calibrate-settings --target resources, local SRS).
    public struct EZKLFigures: Sendable {
        public var setupSeconds: Double
        public var proveSeconds: Double
        public var verifySeconds: Double
        public var proofBytes: Int
        public var peakMemoryBytes: Int
    }

    public static let ezklSource = "EZKL 23.0.5, recorded in shared/models/README.md (2-core Xeon, median of 3)"
    public static let recordedEZKL: [String: EZKLFigures] = [
        "digits_mlp": EZKLFigures(setupSeconds: 3.3, proveSeconds: 4.0, verifySeconds: 0.03, proofBytes: 3100, peakMemoryBytes: 340 << 20),
        "digits_cnn": EZKLFigures(setupSeconds: 25.4, proveSeconds: 32.8, verifySeconds: 0.17, proofBytes: 4000, peakMemoryBytes: 2867 << 20),
        "wide_mlp": EZKLFigures(setupSeconds: 116, proveSeconds: 131, verifySeconds: 0.79, proofBytes: 3100, peakMemoryBytes: 9626 << 20),
    ]

    public static let models = ["digits_mlp", "digits_cnn", "wide_mlp"]

    public static func run(directory: String, repetitions: Int, models names: [String] = models) throws -> [Row] {
        var rows: [Row] = []
        for name in names {
            let path = "\(directory)/\(name).onnx"
            var loaded: LoadedModel? = nil
            let registerSeconds = try seconds { loaded = try LoadedModel(onnxPath: path) }
            let model = loaded!
            let commitSeconds = try seconds { _ = try ProverModel(architecture: model.prover.architecture, weights: model.prover.weights, metadata: model.prover.metadata) }
            let input = model.quantized.quantizeInput(try EZKLData.inputs(path: "\(directory)/\(name).input.json")[0])
            let engine = IntegerEngine(model: model.quantized)
            let inference = try median(max(20, repetitions * 20)) { _ = try engine.run(inputs: [input]) }
            var proof: [UInt8] = []
            var output: [Int64] = []
            let (prove, proveCPU) = try medianWithCPU(repetitions) { (output, proof) = try ZKMLProver.prove(model: model.prover, input: input) }
            let key = model.prover.verifierKey()
            let verify = try median(max(3, repetitions)) { try ZKMLVerifier.verify(key: key, input: input, output: output, proof: proof) }
            var plainProof: [UInt8] = []
            let (plainProve, plainCPU) = try medianWithCPU(repetitions) { plainProof = try ZKMLProver.prove(model: model.prover, input: input, options: .plain).proof }
            let plainVerify = try median(max(3, repetitions)) { try ZKMLVerifier.verify(key: key, input: input, output: output, proof: plainProof) }
            let plain = PlainFigures(proveSeconds: plainProve, proveCPUSeconds: plainCPU, verifySeconds: plainVerify, proofBytes: plainProof.count)
            // The weight mask prepared ahead (made untimed right before each timed proof, one alive at a
            // time), and the mask alone.
            let (mask, maskCPU) = try medianWithCPU(repetitions) { _ = PreparedWeightMask(model: model.prover) }
            var runs: [(Double, Double)] = []
            for _ in 0..<max(1, repetitions) {
                let prepared = PreparedWeightMask(model: model.prover)
                let cpu0 = cpuSeconds()
                let wall = try seconds { _ = try ZKMLProver.proveWithOpening(model: model.prover, input: input, weightMask: prepared) }
                runs.append((wall, cpuSeconds() - cpu0))
            }
            runs.sort { $0.0 < $1.0 }
            let preparedMask = PreparedMaskFigures(proveSeconds: runs[runs.count / 2].0, proveCPUSeconds: runs[runs.count / 2].1,
                                                   maskSeconds: mask, maskCPUSeconds: maskCPU)
            rows.append(Row(model: name, parameters: model.prover.weights.matrices.reduce(0) { $0 + $1.count },
                            registerSeconds: registerSeconds, commitSeconds: commitSeconds, proveSeconds: prove, proveCPUSeconds: proveCPU,
                            verifySeconds: verify, proofBytes: proof.count, peakRSSBytes: peakRSS(),
                            inferenceSeconds: inference, ezkl: recordedEZKL[name], plain: plain, preparedMask: preparedMask))
        }
        return rows
    }

    static func seconds(_ body: () throws -> Void) throws -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ n: Int, _ body: () throws -> Void) throws -> Double {
        var times: [Double] = []
        for _ in 0..<max(1, n) { times.append(try seconds(body)) }
        times.sort()
        return times[times.count / 2]
    }

    /// Median wall time and the CPU time of that same run.
    static func medianWithCPU(_ n: Int, _ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        var runs: [(Double, Double)] = []
        for _ in 0..<max(1, n) {
            let cpu0 = cpuSeconds()
            let wall = try seconds(body)
            runs.append((wall, cpuSeconds() - cpu0))
        }
        runs.sort { $0.0 < $1.0 }
        return runs[runs.count / 2]
    }

    /// User + system CPU time of the process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        func s(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return s(usage.ru_utime) + s(usage.ru_stime)
    }

    static func peakRSS() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    static func ms(_ s: Double) -> String { String(format: "%.1f ms", s * 1000) }

    public static func table(_ rows: [Row], repetitions: Int) -> String {
        var out = "prover (median of \(repetitions); verify median of \(max(3, repetitions))), EZKL: \(ezklSource); \(ProofKernels.label)\n"
        out += "model       | commit   | prove     | verify   | proof     | peak RSS | inference | prove/infer | plain/infer | EZKL prove | EZKL verify | prove speed-up | verify speed-up\n"
        for r in rows {
            let e = r.ezkl
            let line = [
                r.model.padding(toLength: 11, withPad: " ", startingAt: 0),
                ms(r.commitSeconds), ms(r.proveSeconds), ms(r.verifySeconds),
                String(format: "%.1f KB", Double(r.proofBytes) / 1000), String(format: "%d MB", r.peakRSSBytes >> 20),
                String(format: "%.1f us", r.inferenceSeconds * 1e6), String(format: "%.0fx", r.proveSeconds / r.inferenceSeconds),
                r.plain.map { String(format: "%.0fx", $0.proveSeconds / r.inferenceSeconds) } ?? "-",
                e.map { String(format: "%.2f s", $0.proveSeconds) } ?? "-", e.map { String(format: "%.2f s", $0.verifySeconds) } ?? "-",
                e.map { String(format: "%.0fx", $0.proveSeconds / r.proveSeconds) } ?? "-",
                e.map { String(format: "%.1fx", $0.verifySeconds / r.verifySeconds) } ?? "-",
            ]
            out += line.joined(separator: " | ") + "\n"
        }
        out += zeroKnowledgeTable(rows)
        return out
    }

    /// Zero-knowledge proof (the default) next to the plain proof: time and size ratios (issue 8
    /// targets: prove <= 1.3x, proof <= 1.3x).
    public static func zeroKnowledgeTable(_ rows: [Row]) -> String {
        var out = "\nzero knowledge (default) vs plain proof\n"
        out += "model       | ZK prove  | plain prove | prove ratio | ZK proof  | plain proof | size ratio | ZK verify | plain verify | ZK CPU | plain CPU\n"
        for r in rows {
            guard let p = r.plain else { continue }
            out += [
                r.model.padding(toLength: 11, withPad: " ", startingAt: 0),
                ms(r.proveSeconds), ms(p.proveSeconds), String(format: "%.2fx", r.proveSeconds / p.proveSeconds),
                String(format: "%.1f KB", Double(r.proofBytes) / 1000), String(format: "%.1f KB", Double(p.proofBytes) / 1000),
                String(format: "%.2fx", Double(r.proofBytes) / Double(p.proofBytes)),
                ms(r.verifySeconds), ms(p.verifySeconds), ms(r.proveCPUSeconds), ms(p.proveCPUSeconds),
            ].joined(separator: " | ") + "\n"
        }
        out += "(ZK prove, ZK CPU: the opening masks of the weights and the witness are made inside the proof; one mask for a merged opening, digits_cnn)\n"
        out += "\nopening masks (the weights' and the witness's, or the merged opening's one, docs/ZK.md §6 item 4): made inside the proof vs prepared ahead of the statement\n"
        out += "model       | ZK prove (mask inside) | ZK prove (mask prepared) | prepared / plain | mask alone | mask alone CPU | ZK CPU (inside) | ZK CPU (prepared) | CPU prepared / plain\n"
        for r in rows {
            guard let p = r.plain, let m = r.preparedMask else { continue }
            out += [
                r.model.padding(toLength: 11, withPad: " ", startingAt: 0),
                ms(r.proveSeconds), ms(m.proveSeconds), String(format: "%.2fx", m.proveSeconds / p.proveSeconds),
                ms(m.maskSeconds), ms(m.maskCPUSeconds), ms(r.proveCPUSeconds), ms(m.proveCPUSeconds),
                String(format: "%.2fx", m.proveCPUSeconds / p.proveCPUSeconds),
            ].joined(separator: " | ") + "\n"
        }
        return out
    }

    public static func json(_ rows: [Row], repetitions: Int) -> String {
        // Nanosecond precision: a digits_mlp inference takes a few microseconds, so six decimals
        // would round it to whole microseconds.
        func n(_ v: Double) -> String { String(format: "%.9f", v) }
        let items = rows.map { r -> String in
            var f = [
                "\"model\": \"\(r.model)\"", "\"parameters\": \(r.parameters)",
                "\"register_s\": \(n(r.registerSeconds))", "\"commit_s\": \(n(r.commitSeconds))",
                "\"prove_s\": \(n(r.proveSeconds))", "\"prove_cpu_s\": \(n(r.proveCPUSeconds))", "\"verify_s\": \(n(r.verifySeconds))", "\"proof_bytes\": \(r.proofBytes)",
                "\"peak_rss_bytes\": \(r.peakRSSBytes)", "\"inference_s\": \(n(r.inferenceSeconds))",
                "\"prove_over_inference\": \(n(r.proveSeconds / r.inferenceSeconds))",
            ]
            if let p = r.plain {
                f += ["\"plain_prove_s\": \(n(p.proveSeconds))", "\"plain_prove_cpu_s\": \(n(p.proveCPUSeconds))", "\"plain_verify_s\": \(n(p.verifySeconds))",
                      "\"plain_proof_bytes\": \(p.proofBytes)", "\"zk_prove_ratio\": \(n(r.proveSeconds / p.proveSeconds))",
                      "\"zk_size_ratio\": \(n(Double(r.proofBytes) / Double(p.proofBytes)))",
                      "\"plain_prove_over_inference\": \(n(p.proveSeconds / r.inferenceSeconds))"]
            }
            if let m = r.preparedMask {
                f += ["\"zk_prepared_mask_prove_s\": \(n(m.proveSeconds))", "\"zk_prepared_mask_prove_cpu_s\": \(n(m.proveCPUSeconds))",
                      "\"weight_mask_s\": \(n(m.maskSeconds))", "\"weight_mask_cpu_s\": \(n(m.maskCPUSeconds))"]
            }
            if let e = r.ezkl {
                f += ["\"ezkl_prove_s\": \(n(e.proveSeconds))", "\"ezkl_verify_s\": \(n(e.verifySeconds))",
                      "\"ezkl_setup_s\": \(n(e.setupSeconds))", "\"ezkl_proof_bytes\": \(e.proofBytes)",
                      "\"ezkl_peak_bytes\": \(e.peakMemoryBytes)",
                      "\"prove_speedup\": \(n(e.proveSeconds / r.proveSeconds))", "\"verify_speedup\": \(n(e.verifySeconds / r.verifySeconds))"]
            }
            return "{" + f.joined(separator: ", ") + "}"
        }
        return "{\"suite\": \"prover\", \"repetitions\": \(repetitions), \"ezkl_source\": \"\(ezklSource)\", \"kernels\": \"\(ProofKernels.label)\", \"models\": [" + items.joined(separator: ", ") + "]}"
    }
}
