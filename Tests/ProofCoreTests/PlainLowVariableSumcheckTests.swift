import Testing
import ProofCore
import TestSupport

/// The unmasked low rounds `MaskedSumcheck.proveLowVariables(table:…numVariables:…)` (protocol v19's
/// witness opening, docs/ZK.md §6 item 4): a plain degree-2 sumcheck of the claims' combined weight
/// over the k low variables, checked by `MaskedSumcheck.verify` with degrees [2, …], whose final value
/// is the bound claim's and whose folded table feeds `openFoldedMask`.
@Suite struct PlainLowVariableSumcheckTests: OpeningClaimFixtures {
    typealias E = GoldilocksExt2
    static let parameters = FoldedMaskOpeningTests.wide

    func combined(_ claims: [EvaluationClaim], _ gamma: E) -> E {
        var sum = E.zero, g = E.one
        for c in claims {
            sum += g * c.value
            g *= claims.count > 1 ? gamma : .one
        }
        return sum
    }

    @Test func plainRoundsVerifyAndOpen() throws {
        let n = 10, k = Self.parameters.foldingLog
        let v = randomTable(n, seed: 11)
        let claims = self.claims(batch: 0, v, seed: 12)
        let gamma = randomPoint(1, seed: 13)[0]
        let sum = combined(claims, gamma)
        var pt = Transcript(domain: "plain-low")
        let (out, g) = MaskedSumcheck.proveLowVariables(table: v, claims: claims, gamma: gamma, sum: sum, numVariables: k, transcript: &pt)
        #expect(out.proof.roundPolynomials.count == k && out.proof.roundPolynomials.allSatisfy { $0.count == 3 })
        #expect(out.claimedSum == sum && g.count == 1 << (n - k))
        var vt = Transcript(domain: "plain-low")
        let sub = try MaskedSumcheck.verify(claimedSum: sum, degrees: [Int](repeating: 2, count: k), rounds: out.proof.roundPolynomials,
                                            transcript: &vt)
        #expect(sub.point == out.point && sub.expectedValue == out.finalEvaluations[0])
        let bound = try #require(EvaluationClaim.boundLowVariables(claims, gamma: gamma, rho: sub.point, batchPoint: [], value: sub.expectedValue))
        var value = MLE.evaluate(g, at: bound.point)
        for term in bound.terms { value += term.coefficient * MLE.evaluate(g, at: term.point) }
        #expect(value == bound.value)
        // The folded-mask opening of G on the same transcripts verifies.
        let registered = PolynomialCommitment.commit([v], parameters: Self.parameters, randomness: ProofRandomness(seed: [1]))
        let mask = OpeningMask(foldedFor: n, parameters: Self.parameters, randomness: ProofRandomness(seed: [2]))
        let proof = PolynomialCommitment.openFoldedMask(registered, rho: out.point, claims: [bound], mask: mask, transcript: &pt, foldedTable: g)
        try PolynomialCommitment.verifyFoldedMask(registered.commitment, parameters: Self.parameters, rho: sub.point, claims: [bound],
                                                  mask: mask.commitment, proof: proof, transcript: &vt)
    }

    @Test func falseSumOrTamperedRoundIsRejected() throws {
        let n = 8, k = Self.parameters.foldingLog
        let v = randomTable(n, seed: 21)
        let claims = self.claims(batch: 0, v, seed: 22)
        let gamma = randomPoint(1, seed: 23)[0]
        let sum = combined(claims, gamma)
        let degrees = [Int](repeating: 2, count: k)
        // A false sum: the rounds pass their own checks, but the final value they lead to is not the
        // true Σ_y W(y, ρ)·G(y) (which the folded-mask opening then proves).
        var pt = Transcript(domain: "plain-low-bad")
        let (wrong, _) = MaskedSumcheck.proveLowVariables(table: v, claims: claims, gamma: gamma, sum: sum + .one, numVariables: k, transcript: &pt)
        var vt = Transcript(domain: "plain-low-bad")
        let sub = try MaskedSumcheck.verify(claimedSum: sum + .one, degrees: degrees, rounds: wrong.proof.roundPolynomials, transcript: &vt)
        #expect(sub.expectedValue != wrong.finalEvaluations[0])
        // A tampered round polynomial is rejected by the round check (s(0) + s(1) against the previous value).
        var t = Transcript(domain: "plain-low-tamper")
        let (out, _) = MaskedSumcheck.proveLowVariables(table: v, claims: claims, gamma: gamma, sum: sum, numVariables: k, transcript: &t)
        for round in 0..<k {
            var rounds = out.proof.roundPolynomials
            rounds[round][0] += .one
            var bad = Transcript(domain: "plain-low-tamper")
            #expect(throws: ProofError.self, "round \(round)") {
                _ = try MaskedSumcheck.verify(claimedSum: sum, degrees: degrees, rounds: rounds, transcript: &bad)
            }
        }
    }
}
