import Dispatch

/// A bounded supply of `PreparedWeightMask`s per model, made ahead of the statement (docs/ZK.md §6.2,
/// §9): a prover takes one per zero-knowledge proof (`take`) and the supply refills in the background
/// (`refill`) while its owner is idle. Each mask is handed out **once** — `take` removes it — and
/// is consumed by exactly one proof (the prover refuses a used one), so no two proofs share a mask.
///
/// Memory is capped by bytes: a prepared mask holds about 14 MB for a model of 2^21 weight entries
/// (protocol v15: a weight mask of n − 4 variables; 200 MB before).
/// Before making a mask the supply reserves its size (`PreparedWeightMask.byteCount(for:)`) against
/// `byteBudget`, counting the masks it holds and the ones being made; when the reservation would
/// exceed the budget it makes nothing. A model gets at most `masksPerModel` masks.
public actor WeightMaskSupply {
    /// The default cap (256 MiB): sized for v11–v14's masks (wide_mlp 200 MiB); since v15 it holds the
    /// two masks per model of many models (wide_mlp 14 MiB each).
    public static let defaultByteBudget = 256 << 20

    /// The most bytes the held masks and those being made may take together.
    public nonisolated let byteBudget: Int
    /// The most masks held (or being made) per model.
    public nonisolated let masksPerModel: Int

    var ready: [[UInt8]: [PreparedWeightMask]] = [:]
    var inProgress: [[UInt8]: Int] = [:]
    /// Models discarded while a mask of theirs was being made: that mask is dropped on delivery.
    var retired: Set<[UInt8]> = []
    /// Bytes of the held masks plus the reservations of masks being made.
    public private(set) var reservedBytes = 0
    /// Masks made, and masks handed out, since the start.
    public private(set) var made = 0
    public private(set) var handedOut = 0

    /// `byteBudget` 0 disables the supply (every proof makes its mask inline).
    public init(byteBudget: Int = WeightMaskSupply.defaultByteBudget, masksPerModel: Int = 2) {
        precondition(byteBudget >= 0 && masksPerModel >= 0)
        self.byteBudget = byteBudget
        self.masksPerModel = masksPerModel
    }

    /// Removes and returns a ready mask for the model (never the same one twice), or nil when none
    /// is ready: the caller then makes the mask inside the proof.
    public func take(modelID: [UInt8]) -> PreparedWeightMask? {
        guard var masks = ready[modelID], !masks.isEmpty else { return nil }
        let mask = masks.removeFirst()
        ready[modelID] = masks.isEmpty ? nil : masks
        reservedBytes -= mask.byteCount
        handedOut += 1
        return mask
    }

    /// Drops the model's ready masks and any it is still making (a retired weight commitment: a
    /// market worker that rotated to a copy never proves against it again), freeing their bytes.
    /// Returns how many ready masks were dropped.
    @discardableResult
    public func discard(modelID: [UInt8]) -> Int {
        let dropped = ready.removeValue(forKey: modelID) ?? []
        reservedBytes -= dropped.reduce(0) { $0 + $1.byteCount }
        if inProgress[modelID] != nil { retired.insert(modelID) }
        return dropped.count
    }

    /// Masks ready for the model.
    public func readyCount(modelID: [UInt8]) -> Int { ready[modelID]?.count ?? 0 }

    /// Bytes of the masks held now (without reservations of masks being made).
    public var heldBytes: Int { ready.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.byteCount } } }

    /// Makes masks for `model`, one at a time on a Dispatch worker (never on the cooperative pool),
    /// until it holds `masksPerModel`, the budget has no room for another, or `shouldContinue`
    /// (asked before each mask) says the owner is busy. Returns how many it made.
    @discardableResult
    public func refill(model: ProverModel, shouldContinue: @Sendable () async -> Bool = { true }) async -> Int {
        let id = model.modelID
        let bytes = PreparedWeightMask.byteCount(for: model)
        var count = 0
        while await shouldContinue(), reserve(id, bytes) {
            let mask = await withCheckedContinuation { continuation in
                DispatchQueue.global(qos: .utility).async { continuation.resume(returning: PreparedWeightMask(model: model)) }
            }
            deliver(mask, reserved: bytes)
            count += 1
        }
        return count
    }

    /// Reserves room for one more mask of `bytes` for the model, if the per-model count and the byte
    /// budget allow.
    func reserve(_ id: [UInt8], _ bytes: Int) -> Bool {
        let held = (ready[id]?.count ?? 0) + inProgress[id, default: 0]
        guard held < masksPerModel, reservedBytes + bytes <= byteBudget else { return false }
        reservedBytes += bytes
        inProgress[id, default: 0] += 1
        return true
    }

    func deliver(_ mask: PreparedWeightMask, reserved: Int) {
        inProgress[mask.modelID, default: 1] -= 1
        if inProgress[mask.modelID] == 0 { inProgress[mask.modelID] = nil }
        made += 1
        if retired.contains(mask.modelID) {
            reservedBytes -= reserved
            if inProgress[mask.modelID] == nil { retired.remove(mask.modelID) }
            return
        }
        reservedBytes += mask.byteCount - reserved
        ready[mask.modelID, default: []].append(mask)
    }
}
