import Foundation
import LMDB
import Sodium

/// Whether a proof backend enforces each commitment's weight privacy budget (docs/ZK.md §5.3).
public enum WeightBudgetPolicy: Sendable, Equatable {
    /// Count zero-knowledge proofs per commitment (LMDB) and refuse one beyond the smaller of the
    /// model's `weightPrivacyBudget.proofs` and `cap` (nil: the model's budget alone).
    case enforce(cap: Int?)
    /// Count nothing, refuse nothing (an operator's explicit choice: beyond the budget a proof
    /// reveals more of the weights; `ciro node start --weight-budget off`).
    case off

    /// Enforced at each model's own budget.
    public static let modelBudget = WeightBudgetPolicy.enforce(cap: nil)
}

/// Why a zero-knowledge proof was refused: the commitment's hiding budget is spent
/// (docs/ZK.md §5.3, docs/MARKET.md "Weight privacy budget").
public struct WeightBudgetSpent: Error, CustomStringConvertible, Equatable {
    /// The commitment (model id) whose budget is spent.
    public let modelID: [UInt8]
    /// Zero-knowledge proofs already made against it on this node.
    public let used: Int
    /// The most this node will make.
    public let limit: Int
    /// Why this commitment's budget matters here, when that is not plain (a weight copy chain that
    /// needs a new link from the registered commitment).
    public let detail: String?

    public init(modelID: [UInt8], used: Int, limit: Int, detail: String? = nil) {
        (self.modelID, self.used, self.limit, self.detail) = (modelID, used, limit, detail)
    }

    public var description: String {
        "the weight privacy budget of model \(Hex.encode(Array(modelID.prefix(8)))) is spent (\(used) of \(limit) zero-knowledge proofs made"
            + (detail.map { "; " + $0 } ?? "") + "); refusing another proof rather than reveal more of its weights"
    }
}

/// The worker's count of zero-knowledge proofs made against each weight commitment, in its own LMDB
/// environment (`DATA_DIR/market/weight-budget/`, database `proofs`: model id (32 bytes) → count,
/// 8 bytes big-endian). A unit is reserved durably (sync on commit) *before* its proof is made, so a
/// crash after a proof never gives the unit back; a proof that then fails keeps its unit spent.
public final class WeightBudgetStore: Sendable {
    let environment: LMDBEnvironment
    let proofs: LMDBDatabase

    /// Opens (creating) the store under `directory`.
    public init(directory: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var options = LMDBEnvironment.Options()
        options.mapSize = 1 << 20
        environment = try LMDBEnvironment(path: directory, options: options)
        proofs = try environment.openDatabase(named: "proofs")
    }

    /// Proofs counted against `modelID` so far.
    public func used(_ modelID: [UInt8]) throws -> Int {
        try environment.read { txn in Self.decode(try txn.get(proofs, key: modelID)) }
    }

    /// Counts one more proof against `modelID` unless `limit` are already counted; returns the new
    /// count. Throws `WeightBudgetSpent` (and counts nothing) when the budget is spent.
    @discardableResult
    public func reserve(_ modelID: [UInt8], limit: Int) throws -> Int {
        try environment.write { txn in
            let used = Self.decode(try txn.get(proofs, key: modelID))
            guard used < limit else { throw WeightBudgetSpent(modelID: modelID, used: used, limit: limit) }
            try txn.put(proofs, key: modelID, value: Self.encode(used + 1))
            return used + 1
        }
    }

    /// Raises the count of `modelID` to at least `count` (a unit spent elsewhere: a copy's incoming link).
    public func raise(_ modelID: [UInt8], to count: Int) throws {
        try environment.write { txn in
            if Self.decode(try txn.get(proofs, key: modelID)) < count { try txn.put(proofs, key: modelID, value: Self.encode(count)) }
        }
    }

    static func encode(_ count: Int) -> [UInt8] {
        let v = UInt64(count)
        return (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * UInt64($0))) }
    }

    static func decode(_ bytes: [UInt8]?) -> Int {
        guard let bytes, bytes.count == 8 else { return 0 }
        return Int(bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
    }
}
