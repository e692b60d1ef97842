import Testing
import ProofCore
import Sodium
import ZKML

/// Zero knowledge and privacy modes (issue 8; the argument is docs/ZK.md).
@Suite struct ZeroKnowledgeTests {
    static let privateIO = Privacy(privateInput: true, privateOutput: true)

    func model(_ net: QuantizedNetwork = SyntheticNetworks.cnn()) throws -> (ProverModel, [Int64]) {
        let (arch, weights) = try NetworkCompiler.compile(net)
        return (try ProverModel(architecture: arch, weights: weights), SyntheticNetworks.input(arch.inputLength))
    }

    @Test func privateWeightsPrivateInputProofVerifies() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, options: ProofOptions(privacy: Privacy(privateInput: true)))
        let header = try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: r.output, proof: r.proof)
        #expect(header.zeroKnowledge && header.privacy.privateInput && !header.privacy.privateOutput)
        #expect(r.ioOpeningSeed != nil)
        // A wrong public output is still rejected with the input private.
        var bad = r.output
        bad[0] += 1
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: bad, proof: r.proof) }
    }

    @Test(arguments: [Privacy(privateOutput: true), ZeroKnowledgeTests.privateIO])
    func privateOutputProofVerifies(privacy: Privacy) throws {
        let (model, input) = try model(SyntheticNetworks.mlp())
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, options: ProofOptions(privacy: privacy))
        try ZKMLVerifier.verify(key: model.verifierKey(), publicInput: privacy.privateInput ? nil : input, publicOutput: nil, proof: r.proof)
    }

    @Test func plainAndZeroKnowledgeProofsBothVerifyAndStateTheirMode() throws {
        let (model, input) = try model(SyntheticNetworks.mlp())
        let key = model.verifierKey()
        let plain = try ZKMLProver.prove(model: model, input: input, options: .plain)
        let zk = try ZKMLProver.prove(model: model, input: input)
        #expect(try ZKMLVerifier.verify(key: key, publicInput: input, publicOutput: plain.output, proof: plain.proof).zeroKnowledge == false)
        #expect(try ZKMLVerifier.verify(key: key, publicInput: input, publicOutput: zk.output, proof: zk.proof).zeroKnowledge)
        #expect(throws: ZKMLError.self) {
            _ = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(zeroKnowledge: false, privacy: Self.privateIO))
        }
    }

    @Test func privacyModeMustMatchWhatTheVerifierHolds() throws {
        let (model, input) = try model(SyntheticNetworks.mlp())
        let key = model.verifierKey()
        let priv = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Privacy(privateInput: true)))
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: priv.output, proof: priv.proof) }
        let pub = try ZKMLProver.prove(model: model, input: input)
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: pub.output, proof: pub.proof) }
        // Rewriting the mode byte (after magic, version and model id) is caught: the transcript binds the header.
        for mode: UInt8 in [0, 3, 5, 7] {
            var bad = pub.proof
            bad[37] = mode
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, publicInput: mode & 2 == 0 ? input : nil,
                                                                       publicOutput: mode & 4 == 0 ? pub.output : nil, proof: bad) }
        }
    }

    /// A field element "looks like data" when it is a small signed integer: quantized weights are 8-bit,
    /// activations 16-bit and accumulators about 30-bit; a masked element is uniform in the 64-bit
    /// field, so one falls below 2^32 in absolute value with probability 2^-31.
    func looksLikeData(_ v: Goldilocks) -> Bool {
        let bound: UInt64 = 1 << 32
        return v.value < bound || Goldilocks.modulus - v.value <= bound
    }

    @Test(arguments: [Privacy.publicIO, ZeroKnowledgeTests.privateIO])
    func noProofElementLooksLikeData(privacy: Privacy) throws {
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp(), SyntheticNetworks.cnnMergingTheOpenings()] {
            let (model, input) = try model(net)
            let r = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: privacy))
            let elements = try ZKMLVerifier.proofElements(key: model.verifierKey(), publicInput: privacy.privateInput ? nil : input,
                                                          publicOutput: privacy.privateOutput ? nil : r.output, proof: r.proof)
            #expect(elements.count > 2000)
            let small = elements.filter { looksLikeData($0.value) }
            #expect(small.isEmpty, "small elements: \(small.prefix(5).map { "\($0.what)=\($0.value.value)" })")
        }
    }

    /// The length-prefixed blob of `proof` that ends at `end` and starts with `magic`, found by
    /// scanning backward for a length prefix that matches.
    func blob(_ proof: [UInt8], endingAt end: Int, magic: String) throws -> Range<Int> {
        func length(_ at: Int) -> Int { proof[at..<(at + 4)].reversed().reduce(0) { $0 << 8 | Int($1) } }
        let tag = Array(magic.utf8)
        for start in stride(from: end - tag.count, through: 4, by: -1) where Array(proof[start..<(start + 4)]) == tag {
            if start + length(start - 4) == end { return start..<end }
        }
        throw ZKMLError.badInput("no \(magic) blob")
    }

    /// The end of a zero-knowledge proof (protocol v19): the batched opening ("CPCS", only with a private
    /// input or output), then the weight mask's commitment ("CCOM") and the weights' folded-mask opening
    /// ("CPFM"), then the witness mask's commitment and the witness's folded-mask opening, each
    /// length-prefixed. A plain proof ends with the batched opening.
    struct Tail {
        var opening: Range<Int>?
        var weightMask: Range<Int>, weights: Range<Int>
        var witnessMask: Range<Int>, witness: Range<Int>
    }

    func tail(_ proof: [UInt8]) throws -> Tail {
        let witness = try blob(proof, endingAt: proof.count, magic: "CPFM")
        let witnessMask = try blob(proof, endingAt: witness.lowerBound - 4, magic: "CCOM")
        let weights = try blob(proof, endingAt: witnessMask.lowerBound - 4, magic: "CPFM")
        let weightMask = try blob(proof, endingAt: weights.lowerBound - 4, magic: "CCOM")
        let opening = try? blob(proof, endingAt: weightMask.lowerBound - 4, magic: "CPCS")
        return Tail(opening: opening, weightMask: weightMask, weights: weights, witnessMask: witnessMask, witness: witness)
    }

    /// Where the batched opening proof lies in a ZKML proof: the last blob of a plain proof; in a
    /// zero-knowledge proof with a private input or output, before the two folded-mask openings (`tail`).
    func openingRange(_ proof: [UInt8]) throws -> Range<Int> {
        if let t = try? tail(proof) {
            guard let opening = t.opening else { throw ZKMLError.badInput("no opening proof") }
            return opening
        }
        return try blob(proof, endingAt: proof.count, magic: "CPCS")
    }

    /// The batched opening proof of a ZKML proof.
    func openingProof(_ proof: [UInt8]) throws -> OpeningProof {
        try OpeningProof(serialized: Array(proof[try openingRange(proof)]))
    }

    /// The weights' folded-mask opening proof of a zero-knowledge proof (protocol v15), and where the
    /// weight mask's commitment lies.
    func foldedMaskProof(_ proof: [UInt8]) throws -> (mask: Range<Int>, proof: FoldedMaskOpeningProof) {
        let t = try tail(proof)
        return (t.weightMask, try FoldedMaskOpeningProof(serialized: Array(proof[t.weights])))
    }

    /// The witness's folded-mask opening proof of a zero-knowledge proof (protocol v19), and where the
    /// witness mask's commitment lies.
    func witnessFoldedMaskProof(_ proof: [UInt8]) throws -> (mask: Range<Int>, proof: FoldedMaskOpeningProof) {
        let t = try tail(proof)
        return (t.witnessMask, try FoldedMaskOpeningProof(serialized: Array(proof[t.witness])))
    }

    /// Verifies `proof` (of `input`, output `output`) with its opening proof replaced by `opening`,
    /// re-serialized in place (same length): how the tests tamper with the opening.
    func verifyWithOpening(_ opening: OpeningProof, proof: [UInt8], key: VerifierKey, input: [Int64], output: [Int64],
                           privacy: Privacy = .publicIO) throws {
        let range = try openingRange(proof)
        try ZKMLVerifier.verify(key: key, publicInput: privacy.privateInput ? nil : input,
                                publicOutput: privacy.privateOutput ? nil : output,
                                proof: Array(proof[..<range.lowerBound]) + opening.serialized() + proof[range.upperBound...])
    }

    /// Verifies a zero-knowledge `proof` with the weights' folded-mask opening proof (or, with
    /// `witness`, the witness's) replaced by `folded` (re-serialized in place, same length).
    func verifyWithFoldedMask(_ folded: FoldedMaskOpeningProof, proof: [UInt8], key: VerifierKey, input: [Int64], output: [Int64],
                              witness: Bool = false) throws {
        let t = try tail(proof)
        let range = witness ? t.witness : t.weights
        try ZKMLVerifier.verify(key: key, input: input, output: output,
                                proof: Array(proof[..<range.lowerBound]) + folded.serialized() + proof[range.upperBound...])
    }

    /// Checks that `opening` verifies, and that adding one to class `k`'s mask sum or to any of
    /// `entries` (tree, leaf, entry) of its opened leaves makes `verify` reject it.
    func expectMaskedClassTamperingRejected(_ opening: OpeningProof, class k: Int, entries: [(tree: Int, leaf: Int, entry: Int)],
                                            sourceLocation: SourceLocation = #_sourceLocation,
                                            _ verify: (OpeningProof) throws -> Void) throws {
        try verify(opening)
        var bad = opening
        bad.classes[k].values[0] += .one
        #expect(throws: ZKMLError.self, "the mask sum", sourceLocation: sourceLocation) { try verify(bad) }
        for (tree, leaf, entry) in entries {
            bad = opening
            bad.classes[k].batchOpenings[tree].leaves[leaf][entry] += .one
            #expect(throws: ZKMLError.self, "tree \(tree) leaf \(leaf) entry \(entry)", sourceLocation: sourceLocation) { try verify(bad) }
        }
    }

    /// Protocol v5 (docs/ZK.md §6.2): the private input/output vector is opened alone in its size
    /// class with its opening mask (one value, the mask's sum; leaves of f, M_0, M_1), and the codeword
    /// entries of the vector a proof opens are fewer than the random upper three quarters B that make
    /// them jointly uniform — v4's vector of 2^(d+1) coefficients could be interpolated from them.
    /// Tampering with the class's mask sum, a mask or data entry of a leaf is rejected.
    @Test func privateIOOpeningIsMaskedAndHidesLeaves() throws {
        let width = 16   // 2^foldingLog of the protocol's parameters
        for (net, privacy) in [(SyntheticNetworks.mlp(), Self.privateIO), (SyntheticNetworks.cnn(), Privacy(privateInput: true)),
                               (SyntheticNetworks.mlp(), Privacy(privateOutput: true))] {
            let (model, input) = try model(net)
            let r = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: privacy))
            let opening = try openingProof(r.proof)
            let witnessLog = ZKMLVerifier.zeroKnowledgeWitnessShape(key: model.verifierKey()).log
            let masked = opening.classes.filter { $0.batchOpenings.first?.leaves.first?.count == 3 * width && $0.numVariables != witnessLog }
            try #require(masked.count == 1)
            let io = masked[0]
            #expect(io.batchOpenings.count == 1 && io.values.count == 1 && io.pointReduction == nil)
            #expect(io.numVariables >= 10)
            #expect(io.batchOpenings[0].leaves.count * width <= 3 << (io.numVariables - 2))
            #expect(io.batchOpenings[0].leaves.count * width > 1 << 8, "v4's 2^8-coefficient vector would have been interpolable")
            // The batched opening holds the private input/output vector alone (v19): the weights (v15)
            // and the witness (v19) are opened by their folded-mask openings after it.
            #expect(opening.classes.count == 1 && opening.classes[0].values.count == 1 && opening.classes[0].batchOpenings.count == 1)
            #expect(try foldedMaskProof(r.proof).proof.registeredOpenings[0].leaves.count > 20)
            #expect(try witnessFoldedMaskProof(r.proof).proof.registeredOpenings[0].leaves.count > 20)
            // A plain proof masks nothing; a ZK proof with public input and output has no batched opening.
            let plain = try openingProof(try ZKMLProver.prove(model: model, input: input, options: ProofOptions(zeroKnowledge: false)).proof)
            #expect(plain.classes.allSatisfy { $0.values.isEmpty && $0.batchOpenings.first?.leaves.first?.count != 3 * width })
            let publicIO = try ZKMLProver.prove(model: model, input: input).proof
            #expect(try tail(publicIO).opening == nil)
            // Tampering: the opening proof is the proof's last blob, rewritten in place (same length).
            let k = opening.classes.firstIndex { $0.numVariables == io.numVariables }!
            let key = model.verifierKey()
            func verify(_ o: OpeningProof) throws {
                try verifyWithOpening(o, proof: r.proof, key: key, input: input, output: r.output, privacy: privacy)
            }
            try expectMaskedClassTamperingRejected(opening, class: k, entries: [0, width, 2 * width].map { (0, 0, $0) }, verify)
        }
    }

    /// Protocol v19 (docs/ZK.md §6 item 4): the witness is committed as one polynomial (no same-batch
    /// mask) and opened by its own folded-mask opening: a mask of n_W − 4 variables, V's leaves of 16
    /// base entries, whose count stays within the free region — random entries above every column,
    /// which no claim touches (46 queries × 16) — so the opened entries are jointly uniform. The plain
    /// proof's witness class is unmasked. Tampering with the witness's folded-mask opening (any part),
    /// its mask commitment, G* of the low-round mask column or a low-round polynomial is rejected.
    @Test func witnessFoldedOpeningIsCheckedAndItsFreeRegionCoversTheOpenedEntries() throws {
        let width = 16   // 2^foldingLog of the protocol's parameters
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp()] {
            let (model, input) = try model(net)
            let key = model.verifierKey()
            let shape = ZKMLVerifier.zeroKnowledgeWitnessShape(key: key)
            #expect((1 << shape.log) - shape.freeStart >= 46 * width)
            let r = try ZKMLProver.prove(model: model, input: input)
            let (maskRange, folded) = try witnessFoldedMaskProof(r.proof)
            let mask = try Commitment(serialized: Array(r.proof[maskRange]))
            #expect(mask.numVariables == shape.log - 4 && mask.polynomialCount == 2)
            #expect(folded.registeredOpenings.count == 1 && folded.registeredOpenings[0].leaves.allSatisfy { $0.count == width })
            #expect(folded.registeredOpenings[0].leaves.count * width <= (1 << shape.log) - shape.freeStart)
            let plain = try openingProof(try ZKMLProver.prove(model: model, input: input, options: .plain).proof)
            #expect(plain.classes.allSatisfy { $0.values.isEmpty && $0.batchOpenings.allSatisfy { $0.leaves.first?.count == width } })
            func verify(_ f: FoldedMaskOpeningProof) throws {
                try verifyWithFoldedMask(f, proof: r.proof, key: key, input: input, output: r.output, witness: true)
            }
            try verify(folded)
            for (what, change) in foldedOpeningTampering(folded, openedVectors: ["witness"]) {
                var bad = folded
                change(&bad)
                #expect(throws: ZKMLError.self, "\(what)") { try verify(bad) }
            }
            // The witness mask's commitment: its root changed, or the weight mask's in its place.
            var changed = r.proof
            changed[maskRange.upperBound - 20] ^= 1
            #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: changed) }
            // G* of the low-round mask column and every low-round polynomial coefficient: rejected.
            let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
            let gStar = elements.filter { $0.what == "zk.witness.lowmask.sum" }.map(\.value)
            let rounds = elements.filter { $0.what == "witness low round" }.map(\.value)
            #expect(gStar.count == 2 && rounds.count == 4 * 3 * 2)
            for v in gStar + rounds {
                let bytes = withUnsafeBytes(of: v.value.littleEndian, Array.init)
                let at = try #require(r.proof.indices.last { Array(r.proof[$0..<min($0 + 8, r.proof.count)]) == bytes })
                var bad = r.proof
                bad[at] ^= 0x01
                #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: bad) }
            }
        }
    }

    /// The low-round mask column's public weight L (1, u, popcount, u·popcount on its four blocks) is
    /// what the witness's opening proves: a verifier that weighs any of its ten eq terms otherwise
    /// rejects the proof (the honest weight accepts it).
    @Test func lowMaskColumnWeightIsChecked() throws {
        let (model, input) = try model(SyntheticNetworks.mlp())
        let key = model.verifierKey()
        let r = try ZKMLProver.prove(model: model, input: input)
        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof, lowMaskTermScales: [])
        for t in [0, 1, 4, 5, 8] {
            var scales = [Ext](repeating: .one, count: 9)
            scales[t] = Ext(Goldilocks(UInt64(2)))
            #expect(throws: ZKMLError.self, "term \(t)") {
                try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof, lowMaskTermScales: scales)
            }
        }
    }

    /// Protocol v13 (docs/ZK.md §6.2): the zero-knowledge witness keeps its size when that is the
    /// weight vector's (v12 doubled it). Since v19 both are opened by folded-mask openings of one size
    /// (weights, then witness), with no batched opening.
    @Test func witnessMayShareTheWeightsSize() throws {
        let width = 16
        let (model, input) = try model(SyntheticNetworks.mlpSharingTheWitnessSize())
        let key = model.verifierKey()
        let shape = ZKMLVerifier.zeroKnowledgeWitnessShape(key: key)
        let weightsLog = try Commitment(serialized: model.commitment).numVariables
        #expect(shape.log == weightsLog && (1 << shape.log) - shape.freeStart >= 46 * width)
        let r = try ZKMLProver.prove(model: model, input: input)
        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: r.proof)
        #expect(try tail(r.proof).opening == nil)
        let (weightMask, weights) = try foldedMaskProof(r.proof)
        let (witnessMask, witness) = try witnessFoldedMaskProof(r.proof)
        #expect(try Commitment(serialized: Array(r.proof[weightMask])).numVariables == weightsLog - 4)
        #expect(try Commitment(serialized: Array(r.proof[witnessMask])).numVariables == weightsLog - 4)
        #expect(weights.registeredOpenings[0].leaves.allSatisfy { $0.count == width }
                && witness.registeredOpenings[0].leaves.allSatisfy { $0.count == width })
        var bad = witness
        bad.registeredOpenings[0].leaves[0][0] += .one
        #expect(throws: ZKMLError.self) { try verifyWithFoldedMask(bad, proof: r.proof, key: key, input: input, output: r.output, witness: true) }
        // The plain proof keeps one class for both (unmasked) vectors of that size.
        let plain = try openingProof(try ZKMLProver.prove(model: model, input: input, options: .plain).proof)
        #expect(plain.classes.count == 1 && plain.classes[0].batchOpenings.count == 2)
    }

    /// The witness's folded-mask opening (its mask sum, rounds, final polynomial, F′'s and the further
    /// layers' leaves, the mask's leaves and the opened witness leaves), its G* and low rounds share no
    /// element between two proofs of the same statement, and no element of it is a small integer
    /// (unmasked data would be).
    @Test func witnessOpeningSharesNoElementAndHidesData() throws {
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp()] {
            let (model, input) = try model(net)
            let key = model.verifierKey()
            var sets: [Set<UInt64>] = []
            for _ in 0..<2 {
                let r = try ZKMLProver.prove(model: model, input: input)
                let f = try witnessFoldedMaskProof(r.proof).proof
                let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
                let lowRounds = elements.filter { $0.what == "zk.witness.lowmask.sum" || $0.what == "witness low round" }.map(\.value)
                #expect(lowRounds.count == 2 + 4 * 3 * 2)
                let values = freshElements(f, witnessBatch: 0) + lowRounds
                let small = values.filter { looksLikeData($0) }
                #expect(small.isEmpty, "small elements in the witness opening: \(small.prefix(5).map(\.value))")
                sets.append(Set(values.map(\.value)))
            }
            #expect(sets[0].count > 1000)
            #expect(sets[0].isDisjoint(with: sets[1]))
        }
    }

    /// Changes to a folded-mask opening that a verifier must reject: the mask sum, F′'s root, a round, the
    /// final polynomial, the nonce, the first and last opened leaf of each vector (`openedVectors` names
    /// them in batch order), the vectors' openings swapped (several vectors), a mask leaf, an F′ leaf and
    /// a further layer's leaf.
    func foldedOpeningTampering(_ folded: FoldedMaskOpeningProof, openedVectors: [String]) -> [(String, (inout FoldedMaskOpeningProof) -> Void)] {
        var cases: [(String, (inout FoldedMaskOpeningProof) -> Void)] = [
            ("mask sum", { $0.maskSum += .one }),
            ("F′ root", { $0.foldedRoot = Digest([UInt8](repeating: 7, count: Digest.byteCount))! }),
            ("round", { $0.rounds.roundPolynomials[0][1] += .one }),
            ("final coefficient", { $0.finalCoefficients[0] += .one }),
            ("nonce", { $0.powNonce &+= 1 }),
            ("mask leaf", { $0.maskOpening.leaves[0][0] += .one }),
            ("F′ leaf", { $0.foldedOpening.leaves[0][5] += .one }),
        ]
        for (b, name) in openedVectors.enumerated() {
            cases.append(("\(name) leaf", { $0.registeredOpenings[b].leaves[0][3] += .one }))
            cases.append(("last \(name) leaf", { $0.registeredOpenings[b].leaves[$0.registeredOpenings[b].leaves.count - 1][15] += .one }))
        }
        if openedVectors.count > 1 { cases.append(("swapped vectors", { $0.registeredOpenings.swapAt(0, 1) })) }
        if !folded.layerOpenings.isEmpty { cases.append(("layer leaf", { $0.layerOpenings[0].leaves[0][0] += .one })) }
        return cases
    }

    /// The base-field elements of a folded-mask opening that are fresh per proof: the mask sum, rounds,
    /// final polynomial, F′'s and the further layers' leaves, the mask's leaves and the opened leaves of
    /// the witness (`witnessBatch`; the registered weights' leaves are entries of a fixed codeword).
    func freshElements(_ f: FoldedMaskOpeningProof, witnessBatch: Int) -> [Goldilocks] {
        let ext = [f.maskSum] + f.rounds.roundPolynomials.flatMap { $0 } + f.finalCoefficients
            + f.foldedOpening.leaves.flatMap { $0 } + f.layerOpenings.flatMap { $0.leaves.flatMap { $0 } }
        return ext.flatMap { [$0.c0, $0.c1] } + f.maskOpening.leaves.flatMap { $0 } + f.registeredOpenings[witnessBatch].leaves.flatMap { $0 }
    }

    /// Every witness claim has zero eq weight on the free region (prover and verifier check it); a
    /// point on the region, or a combination term on it, does not.
    @Test func witnessFreeRegionIsClaimFree() throws {
        let (model, _) = try model()
        let key = model.verifierKey()
        let (log, start) = ZKMLVerifier.zeroKnowledgeWitnessShape(key: key)
        func bits(_ index: Int, _ count: Int) -> [Ext] { (0..<count).map { (index >> (count - 1 - $0)) & 1 == 1 ? .one : .zero } }
        let random = (0..<4).map { _ in Ext(Goldilocks(UInt64.random(in: 2..<1 << 60)), Goldilocks(7)) }
        // A 16-entry block below the region (random local coordinates) misses it; the last block does not.
        let below = bits((start >> 4) - 1, log - 4) + random
        let top = bits((1 << (log - 4)) - 1, log - 4) + random
        #expect(ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: top))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, terms: [top]))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: [Ext](repeating: random[0], count: log)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: Array(below.dropFirst())))
        // A sparse weight (the pool's relation claim): its block is checked once. The pool column
        // misses the region; a block that reaches it, or one larger than the vector, does not.
        let pool = ZKMLVerifier.zeroKnowledgePoolBlock(key: key)
        func sparse(_ block: Int, _ b: Int) -> SparseWeight {
            SparseWeight(block: block, blockVariables: b, indices: [0, 1], coefficients: [.one, .one])
        }
        #expect((pool.block + 1) << pool.blockVariables <= start)
        #expect(ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse(pool.block, pool.blockVariables)))
        #expect(ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse((start >> 4) - 1, 4)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse(start >> 4, 4)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse((1 << (log - 4)) - 1, 4)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse(0, log)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: below, sparse: sparse(0, log + 1)))
        #expect(!ZKMLVerifier.claimMissesWitnessFreeRegion(key: key, point: top, sparse: sparse(pool.block, pool.blockVariables)))
    }

    /// Two proofs of the same statement share no field element, except openings of the weight
    /// commitment's leaves: the model commitment is fixed, so two proofs that query the same leaf
    /// show the same (blinded) codeword entries (docs/ZK.md §5, the bounded-reuse caveat).
    @Test func twoProofsOfOneStatementShareNoElement() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        var sets: [Set<UInt64>] = []
        for _ in 0..<2 {
            let r = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Self.privateIO))
            let elements = try ZKMLVerifier.proofElements(key: key, publicInput: nil, publicOutput: nil, proof: r.proof)
            sets.append(Set(elements.filter { !$0.what.hasPrefix("opening leaf of batch 0") }.map(\.value.value)))
        }
        #expect(sets[0].count > 1000)
        #expect(sets[0].isDisjoint(with: sets[1]))
    }

    /// Every message of a zero-knowledge proof is of a kind the simulator argument covers (docs/ZK.md §0):
    /// masked values, masked sumcheck rounds, the opening (since v14 no pool reduction messages). Protocol v3 sent the two
    /// lookup trees' top values (`logup.top`) in the clear; since v4 the one lookup tree's root is a
    /// masked sumcheck whose finals are masked (`logup.root`, §2b).
    @Test func everyMessageIsOfACoveredKind() throws {
        let covered = ["leaf.maxpool", "leaf.requantize", "linear.bias", "linear.finals", "logup.children", "logup.root",
                       "masked sumcheck round", "maxpool.finals", "gather.final", "requantize.finals", "output.value",
                       "zk.mask.sum", "zk.mask.value", "zk.vector.blind", "zk.vector.sum", "opening ", "folded opening ",
                       "zk.witness.lowmask.sum", "witness low round", "zk.merged.cross.sum", "merged low round"]
        for (net, privacy) in [(SyntheticNetworks.cnn(), Privacy.publicIO), (SyntheticNetworks.mlp(), Self.privateIO),
                               (SyntheticNetworks.cnnMergingTheOpenings(), Privacy.publicIO),
                               (SyntheticNetworks.cnnMergingTheOpenings(), Self.privateIO)] {
            let (model, input) = try model(net)
            let r = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: privacy))
            let labels = Set(try ZKMLVerifier.proofElements(key: model.verifierKey(), publicInput: privacy.privateInput ? nil : input,
                                                            publicOutput: privacy.privateOutput ? nil : r.output, proof: r.proof).map(\.what))
            let uncovered = labels.filter { l in !covered.contains { l.hasPrefix($0) } }
            #expect(uncovered.isEmpty, "messages outside the simulator argument: \(uncovered.sorted())")
            #expect(labels.contains("logup.root") && labels.contains("logup.children"))
        }
    }

    /// Protocol v8/v6 (docs/ZK.md §3): the mask pool stores each round's univariate as its d + 1
    /// coefficients (2(d + 1) entries), so digits_mlp's pool is 2^11 entries and its witness layout
    /// 2^12 (v7/v5: 2^12 and 2^13, the opening's witness class had 13 variables). The plain proof
    /// commits the layout; since v10 the zero-knowledge proof's witness needs a free region of 736
    /// random entries above its columns (docs/ZK.md §6.2), which digits_mlp's 2^12 layout (columns up
    /// to 3,648) lacks, so v10–v13 made its ZK witness 2^13. Since v14 the ZK pool is U alone (2^10;
    /// docs/ZK.md §3): its columns end at 2,624 and its ZK witness is 2^12, as the plain one. Since v15
    /// opening follows it). Since v19 the ZK layout ends with the 64-entry low-round mask column Z
    /// (columns end at 2,688), the witness is 2^12 still, and the zero-knowledge proof has no batched
    /// opening (both vectors are opened by folded-mask openings: weights 2^15, witness 2^12).
    @Test func maskPoolIsPackedSoDigitsMLPWitnessIsSmaller() throws {
        let (loaded, input) = try DigitsModelTests().load("digits_mlp")
        let key = loaded.prover.verifierKey()
        let plain = try ZKMLProver.prove(model: loaded.prover, input: input, options: .plain)
        try ZKMLVerifier.verify(key: key, input: input, output: plain.output, proof: plain.proof)
        #expect(try openingProof(plain.proof).classes.map(\.numVariables).sorted() == [12, 15])
        let zk = try ZKMLProver.prove(model: loaded.prover, input: input)
        try ZKMLVerifier.verify(key: key, input: input, output: zk.output, proof: zk.proof)
        #expect(try tail(zk.proof).opening == nil)
        #expect(try foldedMaskProof(zk.proof).proof.registeredOpenings.count == 1)
        #expect(try Commitment(serialized: Array(zk.proof[witnessFoldedMaskProof(zk.proof).mask])).numVariables == 12 - 4)
        let shape = ZKMLVerifier.zeroKnowledgeWitnessShape(key: key)
        #expect(shape.log == 12 && shape.freeStart == 2688, "\(shape)")
        // digits_cnn: 2^14 (v10–v13: 2^15, its 2^14 layout ended at 15,888), the weights' size (v13).
        let (cnn, _) = try DigitsModelTests().load("digits_cnn")
        let cnnShape = ZKMLVerifier.zeroKnowledgeWitnessShape(key: cnn.prover.verifierKey())
        #expect(cnnShape.log == 14 && cnnShape.freeStart == 13904, "\(cnnShape)")
    }

    /// Protocol v14 (docs/ZK.md §3): the mask values and pool relations are one sparse claim on the
    /// witness, proven by its zero-knowledge opening — a ZK proof carries no reduction message (no σ,
    /// no pool value, no unmasked sumcheck round) — and the ZK pool column is half the plain one.
    /// Changing a mask value or a G* (which moves the sparse claim's value) is rejected
    /// (`everyMaskMessageIsBoundToThePool`); so is a verifier whose pool relations differ: a proof of
    /// one network checked against the key of another with the same shapes.
    @Test func maskRelationsAreOneSparseClaimOnTheWitness() throws {
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp()] {
            let (model, input) = try model(net)
            let key = model.verifierKey()
            let r = try ZKMLProver.prove(model: model, input: input)
            let labels = Set(try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof).map(\.what))
            #expect(!labels.contains { $0.hasPrefix("zk.reduce") || $0.hasPrefix("sumcheck round") }, "\(labels.sorted())")
            #expect(labels.contains("zk.mask.value") && labels.contains("zk.mask.sum"))
        }
        let (loaded, _) = try DigitsModelTests().load("digits_mlp")
        #expect(ZKMLVerifier.maskPoolLogs(key: loaded.prover.verifierKey()) == (plain: 11, zeroKnowledge: 10))
    }

    /// Every mask message is bound to the committed pool (docs/ZK.md §3): changing any G* (`zk.mask.sum`),
    /// or any mask value g(r) (`zk.mask.value`) is rejected, including the first and last of each kind
    /// (degree-2 to degree-9 slots): each moves the value of the sparse pool claim the witness opening
    /// proves (protocol v14; v3–v13 also σ = S(κ) and the reduction's pool value).
    @Test func everyMaskMessageIsBoundToThePool() throws {
        for net in [SyntheticNetworks.cnn(), SyntheticNetworks.mlp()] {
            let (model, input) = try model(net)
            let key = model.verifierKey()
            let r = try ZKMLProver.prove(model: model, input: input)
            let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
            for label in ["zk.mask.sum", "zk.mask.value"] {
                let values = elements.filter { $0.what == label }.map(\.value)
                try #require(!values.isEmpty, "no \(label)")
                let picked = Set([0, values.count / 2, values.count - 1]).map { values[$0] }
                for v in picked {
                    let bytes = withUnsafeBytes(of: v.value.littleEndian, Array.init)
                    let at = try #require(r.proof.indices.first { Array(r.proof[$0..<min($0 + 8, r.proof.count)]) == bytes })
                    var bad = r.proof
                    bad[at] ^= 0x01
                    #expect(throws: ZKMLError.self, "changed \(label) accepted") {
                        try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: bad)
                    }
                }
            }
        }
    }

    /// Every byte of the lookup tree's root values (ZK and plain) and of the committed vectors'
    /// combination messages (`zk.vector.blind`, `zk.vector.sum`: ŵ and T of docs/ZK.md §2a, one pair per
    /// vector) is bound: flipping any of them is rejected.
    @Test func tamperedRootAndCombinationMessagesAreRejected() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        // The weights send no T since v15 (their claim goes into the masked low-round sumcheck).
        for (options, labels) in [(ProofOptions.default, [("logup.root", 4), ("zk.vector.blind", 4), ("zk.vector.sum", 2)]),
                                  (.plain, [("logup.root", 4)])] {
            let r = try ZKMLProver.prove(model: model, input: input, options: options)
            let elements = try ZKMLVerifier.proofElements(key: key, publicInput: input, publicOutput: r.output, proof: r.proof)
            for (label, count) in labels {
                let values = elements.filter { $0.what == label }.map(\.value)
                #expect(values.count == count, "\(label): \(values.count) elements")
                for v in values {
                    let bytes = withUnsafeBytes(of: v.value.littleEndian, Array.init)
                    let at = try #require(r.proof.indices.first { Array(r.proof[$0..<min($0 + 8, r.proof.count)]) == bytes })
                    for i in at..<(at + 8) {
                        var bad = r.proof
                        bad[i] ^= 0x10
                        #expect(throws: ZKMLError.self, "flipped \(label) byte \(i) accepted") {
                            try ZKMLVerifier.verify(key: key, input: input, output: r.output, proof: bad)
                        }
                    }
                }
            }
        }
    }

    @Test func fixedSeedIsReproducibleAndTheDefaultIsNot() throws {
        let (model, input) = try model(SyntheticNetworks.mlp())
        let seeded = ProofOptions(privacy: Self.privateIO, debugSeed: Array("debug only".utf8))
        let a = try ZKMLProver.proveWithOpening(model: model, input: input, options: seeded)
        let b = try ZKMLProver.proveWithOpening(model: model, input: input, options: seeded)
        #expect(a.proof == b.proof && a.ioOpeningSeed == b.ioOpeningSeed)
        let c = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Self.privateIO))
        let d = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(privacy: Self.privateIO))
        #expect(c.proof != d.proof && c.proof != a.proof)
        try ZKMLVerifier.verify(key: model.verifierKey(), publicInput: nil, publicOutput: nil, proof: a.proof)
    }

    /// The masks made on another thread during the proof (`ProofMasks`, more than one worker) come from
    /// the same forks as those drawn in place (one worker; or the witness-level prover, which makes
    /// them where they are used): a debug-seed proof has the same bytes every way; another seed not.
    @Test(arguments: [false, true])
    func masksMadeAlongsideTheProofKeepDebugSeedBytes(cnn: Bool) throws {
        let (model, input) = try model(cnn ? SyntheticNetworks.cnn() : SyntheticNetworks.mlp())
        let seeded = ProofOptions(debugSeed: Array("debug only".utf8))
        let background = try ZKMLProver.prove(model: model, input: input, options: seeded)
        let inline = try Parallel.$workerLimit.withValue(1) { try ZKMLProver.prove(model: model, input: input, options: seeded) }
        #expect(background.proof == inline.proof)
        let arch = model.architecture
        let witness = try CircuitWitness(architecture: arch, weights: model.weights,
                                         input: input + [Int64](repeating: 0, count: arch.inputSize - input.count))
        #expect(ZKMLProver.prove(model: model, witness: witness, options: seeded).proof == background.proof)
        let other = try ZKMLProver.prove(model: model, input: input, options: ProofOptions(debugSeed: Array("debug too".utf8)))
        #expect(other.proof != background.proof)
        try ZKMLVerifier.verify(key: model.verifierKey(), input: input, output: background.output, proof: background.proof)
    }

    @Test func sealedPrivateOutputOpensTheCommitment() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let requester = try X25519KeyPair.generate()
        let r = try ZKMLProver.proveWithOpening(model: model, input: input, options: ProofOptions(privacy: Self.privateIO))
        try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: nil, proof: r.proof)
        let sealed = try PrivateOutputOpening(output: r.output, seed: try #require(r.ioOpeningSeed)).seal(to: requester.publicKey)

        // The requester opens it and checks it against the proof's commitment.
        let opened = try PrivateOutputOpening.open(sealed, with: requester)
        #expect(opened.output == r.output)
        try opened.check(key: key, proof: r.proof, input: input)

        // Tampered ciphertext, another requester, a changed output, a changed seed or input: rejected.
        var flipped = sealed
        flipped[flipped.count / 2] ^= 1
        #expect(throws: ZKMLError.self) { _ = try PrivateOutputOpening.open(flipped, with: requester) }
        #expect(throws: ZKMLError.self) { _ = try PrivateOutputOpening.open(sealed, with: try X25519KeyPair.generate()) }
        var wrongOutput = opened.output
        wrongOutput[1] += 1
        #expect(throws: ZKMLError.self) { try PrivateOutputOpening(output: wrongOutput, seed: opened.seed).check(key: key, proof: r.proof, input: input) }
        var wrongSeed = opened.seed
        wrongSeed[0] ^= 1
        #expect(throws: ZKMLError.self) { try PrivateOutputOpening(output: opened.output, seed: wrongSeed).check(key: key, proof: r.proof, input: input) }
        var wrongInput = input
        wrongInput[0] += 1
        #expect(throws: ZKMLError.self) { try opened.check(key: key, proof: r.proof, input: wrongInput) }
        // The encoding round-trips and rejects garbage.
        #expect(try PrivateOutputOpening(encoded: opened.encoded()) == opened)
        #expect(throws: ZKMLError.self) { _ = try PrivateOutputOpening(encoded: Array(opened.encoded().dropLast())) }
    }

    /// The soundness suite runs in the default (zero-knowledge) mode; these repeat its cheats with a
    /// private input and output.
    @Test func cheatsAreRejectedWithPrivateInputAndOutput() throws {
        let (model, input) = try model()
        let key = model.verifierKey()
        let options = ProofOptions(privacy: Self.privateIO)
        let padded = input + [Int64](repeating: 0, count: model.architecture.inputSize - input.count)
        var changed = model.weights
        changed.matrices[0][5] += 3
        let witness = try CircuitWitness(architecture: model.architecture, weights: changed, input: padded)
        let cheat = ZKMLProver.prove(model: model, witness: witness, options: options)
        #expect(throws: ZKMLError.self) { try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: nil, proof: cheat.proof) }

        let honest = try ZKMLProver.prove(model: model, input: input, options: options)
        let step = max(1, honest.proof.count / 150)
        for i in stride(from: 0, to: honest.proof.count, by: step) {
            var bad = honest.proof
            bad[i] ^= 0x04
            #expect(throws: ZKMLError.self, "flipped byte \(i) accepted") {
                try ZKMLVerifier.verify(key: key, publicInput: nil, publicOutput: nil, proof: bad)
            }
        }
    }
}

