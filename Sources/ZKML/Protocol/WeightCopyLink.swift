import ProofCore
import Sodium

/// A *weight copy* (docs/ZK.md §6 item 3): the same model committed again with a fresh secret random
/// blinding seed, so the same weights under a different blinding segment and random top, hence a
/// different commitment and model id. Each commitment hides its weights for a bounded number of
/// proofs (docs/ZK.md §5.3); a `WeightCopyLink` proves that a copy holds the registered weights, so a
/// chain of copies serves unboundedly many proofs.
public struct WeightCopy: Sendable {
    /// The copy, ready to prove (its `commitment` and `modelID` are the copy's).
    public let model: ProverModel
    /// The copy's secret blinding seed (`ProofRandomness.seedByteCount` bytes): with the weights it
    /// rebuilds `model` (`init(of:blindingSeed:)`). Keep it secret: whoever knows it can recompute the
    /// blinding and the salts.
    public let blindingSeed: [UInt8]

    /// A copy of `original` with a fresh seed from libsodium (never derived from the weights).
    public init(of original: ProverModel) throws(ZKMLError) {
        try self.init(of: original, blindingSeed: SecureRandom.bytes(ProofRandomness.seedByteCount))
    }

    /// Rebuilds the copy of `original` made with `blindingSeed` (a stored copy's secret).
    public init(of original: ProverModel, blindingSeed: [UInt8]) throws(ZKMLError) {
        guard blindingSeed.count == ProofRandomness.seedByteCount else {
            throw .badInput("a copy's blinding seed has \(ProofRandomness.seedByteCount) bytes, not \(blindingSeed.count)")
        }
        self.blindingSeed = blindingSeed
        model = try ProverModel(architecture: original.architecture, weights: original.weights, metadata: original.metadata,
                                blindingSeed: blindingSeed)
    }
}

/// The *link proof* (docs/ZK.md §6 item 3): a zero-knowledge proof that a copy W′ (same architecture,
/// metadata and weight layout) agrees with a committed weight vector V on every weight segment,
/// revealing nothing else. D = V − W′ is opened as a virtual commitment (Basefold is linear: D's
/// codeword leaf j is V's leaf j minus W′'s). The verifier draws a point r of n coordinates; with
/// L(x) = eq(r, x)·[x in a weight segment], the claim is Σ_x L(x)·D(x) = 0. k = foldingLog degree-2
/// rounds (ProofCore's mask-free `MaskedSumcheck.proveLowVariables(table:…numVariables:…)`; zero for an
/// honest prover on a linkable layout) bind D's low variables to ρ, and the claim left on
/// G = D(· ‖ ρ) is proved by ProofCore's folded-mask opening of the combination (1, −1) of the two
/// commitments, with a fresh folded mask. Spends one unit of budget (b) of each commitment (its
/// opened leaves) and none of budget (a).
///
/// Bytes: "CPWL", version 1, the mask's commitment (length-prefixed), the k rounds (`SumcheckProof`),
/// the folded-mask opening proof (length-prefixed); nothing else.
public enum WeightCopyLink {
    static let magic: [UInt8] = Array("CPWL".utf8)
    static let version: UInt8 = 1
    /// Most bytes a link proof may have (a link of wide_mlp is about 0.1 MB).
    public static let maxSize = 8 << 20

    /// Proves that `copy` holds `original`'s weights (both prover models of one architecture and
    /// metadata; `WeightCopy(of:)` makes one). Draws a fresh mask from libsodium. A copy whose weights
    /// differ gives a proof that `verify` rejects (the prover does not compare the weights).
    public static func prove(from original: ProverModel, to copy: ProverModel) throws(ZKMLError) -> [UInt8] {
        guard original.architecture.encoded() == copy.architecture.encoded(), original.metadata == copy.metadata else {
            throw .wrongStatement("a copy has the original's architecture and metadata")
        }
        let plan = original.plan, params = VectorCommitment.parameters
        let n = original.weightBatch.numVariables, k = params.foldingLog
        let mask = OpeningMask(foldedFor: n, parameters: params)
        var transcript = statement(original.architecture, original.metadata, original.commitment, copy.commitment, mask.commitment)
        let weight = try claim(plan, n: n, transcript: &transcript)
        // The k low rounds of Σ_x L(x)·D(x) = 0, plain (ProofCore's mask-free low rounds): zero for an
        // honest prover on a linkable layout (`checkLinkable`).
        let (v, c) = (original.weightBatch.evaluations[0], copy.weightBatch.evaluations[0])
        let difference = (0..<v.count).map { v[$0] - c[$0] }
        let (low, folded) = MaskedSumcheck.proveLowVariables(table: difference, claims: [weight], gamma: .one, sum: .zero,
                                                             numVariables: k, transcript: &transcript)
        let (rho, sum, rounds) = (low.point, low.finalEvaluations[0], low.proof.roundPolynomials)
        guard let bound = weight.boundLowVariables(to: rho, value: sum) else {
            throw .rejected("the link's point puts no weight on the low variables (probability ≤ k/|E|)")
        }
        let opening = PolynomialCommitment.openFoldedMask([original.weightBatch, copy.weightBatch], rho: rho,
                                                          coefficients: [.one, .zero - .one], claims: [bound], mask: mask,
                                                          transcript: &transcript, foldedTable: folded)
        var out = ByteWriter()
        out.writeBytes(magic)
        out.writeUInt8(version)
        out.writeLengthPrefixed(mask.commitment.serialized())
        SumcheckProof(roundPolynomials: rounds).write(to: &out)
        out.writeLengthPrefixed(opening.serialized())
        return out.bytes
    }

