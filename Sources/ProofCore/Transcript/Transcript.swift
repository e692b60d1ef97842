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

    /// Grinding of at most this many bits runs on one thread (`grind(bits:)`).
    public static let sequentialGrindingBits = 10

    /// Finds a nonce whose hash with the current state has `bits` leading zero bits, absorbs it and
    /// returns it. Each bit of grinding costs the prover 2x work and buys one bit of security.
    /// The nonce is the smallest valid one (as a sequential search finds): with several cores the
    /// search runs in rounds of one block per worker, each block stopping at its first valid nonce,
    /// so it does about 2^bits hashes in all (not a whole large batch per core). Up to
    /// `sequentialGrindingBits` bits the search runs on the calling thread: 2^10 hashes (~0.1 ms) cost
    /// less than waking a second thread, which also hashes a block the first one may not need.
    public mutating func grind(bits: Int) -> UInt64 {
        let current = self
        let workers = Parallel.workerCount
        var nonce: UInt64 = 0
        if bits <= 0 {
            nonce = 0
        } else if workers == 1 || bits <= Transcript.sequentialGrindingBits {
            while !current.workIsValid(bits: bits, nonce: nonce) { nonce &+= 1 }
        } else {
            // About half the expected work per round, split over the workers.
            let block = UInt64(max(256, (1 << min(bits, 30)) / (2 * workers)))
            var start: UInt64 = 0
            while true {
                let base = start
                let found = Parallel.mapChunks(count: workers, minimumChunk: 1) { range -> UInt64? in
                    for c in range {
                        let first = base &+ UInt64(c) &* block
                        for n in first..<(first &+ block) where current.workIsValid(bits: bits, nonce: n) { return n }
                    }
                    return nil
                }
                if let first = found.compactMap({ $0 }).min() {
                    nonce = first
                    break
                }
                start &+= UInt64(workers) &* block
            }
        }
        absorb("pow.nonce", integer: nonce)
        return nonce
    }

    /// Checks a grinding nonce and absorbs it; throws if it misses the target.
    public mutating func verifyGrinding(bits: Int, nonce: UInt64) throws(ProofError) {
        guard workIsValid(bits: bits, nonce: nonce) else { throw .insufficientProofOfWork }
        absorb("pow.nonce", integer: nonce)
    }

    /// BLAKE2b-256(state ‖ tag ‖ nonce) has `bits` trailing zero bits in its first little-endian word.
    /// The 48-byte input is one BLAKE2b block, hashed by ProofCore's Swift compression (the same digest
    /// as libsodium's `crypto_generichash`, about half the cost per nonce; the tests check the nonces
    /// against libsodium).
    func workIsValid(bits: Int, nonce: UInt64) -> Bool {
        if bits <= 0 { return true }
        return MerkleHash.workWord(state, tag: UInt64(Tag.work.rawValue), nonce: nonce).trailingZeroBitCount >= bits
    }
}

import Sodium

/// BLAKE2b of arbitrary output length into a buffer (the transcript squeezes 64 bytes at once).
enum Blake2bHashInto {
    static func hash(_ input: UnsafeRawBufferPointer, into output: UnsafeMutableRawBufferPointer) {
        Blake2b.hash(input, into: output)
    }
}


extension MerkleHash {
    /// First little-endian word of BLAKE2b-256 (no key, no salt, no personalization) of the 48 bytes
    /// `state ‖ tag ‖ nonce` (each word little-endian): the proof-of-work hash.
    @inline(__always)
    static func workWord(_ state: Digest, tag: UInt64, nonce: UInt64) -> UInt64 {
        var h = State(h0: iv0 ^ parameterWord0, h1: iv1, h2: iv2, h3: iv3, h4: iv4, h5: iv5, h6: iv6, h7: iv7)
        compress(&h, state.w0, state.w1, state.w2, state.w3, tag, nonce, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, counter: 48, last: true)
        return h.h0
    }
}
