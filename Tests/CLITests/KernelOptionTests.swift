import Foundation
import Testing
import TestSupport

/// `--kernels` of `ciro bench core` and `ciro prove`: every kernel set the CPU runs is measured (the
/// label says which), a set it lacks or an unknown name is refused, and the proof is the same words
/// with every set.
@Suite struct KernelOptionTests {
    static let sets = [("avx512", "AVX-512F"), ("avx2", "AVX2"), ("swift", "portable Swift")]

    var graphs: String { FileManager.default.currentDirectoryPath + "/Tests/ModelsTests/Fixtures/graphs" }

    @Test func benchCoreRunsEachSetOrRefusesIt() throws {
        var ran = 0
        for (name, label) in Self.sets {
            let result = try CiroProcess.run(["bench", "core", "--quick", "--json", "--only", "ntt,merkle,mobius", "--kernels", name], timeout: 300)
            if result.status == 0 {
                ran += 1
                #expect(result.stdout.contains("\"kernels\": \"\(label)\""), "\(name): \(result)")
                for figure in ["ntt_2^14_ms_1c", "merkle_2^10x128B_ms_1c", "mobius_2^14_ms_1c"] {
                    #expect(result.stdout.contains(figure), "\(name): \(result)")
                }
            } else {
                // Only a set the CPU lacks is refused, and never the Swift one.
                #expect(name != "swift", "\(result)")
                #expect(result.stderr.contains("this CPU does not run the \(label) kernels"), "\(name): \(result)")
            }
        }
        #expect(ran >= 1)
        // Negative: an unknown set.
        let unknown = try CiroProcess.run(["bench", "core", "--quick", "--kernels", "sse"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("unknown kernel set 'sse'"), "\(unknown)")
    }

    @Test func proofsAreTheSameWithEverySet() throws {
        let scratch = TemporaryDirectory()
        let model = graphs + "/multi_io"
        var proofs = [String: Data]()
        for (name, _) in Self.sets {
            let path = scratch.path + "/\(name).proof"
            let result = try CiroProcess.run(["prove", "--model", model + ".onnx", "--input", model + ".input.json", "--proof", path,
                                              "--debug-seed", "00112233445566778899", "--kernels", name], timeout: 300)
            if result.status == 0 { proofs[name] = try Data(contentsOf: URL(fileURLWithPath: path)) }
        }
        #expect(proofs["swift"] != nil)
        // Negative: another seed gives another proof (the comparison can tell proofs apart).
        let other = scratch.path + "/other.proof"
        #expect(try CiroProcess.run(["prove", "--model", model + ".onnx", "--input", model + ".input.json", "--proof", other,
                                     "--debug-seed", "00112233445566778800"], timeout: 300).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: other)) != proofs["swift"])
        for (name, proof) in proofs { #expect(proof == proofs["swift"], "\(name)") }
        let unknown = try CiroProcess.run(["prove", "--model", model + ".onnx", "--input", model + ".input.json",
                                           "--proof", scratch.path + "/x.proof", "--kernels", "neon"])
        #expect(unknown.status != 0 && unknown.stderr.contains("unknown kernel set 'neon'"), "\(unknown)")
    }
}
