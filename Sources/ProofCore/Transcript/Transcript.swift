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
        payload.withUnsafeBytes { bytes in
            append(tag: tag, label: label, payloadCount: bytes.count) { p in
                if let base = bytes.baseAddress { p.copyMemory(from: base, byteCount: bytes.count) }
            }
        }
    }

    /// Hashes `state ‖ tag ‖ label (u32 length, bytes) ‖ payload length (u64) ‖ payload` into the new
    /// state, the message built in one temporary buffer (on the stack when small) by `writePayload`,
    /// which writes exactly `payloadCount` bytes: no per-value appends, no intermediate arrays.
    @inline(__always)
    mutating func append(tag: Tag, label: String, payloadCount: Int, _ writePayload: (UnsafeMutableRawPointer) -> Void) {
        var label = label
        let state = self.state
        self.state = label.withUTF8 { l in
            let head = Digest.byteCount + 1 + 4 + l.count
            return withUnsafeTemporaryAllocation(byteCount: head + 8 + payloadCount, alignment: 8) { buffer in
                let p = buffer.baseAddress!
                Transcript.writeHead(p, state, tag, l)
                p.storeBytes(of: UInt64(payloadCount).littleEndian, toByteOffset: head, as: UInt64.self)
                writePayload(p + head + 8)
                return Digest.hash(UnsafeRawBufferPointer(buffer))
            }
        }
    }

    /// Writes `state ‖ tag ‖ label length (u32) ‖ label` at `p`.
    @inline(__always)
    static func writeHead(_ p: UnsafeMutableRawPointer, _ state: Digest, _ tag: Tag, _ label: UnsafeBufferPointer<UInt8>) {
        p.storeBytes(of: state.w0.littleEndian, toByteOffset: 0, as: UInt64.self)
        p.storeBytes(of: state.w1.littleEndian, toByteOffset: 8, as: UInt64.self)
        p.storeBytes(of: state.w2.littleEndian, toByteOffset: 16, as: UInt64.self)
        p.storeBytes(of: state.w3.littleEndian, toByteOffset: 24, as: UInt64.self)
        p.storeBytes(of: tag.rawValue, toByteOffset: 32, as: UInt8.self)
        p.storeBytes(of: UInt32(label.count).littleEndian, toByteOffset: 33, as: UInt32.self)
        if let base = label.baseAddress { (p + 37).copyMemory(from: base, byteCount: label.count) }
    }

    // MARK: Absorbing

    /// Absorbs raw bytes under a label.
    public mutating func absorb(_ label: String, bytes: [UInt8]) {
        append(tag: .absorb, label: label, payload: bytes)
    }

    /// Absorbs an unsigned integer (sizes, counts, versions).
    public mutating func absorb(_ label: String, integer: UInt64) {
        append(tag: .absorb, label: label, payloadCount: 8) { $0.storeBytes(of: integer.littleEndian, as: UInt64.self) }
    }

    /// Absorbs one field element (base or extension).
    public mutating func absorb<F: FieldElement>(_ label: String, _ element: F) {
        absorbElements(label, F.self, count: 1, prefixed: false) { body in withUnsafeBytes(of: element) { body($0) } } fallback: { w in
            element.write(to: &w)
        }
    }

    /// Absorbs a vector of field elements (its length is bound too).
    public mutating func absorb<F: FieldElement>(_ label: String, elements: [F]) {
        absorbElements(label, F.self, count: elements.count, prefixed: true) { body in elements.withUnsafeBytes { body($0) } } fallback: { w in
            for e in elements { e.write(to: &w) }
        }
    }

    /// The payload of `count` elements of `F` (after a u32 count when `prefixed`): their encoding is
    /// their little-endian coefficient words, which on a little-endian machine is their memory (a
    /// canonical `Goldilocks` is one UInt64, a `GoldilocksExt2` two), copied as one block; otherwise
    /// (another layout or byte order) written element by element.
    @inline(__always)
    mutating func absorbElements<F: FieldElement>(_ label: String, _ type: F.Type, count: Int, prefixed: Bool,
                                                  memory: ((UnsafeRawBufferPointer) -> Void) -> Void,
                                                  fallback: (inout ByteWriter) -> Void) {
        let prefix = prefixed ? 4 : 0
        let byteCount = count * F.byteCount
        #if _endian(little)
        if (F.self == Goldilocks.self || F.self == GoldilocksExt2.self) && MemoryLayout<F>.stride == F.byteCount {
            append(tag: .absorb, label: label, payloadCount: prefix + byteCount) { p in
                if prefixed { p.storeBytes(of: UInt32(count).littleEndian, as: UInt32.self) }
                memory { raw in if let base = raw.baseAddress { (p + prefix).copyMemory(from: base, byteCount: byteCount) } }
            }
            return
        }
        #endif
        var w = ByteWriter(capacity: prefix + byteCount)
        if prefixed { w.writeCount(count) }
        fallback(&w)
        append(tag: .absorb, label: label, payload: w.bytes)
    }

    /// Absorbs a digest (a commitment root).
    public mutating func absorb(_ label: String, digest: Digest) {
        append(tag: .absorb, label: label, payloadCount: Digest.byteCount) { p in
            p.storeBytes(of: digest.w0.littleEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: digest.w1.littleEndian, toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: digest.w2.littleEndian, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: digest.w3.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
    }

    // MARK: Squeezing

    /// 32 fresh output bytes; the state moves on.
    public mutating func squeezeBytes(_ label: String) -> [UInt8] {
        let (a, b, c, d) = squeezeWords(label)
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBytes { p in
            p.storeBytes(of: a.littleEndian, toByteOffset: 0, as: UInt64.self)
            p.storeBytes(of: b.littleEndian, toByteOffset: 8, as: UInt64.self)
            p.storeBytes(of: c.littleEndian, toByteOffset: 16, as: UInt64.self)
            p.storeBytes(of: d.littleEndian, toByteOffset: 24, as: UInt64.self)
        }
        return out
    }

    /// Squeezes 32 bytes and returns them as four little-endian words: BLAKE2b-512 of
    /// `state ‖ tag ‖ label`, whose first half is the next state (input and output on the stack).
    mutating func squeezeWords(_ label: String) -> (UInt64, UInt64, UInt64, UInt64) {
        var label = label
        let state = self.state
        let (next, words) = label.withUTF8 { l in
            withUnsafeTemporaryAllocation(byteCount: Digest.byteCount + 1 + 4 + l.count, alignment: 8) { input in
                Transcript.writeHead(input.baseAddress!, state, .squeeze, l)
                return withUnsafeTemporaryAllocation(byteCount: 64, alignment: 8) { out in
                    Blake2bHashInto.hash(UnsafeRawBufferPointer(input), into: out)
                    let r = UnsafeRawBufferPointer(out)
                    func word(_ i: Int) -> UInt64 { UInt64(littleEndian: r.loadUnaligned(fromByteOffset: 8 * i, as: UInt64.self)) }
                    return (Digest(bytes: r), (word(4), word(5), word(6), word(7)))
                }
            }
        }
        self.state = next
        return words
    }

    /// A challenge in `F`, exactly uniform: each base coefficient is the next 64-bit output word
    /// that is below p (rejection sampling; a word is rejected with probability 2^-32).
    public mutating func challenge<F: FieldElement>(_ label: String, as type: F.Type = F.self) -> F {
        // The words of each squeeze in order (a, b, c, d); a further squeeze only after all four.
        var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var used = 4
        var draws = 0
        return F(drawing: {
            while true {
                if used == 4 {
                    words = squeezeWords(draws == 0 ? label : "\(label)#\(draws)")
                    draws += 1
                    used = 0
                }
                let word = used == 0 ? words.0 : used == 1 ? words.1 : used == 2 ? words.2 : words.3
                used += 1
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
