/// A claim that polynomial `polynomial` of batch `batch` (an index into the commitments passed to
/// open/verify) takes `value` at `point` (first variable first, MLE convention).
public struct EvaluationClaim: Sendable, Equatable {
    public var batch: Int
    public var polynomial: Int
    public var point: [GoldilocksExt2]
    public var value: GoldilocksExt2

    public init(batch: Int, polynomial: Int, point: [GoldilocksExt2], value: GoldilocksExt2) {
        self.batch = batch
        self.polynomial = polynomial
        self.point = point
        self.value = value
    }
}

/// One opened Merkle leaf: its values, salt (empty unless hiding) and authentication path.
public struct LeafOpening<F: FieldElement>: Sendable, Equatable {
    public var values: [F]
    public var salt: [UInt8]
    public var path: [Digest]

    func write(to w: inout ByteWriter) {
        w.write(elements: values)
        w.writeLengthPrefixed(salt)
        w.writeCount(path.count)
        for d in path { w.write(d) }
    }

    init(values: [F], salt: [UInt8], path: [Digest]) {
        self.values = values
        self.salt = salt
        self.path = path
    }

    init(from r: inout ByteReader) throws(ProofError) {
        values = try r.readElements(F.self, what: "leaf values", limit: 1 << 16)
        salt = try r.readLengthPrefixed(what: "leaf salt", limit: MerkleTree.saltByteCount)
        let depth = try r.readCount(what: "Merkle path", limit: 48)
        var p = [Digest]()
        for _ in 0..<depth { p.append(try r.readDigest(what: "Merkle path node")) }
        path = p
    }

    /// The digest of the leaf as committed.
    func leafDigest() -> Digest {
        var w = ByteWriter(capacity: values.count * F.byteCount)
        for v in values { v.write(to: &w) }
        return MerkleTree.leafDigest(salt: salt, bytes: w.bytes)
    }
}

/// The openings for one query position: the committed batches' leaves, then each folded layer's.
public struct QueryOpening: Sendable, Equatable {
    public var batchLeaves: [LeafOpening<Goldilocks>]
    public var layerLeaves: [LeafOpening<GoldilocksExt2>]
}

/// The opening proof for all claims on polynomials with one number of variables.
public struct SizeClassProof: Sendable, Equatable {
    public var numVariables: Int
    /// Reduction of many points to one (absent when every claim shares one point and polynomial
    /// claims are one each).
    public var pointReduction: SumcheckProof<GoldilocksExt2>?
    /// Each polynomial's value at the common point (polynomials of the class's batches, in order).
    public var values: [GoldilocksExt2]
    /// Basefold sumcheck rounds (3 evaluations each).
    public var rounds: SumcheckProof<GoldilocksExt2>
    /// Roots of the folded layers 1 … G-1.
    public var layerRoots: [Digest]
    /// Merkle caps (the nodes at depth min(capLog, tree depth)) of each batch tree, then of each
    /// layer tree; every opened path stops below its cap.
    public var batchCaps: [[Digest]]
    public var layerCaps: [[Digest]]
    /// Coefficients of the last folded polynomial.
    public var finalCoefficients: [GoldilocksExt2]
    /// Grinding nonce.
    public var powNonce: UInt64
    /// One opening per distinct query position, in increasing order.
    public var queries: [QueryOpening]
}

/// A batched opening proof of many polynomials at many points.
public struct OpeningProof: Sendable, Equatable {
    public var classes: [SizeClassProof]

    static let magic: [UInt8] = Array("CPCS".utf8)
    /// Version 2: Merkle caps, paths stop below them.
    static let version: UInt8 = 2
    /// log2 of the cap size: 44 queries share the top five levels of every tree, so sending those
    /// 2^5 nodes once is smaller than repeating them in every path.
    public static let capLog = 5

