/// The arithmetic circuit that a quantized model compiles to: a chain of layers over integer vectors
/// whose lengths are powers of two (every tensor is padded so that its multilinear extension exists).
///
/// Value 0 is the model input; layer `l` (0-based) reads value `l` and writes value `l + 1`; the last
/// value is the model output. Each value is a flat vector; a matrix value `[rows][cols]` is stored
/// row-major, so its multilinear extension takes the row bits first (ProofCore's index convention).
///
/// The architecture is public (it is hashed into the model id); the weights are the prover's and are
/// only known to the verifier through their commitment.
public struct CircuitArchitecture: Sendable, Equatable {
    /// Padded length of the input vector (a power of two).
    public var inputSize: Int
    /// Number of meaningful input entries (the rest are zero).
    public var inputLength: Int
    /// Number of meaningful output entries (the first ones of the last value).
    public var outputLength: Int
    /// The layers, input to output.
    public var layers: [CircuitLayer]
    /// The lookup tables that the non-linear layers use, indexed by the layers' table fields.
    public var tables: [LookupTable]

    public init(inputSize: Int, inputLength: Int, outputLength: Int, layers: [CircuitLayer], tables: [LookupTable]) {
        self.inputSize = inputSize
        self.inputLength = inputLength
        self.outputLength = outputLength
        self.layers = layers
        self.tables = tables
    }

    /// Length of value `index` (0 = input).
    public func valueSize(_ index: Int) -> Int {
        index == 0 ? inputSize : layers[index - 1].outputSize
    }

    /// Padded length of the output vector.
    public var outputSize: Int { valueSize(layers.count) }

    /// The index of the `.range(bits:)` table (every limb width a layer uses must have one).
    public func rangeTable(bits: Int) throws(ZKMLError) -> Int {
        guard let i = tables.firstIndex(of: .range(bits: bits)) else {
            throw .invalidArchitecture("no range table of \(bits) bits")
        }
        return i
    }

    /// The linear layers' indices, in order (their weight tensors are committed in this order).
    public var linearLayerIndices: [Int] {
        layers.indices.filter { if case .linear = layers[$0] { true } else { false } }
    }
}

/// One layer of a `CircuitArchitecture`.
public enum CircuitLayer: Sendable, Equatable {
    /// `acc[o][p] = b[o] + Σ_j W[o][j] · x[j][p]` (a dense layer when `logCols == 0`, an unfolded
    /// convolution otherwise). The output is an intermediate (uncommitted) value.
    case linear(LinearLayer)
    /// `y = clamp(floor((acc + 2^(shift-1)) / 2^shift), lo, hi)`, elementwise (rounding rescale, then
    /// clamp; ReLU is the clamp with lo = 0). `y` and the helper columns are committed.
    case requantize(RequantizeLayer)
    /// `y[t] = x[map[t]]`, or 0 where `map[t] < 0` (reshapes, padding, im2col unfolding).
    case gather(GatherLayer)
    /// `y[t] = max_i x[maps[i][t]]` (max pooling windows); `y` is committed.
    case maxPool(MaxPoolLayer)
    /// `y[t] = scale·m[t]·x[t] + a[t]` with `m`, `a` (when present) committed with the weights (mulConst,
    /// addConst) and `scale` public (scaleUp). The output is an intermediate value.
    case elementwise(ElementwiseLayer)
    /// `y[t] = Σ_i x[maps[i][t]]` (0 where a map is -1): sum pooling. The output is an intermediate value.
    case sumPool(SumPoolLayer)
    /// `y[t] = f(x[t])` for a tabulated function f: every `(x[t], y[t])` is an entry of the `.function`
    /// table `table` (sigmoid/tanh tables, LeakyRelu). `y` is committed.
    case lookup(LookupLayer)
    /// `y[t] = Σ_k coefficients[k]·v_k[maps[k][t]]` (0 where a map is -1) over earlier values
    /// `v_k = sources[k]` (any value index up to the layer's own input): Add, Sub, Concat, and the
    /// branches of a graph (a tensor read by a later layer). The output is an intermediate value.
    case combine(CombineLayer)

    /// Length of the layer's output vector.
    public var outputSize: Int {
        switch self {
        case .linear(let l): 1 << (l.logRows + l.logCols)
        case .requantize(let r): r.size
        case .gather(let g): g.map.count
        case .maxPool(let m): m.maps[0].count
        case .elementwise(let e): e.size
        case .sumPool(let p): p.maps[0].count
        case .lookup(let f): f.size
        case .combine(let c): c.maps[0].count
        }
    }

