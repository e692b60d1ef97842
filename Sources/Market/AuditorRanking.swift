import Sodium

/// Auditor selection (docs/MARKET.md, "Auditors"): every live node is ranked by
/// BLAKE2b-256(job id || node id), smallest first; the worker and the requester are skipped.
/// The first K audit; when one stays silent past the audit timeout, the next ranked node is asked.
/// Everyone can compute the same order, and the worker cannot pick it (it does not choose the job
/// id, which is fixed before the award).
public enum AuditorRanking {
    /// All candidates in rank order, without the excluded nodes, deduplicated.
    public static func rank(jobID: [UInt8], candidates: [[UInt8]], excluding: Set<[UInt8]>) -> [[UInt8]] {
        var seen = Set<[UInt8]>()
        var keyed: [([UInt8], [UInt8])] = []
        for node in candidates where !excluding.contains(node) && seen.insert(node).inserted {
            keyed.append((node, (try? Blake2b.hash(jobID + node)) ?? node))
        }
        return keyed.sorted { $0.1.lexicographicallyPrecedes($1.1) }.map(\.0)
    }

    /// The auditors to ask now: the first `count` ranked nodes that are not known to be silent.
    public static func select(jobID: [UInt8], candidates: [[UInt8]], excluding: Set<[UInt8]>,
                              silent: Set<[UInt8]> = [], count: Int) -> [[UInt8]] {
        Array(rank(jobID: jobID, candidates: candidates, excluding: excluding)
            .filter { !silent.contains($0) }
            .prefix(max(0, count)))
    }

    /// Whether `node` is among the auditors the rank designates (given the silent ones).
    public static func isDesignated(_ node: [UInt8], jobID: [UInt8], candidates: [[UInt8]],
                                    excluding: Set<[UInt8]>, silent: Set<[UInt8]> = [], count: Int) -> Bool {
        select(jobID: jobID, candidates: candidates, excluding: excluding, silent: silent, count: count).contains(node)
    }
}