    /// Verifies a link from the model `original` (its verifier key: architecture, metadata, the
    /// registered commitment) to the copy committed as `copyCommitment`, and returns the copy's
    /// verifier key (same architecture and metadata, the copy's commitment and model id), which then
    /// verifies job proofs made against the copy. Throws naming the first failed check; never traps on
    /// malformed bytes.
    @discardableResult
    public static func verify(_ proof: [UInt8], from original: VerifierKey, toCommitment copyCommitment: [UInt8]) throws(ZKMLError) -> VerifierKey {
        let plan = original.plan, params = VectorCommitment.parameters, k = params.foldingLog
        let count = plan.weightLayout.totalSize
        let v = try VectorCommitment.parse(original.commitment, count: count, what: "model commitment")
        let c = try VectorCommitment.parse(copyCommitment, count: count, what: "copy commitment")
        let (mask, rounds, opening) = try parse(proof)
        guard rounds.count == k, rounds.allSatisfy({ $0.count == 3 }) else {
            throw .rejected("a link has \(k) rounds of 3 evaluations")
        }
        guard mask.polynomialCount == 2, mask.numVariables == v.numVariables - k else {
            throw .rejected("the link's mask commitment has the wrong shape")
        }
        var transcript = statement(original.architecture, original.metadata, original.commitment, copyCommitment, mask)
        let weight = try claim(plan, n: v.numVariables, transcript: &transcript)
        let low: SumcheckSubClaim<Ext>
        do {
            low = try MaskedSumcheck.verify(claimedSum: Ext.zero, degrees: [Int](repeating: 2, count: k), rounds: rounds,
                                            transcript: &transcript)
        } catch {
            throw .proof(error, at: "weight copy link rounds")
        }
        let (rho, sum) = (low.point, low.expectedValue)
        guard let bound = weight.boundLowVariables(to: rho, value: sum) else {
            throw .rejected("the link's point puts no weight on the low variables")
        }
        do {
            try PolynomialCommitment.verifyFoldedMask([v, c], parameters: params, rho: rho, coefficients: [.one, .zero - .one],
                                                      claims: [bound], mask: mask, proof: opening, transcript: &transcript)
        } catch {
            throw .proof(error, at: "weight copy link opening")
        }
        return VerifierKey(architecture: original.architecture, metadata: original.metadata, commitment: copyCommitment,
                           plan: plan, modelID: ModelIdentity.id(commitment: copyCommitment, architecture: original.architecture,
                                                                 metadata: original.metadata))
    }

    /// Every field element a link proof sends, tagged by where it sits (for the zero-knowledge tests):
    /// "round", "mask sum", "folded round", "final coefficient", "registered leaf of batch b" (b = 0
    /// the original, 1 the copy), "mask leaf", "folded leaf", "layer leaf".
    package static func elements(_ proof: [UInt8]) throws(ZKMLError) -> [(what: String, value: Goldilocks)] {
        let (_, rounds, o) = try parse(proof)
        do {
            var out = [(what: String, value: Goldilocks)]()
            func add(_ what: String, _ e: Ext) { out += [(what, e.c0), (what, e.c1)] }
            for h in rounds { for e in h { add("round", e) } }
            add("mask sum", o.maskSum)
            for h in o.rounds.roundPolynomials { for e in h { add("folded round", e) } }
            for e in o.finalCoefficients { add("final coefficient", e) }
            for (b, t) in o.registeredOpenings.enumerated() { for l in t.leaves { out += l.map { ("registered leaf of batch \(b)", $0) } } }
            for l in o.maskOpening.leaves { out += l.map { ("mask leaf", $0) } }
            for l in o.foldedOpening.leaves { for e in l { add("folded leaf", e) } }
            for t in o.layerOpenings { for l in t.leaves { for e in l { add("layer leaf", e) } } }
            return out
        }
    }

