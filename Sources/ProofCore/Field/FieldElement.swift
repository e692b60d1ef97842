/// The arithmetic every proof-system routine needs from a field: Goldilocks itself and its extensions.
///
/// Sumcheck, multilinear polynomials and the transcript are generic over `FieldElement`; because the
/// generic code is `@inlinable`, callers get code specialized for `Goldilocks` or `GoldilocksExt2`.
/// Every element is stored canonically, so `==` is plain equality of the stored words.
public protocol FieldElement: Sendable, Hashable, CustomStringConvertible {
    /// The additive identity.
    static var zero: Self { get }
    /// The multiplicative identity.
    static var one: Self { get }
    /// How many Goldilocks coefficients an element has (1 for the base field).
    static var extensionDegree: Int { get }
    /// How many bytes `write(to:)` produces (8 per base coefficient).
    static var byteCount: Int { get }

    /// Embeds a base-field element.
    init(_ base: Goldilocks)
    /// Builds an element from `extensionDegree` base coefficients drawn from `next` (lowest first).
    /// The transcript uses this to turn uniform base elements into a uniform element.
    init(drawing next: () -> Goldilocks)

    static func + (lhs: Self, rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    static prefix func - (value: Self) -> Self
    /// Multiplies by a base-field element (cheaper than a full multiplication in an extension).
    static func * (lhs: Self, rhs: Goldilocks) -> Self

    /// `self * self`.
    func squared() -> Self
    /// `self + self`.
    func doubled() -> Self
    /// The multiplicative inverse, or nil for zero.
    func inverse() -> Self?
    /// True for the additive identity.
    var isZero: Bool { get }

    /// The base coefficients, lowest first (`extensionDegree` of them).
    var baseCoefficients: [Goldilocks] { get }

    /// Appends the canonical little-endian encoding (`byteCount` bytes).
    func write(to writer: inout ByteWriter)
    /// Reads a canonical encoding; throws on truncation or a non-canonical coefficient.
    init(from reader: inout ByteReader) throws(ProofError)

    /// A uniformly random element (for tests, benchmarks and masking; not for challenges).
    static func random(using generator: inout some RandomNumberGenerator) -> Self
}

extension FieldElement {
    @inlinable @inline(__always)
    public static func += (lhs: inout Self, rhs: Self) { lhs = lhs + rhs }
    @inlinable @inline(__always)
    public static func -= (lhs: inout Self, rhs: Self) { lhs = lhs - rhs }
    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Self) { lhs = lhs * rhs }
    @inlinable @inline(__always)
    public static func *= (lhs: inout Self, rhs: Goldilocks) { lhs = lhs * rhs }

    /// `self` raised to `exponent` by square-and-multiply.
    @inlinable
    public func power(_ exponent: UInt64) -> Self {
        var result = Self.one
        var base = self
        var e = exponent
        while e > 0 {
            if e & 1 == 1 { result *= base }
            base = base.squared()
            e >>= 1
        }
        return result
    }

    /// A uniformly random element from the system's generator.
    public static func random() -> Self {
        var g = SystemRandomNumberGenerator()
        return random(using: &g)
    }

    /// The element for a small signed integer.
    @inlinable
    public init(integer: Int) {
        self.init(Goldilocks(integer: integer))
    }
}

/// Inverts every nonzero element of `values` in place with one field inversion (Montgomery's trick).
/// Zeros stay zero.
@inlinable
public func batchInvert<F: FieldElement>(_ values: inout [F]) {
    let n = values.count
    guard n > 0 else { return }
    var prefix = [F](repeating: .one, count: n)
    var acc = F.one
    for i in 0..<n {
        prefix[i] = acc
        if !values[i].isZero { acc *= values[i] }
    }
    var inv = acc.inverse() ?? .one
    for i in stride(from: n - 1, through: 0, by: -1) where !values[i].isZero {
        let v = values[i]
        values[i] = inv * prefix[i]
        inv *= v
    }
}
