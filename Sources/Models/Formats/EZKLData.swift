#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// EZKL's JSON data files: `{"input_data": [[...], ...]}` (one flat array per model input) and
/// `{"output_data": [[...], ...]}` (one flat array per output). Other keys are ignored.
public enum EZKLData {
    private struct InputFile: Decodable { let input_data: [[Double]] }
    private struct OutputFile: Codable { let output_data: [[Double]] }

    /// Reads `input_data` from JSON bytes.
    public static func inputs(json bytes: [UInt8]) throws(ModelError) -> [[Float]] {
        do {
            let file = try JSONDecoder().decode(InputFile.self, from: Data(bytes))
            return file.input_data.map { $0.map { Float($0) } }
        } catch {
            throw .badJSON("expected {\"input_data\": [[numbers...]]}: \(error)")
        }
    }

    /// Reads `output_data` from JSON bytes.
    public static func outputs(json bytes: [UInt8]) throws(ModelError) -> [[Float]] {
        do {
            let file = try JSONDecoder().decode(OutputFile.self, from: Data(bytes))
            return file.output_data.map { $0.map { Float($0) } }
        } catch {
            throw .badJSON("expected {\"output_data\": [[numbers...]]}: \(error)")
        }
    }

    /// Reads `input_data` from a file.
    public static func inputs(path: String) throws(ModelError) -> [[Float]] {
        try inputs(json: try ONNXImporter.readFile(path))
    }

    /// Writes `{"output_data": [[...]]}` as compact JSON text.
    public static func outputJSON(_ outputs: [[Float]]) -> String {
        let rows = outputs.map { row in "[" + row.map { formatNumber($0) }.joined(separator: ", ") + "]" }
        return "{\"output_data\": [" + rows.joined(separator: ", ") + "]}"
    }

    /// A float printed so that it reads back exactly (shortest round-trip form).
    public static func formatNumber(_ v: Float) -> String {
        guard v.isFinite else { return "null" }
        return "\(v)"
    }
}