    /// The mask's commitment, the rounds and the opening of a link's bytes (length-checked; trailing
    /// bytes are an error).
    static func parse(_ proof: [UInt8]) throws(ZKMLError) -> (Commitment, [[Ext]], FoldedMaskOpeningProof) {
        guard proof.count <= maxSize else { throw .rejected("a link proof of \(proof.count) bytes (at most \(maxSize))") }
        do {
            var r = ByteReader(proof)
            try r.readHeader(magic: magic, version: version, what: "weight copy link")
            let mask = try Commitment(serialized: try r.readLengthPrefixed(what: "link mask commitment", limit: 4096))
            let rounds = try SumcheckProof<Ext>(from: &r).roundPolynomials
            let opening = try FoldedMaskOpeningProof(serialized: try r.readLengthPrefixed(what: "link opening", limit: maxSize))
            try r.expectEnd()
            return (mask, rounds, opening)
        } catch {
            throw .proof(error, at: "weight copy link")
        }
    }

    /// The transcript after the statement: domain, architecture, metadata, both commitments (original
    /// first), the link's folded mask's commitment.
    static func statement(_ architecture: CircuitArchitecture, _ metadata: [UInt8], _ original: [UInt8], _ copy: [UInt8],
                          _ mask: Commitment) -> Transcript {
        var t = Transcript(domain: "ciro.weight-copy-link.v1")
        t.absorb("link.architecture", bytes: architecture.encoded())
        t.absorb("link.metadata", bytes: metadata)
        t.absorb("link.original", bytes: original)
        t.absorb("link.copy", bytes: copy)
        t.absorb("link.mask", bytes: mask.serialized())
        return t
    }

    /// Throws unless every aligned block of 2^k entries (k = foldingLog) that holds an entry of the
    /// weight segments 0 ..< `weightSegments` holds only entries of weight segments and of the zero
    /// segments `zeroSegments`: then each of the k low rounds pairs entries of one block, D = 0 on those
    /// blocks (an honest copy has the same weights and the same zeros) and L = 0 on every other block,
    /// so an honest prover's rounds are identically zero and reveal nothing (docs/ZK.md §6 item 3). A
    /// weight segment of fewer than 2^k entries sharing its block with blinding or random entries would
    /// leak a functional of them through round k. Every plan since protocol v20 is linkable
    /// (`CircuitPlan.weightLayout(weightSegments:)` pads the small segments' last block with zeros).
    static func checkLinkable(_ layout: SegmentLayout, weightSegments: Int, zeroSegments: Range<Int>, foldingLog k: Int) throws(ZKMLError) {
        var small = [Int: Int]()
        for s in Array(0..<weightSegments) + Array(zeroSegments) where layout.logSizes[s] < k {
            small[layout.offsets[s] >> k, default: 0] += 1 << layout.logSizes[s]
        }
        guard small.values.allSatisfy({ $0 == 1 << k }) else {
            throw .unsupportedModel("a weight segment of fewer than \(1 << k) entries shares its block with unlinked entries: no weight copy link")
        }
    }

    /// For tests: whether a weight layout of these log sizes (the first `weightSegments` the weights,
    /// `zeroSegments` zeros, the rest blinding) is linkable (`checkLinkable`, k = 4).
    package static func isLinkable(logSizes: [Int], weightSegments: Int, zeroSegments: Range<Int>) -> Bool {
        (try? checkLinkable(SegmentLayout(logSizes: logSizes), weightSegments: weightSegments, zeroSegments: zeroSegments,
                            foldingLog: VectorCommitment.parameters.foldingLog)) != nil
    }

    /// For tests: the weight layout rule of every model (`CircuitPlan.weightLayout(weightSegments:)`)
    /// applied to weight segments of these log sizes: the log sizes it lays out (weights, blinding,
    /// zero padding) and whether the result is linkable.
    package static func plannedLayout(weightSegments: [Int]) -> (logSizes: [Int], linkable: Bool) {
        let (layout, padding) = CircuitPlan.weightLayout(weightSegments: weightSegments)
        return (layout.logSizes, isLinkable(logSizes: layout.logSizes, weightSegments: weightSegments.count, zeroSegments: padding))
    }

