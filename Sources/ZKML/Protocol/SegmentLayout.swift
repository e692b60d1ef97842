import ProofCore

/// Places power-of-two segments (columns) inside one power-of-two vector so that each segment starts
/// at a multiple of its own size. Then the multilinear extension of segment s at a local point z is
/// the big vector's extension at (offset bits ‖ z), and one commitment covers every column.
struct SegmentLayout: Sendable, Equatable {
    /// log2 of each segment's size, in the caller's order.
    let logSizes: [Int]
    /// Start of each segment in the big vector.
    let offsets: [Int]
    /// log2 of the big vector's size.
    let logTotal: Int

    /// Lays out segments largest first (which keeps every offset aligned); at least `minLog` variables.
    init(logSizes: [Int], minLog: Int = 1) {
        self.logSizes = logSizes
        let order = logSizes.indices.sorted { (logSizes[$0], -$0) > (logSizes[$1], -$1) }
        var offsets = [Int](repeating: 0, count: logSizes.count)
        var cursor = 0
        for s in order {
            offsets[s] = cursor
            cursor += 1 << logSizes[s]
        }
        self.offsets = offsets
        var log = minLog
        while (1 << log) < cursor { log += 1 }
        self.logTotal = log
    }

    var totalSize: Int { 1 << logTotal }

    /// End of the last segment: entries from here to the top are unused.
    var usedEnd: Int { offsets.indices.map { offsets[$0] + (1 << logSizes[$0]) }.max() ?? 0 }

    /// The Boolean prefix that selects segment `s` (top `logTotal - logSizes[s]` index bits).
    func prefixBits(_ s: Int) -> [Bool] {
        let k = logTotal - logSizes[s]
        return (0..<k).map { i in (offsets[s] >> (logTotal - 1 - i)) & 1 == 1 }
    }

    /// The big vector's point for segment `s` at local point `z`.
    func globalPoint(_ s: Int, _ z: [Ext]) -> [Ext] {
        prefixBits(s).map { $0 ? Ext.one : Ext.zero } + z
    }

    /// eq(prefix of `point`, segment s's prefix bits): the extension of s's indicator at `point`.
    func selector(_ s: Int, at point: [Ext]) -> Ext {
        var acc = Ext.one
        for (i, bit) in prefixBits(s).enumerated() {
            acc *= bit ? point[i] : Ext.one - point[i]
        }
        return acc
    }

    /// The local point of segment s inside a global point (its last `logSizes[s]` coordinates).
    func localPoint(_ s: Int, _ point: [Ext]) -> [Ext] {
        Array(point[(logTotal - logSizes[s])...])
    }

    /// Copies the segments' contents into one vector (unused space is `fill`).
    func assemble<T>(_ columns: [[T]], fill: T) -> [T] {
        var out = [T](repeating: fill, count: totalSize)
        for (s, col) in columns.enumerated() {
            precondition(col.count == 1 << logSizes[s], "segment \(s) has the wrong length")
            out.replaceSubrange(offsets[s]..<(offsets[s] + col.count), with: col)
        }
        return out
    }
}

/// Helpers on points and small integer vectors.
enum PointMath {
    /// The point for a Boolean index (MSB first), `bits` coordinates.
    static func bits(_ index: Int, count: Int) -> [Ext] {
        (0..<count).map { i in (index >> (count - 1 - i)) & 1 == 1 ? Ext.one : Ext.zero }
    }

    /// Multilinear extension of the sequence j ↦ j over `point.count` variables: Σ 2^(n-1-i)·point[i].
    static func indexValue(_ point: [Ext]) -> Ext {
        var acc = Ext.zero
        for z in point { acc = acc.doubled() + z }
        return acc
    }

    /// Evaluates the extension of an integer vector at `point`.
    static func evaluate(_ values: [Int64], at point: [Ext]) -> Ext {
        let table = values.map { Goldilocks(integer: Int($0)) }
        return MLE.evaluate(table, at: point)
    }

    /// Lifts an integer vector to the extension field.
    static func lift(_ values: [Int64]) -> [Ext] {
        values.map { Ext(Goldilocks(integer: Int($0))) }
    }

    static func field(_ v: Int64) -> Ext { Ext(Goldilocks(integer: Int(v))) }
}
