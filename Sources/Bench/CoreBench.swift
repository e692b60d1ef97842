import Dispatch
import ProofCore
import TestSupport

/// `ciro bench core`: field, NTT, sumcheck, Merkle hashing, Möbius and commitment figures on one core
/// and on all cores, with the kernel set serving the calling task (`ProofKernels.with`).
public enum CoreBench {
    /// One measured figure with its target.
    public struct Figure: Sendable {
        public var name: String
        public var value: Double
        public var unit: String
        public var target: String
    }

    /// The suite's sections, in the order they run.
    public static let sections = ["field", "ntt", "sumcheck", "merkle", "mobius", "commit", "mask"]

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
                if wanted("merkle") {
                    progress("Merkle tree (\(tag))")
                    let logLeaves = quick ? 10 : 18
                    figures.append(Figure(name: "merkle_2^\(logLeaves)x128B_ms_\(workers)c", value: merkleMilliseconds(logLeaves: logLeaves),
                                          unit: "ms", target: ""))
                }
                if wanted("mobius") {
                    progress("Möbius transform (\(tag))")
                    figures.append(Figure(name: "mobius_2^\(logN)_ms_\(workers)c", value: mobiusMilliseconds(logSize: logN), unit: "ms", target: ""))
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
        for logN in !wanted("mask") ? [] : quick ? [10] : [14, 15, 17, 19, 21] {
            progress("zero-knowledge weight opening 2^\(logN) (\(cores) cores)")
            let r = maskedOpeningFigures(logSize: logN)
            figures.append(Figure(name: "folded_mask_2^\(logN)_ms", value: r.folded.mask, unit: "ms", target: ""))
            figures.append(Figure(name: "folded_open_2^\(logN)_ms", value: r.folded.open, unit: "ms", target: ""))
            figures.append(Figure(name: "folded_proof_2^\(logN)_kib", value: r.folded.kib, unit: "KiB", target: ""))
            // Where the folded proof's bytes go, and the mask tree's leaf shapes.
            for part in r.folded.parts {
                figures.append(Figure(name: "folded_2^\(logN)_\(part.name.replacingOccurrences(of: " ", with: "_"))_bytes",
                                      value: Double(part.bytes), unit: "B", target: ""))
            }
            for shape in r.shapes {
                figures.append(Figure(name: "folded_2^\(logN)_mask_leaf\(shape.positions)_bytes", value: Double(shape.bytes), unit: "B",
                                      target: shape.positions == r.chosenPositions ? "chosen" : ""))
                figures.append(Figure(name: "folded_2^\(logN)_mask_leaf\(shape.positions)_ms", value: shape.ms, unit: "ms", target: ""))
            }
        }
        return figures
    }

