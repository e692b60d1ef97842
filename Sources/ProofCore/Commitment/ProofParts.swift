/// One part of a serialized opening proof and its bytes (size analysis: docs/PROOF_CORE.md "Where
/// the bytes go", `ciro bench core --only mask`). The parts of a proof add up to its serialized size.
public struct ProofPart: Sendable, Equatable {
    /// What the bytes are, e.g. "mask leaves", "mask siblings", "rounds".
    public var name: String
    public var bytes: Int

    public init(name: String, bytes: Int) {
        self.name = name
        self.bytes = bytes
    }

    /// Parts with one name merged (first occurrence's order), so a proof of several classes or layers
    /// reads as one line per kind.
    public static func merged(_ parts: [ProofPart]) -> [ProofPart] {
        var out = [ProofPart]()
        var index = [String: Int]()
        for p in parts {
            if let i = index[p.name] { out[i].bytes += p.bytes } else {
                index[p.name] = out.count
                out.append(p)
            }
        }
        return out
    }
}

extension TreeOpening {
    /// This opening's serialized bytes as "`what` leaves" (the opened values), "`what` salts",
    /// "`what` siblings" (the multiproof's digests) and "framing" (its four counts).
    public func byteParts(_ what: String) -> [ProofPart] {
        let values = leaves.reduce(0) { $0 + $1.count } * F.byteCount
        return [ProofPart(name: "\(what) leaves", bytes: values),
                ProofPart(name: "\(what) salts", bytes: salts.reduce(0) { $0 + $1.count }),
                ProofPart(name: "\(what) siblings", bytes: siblings.count * Digest.byteCount),
                ProofPart(name: "framing", bytes: 16)]
    }
}

extension SizeClassProof {
    /// This class's serialized bytes by part (as `OpeningProof.byteParts`, without the proof's header).
    public var byteParts: [ProofPart] {
        var parts = [ProofPart(name: "framing", bytes: 1 + 1 + 4 + 4 + 4 + 8 + 4 + 4)]
        if let pr = pointReduction { parts.append(ProofPart(name: "point reduction", bytes: pr.byteCount)) }
        parts.append(ProofPart(name: "values", bytes: values.count * GoldilocksExt2.byteCount))
        parts.append(ProofPart(name: "rounds", bytes: rounds.byteCount))
        parts.append(ProofPart(name: "layer roots", bytes: layerRoots.count * Digest.byteCount))
        parts.append(ProofPart(name: "final coefficients", bytes: finalCoefficients.count * GoldilocksExt2.byteCount))
        for o in batchOpenings { parts += o.byteParts("batch") }
        for o in layerOpenings { parts += o.byteParts("layer") }
        return ProofPart.merged(parts)
    }
}

extension OpeningProof {
    /// The serialized bytes by part, merged over classes: "rounds" (Basefold's sumcheck rounds),
    /// "point reduction", "values", "layer roots", "final coefficients", per tree kind "batch …" and
    /// "layer …" leaves, salts and siblings, and "framing" (magic, version, counts, flags, nonces).
    /// They add up to `serialized().count`.
    public var byteParts: [ProofPart] {
        ProofPart.merged([ProofPart(name: "framing", bytes: 5 + 4)] + classes.flatMap(\.byteParts))
    }
}