/// The values the verifier receives are evaluations of masked polynomials (docs/ZK.md §2a): none of the
/// claims it routes on an activation, helper column or weight is the true evaluation in zero-knowledge
/// mode, all of them are in the plain mode (which shows the check would see unmasked values).
@Suite struct MaskedEvaluationTests {
    @Test(arguments: [true, false])
    func claimedEvaluationsAreMaskedInZeroKnowledgeMode(zeroKnowledge: Bool) throws {
        for (net, privacy) in [(SyntheticNetworks.cnn(), Privacy.publicIO), (SyntheticNetworks.mlp(), ZeroKnowledgeTests.privateIO)] {
            let (arch, weights) = try NetworkCompiler.compile(net)
            let model = try ProverModel(architecture: arch, weights: weights)
            let input = SyntheticNetworks.input(arch.inputLength)
            let options = zeroKnowledge ? ProofOptions(privacy: privacy) : .plain
            let r = try ZKMLProver.prove(model: model, input: input, options: options)
            let isPrivate = zeroKnowledge && privacy.privateInput
            let claims = try ZKMLVerifier.routedClaims(key: model.verifierKey(), publicInput: isPrivate ? nil : input,
                                                       publicOutput: isPrivate ? nil : r.output, proof: r.proof)
            let padded = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
            let witness = try CircuitWitness(architecture: arch, weights: weights, input: padded)
            let last = arch.layers.count
            var masked = 0, clear = 0
            for (v, point, claimed) in claims.values where isPrivate || (v != 0 && v != last) {
                let truth = MLE.evaluate(witness.values[v].map { Goldilocks(integer: Int($0)) }, at: point)
                if truth == claimed { clear += 1 } else { masked += 1 }
            }
            for (point, claimed) in claims.weights {
                if MLE.evaluate(model.committedWeightVector, at: point) == claimed { clear += 1 } else { masked += 1 }
            }
            if zeroKnowledge {
                #expect(clear == 0 && masked >= 5, "\(clear) claims in the clear, \(masked) masked")
            } else {
                #expect(masked == 0 && clear >= 5, "\(clear) claims in the clear, \(masked) masked")
            }
        }
    }
}
