import Dispatch
import ProofCore
import TestSupport

/// `ciro bench core`: field, NTT, sumcheck and commitment figures on one core and on all cores.
public enum CoreBench {
    /// One measured figure with its target.
    public struct Figure: Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        public var target: String
    }

    /// The suite's sections, in the order they run.
    public static let sections = ["field", "ntt", "sumcheck", "commit"]

    /// Runs the suite. `quick` uses smaller sizes (for tests of the command itself); `only` restricts
    /// it to some of `sections` (nil: all), so one figure can be re-measured without the rest.
    public static func run(quick: Bool = false, only: Set<String>? = nil, progress: (String) -> Void = { _ in }) -> [Figure] {
        var figures = [Figure]()
        let cores = Parallel.workerCount
        let wanted = { (section: String) in only?.contains(section) ?? true }
        for workers in [1, cores] where workers == 1 || cores > 1 {
            let tag = workers == 1 ? "1 core" : "\(workers) cores"
            if wanted("field") {
                progress("field multiplications (\(tag))")
                figures.append(Figure(name: "base_mul_per_s_\(workers)c", value: multiplicationsPerSecond(Goldilocks.self, threads: workers, quick: quick),
                                      unit: "mul/s", target: workers == 1 ? ">= 250e6 per core" : ""))
                figures.append(Figure(name: "ext_mul_per_s_\(workers)c", value: multiplicationsPerSecond(GoldilocksExt2.self, threads: workers, quick: quick),
                                      unit: "mul/s", target: ""))
            }
            Parallel.$workerLimit.withValue(workers) {
                let logN = quick ? 14 : 20
                if wanted("ntt") {
                    progress("NTT (\(tag))")
                    figures.append(Figure(name: "ntt_2^\(logN)_ms_\(workers)c", value: nttMilliseconds(logSize: logN),
                                          unit: "ms", target: "<= 30 ms at 2^20"))
                }
                if wanted("sumcheck") {
                    progress("sumcheck (\(tag))")
                    figures.append(Figure(name: "sumcheck_2^\(logN)_ms_\(workers)c", value: sumcheckMilliseconds(logSize: logN),
                                          unit: "ms", target: "<= 30 ms at 2^20"))
                }
            }
        }
        let sizes = !wanted("commit") ? [] : quick ? [10] : [16, 20, 22]
        for logN in sizes {
            progress("commitment 2^\(logN) (\(cores) cores)")
            let r = commitmentFigures(logSize: logN)
            figures.append(Figure(name: "commit_2^\(logN)_ms", value: r.commit, unit: "ms", target: logN == 20 ? "<= 150 ms" : ""))
            figures.append(Figure(name: "open_2^\(logN)_ms", value: r.open, unit: "ms", target: ""))
            figures.append(Figure(name: "verify_2^\(logN)_ms", value: r.verify, unit: "ms", target: "<= 5 ms"))
            figures.append(Figure(name: "proof_2^\(logN)_kib", value: r.proofKiB, unit: "KiB", target: logN == 22 ? "<= 150 KB (146.5 KiB)" : ""))
        }
        return figures
    }

    /// Seconds taken by `body` (monotonic clock).
    static func seconds(_ body: () -> Void) -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Best of `repeats` runs, in milliseconds.
    static func bestMilliseconds(repeats: Int, _ body: () -> Void) -> Double {
        var best = Double.infinity
        for _ in 0..<repeats { best = min(best, seconds(body)) }
        return best * 1000
    }

    /// Element-wise products over in-cache vectors (independent multiplications), per second.
    static func multiplicationsPerSecond<F: FieldElement>(_ type: F.Type, threads: Int, quick: Bool) -> Double {
        let length = 1 << 12
        let passes = quick ? 50 : 4000
        var rng = SplitMix64(seed: 1)
        let inputs = (0..<(2 * length)).map { _ in F.random(using: &rng) }
        let start = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: threads) { t in
            var a = Array(inputs[0..<length])
            let b = Array(inputs[length...])
            a.withUnsafeMutableBufferPointer { x in
                b.withUnsafeBufferPointer { y in
                    for _ in 0..<passes {
                        for i in 0..<length { x[i] = x[i] * y[i] }
                    }
                }
            }
            // Keep the result alive.
            if a[t % length] == b[0] { print("", terminator: "") }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        return Double(threads * length * passes) / elapsed
    }

    static func nttMilliseconds(logSize: Int) -> Double {
        let plan = NTTPlan(logSize: logSize)
        var rng = SplitMix64(seed: 2)
        var values = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        return bestMilliseconds(repeats: 5) { plan.forward(&values) }
    }

    static func sumcheckMilliseconds(logSize: Int) -> Double {
        var rng = SplitMix64(seed: 2)
        let a = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let b = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        return bestMilliseconds(repeats: 5) {
            var t = Transcript(domain: "bench")
            _ = Sumcheck.proveProduct(a, b, transcript: &t, as: GoldilocksExt2.self)
        }
    }

    static func commitmentFigures(logSize: Int) -> (commit: Double, open: Double, verify: Double, proofKiB: Double) {
        var rng = SplitMix64(seed: 2)
        let table = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        let params = CommitmentParameters.conjectured100
        var batch: CommittedBatch?
        let commit = bestMilliseconds(repeats: logSize >= 22 ? 1 : 3) {
            batch = PolynomialCommitment.commit([table], parameters: params)
        }
        let point = (0..<logSize).map { _ in GoldilocksExt2.random(using: &rng) }
        let claims = [EvaluationClaim(batch: 0, polynomial: 0, point: point, value: MLE.evaluate(table, at: point))]
        var proof: OpeningProof?
        let open = bestMilliseconds(repeats: 1) {
            var t = Transcript(domain: "bench")
            proof = PolynomialCommitment.open([batch!], claims: claims, transcript: &t)
        }
        let bytes = proof!.serialized()
        var ok = true
        let verify = bestMilliseconds(repeats: 5) {
            var t = Transcript(domain: "bench")
            do {
                let parsed = try OpeningProof(serialized: bytes)
                try PolynomialCommitment.verify([batch!.commitment], parameters: params, claims: claims, proof: parsed, transcript: &t)
            } catch { ok = false }
        }
        precondition(ok, "benchmark proof did not verify")
        return (commit, open, verify, Double(bytes.count) / 1024)
    }

    /// The figures as one JSON object (name → value).
    public static func json(_ figures: [Figure]) -> String {
        "{" + figures.map { "\"\($0.name)\": \(format($0.value))" }.joined(separator: ", ") + "}"
    }

    /// A table with targets.
    public static func table(_ figures: [Figure]) -> String {
        var lines = ["figure                          value           target"]
        for f in figures {
            let name = f.name.padding(32)
            let value = (format(f.value) + " " + f.unit).padding(16)
            lines.append("\(name)\(value)\(f.target)")
        }
        return lines.joined(separator: "\n")
    }

    static func format(_ v: Double) -> String {
        if v >= 1e6 { return String(Int(v.rounded())) }
        let scaled = (v * 100).rounded() / 100
        return String(scaled)
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self + " " : self + String(repeating: " ", count: width - count)
    }
}

