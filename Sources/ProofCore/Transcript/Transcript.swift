/// A Fiat-Shamir transcript over BLAKE2b-256.
///
/// The state is a 32-byte chaining value. Absorbing hashes `state ‖ tag ‖ label ‖ length ‖ payload`
/// into the new state, so every message is bound with its label and length (no ambiguity between
/// messages). Squeezing hashes `state ‖ tag ‖ label` to 64 bytes with BLAKE2b-512: the first half is the
/// next state, the second half the output, so outputs never reveal a future state.
///
/// The transcript is a small value type: copy it to fork (e.g. to run a verifier on a clone).
/// Prover and verifier must absorb the same public inputs in the same order before the first challenge.
public struct Transcript: Sendable {
    @usableFromInline var state: Digest

    enum Tag: UInt8 {
        case domain = 0x01
        case absorb = 0x02
        case squeeze = 0x03
        case work = 0x04
    }

    /// Starts a transcript for the protocol named by `domain` (e.g. "ciro.zkml.v1").
    public init(domain: String) {
        state = .zero
        append(tag: .domain, label: "ciro.transcript.v1", payload: Array(domain.utf8))
    }

    /// The current state digest (for tests and for binding a transcript position into a proof).
    public var stateDigest: Digest { state }

    mutating func append(tag: Tag, label: String, payload: [UInt8]) {
        var buffer = ByteWriter(capacity: 32 + 1 + 4 + label.utf8.count + 8 + payload.count)
        state.write(to: &buffer)
        buffer.writeUInt8(tag.rawValue)
        buffer.writeLengthPrefixed(Array(label.utf8))
        buffer.writeUInt64(UInt64(payload.count))
        buffer.writeBytes(payload)
        state = buffer.bytes.withUnsafeBytes { Digest.hash($0) }
    }

    // MARK: Absorbing

    /// Absorbs raw bytes under a label.
    public mutating func absorb(_ label: String, bytes: [UInt8]) {
        append(tag: .absorb, label: label, payload: bytes)
    }

    /// Absorbs an unsigned integer (sizes, counts, versions).
    public mutating func absorb(_ label: String, integer: UInt64) {
        var w = ByteWriter(capacity: 8)
        w.writeUInt64(integer)
        append(tag: .absorb, label: label, payload: w.bytes)
    }

    /// Absorbs one field element (base or extension).
    public mutating func absorb<F: FieldElement>(_ label: String, _ element: F) {
        var w = ByteWriter(capacity: F.byteCount)
        element.write(to: &w)
        append(tag: .absorb, label: label, payload: w.bytes)
    }

    /// Absorbs a vector of field elements (its length is bound too).
    public mutating func absorb<F: FieldElement>(_ label: String, elements: [F]) {
        var w = ByteWriter(capacity: 4 + elements.count * F.byteCount)
        w.write(elements: elements)
        append(tag: .absorb, label: label, payload: w.bytes)
    }

    /// Absorbs a digest (a commitment root).
    public mutating func absorb(_ label: String, digest: Digest) {
        append(tag: .absorb, label: label, payload: digest.bytes)
    }

    // MARK: Squeezing

    /// 32 fresh output bytes; the state moves on.
    public mutating func squeezeBytes(_ label: String) -> [UInt8] {
        var buffer = ByteWriter(capacity: 32 + 1 + 4 + label.utf8.count)
        state.write(to: &buffer)
        buffer.writeUInt8(Tag.squeeze.rawValue)
        buffer.writeLengthPrefixed(Array(label.utf8))
        var out = [UInt8](repeating: 0, count: 64)
        buffer.bytes.withUnsafeBytes { input in
            out.withUnsafeMutableBytes { Blake2bHashInto.hash(input, into: $0) }
        }
        state = out.withUnsafeBytes { Digest(bytes: $0) }
        return Array(out[32..<64])
    }

