import ProofCore

/// Canonical bytes of a circuit architecture: hashed into the model id and stored with a registered
/// model. Decoding is length-checked and validates the result.
extension CircuitArchitecture {
    static let magic: [UInt8] = Array("CZKA".utf8)
    /// Version 3: elementwise, sum-pool and lookup layers, function tables. Version 4: combine layers.
    static let formatVersion: UInt8 = 4

    /// The canonical encoding.
    public func encoded() -> [UInt8] {
        var w = ByteWriter()
        w.writeBytes(Self.magic)
        w.writeUInt8(Self.formatVersion)
        w.writeUInt64(UInt64(inputSize))
        w.writeUInt64(UInt64(inputLength))
        w.writeUInt64(UInt64(outputLength))
        w.writeCount(tables.count)
        for t in tables {
            switch t {
            case .range(let bits):
                w.writeUInt8(0); w.writeUInt32(UInt32(bits))
            case let .sign(start, bits):
                w.writeUInt8(2); w.writeUInt64(UInt64(bitPattern: start)); w.writeUInt32(UInt32(bits))
            case let .function(start, values):
                w.writeUInt8(3); w.writeUInt64(UInt64(bitPattern: start)); w.writeCount(values.count)
                for v in values { w.writeUInt64(UInt64(bitPattern: v)) }
            }
        }
        w.writeCount(layers.count)
        for layer in layers {
            switch layer {
            case .linear(let s):
                w.writeUInt8(0); w.writeUInt32(UInt32(s.logRows)); w.writeUInt32(UInt32(s.logInner)); w.writeUInt32(UInt32(s.logCols))
            case .requantize(let r):
                w.writeUInt8(1); w.writeUInt64(UInt64(r.size)); w.writeUInt32(UInt32(r.shift))
                w.writeUInt64(UInt64(bitPattern: r.lo)); w.writeUInt64(UInt64(bitPattern: r.hi)); w.writeUInt32(UInt32(r.signTable))
            case .gather(let g):
                w.writeUInt8(2); Self.writeMap(g.map, &w)
            case .maxPool(let m):
                w.writeUInt8(3); w.writeUInt32(UInt32(m.spreadBits)); w.writeCount(m.maps.count)
                for map in m.maps { Self.writeMap(map, &w) }
            case .elementwise(let e):
                w.writeUInt8(4); w.writeUInt64(UInt64(e.size)); w.writeUInt64(UInt64(bitPattern: e.scale))
                w.writeUInt8(e.multiplier ? 1 : 0); w.writeUInt8(e.addend ? 1 : 0)
            case .sumPool(let p):
                w.writeUInt8(5); w.writeCount(p.maps.count)
                for map in p.maps { Self.writeMap(map, &w) }
            case .lookup(let f):
                w.writeUInt8(6); w.writeUInt64(UInt64(f.size)); w.writeUInt32(UInt32(f.table))
            case .combine(let c):
                w.writeUInt8(7); w.writeCount(c.maps.count)
                for k in c.maps.indices {
                    w.writeUInt32(UInt32(c.sources[k])); w.writeUInt64(UInt64(bitPattern: c.coefficients[k])); Self.writeMap(c.maps[k], &w)
                }
            }
        }
        return w.bytes
    }

    static func writeMap(_ map: [Int32], _ w: inout ByteWriter) {
        w.writeCount(map.count)
        for v in map { w.writeUInt32(UInt32(bitPattern: v)) }
    }

