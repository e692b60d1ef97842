import Testing
import ProofCore
import TestSupport

/// The verifier's query points (`ReedSolomon.domainPointFromRoots`, `inverseDomainPoint`: products of
/// table roots, no exponentiation) are the codeword's domain points and their inverses.
@Suite struct DomainPointTests {
    @Test func rootProductsAreTheDomainPoints() {
        var rng = SplitMix64(seed: 77)
        for logLength in [0, 1, 2, 5, 12, 20, 26, 32] {
            var positions = [0, (1 << logLength) - 1]
            for _ in 0..<40 { positions.append(Int(rng.next() % (UInt64(1) << UInt64(logLength)))) }
            for position in positions {
                let x = ReedSolomon.domainPoint(logLength: logLength, position: position)
                #expect(ReedSolomon.domainPointFromRoots(logLength: logLength, position: position) == x)
                #expect(ReedSolomon.inverseDomainPoint(logLength: logLength, position: position) * x == .one)
            }
        }
    }
}
