import ProofCore
import TestSupport

/// Random tables, points and the three claim shapes (plain, segment, combination) that the masked
/// opening suites (`MaskedOpeningTests`, `FoldedMaskOpeningTests`) open.
protocol OpeningClaimFixtures {}

extension OpeningClaimFixtures {
    func randomTable(_ n: Int, seed: UInt64) -> [Goldilocks] {
        var rng = SplitMix64(seed: seed)
        return (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) }
    }

    func randomPoint(_ n: Int, seed: UInt64) -> [GoldilocksExt2] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in GoldilocksExt2.random(using: &rng) }
    }

    /// A plain claim, a segment claim (leading coordinate 0) and a combination claim on `table`.
    func claims(batch: Int, _ table: [Goldilocks], seed: UInt64) -> [EvaluationClaim] {
        let n = table.count.trailingZeroBitCount
        var segment = randomPoint(n, seed: seed + 1)
        segment[0] = .zero
        let z = randomPoint(n, seed: seed), w = randomPoint(n, seed: seed + 2)
        let coefficient = randomPoint(1, seed: seed + 3)[0]
        return [EvaluationClaim(batch: batch, polynomial: 0, point: z, value: MLE.evaluate(table, at: z)),
                EvaluationClaim(batch: batch, polynomial: 0, point: segment, value: MLE.evaluate(table, at: segment)),
                EvaluationClaim(batch: batch, polynomial: 0, point: w,
                                value: MLE.evaluate(table, at: w) + coefficient * MLE.evaluate(table, at: z),
                                terms: [ClaimTerm(point: z, coefficient: coefficient)])]
    }
}
