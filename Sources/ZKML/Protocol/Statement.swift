import ProofCore

/// Protocol constants and the statement every transcript starts from.
public enum ZKMLProtocol {
    /// Proof format and protocol version (absorbed first, written in the header). Version 2: the
    /// header states the zero-knowledge mode and privacy, and may carry an input/output commitment.
    /// Version 3: masked final values. Version 4: one lookup tree (lookups and tables) whose root
    /// numerator must be 0, proven by a sumcheck; no tree value is sent in the clear.
    /// Version 5 (zero-knowledge proofs only): the private input/output vector has a random upper
    /// half and an opening mask, and its Basefold opening runs on data + β·mask (docs/ZK.md §6.2).
    /// Plain proofs keep version 4 (their bytes are unchanged).
    /// Versions 6 (zero-knowledge) and 5 (plain): openings with 46 queries and 8 grinding bits
    /// (were 44 and 12; docs/ZKML.md §4).
    /// Version 7 (zero-knowledge only): the private input/output vector is [D ‖ Q ‖ B] with B its
    /// random upper three quarters and D, Q eighths (v5–v6: quarters and an upper half).
    /// Versions 8 (zero-knowledge) and 6 (plain): the mask pool stores each mask univariate as its
    /// d + 1 coefficients, 2(d + 1) consecutive entries (was two power-of-two evaluation tables), so
    /// the pool column, present in both modes, shrinks (digits_mlp: 2^12 → 2^11 entries, its witness
    /// vector 2^13 → 2^12; docs/ZK.md §3).
    /// Versions 9 (zero-knowledge) and 7 (plain): elementwise (scaleUp, mulConst, addConst), sum-pool
    /// and lookup (function table) layers; architecture encoding version 3 (docs/ZKML.md §1, §3).
    /// Versions 10 (zero-knowledge) and 8 (plain): combine layers (Add, Sub, Concat, graphs: the
    /// `combine.terms` message); architecture encoding version 4.
    /// Version 11 (zero-knowledge only): the weights are opened with a per-proof opening mask in its
    /// own batch (`weights.mask.commitment` before the opening; docs/ZK.md §6.2).
    /// Version 12 (zero-knowledge only): the witness vector is committed with an opening mask and a
    /// claim-free random top region of at least 736 entries (46 queries × 16), so its Basefold
    /// opening is zero-knowledge too; bulk masks and random fill are drawn from a ChaCha20 keystream
    /// (docs/ZK.md §6.2).
    /// Version 13 (zero-knowledge only): the witness vector may have the weight vector's size (ProofCore
    /// opens a masked batch as a size class of its own); it no longer doubles to avoid it (docs/ZK.md §6.2).
    /// Version 14 (zero-knowledge only): the mask pool is U alone; every mask value and pool relation
    /// is one sparse claim on the witness, proven by its zero-knowledge opening (no reduction sumcheck,
    /// no σ = S(κ)); the witness layout shrinks by the pool's former random half (docs/ZK.md §3).
    /// Version 15 (zero-knowledge only): the weights are opened by ProofCore's folded-mask opening: a
    /// masked sumcheck binds their 4 low variables to ρ (no T is sent for them), and G = V(· ‖ ρ) is
    /// opened as G + β·M with a per-proof mask of n − 4 variables (`weights.mask.commitment` and the
    /// `FoldedMaskOpeningProof` after the batched opening, which no longer holds the weights; the pool
    /// has 4 more degree-2 slots; docs/ZK.md §6 item 4).
    /// Version 16 (zero-knowledge only): the weights' folded-mask opening is ProofCore's CPFM v2 — the
    /// mask's tree holds M as (M_0, M_1) pairs, 4 positions per leaf (v15: M_0's then M_1's 16 entries
    /// per leaf), about 5.8 KB less per proof (docs/PROOF_CORE.md "The folded-mask opening").
    /// Version 17 (zero-knowledge only): the folded mask's tree has 8 positions per leaf above 2^14
    /// entries (wide_mlp's 2^17-entry weight mask; ~11 ms less hashing when made inside the proof,
    /// 1.5 KB more), 4 up to 2^14 as in v16 (`PolynomialCommitment.foldedMaskLeafLog`).
    /// Version 18 (zero-knowledge only): salts only where hiding needs them — a masked class's folded
    /// layers and the folded-mask opening's F′ tree and further layers are unsalted (ProofCore CPFM v3;
    /// the simulator computes them from the uniform F, F′; docs/ZK.md §4).
    /// Version 19 (zero-knowledge only): the witness is committed without a same-batch mask and opened
    /// like the weights, through a folded mask of n_W − 4 variables after 4 plain low rounds hidden by
    /// the low-round mask column Z (its sum G* sent before γ; docs/ZK.md §6 item 4).
    /// Versions 20 (zero-knowledge) and 9 (plain): the weight vector's layout (`CircuitPlan.weightLayout(
    /// weightSegments:)`): a blinding segment of at least 16 entries, sized so its budget ⌊s/2⌋ is at
    /// least the random top's (s = 64, 16, 4096 for digits_mlp, digits_cnn, wide_mlp; was 16, 8, 16),
    /// and zero segments completing the small weight segments' last 16-block, so every model's weight
    /// copies can be linked (docs/ZK.md §5.3, §6 item 3). New commitments, hence new model ids.
    /// Version 21 (zero-knowledge only): when the weights and the witness have one size, they are opened
    /// by ONE folded-mask opening (`MergedOpening`, docs/ZK.md §6 item 4 point 3): the weights' hidden
    /// offset moves onto the witness's pool column, a cross block X of the pool's unused tail hides the
    /// batch round (S_X sent before γ), and the weights' mask serves both. Layouts and model ids are
    /// unchanged; models whose vectors differ in size keep v20's two openings.
    /// Version 22 (zero-knowledge only): a folded mask above 2^14 entries (wide_mlp's 2^17-entry weight
    /// mask) has 16 positions per leaf (v17-v21: 8): half the tree to hash when the mask is made inside
    /// the proof, ~4.4 KB more (`PolynomialCommitment.foldedMaskLeafLog`). Its salts, like every
    /// per-proof mask's, are one ChaCha20 keystream (prover-private; no verifier change).
    public static let version: UInt8 = 22
    /// The version of plain (not zero-knowledge) proofs.
    public static let plainVersion: UInt8 = 9

    /// The version a proof of this mode carries.
    static func version(zeroKnowledge: Bool) -> UInt8 { zeroKnowledge ? version : plainVersion }
    /// The proof's magic tag.
    public static let magic: [UInt8] = Array("CZKP".utf8)
    /// Largest proof this build reads (bytes).
    public static let maxProofSize = 64 << 20

    /// A transcript bound to the protocol version, the whole header (model id, mode, privacy, the
    /// input/output commitment) and the public input and output (nil when private).
    static func transcript(header: ProofHeader, input: [Int64]?, output: [Int64]?) -> Transcript {
        var t = Transcript(domain: "ciro.zkml.v\(version(zeroKnowledge: header.zeroKnowledge))")
        t.absorb("header", bytes: header.encoded())
        if let input { t.absorb("input", elements: input.map { Goldilocks(integer: Int($0)) }) }
        if let output { t.absorb("output", elements: output.map { Goldilocks(integer: Int($0)) }) }
        return t
    }
}
