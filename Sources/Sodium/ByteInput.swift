/// Runs `body` over the contiguous bytes of `bytes`, copying only if the sequence is not contiguous.
@inline(__always)
func withContiguousBytes<R, E: Error>(
    _ bytes: some Sequence<UInt8>, _ body: (UnsafeRawBufferPointer) throws(E) -> R
) throws(E) -> R {
    let result: Result<R, E>? = bytes.withContiguousStorageIfAvailable { buffer in
        do throws(E) { return .success(try body(UnsafeRawBufferPointer(buffer))) } catch { return .failure(error) }
    }
    if let result { return try result.get() }
    let copy = Array(bytes)
    let r: Result<R, E> = copy.withUnsafeBytes { raw in
        do throws(E) { return .success(try body(raw)) } catch { return .failure(error) }
    }
    return try r.get()
}

/// Copies exactly `expected` bytes out of `bytes`, or throws `invalidLength` naming `what`.
func fixedLengthBytes(_ bytes: some Sequence<UInt8>, expected: Int, what: String) throws(SodiumError) -> [UInt8] {
    let array = Array(bytes)
    guard array.count == expected else { throw .invalidLength(what: what, expected: expected, actual: array.count) }
    return array
}