    static func readMap(_ r: inout ByteReader) throws(ProofError) -> [Int32] {
        let n = try r.readCount(what: "index map", limit: 1 << 24)
        guard n * 4 <= r.remaining else { throw .truncated(what: "index map", offset: r.offset, needed: n * 4) }
        var out = [Int32]()
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(Int32(bitPattern: try r.readUInt32(what: "index map entry"))) }
        return out
    }

    /// Decodes and validates an architecture.
    public init(encoded bytes: [UInt8]) throws(ZKMLError) {
        var r = ByteReader(bytes)
        do throws(ProofError) {
            try r.readHeader(magic: Self.magic, version: Self.formatVersion, what: "architecture")
            func int(_ what: String) throws(ProofError) -> Int {
                let v = try r.readUInt64(what: what)
                guard v < 1 << 40 else { throw .invalidValue(what: what, value: v) }
                return Int(v)
            }
            func signed(_ what: String) throws(ProofError) -> Int64 { Int64(bitPattern: try r.readUInt64(what: what)) }
            func small(_ what: String) throws(ProofError) -> Int {
                let v = try r.readUInt32(what: what)
                guard v < 1 << 24 else { throw .invalidValue(what: what, value: UInt64(v)) }
                return Int(v)
            }
            let inputSize = try int("input size"), inputLength = try int("input length"), outputLength = try int("output length")
            var tables: [LookupTable] = []
            for _ in 0..<(try r.readCount(what: "tables", limit: 1024)) {
                switch try r.readUInt8(what: "table kind") {
                case 0: tables.append(.range(bits: try small("bits")))
                case 2:
                    let start = try signed("start"), b = try small("bits")
                    tables.append(.sign(start: start, bits: b))
                case 3:
                    let start = try signed("start")
                    let n = try r.readCount(what: "function table", limit: 1 << 22)
                    guard n * 8 <= r.remaining else { throw .truncated(what: "function table", offset: r.offset, needed: n * 8) }
                    var values: [Int64] = []
                    values.reserveCapacity(n)
                    for _ in 0..<n { values.append(try signed("table value")) }
                    tables.append(.function(start: start, values: values))
                case let k: throw ProofError.invalidValue(what: "table kind", value: UInt64(k))
                }
            }
            var layers: [CircuitLayer] = []
            for _ in 0..<(try r.readCount(what: "layers", limit: 4096)) {
                switch try r.readUInt8(what: "layer kind") {
                case 0:
                    layers.append(.linear(LinearLayer(logRows: try small("logRows"), logInner: try small("logInner"), logCols: try small("logCols"))))
                case 1:
                    let size = try int("size"), shift = try small("shift"), lo = try signed("lo"), hi = try signed("hi")
                    let st = try small("sign table")
                    layers.append(.requantize(RequantizeLayer(size: size, shift: shift, lo: lo, hi: hi, signTable: st)))
                case 2:
                    layers.append(.gather(GatherLayer(map: try Self.readMap(&r))))
                case 3:
                    let spreadBits = try small("spread bits")
                    var maps: [[Int32]] = []
                    for _ in 0..<(try r.readCount(what: "window", limit: 64)) { maps.append(try Self.readMap(&r)) }
                    layers.append(.maxPool(MaxPoolLayer(maps: maps, spreadBits: spreadBits)))
                case 4:
                    let size = try int("size"), scale = try signed("scale")
                    func flag(_ what: String) throws(ProofError) -> Bool {
                        let v = try r.readUInt8(what: what)
                        guard v <= 1 else { throw .invalidValue(what: what, value: UInt64(v)) }
                        return v == 1
                    }
                    let multiplier = try flag("multiplier"), addend = try flag("addend")
                    layers.append(.elementwise(ElementwiseLayer(size: size, scale: scale, multiplier: multiplier, addend: addend)))
                case 5:
                    var maps: [[Int32]] = []
                    for _ in 0..<(try r.readCount(what: "window", limit: 1 << 12)) { maps.append(try Self.readMap(&r)) }
                    layers.append(.sumPool(SumPoolLayer(maps: maps)))
                case 6:
                    let size = try int("size"), table = try small("table")
                    layers.append(.lookup(LookupLayer(size: size, table: table)))
                case 7:
                    var (sources, coefficients, maps): ([Int], [Int64], [[Int32]]) = ([], [], [])
                    for _ in 0..<(try r.readCount(what: "terms", limit: 1 << 12)) {
                        sources.append(try small("source"))
                        coefficients.append(try signed("coefficient"))
                        maps.append(try Self.readMap(&r))
                    }
                    layers.append(.combine(CombineLayer(sources: sources, coefficients: coefficients, maps: maps)))
                case let k: throw ProofError.invalidValue(what: "layer kind", value: UInt64(k))
                }
            }
            try r.expectEnd()
            self.init(inputSize: inputSize, inputLength: inputLength, outputLength: outputLength, layers: layers, tables: tables)
        } catch {
            throw .proof(error, at: "architecture")
        }
        _ = try CircuitPlan(self)
    }
}
