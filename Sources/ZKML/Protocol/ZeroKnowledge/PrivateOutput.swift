import ProofCore
import Sodium

/// What the worker hands the requester of a private-output (or private-input) job: the output and
/// the opening seed of the proof's input/output commitment, sealed to the requester's X25519 key
/// (libsodium sealed box: only the requester can open it; verifiers see only the commitment).
public struct PrivateOutputOpening: Sendable, Equatable {
    public let output: [Int64]
    /// Opens the header's input/output commitment (with the output and, for a private input, the input).
    public let seed: [UInt8]

    public init(output: [Int64], seed: [UInt8]) {
        self.output = output
        self.seed = seed
    }

    static let magic: [UInt8] = Array("CZKO".utf8)

    /// "CZKO" | version 1 | u32 count + outputs (i64 LE) | seed (32 bytes).
    public func encoded() -> [UInt8] {
        var w = ByteWriter(capacity: 48 + output.count * 8)
        w.writeBytes(PrivateOutputOpening.magic)
        w.writeUInt8(1)
        w.writeCount(output.count)
        for v in output { w.writeUInt64(UInt64(bitPattern: v)) }
        w.writeBytes(seed)
        return w.bytes
    }

    public init(encoded bytes: [UInt8]) throws(ZKMLError) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: PrivateOutputOpening.magic, version: 1, what: "private output")
            let n = try r.readCount(what: "private output values", limit: 1 << 24)
            var out: [Int64] = []
            out.reserveCapacity(n)
            for _ in 0..<n { out.append(Int64(bitPattern: try r.readUInt64(what: "output value"))) }
            seed = try r.readBytes(ProofRandomness.seedByteCount, what: "opening seed")
            try r.expectEnd()
            output = out
        } catch {
            throw .proof(error, at: "private output")
        }
    }

    /// Seals to the requester (libsodium `crypto_box_seal`).
    public func seal(to requester: X25519PublicKey) throws(ZKMLError) -> [UInt8] {
        do { return try SealedBox.seal(encoded(), to: requester) } catch { throw .storage("sealing the output: \(error)") }
    }

    /// Opens a sealed output with the requester's key pair (fails on any tampering).
    public static func open(_ sealed: [UInt8], with requester: X25519KeyPair) throws(ZKMLError) -> PrivateOutputOpening {
        let plain: [UInt8]
        do { plain = try SealedBox.open(sealed, with: requester) } catch { throw .rejected("sealed output does not open: \(error)") }
        return try PrivateOutputOpening(encoded: plain)
    }

    /// The requester's check: the output (and, for a private input, `input`) with the seed reproduce
    /// the commitment in the proof's header. Run it after `ZKMLVerifier.verify`, which shows that the
    /// committed output is the model's output on the committed input.
    public func check(key: VerifierKey, proof: [UInt8], input: [Int64]?) throws(ZKMLError) {
        let arch = key.architecture
        let (header, _) = try ProofHeader.parse(proof)
        guard header.modelID == key.modelID else { throw .wrongStatement("the proof is for another model id") }
        guard header.privacy.anyPrivate else { throw .wrongStatement("the proof has no input/output commitment") }
        guard output.count == arch.outputLength else { throw .badInput("the model gives \(arch.outputLength) outputs, got \(output.count)") }
        var paddedIn = [Int64](repeating: 0, count: arch.inputSize)
        if header.privacy.privateInput {
            guard let input, input.count == arch.inputLength else { throw .badInput("checking a private input needs the \(arch.inputLength) input values") }
            paddedIn = input + [Int64](repeating: 0, count: arch.inputSize - input.count)
        }
        let paddedOut = output + [Int64](repeating: 0, count: arch.outputSize - output.count)
        let batch = IOCommitment.commit(key.zkPlan, header.privacy, paddedInput: paddedIn, paddedOutput: paddedOut, seed: seed)
        guard batch.commitment.serialized() == header.ioCommitment else {
            throw .rejected("the output (or input) does not open the proof's commitment")
        }
    }
}
