/// One term of a sumcheck combination: `coefficient · Π tables[factors[k]]`.
public struct ProductTerm<F: FieldElement>: Sendable, Equatable {
    public var coefficient: F
    /// Indices into the prover's table list (a table may repeat, e.g. [0, 0] for a square).
    public var factors: [Int]

    public init(coefficient: F = .one, factors: [Int]) {
        self.coefficient = coefficient
        self.factors = factors
    }
}

/// The polynomial a sumcheck sums over the hypercube: Σ_terms coefficient · Π factors, where each
/// factor is one of the prover's multilinear tables. Its degree in each variable is the largest
/// number of factors in a term (at most `Sumcheck.maxDegree`).
public struct SumOfProducts<F: FieldElement>: Sendable, Equatable {
    public var terms: [ProductTerm<F>]
    /// How many multilinear tables the terms refer to.
    public var tableCount: Int

    public init(terms: [ProductTerm<F>], tableCount: Int) {
        precondition(!terms.isEmpty, "a combination needs at least one term")
        for t in terms {
            precondition(!t.factors.isEmpty && t.factors.count <= Sumcheck.maxDegree, "1 to \(Sumcheck.maxDegree) factors per term")
            precondition(t.factors.allSatisfy { $0 >= 0 && $0 < tableCount }, "factor index out of range")
        }
        self.terms = terms
        self.tableCount = tableCount
    }

    /// The plain product of tables 0 ..< count (degree `count`).
    public static func product(of count: Int) -> SumOfProducts<F> {
        SumOfProducts(terms: [ProductTerm(factors: Array(0..<count))], tableCount: count)
    }

    /// The degree in each variable.
    /// (A loop, not `terms.map(\.factors.count)`: a key path on this generic type is instantiated at
    /// run time on every call, which cost more than a small sumcheck round.)
    public var degree: Int {
        var d = 0
        for t in terms where t.factors.count > d { d = t.factors.count }
        return d
    }

    /// The combination's value given each table's value (e.g. the tables' evaluations at the final
    /// sumcheck point: this is what the verifier's expected value must equal).
    @inlinable
    public func evaluate(_ values: [F]) -> F {
        precondition(values.count == tableCount)
        var acc = F.zero
        for t in terms {
            var p = t.coefficient
            for f in t.factors { p *= values[f] }
            acc += p
        }
        return acc
    }
}