    /// Squeezes 32 bytes and returns them as four little-endian words.
    mutating func squeezeWords(_ label: String) -> (UInt64, UInt64, UInt64, UInt64) {
        let b = squeezeBytes(label)
        return b.withUnsafeBytes { raw in
            (raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self).littleEndian,
             raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self).littleEndian,
             raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self).littleEndian,
             raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self).littleEndian)
        }
    }

    /// A challenge in `F`, exactly uniform: each base coefficient is the next 64-bit output word
    /// that is below p (rejection sampling; a word is rejected with probability 2^-32).
    public mutating func challenge<F: FieldElement>(_ label: String, as type: F.Type = F.self) -> F {
        var pending: [UInt64] = []
        var draws = 0
        return F(drawing: {
            while true {
                if pending.isEmpty {
                    let (a, b, c, d) = squeezeWords(draws == 0 ? label : "\(label)#\(draws)")
                    draws += 1
                    pending = [d, c, b, a]
                }
                let word = pending.removeLast()
                if let x = Goldilocks(exactly: word) { return x }
            }
        })
    }

    /// `count` challenges in `F` drawn one after another.
    public mutating func challenges<F: FieldElement>(_ label: String, count: Int, as type: F.Type = F.self) -> [F] {
        (0..<count).map { _ in challenge(label, as: F.self) }
    }

    /// `count` uniform indices in `0 ..< (1 << logBound)` (query positions), exactly uniform: each is
    /// the low bits of a fresh 64-bit word.
    public mutating func challengeIndices(_ label: String, count: Int, logBound: Int) -> [Int] {
        precondition(logBound >= 0 && logBound <= 62)
        let mask = (UInt64(1) << UInt64(logBound)) &- 1
        var out = [Int]()
        out.reserveCapacity(count)
        while out.count < count {
            let (a, b, c, d) = squeezeWords(label)
            for w in [a, b, c, d] where out.count < count { out.append(Int(w & mask)) }
        }
        return out
    }

    // MARK: Grinding

    /// Finds a nonce whose hash with the current state has `bits` leading zero bits, absorbs it and
    /// returns it. Each bit of grinding costs the prover 2x work and buys one bit of security.
    public mutating func grind(bits: Int) -> UInt64 {
        // The smallest valid nonce, searched in batches on every core (the same nonce as a sequential search).
        let batch = 1 << 14
        var start: UInt64 = 0
        let current = self
        var nonce: UInt64 = 0
        while true {
            let base = start
            let found = Parallel.mapChunks(count: batch, minimumChunk: 1 << 11) { range -> UInt64? in
                for i in range where current.workIsValid(bits: bits, nonce: base &+ UInt64(i)) { return base &+ UInt64(i) }
                return nil
            }
            if let first = found.compactMap({ $0 }).min() {
                nonce = first
                break
            }
            start &+= UInt64(batch)
        }
        absorb("pow.nonce", integer: nonce)
        return nonce
    }

    /// Checks a grinding nonce and absorbs it; throws if it misses the target.
    public mutating func verifyGrinding(bits: Int, nonce: UInt64) throws(ProofError) {
        guard workIsValid(bits: bits, nonce: nonce) else { throw .insufficientProofOfWork }
        absorb("pow.nonce", integer: nonce)
    }

    func workIsValid(bits: Int, nonce: UInt64) -> Bool {
        if bits <= 0 { return true }
        // state (32 bytes) ‖ tag ‖ nonce (8 bytes, little-endian), hashed without allocating.
        var input: (Digest, UInt64, UInt64) = (state.littleEndianStorage(), UInt64(Tag.work.rawValue).littleEndian, nonce.littleEndian)
        var out = Digest.zero
        withUnsafeBytes(of: &input) { raw in
            withUnsafeMutableBytes(of: &out) { o in
                Blake2bHashInto.hash(UnsafeRawBufferPointer(rebasing: raw[0..<48]), into: o)
            }
        }
        return UInt64(littleEndian: out.w0).trailingZeroBitCount >= bits
    }
}

import Sodium

/// BLAKE2b of arbitrary output length into a buffer (the transcript squeezes 64 bytes at once).
enum Blake2bHashInto {
    static func hash(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        Blake2b.hash(input, into: output)
    }
}