    /// A short name for messages.
    public var kindName: String {
        switch self {
        case .linear: "linear"
        case .requantize: "requantize"
        case .gather: "gather"
        case .maxPool: "maxpool"
        case .elementwise: "elementwise"
        case .sumPool: "sumpool"
        case .lookup: "lookup"
        case .combine: "combine"
        }
    }
}

/// Shape of a linear layer: W is `2^logRows x 2^logInner`, x is `2^logInner x 2^logCols`.
public struct LinearLayer: Sendable, Equatable {
    public var logRows: Int
    public var logInner: Int
    public var logCols: Int

    public init(logRows: Int, logInner: Int, logCols: Int) {
        self.logRows = logRows
        self.logInner = logInner
        self.logCols = logCols
    }

    public var rows: Int { 1 << logRows }
    public var inner: Int { 1 << logInner }
    public var cols: Int { 1 << logCols }
}

/// Parameters of a requantization (rounding shift and clamp).
///
/// The proof splits the shifted value q (after the rounding shift) as q − lo = high·(hi − lo + 1) + low
/// with low in [0, hi − lo], so that the clamp needs only small tables: `c = sign(high)` (table
/// `signTable`) and `y = lo + (1 − c²)·low + (c² + c)/2·(hi − lo)`. The remainder, `low` and (when
/// hi − lo + 1 is not a power of two) `hi − lo − low` are range-checked as 8-bit limbs (`Limbs`).
public struct RequantizeLayer: Sendable, Equatable {
    /// Vector length (power of two).
    public var size: Int
    /// Right shift k (0 means no rescale).
    public var shift: Int
    public var lo: Int64
    public var hi: Int64
    /// Index of the `.sign` table covering every possible high part.
    public var signTable: Int

    public init(size: Int, shift: Int, lo: Int64, hi: Int64, signTable: Int) {
        self.size = size
        self.shift = shift
        self.lo = lo
        self.hi = hi
        self.signTable = signTable
    }

    /// hi − lo: the clamp window's span.
    public var cap: Int64 { hi - lo }
    /// Bits of the low part: the least L with 2^L > hi − lo.
    public var lowBits: Int { Limbs.bitsFor(cap + 1) }
    /// True when low ≤ cap needs its own check (hi − lo + 1 is not a power of two).
    public var checksCap: Bool { (Int64(1) << Int64(lowBits)) != cap + 1 }
    /// Limb widths of the remainder, of low, and of cap − low (empty unless `checksCap`).
    public var remainderLimbs: [Int] { Limbs.widths(shift) }
    public var lowLimbs: [Int] { Limbs.widths(lowBits) }
    public var capLimbs: [Int] { checksCap ? Limbs.widths(lowBits) : [] }
    /// Number of committed helper columns: remainder limbs, low limbs, cap limbs, then c.
    public var helperCount: Int { remainderLimbs.count + lowLimbs.count + capLimbs.count + 1 }
    /// Every range lookup of one element, in helper-column order (widths), followed by the sign lookup.
    public var rangeWidths: [Int] { remainderLimbs + lowLimbs + capLimbs }
}

/// Range checks by limbs: a value in [0, 2^bits) is written as 8-bit limbs (the last one narrower),
/// each looked up in a `.range` table of at most 2^8 entries.
public enum Limbs {
    /// Bits per limb.
    public static let bits = 8

    /// Widths of the limbs of a value in [0, 2^total): 8, 8, …, then the rest (empty for total 0).
    public static func widths(_ total: Int) -> [Int] {
        var out: [Int] = []
        var left = total
        while left > 0 {
            out.append(min(left, bits))
            left -= bits
        }
        return out
    }

    /// The limbs of a non-negative value (least significant first).
    static func split(_ value: Int64, widths: [Int]) -> [Int64] {
        var v = value
        return widths.map { w in
            let limb = v & ((Int64(1) << Int64(w)) - 1)
            v >>= Int64(w)
            return limb
        }
    }

    /// The least b with 2^b >= count.
    public static func bitsFor(_ count: Int64) -> Int {
        var b = 0
        while (Int64(1) << Int64(b)) < count { b += 1 }
        return b
    }
}

/// An index map from the output positions to the input positions.
public struct GatherLayer: Sendable, Equatable {
    /// `map[t]` is the input index read at output `t`, or -1 for a zero.
    public var map: [Int32]

