/// Every tensor computed by one run of the integer engine: the witness a prover needs.
///
/// `values[id]` holds tensor `id` of the `QuantizedModel` (inputs first, then one per layer), so
/// layer `i` read `model.layers[i].inputs.map { values[$0] }` and wrote `values[model.layers[i].output]`.
public struct IntegerTrace: Sendable, Equatable {
    public var values: [[Int64]]

    public init(values: [[Int64]]) {
        self.values = values
    }

    /// The operands layer `index` of `model` read.
    public func inputs(ofLayer index: Int, in model: QuantizedModel) -> [[Int64]] {
        model.layers[index].inputs.map { values[$0] }
    }

    /// The tensor layer `index` of `model` wrote.
    public func output(ofLayer index: Int, in model: QuantizedModel) -> [Int64] {
        values[model.layers[index].output]
    }
}