    /// Versioned binary encoding.
    public func serialized() -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(OpeningProof.magic)
        w.writeUInt8(OpeningProof.version)
        w.writeCount(classes.count)
        for c in classes {
            w.writeUInt8(UInt8(c.numVariables))
            if let pr = c.pointReduction {
                w.writeUInt8(1)
                pr.write(to: &w)
            } else {
                w.writeUInt8(0)
            }
            w.write(elements: c.values)
            c.rounds.write(to: &w)
            w.writeCount(c.layerRoots.count)
            for d in c.layerRoots { w.write(d) }
            for caps in [c.batchCaps, c.layerCaps] {
                w.writeCount(caps.count)
                for cap in caps {
                    w.writeCount(cap.count)
                    for d in cap { w.write(d) }
                }
            }
            w.write(elements: c.finalCoefficients)
            w.writeUInt64(c.powNonce)
            w.writeCount(c.queries.count)
            for q in c.queries {
                w.writeCount(q.batchLeaves.count)
                for l in q.batchLeaves { l.write(to: &w) }
                w.writeCount(q.layerLeaves.count)
                for l in q.layerLeaves { l.write(to: &w) }
            }
        }
        return w.bytes
    }

    /// Parses `serialized()` output with bounds on every count; never traps on malformed bytes.
    public init(serialized bytes: [UInt8]) throws(ProofError) {
        var r = ByteReader(bytes)
        try r.readHeader(magic: OpeningProof.magic, version: OpeningProof.version, what: "opening proof")
        let count = try r.readCount(what: "size classes", limit: 64)
        var classes = [SizeClassProof]()
        for _ in 0..<count {
            let n = Int(try r.readUInt8(what: "class variables"))
            let flag = try r.readUInt8(what: "point reduction flag")
            var reduction: SumcheckProof<GoldilocksExt2>?
            switch flag {
            case 0: reduction = nil
            case 1: reduction = try SumcheckProof(from: &r)
            default: throw .invalidValue(what: "point reduction flag", value: UInt64(flag))
            }
            let values = try r.readElements(GoldilocksExt2.self, what: "class values", limit: 1 << 20)
            let rounds = try SumcheckProof<GoldilocksExt2>(from: &r)
            let rootCount = try r.readCount(what: "layer roots", limit: 64)
            var roots = [Digest]()
            for _ in 0..<rootCount { roots.append(try r.readDigest(what: "layer root")) }
            var capLists = [[[Digest]]]()
            for what in ["batch caps", "layer caps"] {
                let capCount = try r.readCount(what: what, limit: 1 << 10)
                var caps = [[Digest]]()
                for _ in 0..<capCount {
                    let size = try r.readCount(what: "Merkle cap", limit: 1 << OpeningProof.capLog)
                    var cap = [Digest]()
                    for _ in 0..<size { cap.append(try r.readDigest(what: "Merkle cap node")) }
                    caps.append(cap)
                }
                capLists.append(caps)
            }
            let finals = try r.readElements(GoldilocksExt2.self, what: "final coefficients", limit: 1 << 16)
            let nonce = try r.readUInt64(what: "pow nonce")
            let queryCount = try r.readCount(what: "queries", limit: 1024)
            var queries = [QueryOpening]()
            for _ in 0..<queryCount {
                let bc = try r.readCount(what: "batch leaves", limit: 1 << 10)
                var bl = [LeafOpening<Goldilocks>]()
                for _ in 0..<bc { bl.append(try LeafOpening(from: &r)) }
                let lc = try r.readCount(what: "layer leaves", limit: 64)
                var ll = [LeafOpening<GoldilocksExt2>]()
                for _ in 0..<lc { ll.append(try LeafOpening(from: &r)) }
                queries.append(QueryOpening(batchLeaves: bl, layerLeaves: ll))
            }
            classes.append(SizeClassProof(numVariables: n, pointReduction: reduction, values: values, rounds: rounds,
                                          layerRoots: roots, batchCaps: capLists[0], layerCaps: capLists[1], finalCoefficients: finals, powNonce: nonce, queries: queries))
        }
        try r.expectEnd()
        self.classes = classes
    }

    init(classes: [SizeClassProof]) { self.classes = classes }
}
