import ProofCore

/// Every way proving or verifying an inference can fail. Verification failures say which check
/// failed and where; malformed proof bytes are `.proof` errors from the length-checked reader.
public enum ZKMLError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The input (or output) does not fit the model.
    case badInput(String)
    /// The architecture is inconsistent (shapes, table references).
    case invalidArchitecture(String)
    /// The model cannot be compiled to a circuit (an op or parameter the prover does not support).
    case unsupportedModel(String)
    /// An integer value fell outside what the circuit's tables cover (the model needs wider tables).
    case outOfRange(String)
    /// The proof bytes are malformed or a sumcheck / commitment check inside them failed.
    case proof(ProofError, at: String)
    /// A relation of the circuit does not hold for the values in the proof.
    case rejected(String)
    /// The proof was made for another model, protocol version or statement.
    case wrongStatement(String)
    /// Reading or writing model data failed.
    case storage(String)

    public var description: String {
        switch self {
        case .badInput(let s): "bad input: \(s)"
        case .invalidArchitecture(let s): "invalid circuit architecture: \(s)"
        case .unsupportedModel(let s): "model not supported by the prover: \(s)"
        case .outOfRange(let s): "value out of range: \(s)"
        case let .proof(e, at): "invalid proof at \(at): \(e)"
        case .rejected(let s): "proof rejected: \(s)"
        case .wrongStatement(let s): "proof does not match the statement: \(s)"
        case .storage(let s): "model storage: \(s)"
        }
    }
}