    public init(map: [Int32]) { self.map = map }
}

/// Max pooling as `window` index maps (one per window position).
public struct MaxPoolLayer: Sendable, Equatable {
    /// `maps[i][t]`: the input index of window element `i` for output `t`; -1 only for padded outputs
    /// (where every map is -1 and the output is 0).
    public var maps: [[Int32]]
    /// Bits that bound `y − x_i` (2^spreadBits must exceed hi − lo of the input); range-checked by limbs.
    public var spreadBits: Int

    public init(maps: [[Int32]], spreadBits: Int) {
        self.maps = maps
        self.spreadBits = spreadBits
    }

    /// Limb widths of each difference y − x_i.
    public var spreadLimbs: [Int] { Limbs.widths(spreadBits) }
    /// Committed helper columns: per window element, the limbs of y − x_i.
    public var helperCount: Int { maps.count * spreadLimbs.count }
}

/// An elementwise affine map `y = scale·m·x + a` (m and a committed weight vectors when present).
public struct ElementwiseLayer: Sendable, Equatable {
    /// Vector length (power of two).
    public var size: Int
    /// Public factor (2^s for scaleUp, else 1).
    public var scale: Int64
    /// A committed multiplier vector m (mulConst); otherwise m = 1.
    public var multiplier: Bool
    /// A committed addend vector a (addConst); otherwise a = 0.
    public var addend: Bool

    public init(size: Int, scale: Int64, multiplier: Bool, addend: Bool) {
        self.size = size
        self.scale = scale
        self.multiplier = multiplier
        self.addend = addend
    }
}

/// Sum pooling as `window` index maps whose gathers are added.
public struct SumPoolLayer: Sendable, Equatable {
    /// `maps[i][t]`: the input index of window element `i` for output `t`, or -1 (padding: adds 0).
    public var maps: [[Int32]]

    public init(maps: [[Int32]]) { self.maps = maps }
}

/// A signed sum of index maps over earlier values.
public struct CombineLayer: Sendable, Equatable {
    /// Value index read by each term (0 = the model input, l = layer l − 1's output).
    public var sources: [Int]
    /// The terms' public integer coefficients (1 for Add and Concat, −1 for the subtrahend of Sub).
    public var coefficients: [Int64]
    /// `maps[k][t]`: the index into `sources[k]` that term k reads for output t, or -1 (adds 0).
    public var maps: [[Int32]]

    public init(sources: [Int], coefficients: [Int64], maps: [[Int32]]) {
        self.sources = sources
        self.coefficients = coefficients
        self.maps = maps
    }
}

/// A tabulated function applied elementwise.
public struct LookupLayer: Sendable, Equatable {
    /// Vector length (power of two).
    public var size: Int
    /// Index of the `.function` table.
    public var table: Int

    public init(size: Int, table: Int) {
        self.size = size
        self.table = table
    }
}

/// A fixed table that lookups are checked against. Each entry is a pair (a, b).
public enum LookupTable: Sendable, Equatable, Hashable {
    /// Entries (j, 0) for j in [0, 2^bits) (bits ≤ `Limbs.bits`: wider ranges are split into limbs).
    case range(bits: Int)
    /// Entries (start + j, sign(start + j)) for j in [0, 2^bits), sign in {-1, 0, 1}.
    case sign(start: Int64, bits: Int)
    /// Entries (start + j, values[j]) for j in [0, values.count), a power of two: a function tabulated
    /// over consecutive inputs.
    case function(start: Int64, values: [Int64])

    /// log2 of the number of entries.
    public var logSize: Int {
        switch self {
        case .range(let bits), .sign(_, let bits): bits
        case .function(_, let values): values.count.trailingZeroBitCount
        }
    }
}

/// The prover's secret part of a model: the integer weights and biases of each linear layer.
public struct CircuitWeights: Sendable, Equatable {
    /// Per linear layer (in `linearLayerIndices` order): W row-major, `rows x inner`, zero-padded.
    public var matrices: [[Int64]]
    /// Per linear layer: the bias, `rows` entries, zero-padded.
    public var biases: [[Int64]]
    /// Per elementwise layer (in layer order): its multiplier vector, then its addend vector (each
    /// present only when the layer has it), `size` entries each.
    public var constants: [[Int64]]

    public init(matrices: [[Int64]], biases: [[Int64]], constants: [[Int64]] = []) {
        self.matrices = matrices
        self.biases = biases
        self.constants = constants
    }
}
