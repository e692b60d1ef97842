import Testing
import ProofCore
import TestSupport

@Suite struct CommitmentTests {
    typealias E = GoldilocksExt2

    func randomPolys(_ count: Int, _ n: Int, seed: UInt64) -> [[Goldilocks]] {
        var rng = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<(1 << n)).map { _ in Goldilocks.random(using: &rng) } }
    }

    func randomPoint(_ n: Int, seed: UInt64) -> [E] {
        var rng = SplitMix64(seed: seed)
        return (0..<n).map { _ in E.random(using: &rng) }
    }

    func claim(_ batch: Int, _ poly: Int, _ table: [Goldilocks], _ point: [E]) -> EvaluationClaim {
        EvaluationClaim(batch: batch, polynomial: poly, point: point, value: MLE.evaluate(table, at: point))
    }

    /// Commits, opens and verifies; returns what the negative tests tamper with.
    func honest(parameters: CommitmentParameters = .testing) throws -> ([Commitment], [EvaluationClaim], OpeningProof) {
        let a = randomPolys(2, 9, seed: 1)   // batch 0: two polynomials, 9 variables
        let b = randomPolys(1, 6, seed: 2)   // batch 1: one polynomial, 6 variables
        let batchA = PolynomialCommitment.commit(a, parameters: parameters)
        let batchB = PolynomialCommitment.commit(b, parameters: parameters)
        let z1 = randomPoint(9, seed: 3), z2 = randomPoint(9, seed: 4), z3 = randomPoint(6, seed: 5)
        let claims = [claim(0, 0, a[0], z1), claim(0, 1, a[1], z1), claim(0, 0, a[0], z2), claim(1, 0, b[0], z3)]
        var pt = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open([batchA, batchB], claims: claims, transcript: &pt)
        var vt = Transcript(domain: "pcs-test")
        let commitments = [batchA.commitment, batchB.commitment]
        try PolynomialCommitment.verify(commitments, parameters: parameters, claims: claims, proof: proof, transcript: &vt)
        #expect(pt.stateDigest == vt.stateDigest)
        return (commitments, claims, proof)
    }

    func verify(_ c: [Commitment], _ claims: [EvaluationClaim], _ proof: OpeningProof,
                parameters: CommitmentParameters = .testing) throws(ProofError) {
        var t = Transcript(domain: "pcs-test")
        try PolynomialCommitment.verify(c, parameters: parameters, claims: claims, proof: proof, transcript: &t)
    }

    @Test func batchedOpeningOfManyPolynomialsAtManyPoints() throws {
        let (c, claims, proof) = try honest()
        // Serialization round trip.
        let bytes = proof.serialized()
        let decoded = try OpeningProof(serialized: bytes)
        #expect(decoded == proof)
        try verify(c, claims, decoded)
    }

    @Test func productionParametersAndSinglePoint() throws {
        let p = randomPolys(1, 12, seed: 9)
        let batch = PolynomialCommitment.commit(p, parameters: .conjectured100)
        let z = randomPoint(12, seed: 10)
        let claims = [claim(0, 0, p[0], z)]
        var t = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open([batch], claims: claims, transcript: &t)
        #expect(proof.classes[0].pointReduction == nil)
        try verify([batch.commitment], claims, proof, parameters: .conjectured100)
    }

    @Test func hidingCommitmentsSaltLeaves() throws {
        var params = CommitmentParameters.testing
        params.hiding = true
        let p = randomPolys(1, 8, seed: 11)
        let b1 = PolynomialCommitment.commit(p, parameters: params)
        let b2 = PolynomialCommitment.commit(p, parameters: params)
        #expect(b1.commitment.root != b2.commitment.root)
        let z = randomPoint(8, seed: 12)
        let claims = [claim(0, 0, p[0], z)]
        var t = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open([b1], claims: claims, transcript: &t)
        #expect(proof.classes[0].batchOpenings[0].salts[0].count == MerkleTree.saltByteCount)
        try verify([b1.commitment], claims, proof, parameters: params)
        // The same proof checked as unsalted fails on shape.
        #expect(throws: ProofError.self) { try verify([b1.commitment], claims, proof, parameters: .testing) }
    }

    @Test func onePolynomialAtManyPointsOpensDirectly() throws {
        let p = randomPolys(1, 10, seed: 21)
        let batch = PolynomialCommitment.commit(p, parameters: .testing)
        // Two general points and a segment claim (leading coordinates 0/1, as ZKML's columns).
        var segment = randomPoint(10, seed: 24)
        segment[0] = .one
        segment[1] = .zero
        let claims = [claim(0, 0, p[0], randomPoint(10, seed: 22)), claim(0, 0, p[0], randomPoint(10, seed: 23)),
                      claim(0, 0, p[0], segment)]
        var t = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open([batch], claims: claims, transcript: &t)
        #expect(proof.classes[0].pointReduction == nil && proof.classes[0].values.isEmpty)
        try verify([batch.commitment], claims, try OpeningProof(serialized: proof.serialized()))
        for i in claims.indices {
            var bad = claims
            bad[i].value += .one
            #expect(throws: ProofError.self) { try verify([batch.commitment], bad, proof) }
        }
        var swapped = claims
        swapped.swapAt(0, 1)
        #expect(throws: ProofError.self) { try verify([batch.commitment], swapped, proof) }
        var values = proof
        values.classes[0].values = [.one]
        #expect(throws: ProofError.shapeMismatch("a one-polynomial class carries no point reduction or values")) {
            try verify([batch.commitment], claims, values)
        }
        var finals = proof
        finals.classes[0].finalCoefficients[0] += .one
        #expect(throws: ProofError.evaluationMismatch) { try verify([batch.commitment], claims, finals) }
    }

    /// The direct opening keeps each claim's weight in product form (block + local eq table): claims
    /// with every length of Boolean prefix (none, some, all coordinates: a single entry), Boolean
    /// coordinates after a general one, and several claims on one block must all verify, and a
    /// wrong value in any of them must not.
    @Test func directOpeningOfSegmentClaimsOfEverySize() throws {
        let n = 11
        let p = randomPolys(1, n, seed: 31)
        for parameters in [CommitmentParameters.testing, .conjectured100] {
            let batch = PolynomialCommitment.commit(p, parameters: parameters)
            var points: [[E]] = []
            for prefix in [0, 1, 3, 7, 10, 11] {
                var z = randomPoint(n, seed: UInt64(40 + prefix))
                for i in 0..<prefix { z[i] = (i * 5 + prefix) % 3 == 0 ? .one : .zero }
                points.append(z)
            }
            var mixed = randomPoint(n, seed: 50)
            mixed[4] = .one
            mixed[n - 1] = .zero
            points.append(mixed)
            points.append(points[2].enumerated().map { $0 < 3 ? $1 : $1 + .one })  // same block as points[2]
            let claims = points.map { claim(0, 0, p[0], $0) }
            var t = Transcript(domain: "pcs-test")
            let proof = PolynomialCommitment.open([batch], claims: claims, transcript: &t)
            try verify([batch.commitment], claims, proof, parameters: parameters)
            for i in claims.indices {
                var bad = claims
                bad[i].value += .one
                #expect(throws: ProofError.self) { try verify([batch.commitment], bad, proof, parameters: parameters) }
            }
        }
    }

    /// Combination claims `f(z) + Σ_t c_t·f(z_t) = v` (ZKML's zero-knowledge claims): open directly in a
    /// one-polynomial class and through the point reduction in a shared class; a wrong value, a changed
    /// coefficient or point, or the same claim without its terms is rejected.
    @Test func combinationClaimsOpen() throws {
        let a = randomPolys(2, 9, seed: 31)   // batch 0: two polynomials (point reduction)
        let b = randomPolys(1, 7, seed: 32)   // batch 1: one polynomial (direct)
        let batches = [PolynomialCommitment.commit(a, parameters: .testing), PolynomialCommitment.commit(b, parameters: .testing)]
        func combination(_ batch: Int, _ poly: Int, _ table: [Goldilocks], seed: UInt64) -> EvaluationClaim {
            let n = table.count.trailingZeroBitCount
            var segment = randomPoint(n, seed: seed + 2)
            segment[0] = .zero
            let terms = [ClaimTerm(point: randomPoint(n, seed: seed + 1), coefficient: randomPoint(1, seed: seed + 3)[0]),
                         ClaimTerm(point: segment, coefficient: randomPoint(1, seed: seed + 4)[0])]
            let z = randomPoint(n, seed: seed)
            var value = MLE.evaluate(table, at: z)
            for t in terms { value += t.coefficient * MLE.evaluate(table, at: t.point) }
            return EvaluationClaim(batch: batch, polynomial: poly, point: z, value: value, terms: terms)
        }
        let claims = [combination(0, 1, a[1], seed: 40), claim(0, 0, a[0], randomPoint(9, seed: 50)),
                      combination(1, 0, b[0], seed: 60), claim(1, 0, b[0], randomPoint(7, seed: 70))]
        var pt = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open(batches, claims: claims, transcript: &pt)
        #expect(proof.classes.count == 2 && proof.classes[0].pointReduction == nil && proof.classes[1].pointReduction != nil)
        let commitments = batches.map(\.commitment)
        try verify(commitments, claims, try OpeningProof(serialized: proof.serialized()))
        for i in [0, 2] {
            var value = claims
            value[i].value += .one
            #expect(throws: ProofError.self) { try verify(commitments, value, proof) }
            var coefficient = claims
            coefficient[i].terms[1].coefficient += .one
            #expect(throws: ProofError.self) { try verify(commitments, coefficient, proof) }
            var point = claims
            point[i].terms[0].point[3] += .one
            #expect(throws: ProofError.self) { try verify(commitments, point, proof) }
            var dropped = claims
            dropped[i].terms = []
            #expect(throws: ProofError.self) { try verify(commitments, dropped, proof) }
        }
        var short = claims
        short[2].terms[0].point.removeLast()
        #expect(throws: ProofError.self) { try verify(commitments, short, proof) }
    }

    @Test func smallPolynomialWithoutFolding() throws {
        let p = randomPolys(1, 2, seed: 13)
        let batch = PolynomialCommitment.commit(p, parameters: .testing)
        let claims = [claim(0, 0, p[0], randomPoint(2, seed: 14))]
        var t = Transcript(domain: "pcs-test")
        let proof = PolynomialCommitment.open([batch], claims: claims, transcript: &t)
        try verify([batch.commitment], claims, proof)
    }

    @Test func rejectsWrongClaimedValue() throws {
        let (c, claims, proof) = try honest()
        var bad = claims
        bad[3].value += .one
        // A one-polynomial class opens directly: the first Basefold round no longer sums to the claim.
        #expect(throws: ProofError.sumMismatch(round: 0)) { try verify(c, bad, proof) }
        // A claim in a point-reduction class: the transcript diverges and a round sum fails.
        bad = claims
        bad[2].value += .one
        #expect(throws: ProofError.self) { try verify(c, bad, proof) }
    }

    @Test func rejectsWrongCommitment() throws {
        let (c, claims, proof) = try honest()
        var other = c
        other[0].root = Digest([UInt8](repeating: 7, count: 32))!
        #expect(throws: ProofError.self) { try verify(other, claims, proof) }
        // The true root of different polynomials also fails.
        let different = PolynomialCommitment.commit(randomPolys(2, 9, seed: 99), parameters: .testing)
        other[0] = different.commitment
        #expect(throws: ProofError.self) { try verify(other, claims, proof) }
    }

    @Test func rejectsWrongOpening() throws {
        let (c, claims, proof) = try honest()
        var leaf = proof
        leaf.classes[1].batchOpenings[0].leaves[0][1] += .one
        #expect(throws: ProofError.merklePathInvalid(what: "batch 0", query: -1)) { try verify(c, claims, leaf) }

        var salt = proof
        salt.classes[1].batchOpenings[0].salts[0] = [UInt8](repeating: 1, count: MerkleTree.saltByteCount)
        #expect(throws: ProofError.self) { try verify(c, claims, salt) }

        var layer = proof
        layer.classes[1].layerOpenings[0].leaves[0][0] += .one
        #expect(throws: ProofError.merklePathInvalid(what: "layer 1", query: -1)) { try verify(c, claims, layer) }

        var sibling = proof
        sibling.classes[1].batchOpenings[0].siblings[0] = Digest([UInt8](repeating: 3, count: 32))!
        #expect(throws: ProofError.merklePathInvalid(what: "batch 0", query: -1)) { try verify(c, claims, sibling) }

        var short = proof
        short.classes[1].batchOpenings[0].siblings.removeLast()
        #expect(throws: ProofError.merklePathInvalid(what: "batch 0", query: -1)) { try verify(c, claims, short) }

        var long = proof
        long.classes[1].layerOpenings[0].siblings.append(.zero)
        #expect(throws: ProofError.merklePathInvalid(what: "layer 1", query: -1)) { try verify(c, claims, long) }

        var missingLeaf = proof
        missingLeaf.classes[1].layerOpenings[0].leaves.removeLast()
        missingLeaf.classes[1].layerOpenings[0].salts.removeLast()
        #expect(throws: ProofError.self) { try verify(c, claims, missingLeaf) }

        var wideLeaf = proof
        wideLeaf.classes[1].batchOpenings[0].leaves[0].append(.one)
        #expect(throws: ProofError.self) { try verify(c, claims, wideLeaf) }

        var missingOpening = proof
        missingOpening.classes[1].batchOpenings.removeAll()
        #expect(throws: ProofError.self) { try verify(c, claims, missingOpening) }

        var finals = proof
        finals.classes[1].finalCoefficients[0] += .one
        #expect(throws: ProofError.evaluationMismatch) { try verify(c, claims, finals) }

        var values = proof
        values.classes[1].values[0] += .one
        #expect(throws: ProofError.evaluationMismatch) { try verify(c, claims, values) }
    }

    @Test func rejectsWrongRoundCountAndShape() throws {
        let (c, claims, proof) = try honest()
        var rounds = proof
        rounds.classes[1].rounds.roundPolynomials.removeLast()
        #expect(throws: ProofError.wrongRoundCount(expected: 8, actual: 7)) { try verify(c, claims, rounds) }

        var roots = proof
        roots.classes[1].layerRoots.removeLast()
        #expect(throws: ProofError.shapeMismatch("2 layer roots, expected 3")) { try verify(c, claims, roots) }

        var classes = proof
        classes.classes.removeLast()
        #expect(throws: ProofError.shapeMismatch("1 size classes, expected 2")) { try verify(c, claims, classes) }

        var queries = proof
        queries.classes[0].batchOpenings[0].leaves.removeLast()
        queries.classes[0].batchOpenings[0].salts.removeLast()
        #expect(throws: ProofError.self) { try verify(c, claims, queries) }

        var nonce = proof
        nonce.classes[0].powNonce &+= 1
        #expect(throws: ProofError.self) { try verify(c, claims, nonce) }
    }

    @Test func rejectsMalformedClaims() throws {
        let (c, claims, proof) = try honest()
        var bad = claims
        bad[0].batch = 5
        #expect(throws: ProofError.invalidParameters("claim names batch 5")) { try verify(c, bad, proof) }
        bad = claims
        bad[0].point.removeLast()
        #expect(throws: ProofError.self) { try verify(c, bad, proof) }
    }

    @Test func rejectsTruncatedAndFlippedBytes() throws {
        let (c, claims, proof) = try honest()
        let bytes = proof.serialized()
        // Truncation anywhere is a typed error.
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 97)) {
            #expect(throws: ProofError.self) { try OpeningProof(serialized: Array(bytes[0..<cut])) }
        }
        #expect(throws: ProofError.trailingBytes(count: 1)) { try OpeningProof(serialized: bytes + [0]) }
        var magic = bytes
        magic[0] ^= 1
        #expect(throws: ProofError.badMagic(what: "opening proof")) { try OpeningProof(serialized: magic) }
        var version = bytes
        version[4] = 9
        #expect(throws: ProofError.unsupportedVersion(what: "opening proof", found: 9, supported: 4)) { try OpeningProof(serialized: version) }
        // A flipped byte anywhere is rejected by parsing or verification.
        for position in stride(from: 5, to: bytes.count, by: max(1, bytes.count / 211)) {
            var flipped = bytes
            flipped[position] ^= 0x04
            let accepted: Bool
            if let p = try? OpeningProof(serialized: flipped) {
                accepted = (try? verify(c, claims, p)) != nil
            } else {
                accepted = false
            }
            #expect(!accepted, "flipped byte \(position) accepted")
        }
    }

    @Test func commitmentEncoding() throws {
        let batch = PolynomialCommitment.commit(randomPolys(3, 5, seed: 20), parameters: .testing)
        let bytes = batch.commitment.serialized()
        #expect(try Commitment(serialized: bytes) == batch.commitment)
        #expect(throws: ProofError.self) { try Commitment(serialized: Array(bytes.dropLast())) }
        var magic = bytes
        magic[1] = 0
        #expect(throws: ProofError.badMagic(what: "commitment")) { try Commitment(serialized: magic) }
    }
}
