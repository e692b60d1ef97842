import Dispatch
import Market
import Models
#if canImport(Foundation)
import Foundation
#endif

/// `ciro bench inference`: median integer inference time per model, next to onnxruntime's on the
/// same model and machine (measured through Python when `onnxruntime` imports, otherwise the
/// figures recorded in the shared models README, labelled as such).
public enum InferenceBench {
    /// One model's figures.
    public struct Row: Sendable {
        public var model: String
        public var macs: Int
        public var integerLayers: Int
        /// Median microseconds of `IntegerEngine.run` on a quantized input (no trace copy).
        public var integerMicros: Double
        /// Median microseconds of the integer engine producing the full trace.
        public var traceMicros: Double
        /// Median microseconds of the float reference path.
        public var floatMicros: Double
        /// onnxruntime median microseconds, 1 intra-op thread.
        public var ortMicros1: Double?
        /// onnxruntime median microseconds, default threads.
        public var ortMicrosDefault: Double?
        /// Where the onnxruntime figure comes from.
        public var ortSource: String
    }

    /// Figures recorded in the shared models README (2-core Xeon, onnxruntime, 1 thread).
    public static let recordedORTMicros: [String: Double] = ["digits_mlp": 15, "digits_cnn": 12.5, "wide_mlp": 168]

    public static let models = ["digits_mlp", "digits_cnn", "wide_mlp"]

    /// Runs the benchmark over `NAME.onnx` / `NAME.input.json` / `NAME.calib.json` in `directory`.
    public static func run(directory: String, iterations: Int, python: String) throws -> [Row] {
        var rows: [Row] = []
        for name in models {
            let path = "\(directory)/\(name).onnx"
            let graph = try ONNXImporter.load(path: path)
            let input = try EZKLData.inputs(path: "\(directory)/\(name).input.json")[0]
            let calibration = try EZKLData.inputs(path: "\(directory)/\(name).calib.json")[0]
            let samples = try CalibrationRanges.splitSamples(calibration, sampleSize: input.count)
            let quantized = try Quantizer.quantize(graph, samples: samples)
            let engine = IntegerEngine(model: quantized)
            let q = [quantized.quantizeInput(input)]
            let float = FloatEngine(graph: graph)
            let integerMicros = try median(iterations) { _ = try engine.run(inputs: q) }
            let traceMicros = try median(iterations) { _ = try engine.trace(inputs: q) }
            let floatMicros = try median(max(10, iterations / 20)) { _ = try float.run(flatInput: input) }
            let ort = measureORT(python: python, model: path, iterations: iterations)
            rows.append(Row(
                model: name, macs: ModelSummary.summarize(graph).macCount, integerLayers: quantized.layers.count,
                integerMicros: integerMicros, traceMicros: traceMicros, floatMicros: floatMicros,
                ortMicros1: ort?.0 ?? recordedORTMicros[name], ortMicrosDefault: ort?.1,
                ortSource: ort == nil ? "recorded (shared/models/README.md: 2-core Xeon, onnxruntime, 1 thread)" : "measured now via \(python) onnxruntime"))
        }
        return rows
    }

    /// Median wall time of `body` in microseconds, after a warm-up.
    static func median(_ iterations: Int, _ body: () throws -> Void) throws -> Double {
        for _ in 0..<max(3, iterations / 10) { try body() }
        var samples: [Double] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let start = DispatchTime.now().uptimeNanoseconds
            try body()
            samples.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1000)
        }
        samples.sort()
        return samples[samples.count / 2]
    }

    /// Times onnxruntime in a Python subprocess; nil when Python or onnxruntime is unavailable.
    static func measureORT(python: String, model: String, iterations: Int) -> (Double, Double)? {
        let script = """
        import sys, time, statistics
        import numpy as np, onnxruntime as ort
        path, n = sys.argv[1], int(sys.argv[2])
        out = []
        for threads in (1, 0):
            so = ort.SessionOptions()
            so.intra_op_num_threads = threads
            so.inter_op_num_threads = 1
            s = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
            i = s.get_inputs()[0]
            x = np.random.rand(*[d if isinstance(d, int) else 1 for d in i.shape]).astype(np.float32)
            feed = {i.name: x}
            for _ in range(max(3, n // 10)): s.run(None, feed)
            t = []
            for _ in range(n):
                a = time.perf_counter_ns(); s.run(None, feed); t.append((time.perf_counter_ns() - a) / 1000)
            out.append(statistics.median(t))
        print(out[0], out[1])
        """
        #if canImport(Foundation)
        guard let printed = Subprocess.output("/usr/bin/env", [python, "-c", script, model, String(iterations)]) else { return nil }
        let fields = printed.split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { Double($0) }
        guard fields.count == 2 else { return nil }
        return (fields[0], fields[1])
        #else
        return nil
        #endif
    }

    /// The figures as one JSON object.
    public static func json(_ rows: [Row], iterations: Int) -> String {
        func num(_ v: Double?) -> String { v.map { String(format: "%.2f", $0) } ?? "null" }
        let items = rows.map { r in
            "\"\(r.model)\": {\"macs\": \(r.macs), \"integer_layers\": \(r.integerLayers), \"integer_us\": \(num(r.integerMicros)), \"integer_trace_us\": \(num(r.traceMicros)), \"float_reference_us\": \(num(r.floatMicros)), \"onnxruntime_1thread_us\": \(num(r.ortMicros1)), \"onnxruntime_default_threads_us\": \(num(r.ortMicrosDefault)), \"onnxruntime_source\": \"\(r.ortSource)\"}"
        }
        return "{\"suite\": \"inference\", \"iterations\": \(iterations), \"cores\": \(ProcessInfo.processInfo.activeProcessorCount), \"models\": {" + items.joined(separator: ", ") + "}}"
    }

    /// The figures as a text table.
    public static func table(_ rows: [Row], iterations: Int) -> String {
        func f(_ v: Double?) -> String { v.map { String(format: "%.1f", $0) } ?? "-" }
        var lines = ["inference: median of \(iterations) runs, microseconds (\(ProcessInfo.processInfo.activeProcessorCount) cores)"]
        lines.append("model        MACs       integer  +trace  float-ref  ort(1 thr)  ort(default)  integer/ort(1)")
        for r in rows {
            let ratio = r.ortMicros1.map { String(format: "%.2fx", r.integerMicros / $0) } ?? "-"
            lines.append([r.model.padded(12), "\(r.macs)".padded(10), f(r.integerMicros).padded(8), f(r.traceMicros).padded(7), f(r.floatMicros).padded(10), f(r.ortMicros1).padded(11), f(r.ortMicrosDefault).padded(13), ratio].joined(separator: " "))
        }
        if let source = rows.first?.ortSource { lines.append("onnxruntime: \(source)") }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
}