    /// Draws r (n coordinates) and forms L = Σ_s eq(r_hi, p_s)·eq(p_s ‖ r_lo, ·) over the weight segments
    /// 0 ..< `plan.weightBlindingSegment` (p_s the segment's prefix, r_hi and r_lo r's first n − log|s| and last
    /// log|s| coordinates), as an `EvaluationClaim` of value 0 on batch 0 normalized to the largest
    /// segment's point (coefficient 1; nil-free: rejects when that coefficient is 0, probability ≤ n/|E|).
    static func claim(_ plan: CircuitPlan, n: Int, transcript: inout Transcript) throws(ZKMLError) -> EvaluationClaim {
        let (layout, weightSegments) = (plan.weightLayout, plan.weightBlindingSegment)
        guard layout.logTotal == n, weightSegments >= 1 else { throw .invalidArchitecture("a weight layout of \(n) variables with weights") }
        try checkLinkable(layout, weightSegments: weightSegments, zeroSegments: plan.weightPaddingSegments,
                          foldingLog: VectorCommitment.parameters.foldingLog)
        let r: [Ext] = transcript.challenges("link.point", count: n)
        let segments = (0..<weightSegments).sorted { layout.logSizes[$0] > layout.logSizes[$1] }
        var terms = segments.map { s in
            let hi = n - layout.logSizes[s]
            let prefix = layout.prefixBits(s).map { $0 ? Ext.one : Ext.zero }
            var e = Ext.one
            for i in 0..<hi { e *= prefix[i] == .one ? r[i] : .one - r[i] }
            return ClaimTerm(point: prefix + r[hi...], coefficient: e)
        }
        guard let inverse = terms[0].coefficient.inverse() else { throw .rejected("the link's point misses the largest segment") }
        for i in terms.indices { terms[i].coefficient *= inverse }
        return EvaluationClaim(batch: 0, polynomial: 0, point: terms[0].point, value: .zero, terms: Array(terms.dropFirst()))
    }
}

/// The files of `ciro model copy`: the copy's secret (the registered model's id and the copy's
/// blinding seed; with the model's weights it rebuilds the copy) and the public link (the id of the
/// model or copy it links from, the copy's commitment, the link proof). Length-checked; trailing bytes
/// are an error.
public enum WeightCopyFiles {
    static let secretMagic = Array("CCPY".utf8), linkMagic = Array("CLNK".utf8)

    /// "CCPY", version 1, the registered model id (32 bytes), the seed (32 bytes).
    public static func encodeSecret(modelID: [UInt8], copy: WeightCopy) -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(secretMagic)
        w.writeUInt8(1)
        w.writeBytes(modelID)
        w.writeBytes(copy.blindingSeed)
        return w.bytes
    }

    /// Parses `encodeSecret` output: the registered model id and the copy's seed.
    public static func decodeSecret(_ bytes: [UInt8]) throws(ZKMLError) -> (modelID: [UInt8], blindingSeed: [UInt8]) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: secretMagic, version: 1, what: "weight copy secret")
            let id = try r.readBytes(32, what: "model id")
            let seed = try r.readBytes(ProofRandomness.seedByteCount, what: "blinding seed")
            try r.expectEnd()
            return (id, seed)
        } catch {
            throw .proof(error, at: "weight copy secret")
        }
    }

    /// "CLNK", version 1, the model id it links from (32 bytes), the copy's commitment and the link
    /// proof (each length-prefixed).
    public static func encodeLink(fromModelID: [UInt8], copyCommitment: [UInt8], link: [UInt8]) -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(linkMagic)
        w.writeUInt8(1)
        w.writeBytes(fromModelID)
        w.writeLengthPrefixed(copyCommitment)
        w.writeLengthPrefixed(link)
        return w.bytes
    }

    /// Parses `encodeLink` output: the id it links from, the copy's commitment, the link proof.
    public static func decodeLink(_ bytes: [UInt8]) throws(ZKMLError) -> (fromModelID: [UInt8], copyCommitment: [UInt8], link: [UInt8]) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: linkMagic, version: 1, what: "weight copy link file")
            let id = try r.readBytes(32, what: "model id")
            let commitment = try r.readLengthPrefixed(what: "copy commitment", limit: 4096)
            let link = try r.readLengthPrefixed(what: "link proof", limit: WeightCopyLink.maxSize)
            try r.expectEnd()
            return (id, commitment, link)
        } catch {
            throw .proof(error, at: "weight copy link file")
        }
    }
}