    /// The zero-knowledge opening of a registered 2^logSize vector (hiding `conjectured100`, one
    /// combination claim of two points) by the folded-mask opening with a mask of logSize − foldingLog
    /// variables (`openFoldedMask`, docs/ZK.md §6 item 4; the caller's k masked sumcheck rounds are not
    /// in it). Making the mask and opening are timed apart (best of 3 and 1). (The full-size separate
    /// mask it was compared with until session 10 is gone: no proof used it since protocol v15.)
    static func maskedOpeningFigures(logSize n: Int) -> (folded: (mask: Double, open: Double, kib: Double, parts: [ProofPart]),
                                                           shapes: [(positions: Int, bytes: Int, ms: Double)], chosenPositions: Int) {
        typealias E = GoldilocksExt2
        var params = CommitmentParameters.conjectured100
        params.hiding = true
        let k = params.foldingLog
        var rng = SplitMix64(seed: 3)
        let table = (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
        let batch = PolynomialCommitment.commit([table], parameters: params)
        // The claim on G = V(· ‖ ρ) the caller's k rounds would leave.
        let rho = (0..<k).map { _ in E.random(using: &rng) }
        var g = table.map { E($0) }
        for r in rho { g = (0..<(g.count / 2)).map { g[2 * $0] + r * (g[2 * $0 + 1] - g[2 * $0]) } }
        let (z, w) = ((0..<(n - k)).map { _ in E.random(using: &rng) }, (0..<(n - k)).map { _ in E.random(using: &rng) })
        let c = E.random(using: &rng)
        let onG = EvaluationClaim(batch: 0, polynomial: 0, point: z, value: MLE.evaluate(g, at: z) + c * MLE.evaluate(g, at: w),
                                  terms: [ClaimTerm(point: w, coefficient: c)])
        var small: OpeningMask?
        let foldedMask = bestMilliseconds(repeats: 3) { small = OpeningMask(foldedFor: n, parameters: params) }
        var folded: FoldedMaskOpeningProof?
        let foldedOpen = bestMilliseconds(repeats: 1) {
            var t = Transcript(domain: "bench")
            folded = PolynomialCommitment.openFoldedMask(batch, rho: rho, claims: [onG], mask: small!, transcript: &t)
        }
        var t = Transcript(domain: "bench")
        let ok = (try? PolynomialCommitment.verifyFoldedMask(batch.commitment, parameters: params, rho: rho, claims: [onG],
                                                             mask: small!.commitment, proof: folded!, transcript: &t)) != nil
        precondition(ok, "benchmark folded-mask proof did not verify")
        // The mask tree with 1, 2, 4 … 2^k positions per leaf: its opening's bytes (leaves, salts,
        // siblings) at 46 uniform query positions (ZKML's count) and the time to make the mask.
        let length = 1 << (n - k + params.rateLog)
        var drawn = Set<Int>()
        while drawn.count < 46 { drawn.insert(Int(rng.next() % UInt64(length))) }
        let queries = drawn.sorted()
        var shapes = [(positions: Int, bytes: Int, ms: Double)]()
        for leafLog in 0...k {
            var shaped: OpeningMask?
            let ms = bestMilliseconds(repeats: 3) { shaped = OpeningMask(folded: n - k, leafLog: leafLog, parameters: params) }
            shapes.append((1 << leafLog, shaped!.openingByteCount(at: queries), ms))
        }
        return ((foldedMask, foldedOpen, Double(folded!.serialized().count) / 1024, folded!.byteParts),
                shapes, 1 << PolynomialCommitment.foldedMaskLeafLog(params, maskVariables: n - k))
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

    /// An unsalted tree of 2^logLeaves leaves of 128 bytes (a 2^20 commitment's leaf shape), leaves
    /// copied from memory: leaf and node hashing.
    static func merkleMilliseconds(logLeaves: Int) -> Double {
        var rng = SplitMix64(seed: 4)
        let data = (0..<(16 << logLeaves)).map { _ in rng.next() }
        return data.withUnsafeBytes { bytes in
            bestMilliseconds(repeats: 5) {
                _ = MerkleTree(leafCount: 1 << logLeaves, leafByteCount: 128, salted: false) { i, leaf in
                    leaf.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[(128 * i)..<(128 * i + 128)]))
                }
            }
        }
    }

    /// The Möbius transform (evaluations to coefficients) of a 2^logSize base-field table.
    static func mobiusMilliseconds(logSize: Int) -> Double {
        var rng = SplitMix64(seed: 5)
        var values = (0..<(1 << logSize)).map { _ in Goldilocks.random(using: &rng) }
        return bestMilliseconds(repeats: 5) { MLE.evaluationsToCoefficients(&values) }
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

    /// The figures as one JSON object (name → value), with "kernels": the set's label.
    public static func json(_ figures: [Figure]) -> String {
        "{\"kernels\": \"\(ProofKernels.label)\", " + figures.map { "\"\($0.name)\": \(format($0.value))" }.joined(separator: ", ") + "}"
    }

    /// A table with targets.
    public static func table(_ figures: [Figure]) -> String {
        var lines = ["proof kernels: \(ProofKernels.label)", "figure                          value           target"]
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

