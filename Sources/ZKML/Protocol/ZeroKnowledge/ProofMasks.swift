import Dispatch
import ProofCore

/// The two statement-independent masks of one zero-knowledge proof (docs/ZK.md §6 item 4, §9): the
/// weights' and the witness's folded opening masks (n − 4 variables each, protocol v15 / v19), needed
/// at the end, when the weights and then the witness are opened.
///
/// Made inside the proof (no `PreparedWeightMask`), they depend only on the model's sizes and on
/// the proof's randomness, so `start` makes them on another thread from the first instant of the
/// proof — the weight mask first, then the witness mask — while the calling thread runs the
/// inference, the witness and the sumchecks, which are single-threaded: on a two-core machine they
/// leave a core idle. Their randomness comes from the same forks as when the commitment and the
/// opening draw them (`weights.mask`, `witness.mask`), so a debug-seed proof has the same bytes
/// either way, with the calling task's worker limit and kernel set (`ProofKernels.with`). With one
/// worker (`Parallel.workerCount == 1`) they are made on first use instead.
struct ProofMasks: Sendable {
    /// The witness's per-proof opening mask (n_W − 4 variables, protocol v19); nil when the model's
    /// weights and witness share one folded opening (protocol v21), which uses the weight mask.
    let witness: Pending<OpeningMask>?
    /// The weights' per-proof opening mask (n − 4 variables, protocol v15).
    let weights: Pending<OpeningMask>

    /// Masks prepared ahead of the proof.
    init(prepared: PreparedWeightMask) {
        witness = prepared.witnessMask.map { Pending(ready: $0) }
        weights = Pending(ready: prepared.mask)
    }

    /// Starts making `model`'s masks from `randomness` (the proof's, unforked): on a serial background
    /// queue when more than one worker may run, else on first use.
    static func start(model: ProverModel, randomness: ProofRandomness) -> ProofMasks {
        // Task locals do not reach a dispatch queue: the worker limit and the kernel set are passed down.
        let limit = Parallel.workerLimit, kernels = ProofKernels.current
        let queue = Parallel.workerCount > 1 ? DispatchQueue(label: "ciro.zkml.proof-masks", qos: .userInitiated) : nil
        let witnessLog = PreparedWeightMask.witnessMaskLog(model), weightLog = PreparedWeightMask.weightMaskLog(model)
        let weights = Pending(on: queue, workerLimit: limit, kernels: kernels) {
            PreparedWeightMask.make(weightLog, randomness.fork("weights.mask"))
        }
        let witness = witnessLog.map { log in
            Pending(on: queue, workerLimit: limit, kernels: kernels) { PreparedWeightMask.make(log, randomness.fork("witness.mask")) }
        }
        return ProofMasks(witness: witness, weights: weights)
    }

    private init(witness: Pending<OpeningMask>?, weights: Pending<OpeningMask>) {
        (self.witness, self.weights) = (witness, weights)
    }

    /// A value made on a background queue from the moment it is created (or on the first `value`
    /// when no queue is given, or given ready); `value` waits for it. `value` is called from one
    /// thread (the prover's): the queue's writes happen before the group's wait returns.
    final class Pending<T: Sendable>: @unchecked Sendable {
        private let group = DispatchGroup()
        private var result: T?
        private let body: (@Sendable () -> T)?

        init(ready: T) {
            result = ready
            body = nil
        }

        init(on queue: DispatchQueue?, workerLimit: Int?, kernels: KernelSet, _ make: @escaping @Sendable () -> T) {
            guard let queue else {
                body = make
                return
            }
            body = nil
            group.enter()
            queue.async { [self] in
                result = Parallel.$workerLimit.withValue(workerLimit) { (try? ProofKernels.with(kernels, make)) ?? make() }
                group.leave()
            }
        }

        /// The value, once made.
        var value: T {
            group.wait()
            if let result { return result }
            let made = body!()
            result = made
            return made
        }
    }
}
