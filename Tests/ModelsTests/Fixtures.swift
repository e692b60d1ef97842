import Models
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The test models and their data, in `Tests/ModelsTests/Fixtures/models/`.
///
/// Other test targets use the same files through a path relative to their own `#filePath`
/// (`../ModelsTests/Fixtures/models/`), so the models are stored once in the repository.
enum Fixtures {
    static let directory: String = {
        let here = #filePath
        let folder = here[..<here.lastIndex(of: "/")!]
        return "\(folder)/Fixtures"
    }()

    static func path(_ name: String) -> String { "\(directory)/models/\(name)" }

    static func bytes(_ name: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path(name)) else {
            throw FixtureError.missing(name)
        }
        return [UInt8](data)
    }

    static func graph(_ model: String) throws -> ModelGraph {
        try ONNXImporter.load(bytes: try bytes("\(model).onnx"))
    }

    static func input(_ model: String) throws -> [Float] {
        try EZKLData.inputs(json: try bytes("\(model).input.json"))[0]
    }

    static func calibration(_ model: String, graph: ModelGraph) throws -> [[Float]] {
        let flat = try EZKLData.inputs(json: try bytes("\(model).calib.json"))[0]
        return try CalibrationRanges.splitSamples(flat, sampleSize: flat.count / 16)
    }

    struct Reference: Decodable {
        let output_data: [[Float]]
        let argmax: Int
        let label: Int
    }

    static func reference(_ model: String) throws -> Reference {
        try JSONDecoder().decode(Reference.self, from: Data(try bytes("\(model).output.json")))
    }

    struct TestSplit: Decodable {
        let inputs: [[Float]]
        let labels: [Int]
    }

    static func testSplit() throws -> TestSplit {
        try JSONDecoder().decode(TestSplit.self, from: Data(try bytes("digits_test.json")))
    }

    enum FixtureError: Error { case missing(String) }

    static let modelNames = ["digits_mlp", "digits_cnn", "wide_mlp"]
}

func argmax(_ values: [Float]) -> Int {
    var best = 0
    for i in values.indices where values[i] > values[best] { best = i }
    return best
}
