import ProofCore

extension ProverChannel {
    /// Libra's zero-knowledge sumcheck: send G = Σ g over the hypercube, draw ρ, prove f + ρ·g, then
    /// send g(r). The mask g comes from the committed pool; the final reduction proves every g(r).
    mutating func maskedSumcheck(tables: [[Ext]], combination: SumOfProducts<Ext>) -> SumcheckProverOutput<Ext> {
        let n = tables[0].count.trailingZeroBitCount
        let d = max(1, combination.degree)
        let (mask, first) = masks!.take(numVariables: n, degree: d)
        send("zk.mask.sum", mask.hypercubeSum)
        let rho = challenge("zk.mask.rho")
        let out = MaskedSumcheck.prove(tables: tables, combination: combination, mask: mask, rho: rho, transcript: &transcript)
        out.proof.write(to: &writer)
        let value = mask.evaluate(at: out.point)
        send("zk.mask.value", value)
        masks!.records.append(MaskRecord(degree: d, firstSlot: first, point: out.point, value: value))
        return out
    }

    /// Reduces every mask value sent to one claim on the pool column: Σ_x pool(x)·L(x) = σ + Σ_k λ_k g_k(r_k)
    /// by one (unmasked) sumcheck whose first round binds the pool's top variable (U versus the random
    /// half S); L is eq(κ, ·) on S and σ = S(κ) is sent first (docs/ZK.md §3). Returns the claim on
    /// the pool column.
    mutating func reduceMasks() -> ValueClaim? {
        guard let pool = masks, !pool.records.isEmpty else { return nil }
        let lambdas = challenges("zk.reduce.lambda", count: pool.records.count)
        let kappa = challenges("zk.reduce.kappa", count: pool.layout.poolLog - 1)
        let weights = pool.layout.reductionWeights(pool.records, lambdas, spare: kappa)
        let column = pool.column.map { Ext($0) }
        let half = pool.layout.poolSize / 2
        send("zk.reduce.spare", MLE.evaluate(Array(pool.column[half...]), at: kappa))
        let out = Sumcheck.prove(tables: [column, weights], combination: .product(of: 2), transcript: &transcript)
        out.proof.write(to: &writer)
        send("zk.reduce.pool", out.finalEvaluations[0])
        return ValueClaim(point: out.point, value: out.finalEvaluations[0])
    }
}

extension VerifierChannel {
    mutating func maskedSumcheck(claim: Ext, numVariables n: Int, degree: Int) throws(ZKMLError) -> SumcheckSubClaim<Ext> {
        let first = try masks!.take(numVariables: n, degree: degree)
        let total = try receive("zk.mask.sum")
        let rho = challenge("zk.mask.rho")
        let sub: SumcheckSubClaim<Ext>
        do {
            let proof = try SumcheckProof<Ext>(from: &reader)
            record("masked sumcheck round", proof.roundPolynomials.flatMap { $0 })
            sub = try Sumcheck.verify(claimedSum: claim + rho * total, numVariables: n, degree: degree,
                                      proof: proof, transcript: &transcript)
        } catch {
            throw .proof(error, at: section)
        }
        let value = try receive("zk.mask.value")
        masks!.records.append(MaskRecord(degree: degree, firstSlot: first, point: sub.point, value: value))
        return SumcheckSubClaim(point: sub.point, expectedValue: sub.expectedValue - rho * value)
    }

    /// Checks the reduction of every mask value to one claim on the pool column; returns that claim.
    mutating func reduceMasks() throws(ZKMLError) -> ValueClaim? {
        guard let pool = masks, !pool.records.isEmpty else { return nil }
        let lambdas = challenges("zk.reduce.lambda", count: pool.records.count)
        let kappa = challenges("zk.reduce.kappa", count: pool.layout.poolLog - 1)
        var claim = try receive("zk.reduce.spare")
        for (k, r) in pool.records.enumerated() { claim += lambdas[k] * r.value }
        let sub = try sumcheck(unmasked: claim, numVariables: pool.layout.poolLog, degree: 2)
        let value = try receive("zk.reduce.pool")
        let weights = pool.layout.reductionWeights(pool.records, lambdas, spare: kappa)
        try expect(value * MLE.evaluate(weights, at: sub.point), sub.expectedValue, "mask values do not match the committed masks")
        return ValueClaim(point: sub.point, value: value)
    }

    /// An ordinary sumcheck even in zero-knowledge mode.
    mutating func sumcheck(unmasked claim: Ext, numVariables: Int, degree: Int) throws(ZKMLError) -> SumcheckSubClaim<Ext> {
        let saved = masks
        masks = nil
        defer { masks = saved }
        return try sumcheck(claim: claim, numVariables: numVariables, degree: degree)
    }
}
