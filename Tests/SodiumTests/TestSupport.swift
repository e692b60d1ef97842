import Sodium

/// Decodes hex that a test wrote by hand; a typo is a test bug, so it traps with the text.
func hex(_ text: String) -> [UInt8] {
    guard let bytes = Hex.decode(text) else { fatalError("bad hex in test: \(text)") }
    return bytes
}
