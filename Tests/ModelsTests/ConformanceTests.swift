import Models
import Testing
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// ONNX backend node tests (from the onnx 1.17.0 wheel, `onnx/backend/test/data/node/`) for the
/// supported ops, run through the float path. docs/ONNX_CONFORMANCE.md lists the outcomes.
enum Conformance {
    enum Outcome: Equatable {
        case pass
        case refused(String)
        case mismatch(String)
    }

    static var directory: String { "\(Fixtures.directory)/onnx-node" }

    static func caseNames() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("test_") }.sorted()
    }

    static func read(_ path: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else { throw Fixtures.FixtureError.missing(path) }
        return [UInt8](data)
    }

    /// Runs one case: inputs of integer type (shape operands) are bound as constants.
    static func run(_ name: String) throws -> Outcome {
        let folder = "\(directory)/\(name)"
        let dataSet = "\(folder)/test_data_set_0"
        let files = try FileManager.default.contentsOfDirectory(atPath: dataSet).sorted()
        var inputs: [(String, FloatTensor, Int)] = []
        var expected: [FloatTensor] = []
        for file in files {
            let decoded: (name: String, tensor: FloatTensor, dataType: Int)
            do {
                decoded = try ONNXTensorFile.decode(bytes: try read("\(dataSet)/\(file)"))
            } catch let error as ModelError {
                return .refused("test data \(file) is not a plain tensor (sequence or optional): \(error)")
            }
            if file.hasPrefix("input_") { inputs.append(decoded) } else if file.hasPrefix("output_") { expected.append(decoded.tensor) }
        }
        var constants: [String: FloatTensor] = [:]
        for (inputName, tensor, type) in inputs where type == 7 { constants[inputName] = tensor }
        let graph: ModelGraph
        do {
            graph = try ONNXImporter.load(bytes: try read("\(folder)/model.onnx"), options: .init(constantInputs: constants))
        } catch let error as ModelError {
            return .refused(error.description)
        }
        var feed: [String: FloatTensor] = [:]
        for (inputName, tensor, _) in inputs where constants[inputName] == nil { feed[inputName] = tensor }
        let outputs: [FloatTensor]
        do {
            outputs = try FloatEngine(graph: graph).run(feed)
        } catch let error as ModelError {
            return .mismatch("run failed: \(error)")
        }
        guard outputs.count >= 1 else { return .mismatch("no outputs") }
        for (index, (actual, want)) in zip(outputs, expected).enumerated() {
            guard actual.count == want.count else {
                return .mismatch("output \(index): \(actual.count) elements, expected \(want.count)")
            }
            for i in 0..<want.count {
                let a = actual.data[i], b = want.data[i]
                if !(abs(a - b) <= 1e-4 + 1e-3 * abs(b)) {
                    return .mismatch("output \(index) element \(i): \(a), expected \(b)")
                }
            }
        }
        return .pass
    }

    /// Cases the engine refuses on purpose (unsupported variants of supported ops).
    static let expectedRefusals: Set<String> = [
        "test_averagepool_1d_default", "test_maxpool_1d_default",
        "test_batchnorm_epsilon_training_mode", "test_batchnorm_example_training_mode",
        "test_identity_opt", "test_identity_sequence",
        "test_maxpool_with_argmax_2d_precomputed_pads", "test_maxpool_with_argmax_2d_precomputed_strides",
        "test_dropout_default_mask", "test_dropout_default_mask_ratio",
        "test_maxpool_2d_uint8", "test_add_uint8", "test_sub_uint8", "test_mul_uint8",
        "test_reshape_allowzero_reordered",
    ]
}

@Suite("ONNX backend node tests (float path)")
struct ConformanceTests {
    @Test("every supported-op case passes; the rest are refused with a reason, never a crash")
    func backendNodeTests() throws {
        let names = Conformance.caseNames()
        #expect(names.count > 100)
        var passed = 0
        var report: [String] = []
        for name in names {
            let outcome = try Conformance.run(name)
            switch outcome {
            case .pass:
                passed += 1
                report.append("| \(name) | pass |")
            case .refused(let why):
                report.append("| \(name) | refused: \(why) |")
                #expect(Conformance.expectedRefusals.contains(name), "\(name) refused: \(why)")
            case .mismatch(let why):
                report.append("| \(name) | FAIL: \(why) |")
                Issue.record("\(name): \(why)")
            }
        }
        print("conformance: \(passed) of \(names.count) pass")
        if ProcessInfo.processInfo.environment["CIRO_CONFORMANCE_REPORT"] != nil {
            print(report.joined(separator: "\n"))
        }
    }
}
