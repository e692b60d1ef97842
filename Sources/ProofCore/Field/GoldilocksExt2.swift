/// The quadratic extension Goldilocks[X] / (X^2 - 7): elements c0 + c1·X with X^2 = 7.
///
/// 7 is a quadratic non-residue mod p (7^((p-1)/2) = -1, checked in the tests), so X^2 - 7 is
/// irreducible and this is a field of order p^2 ≈ 2^128: challenges drawn here make a Schwartz-Zippel
/// error of d/p^2 per round, far below 2^-100.
@frozen
public struct GoldilocksExt2: FieldElement {
    /// The non-residue W with X^2 = W.
    public static let nonResidue = Goldilocks(7)

    /// Constant coefficient.
    public let c0: Goldilocks
    /// Coefficient of X.
    public let c1: Goldilocks

    @inlinable @inline(__always)
    public init(_ c0: Goldilocks, _ c1: Goldilocks) {
        self.c0 = c0
        self.c1 = c1
    }

    @inlinable @inline(__always)
    public init(_ base: Goldilocks) {
        self.c0 = base
        self.c1 = .zero
    }

    @inlinable
    public init(drawing next: () -> Goldilocks) {
        let a = next()
        let b = next()
        self.init(a, b)
    }

    public static let zero = GoldilocksExt2(.zero, .zero)
    public static let one = GoldilocksExt2(.one, .zero)
    public static var extensionDegree: Int { 2 }
    public static var byteCount: Int { 16 }

    @inlinable
    public var isZero: Bool { c0.isZero && c1.isZero }

    @inlinable
    public var baseCoefficients: [Goldilocks] { [c0, c1] }

    /// True when the element lies in the base field.
    @inlinable
    public var isBase: Bool { c1.isZero }

    public var description: String { c1.isZero ? c0.description : "\(c0) + \(c1)·X" }

    /// 7·x, computed as a small 128-bit product and reduced.
    @inlinable @inline(__always)
    static func timesNonResidue(_ x: Goldilocks) -> Goldilocks {
        let (hi, lo) = x.value.multipliedFullWidth(by: 7)
        // hi < 7, so hi·epsilon < 2^35 and one carry correction suffices.
        let (s, carry) = lo.addingReportingOverflow(hi &* Goldilocks.epsilon)
        let r = carry ? s &+ Goldilocks.epsilon : s
        let (reduced, below) = r.subtractingReportingOverflow(Goldilocks.modulus)
        return Goldilocks(canonical: below ? r : reduced)
    }

    @inlinable @inline(__always)
    public static func + (lhs: GoldilocksExt2, rhs: GoldilocksExt2) -> GoldilocksExt2 {
        GoldilocksExt2(lhs.c0 + rhs.c0, lhs.c1 + rhs.c1)
    }

    @inlinable @inline(__always)
    public static func - (lhs: GoldilocksExt2, rhs: GoldilocksExt2) -> GoldilocksExt2 {
        GoldilocksExt2(lhs.c0 - rhs.c0, lhs.c1 - rhs.c1)
    }

    @inlinable @inline(__always)
    public static prefix func - (value: GoldilocksExt2) -> GoldilocksExt2 {
        GoldilocksExt2(-value.c0, -value.c1)
    }

    /// Karatsuba: three base multiplications and one multiplication by 7.
    @inlinable @inline(__always)
    public static func * (lhs: GoldilocksExt2, rhs: GoldilocksExt2) -> GoldilocksExt2 {
        let t0 = lhs.c0 * rhs.c0
        let t1 = lhs.c1 * rhs.c1
        let cross = (lhs.c0 + lhs.c1) * (rhs.c0 + rhs.c1)
        return GoldilocksExt2(t0 + timesNonResidue(t1), cross - t0 - t1)
    }

    @inlinable @inline(__always)
    public static func * (lhs: GoldilocksExt2, rhs: Goldilocks) -> GoldilocksExt2 {
        GoldilocksExt2(lhs.c0 * rhs, lhs.c1 * rhs)
    }

    @inlinable @inline(__always)
    public static func * (lhs: Goldilocks, rhs: GoldilocksExt2) -> GoldilocksExt2 {
        GoldilocksExt2(rhs.c0 * lhs, rhs.c1 * lhs)
    }

    @inlinable @inline(__always)
    public static func + (lhs: GoldilocksExt2, rhs: Goldilocks) -> GoldilocksExt2 {
        GoldilocksExt2(lhs.c0 + rhs, lhs.c1)
    }

    @inlinable @inline(__always)
    public static func - (lhs: GoldilocksExt2, rhs: Goldilocks) -> GoldilocksExt2 {
        GoldilocksExt2(lhs.c0 - rhs, lhs.c1)
    }

    @inlinable @inline(__always)
    public func squared() -> GoldilocksExt2 {
        let t0 = c0 * c0
        let t1 = c1 * c1
        let cross = c0 * c1
        return GoldilocksExt2(t0 + GoldilocksExt2.timesNonResidue(t1), cross + cross)
    }

    @inlinable @inline(__always)
    public func doubled() -> GoldilocksExt2 { self + self }

    /// (c0 + c1 X)^-1 = (c0 - c1 X) / (c0^2 - 7 c1^2); the norm is nonzero for nonzero input.
    @inlinable
    public func inverse() -> GoldilocksExt2? {
        let norm = c0 * c0 - GoldilocksExt2.timesNonResidue(c1 * c1)
        guard let normInverse = norm.inverse() else { return nil }
        return GoldilocksExt2(c0 * normInverse, -(c1 * normInverse))
    }

    @inlinable
    public func write(to writer: inout ByteWriter) {
        writer.writeUInt64(c0.value)
        writer.writeUInt64(c1.value)
    }

    @inlinable
    public init(from reader: inout ByteReader) throws(ProofError) {
        let a = try Goldilocks(from: &reader)
        let b = try Goldilocks(from: &reader)
        self.init(a, b)
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> GoldilocksExt2 {
        GoldilocksExt2(.random(using: &generator), .random(using: &generator))
    }
}
