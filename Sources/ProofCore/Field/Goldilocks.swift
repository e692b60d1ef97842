/// An element of the Goldilocks field, p = 2^64 - 2^32 + 1, stored canonically (`value < p`).
///
/// Reduction of a 128-bit product uses 2^64 ≡ 2^32 - 1 and 2^96 ≡ -1 (mod p): no division, a few
/// adds and one 32x32 multiply. The multiplicative group has order 2^32 · (2^32 - 1), so the field has
/// roots of unity of every order 2^k for k ≤ 32 (NTT-friendly), and 7 generates the whole group.
@frozen
public struct Goldilocks: FieldElement {
    /// p = 2^64 - 2^32 + 1.
    public static let modulus: UInt64 = 0xFFFF_FFFF_0000_0001
    /// 2^64 mod p = 2^32 - 1.
    @usableFromInline static let epsilon: UInt64 = 0xFFFF_FFFF

    /// The canonical representative, always below `modulus`.
    public let value: UInt64

    /// Wraps an already-canonical word (callers guarantee `value < modulus`).
    @inlinable @inline(__always)
    init(canonical value: UInt64) { self.value = value }

    /// Reduces any 64-bit word into the field (one conditional subtraction: 2p > 2^64).
    @inlinable @inline(__always)
    public init(_ value: UInt64) {
        self.value = value >= Goldilocks.modulus ? value &- Goldilocks.modulus : value
    }

    /// The element for a signed integer (negative values map to p - |v|).
    @inlinable
    public init(integer: Int) {
        if integer >= 0 {
            self.init(UInt64(integer))
        } else {
            self = -Goldilocks(UInt64(integer.magnitude))
        }
    }

    /// Reads a word that must already be canonical; nil otherwise.
    @inlinable
    public init?(exactly value: UInt64) {
        guard value < Goldilocks.modulus else { return nil }
        self.value = value
    }

    @inlinable @inline(__always)
    public init(_ base: Goldilocks) { self = base }

    @inlinable
    public init(drawing next: () -> Goldilocks) { self = next() }

    public static let zero = Goldilocks(canonical: 0)
    public static let one = Goldilocks(canonical: 1)
    public static var extensionDegree: Int { 1 }
    public static var byteCount: Int { 8 }

    @inlinable
    public var isZero: Bool { value == 0 }

    @inlinable
    public var baseCoefficients: [Goldilocks] { [self] }

    public var description: String { String(value) }

    // MARK: Reduction

    /// Reduces hi·2^64 + lo modulo p to its canonical form.
    ///
    /// Every correction is a select (`cmov`), never a branch or a mask multiply: this form runs the
    /// NTT about 1.4x faster than the mask-and-add one it replaced (docs/PROOF_CORE.md).
    @inlinable @inline(__always)
    public static func reduce128(high hi: UInt64, low lo: UInt64) -> Goldilocks {
        let hiHi = hi >> 32
        let hiLo = hi & epsilon
        // lo - hiHi wrapped by +2^64 ≡ +epsilon; take it back (cannot underflow: t0 > epsilon then).
        let (t0, borrow) = lo.subtractingReportingOverflow(hiHi)
        let t1 = borrow ? t0 &- epsilon : t0
        // hiLo · (2^32 - 1) < 2^64, as a shift and a subtraction.
        let t2 = (hiLo << 32) &- hiLo
        // A carry is worth 2^64 ≡ epsilon; when it happens t3 < t2 < 2^64 - epsilon, so no overflow.
        let (t3, carry) = t1.addingReportingOverflow(t2)
        let r = carry ? t3 &+ epsilon : t3
        let (reduced, below) = r.subtractingReportingOverflow(modulus)
        return Goldilocks(canonical: below ? r : reduced)
    }

    // MARK: Arithmetic

    // Carries and borrows of random operands are unpredictable: every correction below is a select
    // (`cmov`) on the flag, never a branch.

    @inlinable @inline(__always)
    public static func + (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        // Both inputs < p: lhs − (p − rhs) borrows exactly when lhs + rhs < p (then it cannot wrap).
        let (t, borrow) = lhs.value.subtractingReportingOverflow(modulus &- rhs.value)
        return Goldilocks(canonical: borrow ? lhs.value &+ rhs.value : t)
    }

    @inlinable @inline(__always)
    public static func - (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        // A borrow wrapped by 2^64; adding p (mod 2^64) gives lhs − rhs + p, which is canonical.
        let (d, borrow) = lhs.value.subtractingReportingOverflow(rhs.value)
        return Goldilocks(canonical: borrow ? d &+ modulus : d)
    }

    @inlinable @inline(__always)
    public static prefix func - (value: Goldilocks) -> Goldilocks {
        value.value == 0 ? value : Goldilocks(canonical: modulus &- value.value)
    }

    @inlinable @inline(__always)
    public static func * (lhs: Goldilocks, rhs: Goldilocks) -> Goldilocks {
        let (hi, lo) = lhs.value.multipliedFullWidth(by: rhs.value)
        return reduce128(high: hi, low: lo)
    }

    @inlinable @inline(__always)
    public static func *= (lhs: inout Goldilocks, rhs: Goldilocks) { lhs = lhs * rhs }

    @inlinable @inline(__always)
    public func squared() -> Goldilocks { self * self }

    @inlinable @inline(__always)
    public func doubled() -> Goldilocks { self + self }

    /// The inverse by Fermat (x^(p-2)); nil for zero.
    @inlinable
    public func inverse() -> Goldilocks? {
        if isZero { return nil }
        return power(Goldilocks.modulus &- 2)
    }

    // MARK: Encoding

    @inlinable
    public func write(to writer: inout ByteWriter) { writer.writeUInt64(value) }

    @inlinable
    public init(from reader: inout ByteReader) throws(ProofError) {
        let offset = reader.offset
        let word = try reader.readUInt64(what: "field element")
        guard word < Goldilocks.modulus else { throw .nonCanonicalField(offset: offset) }
        self.value = word
    }

    public static func random(using generator: inout some RandomNumberGenerator) -> Goldilocks {
        while true {
            let w = generator.next()
            if w < modulus { return Goldilocks(canonical: w) }
        }
    }

    // MARK: Roots of unity

    /// A generator of the full multiplicative group.
    public static let multiplicativeGenerator = Goldilocks(canonical: 7)
    /// The largest k with a primitive 2^k-th root of unity.
    public static let twoAdicity = 32

    /// `rootsOfUnity[k]` is a primitive 2^k-th root of unity; `rootsOfUnity[k+1]^2 == rootsOfUnity[k]`.
    static let rootsOfUnity: [Goldilocks] = {
        var roots = [Goldilocks](repeating: .one, count: twoAdicity + 1)
        roots[twoAdicity] = multiplicativeGenerator.power((modulus - 1) >> UInt64(twoAdicity))
        for k in stride(from: twoAdicity - 1, through: 0, by: -1) {
            roots[k] = roots[k + 1].squared()
        }
        return roots
    }()

    /// A primitive 2^logOrder-th root of unity (0 ≤ logOrder ≤ 32); the same one each call.
    public static func rootOfUnity(logOrder: Int) -> Goldilocks {
        precondition(logOrder >= 0 && logOrder <= twoAdicity, "Goldilocks has roots of unity up to order 2^32")
        return rootsOfUnity[logOrder]
    }
}
