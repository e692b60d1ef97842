import Foundation
import Identity
import Market
import Sodium
import ZKML

/// One commitment of a registered model's chain on this worker: the registered model itself, or a
/// re-randomized copy with the link file ("CLNK" v1) that leads to it from an earlier element (the
/// previous copy, or the registered model when a new chain starts).
struct ChainElement: Sendable {
    let prover: ProverModel
    let linkFile: [UInt8]?
    /// The index of the element its link leads from (nil: the registered model itself).
    let from: Int?
    /// The links from the registered model to it (0: the registered model).
    let depth: Int
}

/// A copy and the link into it from `from`, made ahead of the rotation that uses them.
struct PendingCopy: Sendable {
    let from: [UInt8]
    let copy: WeightCopy
    let link: [UInt8]
}

extension ZKMLProofBackend {
    /// The most links a verifier follows from a registered model to a copy (the market's bound).
    public static let maxLinkChain = MarketEngine.maxLinkChain

    /// Where a registered model's copies live: `DATA_DIR/models/<id>/copies/NNNNNN.ccpy` (the
    /// secret: registered id and blinding seed, mode 0600) and `NNNNNN.clnk` (the link into it).
    func copiesDirectory(_ registered: [UInt8]) -> String { store.directory(for: registered) + "/copies" }

    /// The model's chain (the registered model first, then its copies in the order made), read from
    /// disk once. Each copy's link leads from the copy before it or, where a new chain started at
    /// the link bound, from the registered model; any other is refused. A last copy with its seed
    /// but no link file is a rotation that stopped between its two files (a crash, a failed write):
    /// it is left out here, and the next rotation completes it from its seed
    /// (`rotate(_:from:chain:limit:)`). A copy without its link before the last is refused.
    func chain(of registered: ProverModel) throws -> [ChainElement] {
        let id = registered.modelID
        if let chain = chains[id] { return chain }
        var chain = [ChainElement(prover: registered, linkFile: nil, from: nil, depth: 0)]
        let directory = copiesDirectory(id)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".ccpy") }.sorted()
        for (n, name) in names.enumerated() {
            guard name == Self.copyFileName(n + 1, "ccpy") else { throw ZKMLError.storage("\(directory): copy \(name) out of sequence") }
            guard let link = FileManager.default.contents(atPath: directory + "/" + Self.copyFileName(n + 1, "clnk")) else {
                if n + 1 == names.count { break }  // an interrupted rotation: completed by the next one
                throw ZKMLError.storage("\(directory): copy \(n + 1) lacks its link (and is not the last copy)")
            }
            let copy = try Self.readCopy(directory + "/" + name, of: registered)
            let (linkedFrom, _, _) = try WeightCopyFiles.decodeLink([UInt8](link))
            let from = linkedFrom == id ? 0 : chain.count - 1
            guard chain[from].prover.modelID == linkedFrom else {
                throw ZKMLError.storage("\(directory): copy \(n + 1)'s link leads from neither the registered model nor copy \(n)")
            }
            chain.append(ChainElement(prover: copy.model, linkFile: [UInt8](link), from: from, depth: chain[from].depth + 1))
        }
        // Each copy's incoming link opened it once and spent a unit of where it leads from: a copy's
        // last (retired), one of the registered commitment's per chain started from it; counted
        // even if a crash came before those units were (and only once the whole chain is read).
        if let weightBudget {
            for element in chain.dropFirst() {
                guard let from = element.from else { continue }
                try weightBudget.raise(element.prover.modelID, to: 1)
                if from > 0 { try weightBudget.raise(chain[from].prover.modelID, to: weightProofLimit(registered)) }
            }
            try weightBudget.raise(id, to: chain.filter { $0.from == 0 }.count)
        }
        chains[id] = chain
        return chain
    }

    /// The copy whose seed (a `WeightCopyFiles` secret) is at `path`, checked to be a copy of `registered`.
    static func readCopy(_ path: String, of registered: ProverModel) throws -> WeightCopy {
        guard let secret = FileManager.default.contents(atPath: path) else { throw ZKMLError.storage("cannot read \(path)") }
        let (from, seed) = try WeightCopyFiles.decodeSecret([UInt8](secret))
        guard from == registered.modelID else { throw ZKMLError.storage("\(path) is a copy of another model") }
        return try WeightCopy(of: registered, blindingSeed: seed)
    }

    static func copyFileName(_ n: Int, _ ext: String) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "." + ext
    }

    /// Reserves one unit of budget for a job proof of `registered` and returns the commitment to
    /// prove against with the links leading to it. Copy first: the registered commitment serves no
    /// job here (its budget is shared by every worker holding the model); the first job rotates into
    /// a copy, whose link spends one unit of the registered commitment and the copy's first. Later
    /// jobs go to the chain's last copy while it has two units left (one stays for its outgoing
    /// link); at one left the next copy and its link are made (`linkSource`: from that copy, or
    /// from the registered commitment once the chain has `linkChainBound` links), spending the
    /// unit and the copy's first. A model that cannot link (a limit below 3, a copy that could not
    /// be made) is served by the chain's last commitment alone (the registered one when no copy was
    /// made), up to its limit.
    func reserveJobProof(_ registered: ProverModel) throws -> (ProverModel, [[UInt8]]) {
        guard let weightBudget else { return (registered, []) }
        let id = registered.modelID, limit = weightProofLimit(registered)
        var chain = try chain(of: registered)
        while true {
            let last = chain.count - 1, current = chain[last].prover
            guard copiesUnavailable[id] == nil, limit >= 3 else {
                // A copy past the bound (a lower bound since it was made) is never proven against.
                guard chain[last].depth <= linkChainBound else {
                    throw ZKMLError.storage("copy \(last) of model \(Hex.encode(Array(id.prefix(8)))) is \(chain[last].depth) links from it, "
                                            + "more than \(linkChainBound), and no copy can be made (\(copiesUnavailable[id] ?? "limit \(limit)"))")
                }
                try weightBudget.reserve(current.modelID, limit: limit)
                return (current, Self.links(to: last, in: chain))
            }
            if last > 0, chain[last].depth <= linkChainBound {
                do {
                    try weightBudget.reserve(current.modelID, limit: limit - 1)
                    return (current, Self.links(to: last, in: chain))
                } catch is WeightBudgetSpent {}  // its last unit is for the link out of it
            }
            guard let element = try rotate(registered, from: try linkSource(chain, limit: limit), chain: chain, limit: limit) else { continue }
            chain.append(element)
            chains[id] = chain
            retire(current.modelID, registered: id)
        }
    }

    /// The index of the chain element the next copy links from: the last copy while its links stay
    /// within `linkChainBound` and it has its last unit for the link (or an interrupted rotation
    /// left the next copy's seed: that link completes it, even when its unit was counted already);
    /// else the registered commitment, starting a new chain with one of its units. Throws
    /// `WeightBudgetSpent` when the registered commitment has none left.
    func linkSource(_ chain: [ChainElement], limit: Int) throws -> Int {
        guard let weightBudget else { return 0 }
        let id = chain[0].prover.modelID, last = chain.count - 1
        if last > 0, chain[last].depth < linkChainBound,
           try weightBudget.used(chain[last].prover.modelID) < limit || FileManager.default.fileExists(atPath: copyPath(id, chain.count, "ccpy")) {
            return last
        }
        let used = try weightBudget.used(id)
        guard used < limit else {
            let why = chain[last].depth >= linkChainBound ? "its copy chain is at \(chain[last].depth) links (at most \(linkChainBound))"
                : "its last copy has no unit left for a link"
            throw WeightBudgetSpent(modelID: id, used: used, limit: limit,
                                    detail: last == 0 ? nil : why + " and a new chain needs a link from the registered commitment")
        }
        return 0
    }

    /// The link files from the registered model to element `index`, in order.
    static func links(to index: Int, in chain: [ChainElement]) -> [[UInt8]] {
        var links: [[UInt8]] = [], i = index
        while let from = chain[i].from, let link = chain[i].linkFile {
            links.append(link)
            i = from
        }
        return links.reversed()
    }

    func copyPath(_ registered: [UInt8], _ n: Int, _ ext: String) -> String { copiesDirectory(registered) + "/" + Self.copyFileName(n, ext) }

    /// Makes the next copy of `registered`'s chain (copy n = `chain.count`) and the link into it from
    /// the element at `source` (`current`), and records
    /// them in this order, each step durable: the seed file (0600), the link file, then the counts
    /// (a copy `current` at its limit: the link took the last unit, kept free by its job proofs; the
    /// copy at 1). The registered commitment as `current` has no unit kept free: one is reserved
    /// (`WeightBudgetSpent` when none is left) after the seed file, before the link is proven or
    /// taken from those made ahead, and a crash after it never gives it back. Files are never
    /// overwritten. A step already done by an earlier, interrupted rotation is not redone: a seed
    /// file at `n` is the copy (restored from it; `copiesRestored`), a link file at `n` is the link
    /// (checked to lead from `current` to that copy). A link lost with the crash was never
    /// published, so its replacement spends no unit twice. Nil: copies cannot be made for this model
    /// (`copiesUnavailable` says why).
    func rotate(_ registered: ProverModel, from source: Int, chain: [ChainElement], limit: Int) throws -> ChainElement? {
        guard let weightBudget else { return nil }
        let id = registered.modelID, n = chain.count, current = chain[source].prover
        let (secretPath, linkPath) = (copyPath(id, n, "ccpy"), copyPath(id, n, "clnk"))
        var pending = pendingCopies.removeValue(forKey: id)
        if pending?.from != current.modelID { pending = nil }
        let copy: WeightCopy
        if FileManager.default.fileExists(atPath: secretPath) {
            copy = try Self.readCopy(secretPath, of: registered)
            if pending?.copy.model.modelID != copy.model.modelID { pending = nil }
            copiesRestored += 1
        } else {
            do { copy = try pending?.copy ?? makeCopy(of: registered) } catch {
                copiesUnavailable[id] = "\(error)"
                return nil
            }
            try FileManager.default.createDirectory(atPath: copiesDirectory(id), withIntermediateDirectories: true)
            try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: copy), at: secretPath, mode: 0o600)
        }
        let linkFile: [UInt8]
        if let existing = FileManager.default.contents(atPath: linkPath) {
            let (from, commitment, _) = try WeightCopyFiles.decodeLink([UInt8](existing))
            guard from == current.modelID, commitment == copy.model.commitment else {
                throw ZKMLError.storage("\(linkPath) does not link \(Hex.encode(Array(current.modelID.prefix(8)))) to the copy in \(secretPath)")
            }
            linkFile = [UInt8](existing)
        } else {
            if current.modelID == id { try weightBudget.reserve(id, limit: limit) }
            let link: [UInt8]
            if let pending {
                link = pending.link
                copiesMadeAhead += 1
            } else {
                do { link = try WeightCopyLink.prove(from: current, to: copy.model) } catch {
                    copiesUnavailable[id] = "\(error)"
                    return nil
                }
            }
            linkFile = WeightCopyFiles.encodeLink(fromModelID: current.modelID, copyCommitment: copy.model.commitment, link: link)
            try FileSystem.createNewFile(linkFile, at: linkPath, mode: 0o644)
            linksMade += 1
        }
        if current.modelID != id { try weightBudget.raise(current.modelID, to: limit) }
        try weightBudget.raise(copy.model.modelID, to: 1)
        return ChainElement(prover: copy.model, linkFile: linkFile, from: source, depth: chain[source].depth + 1)
    }

    /// Starts making the next copy of `registered`'s chain and its link (from where `linkSource`
    /// says the next link starts) in the background when the chain's last commitment is the
    /// registered one (the next job rotates: copy first) or a copy with at most two units left (the
    /// job after next rotates), once the
    /// backend is idle (as for the weight masks): the copy and link are statement-independent, so
    /// the rotation takes them instead of making them on the job path. Nothing is counted or
    /// written until the rotation uses them; a failure leaves the rotation to make its own.
    func prepareNextCopy(_ registered: ProverModel) {
        let id = registered.modelID, limit = weightProofLimit(registered)
        guard let weightBudget, limit >= 3, copiesUnavailable[id] == nil, !preparingCopies.contains(id), let chain = chains[id],
              let used = try? weightBudget.used(chain[chain.count - 1].prover.modelID),
              chain.count == 1 || limit - used <= 2 || chain[chain.count - 1].depth > linkChainBound,
              let source = try? linkSource(chain, limit: limit), pendingCopies[id]?.from != chain[source].prover.modelID else { return }
        let current = chain[source].prover
        preparingCopies.insert(id)
        Task {
            while !self.isIdle { try? await Task.sleep(for: self.maskIdleDelay) }
            let made = try? await Self.offload { () throws -> PendingCopy in
                let copy = try self.makeCopy(of: registered)
                return PendingCopy(from: current.modelID, copy: copy, link: try WeightCopyLink.prove(from: current, to: copy.model))
            }
            self.preparedCopy(id, made)
        }
    }

    /// A new copy of `registered` (`WeightCopy(of:)`), or the test hook's failure.
    nonisolated func makeCopy(of registered: ProverModel) throws -> WeightCopy {
        if testCopyFailure { throw ZKMLError.unsupportedModel("weight copies fail (test hook)") }
        return try WeightCopy(of: registered)
    }

    func preparedCopy(_ id: [UInt8], _ made: PendingCopy?) {
        preparingCopies.remove(id)
        if let made { pendingCopies[id] = made }
    }

    /// Waits until no copy is being made ahead (tests).
    public func waitForCopies() async {
        while !preparingCopies.isEmpty { try? await Task.sleep(for: .milliseconds(5)) }
    }

    /// A commitment the chain has moved past: its prepared masks are dropped and no more are made
    /// (a retired copy is forgotten; the registered model stays known).
    func retire(_ commitment: [UInt8], registered: [UInt8]) {
        refillWanted.removeAll { $0 == commitment }
        if commitment != registered { provers[commitment] = nil }
        let supply = weightMasks
        Task { await supply.discard(modelID: commitment) }
    }

    /// Why a model's copies are unavailable (nil: they are, or none was tried yet).
    public func copiesStatus(modelID: [UInt8]) -> String? { copiesUnavailable[modelID] }

    /// The link files of the model's chains on this worker, in the order made.
    public func copyLinks(modelID: [UInt8]) async -> [[UInt8]] {
        guard weightBudget != nil, let (prover, _) = try? await loaded(modelID), let chain = try? chain(of: prover) else { return [] }
        return chain.compactMap(\.linkFile)
    }

    /// The model ids of a registered model's chains on this worker: the registered id, then its
    /// copies in the order made (a copy past a link bound starts a new chain from the registered id).
    public func copyChain(modelID: [UInt8]) async throws -> [[UInt8]] {
        let (prover, _) = try await loaded(modelID)
        return try chain(of: prover).map(\.prover.modelID)
    }

    /// The copy's verifier key that `links` chain `modelID`'s key to: each link's "from" id must be
    /// the current key's, each verifies (once: verified links are cached by their hash), at most
    /// `maxLinkChain` of them.
    func copyKey(modelID: [UInt8], links: [[UInt8]]) async throws -> VerifierKey {
        guard var key = keys[modelID] else { throw ZKMLError.badInput("model \(Hex.encode(Array(modelID.prefix(8)))) is not on this node") }
        guard !links.isEmpty, links.count <= Self.maxLinkChain else {
            throw ZKMLError.wrongStatement("a weight copy's chain has 1 to \(Self.maxLinkChain) links, not \(links.count)")
        }
        for link in links {
            let hash = try Blake2b.hash(link)
            if let cached = verifiedLinks[hash], cached.from == key.modelID {
                key = cached.key
                continue
            }
            let (from, commitment, proof) = try WeightCopyFiles.decodeLink(link)
            guard from == key.modelID else {
                throw ZKMLError.wrongStatement("a link from \(Hex.encode(Array(from.prefix(8)))) where the chain is at \(Hex.encode(Array(key.modelID.prefix(8))))")
            }
            let source = key
            let next = try await Self.offload { try WeightCopyLink.verify(proof, from: source, toCommitment: commitment) }
            if verifiedLinks.count >= 4096 { verifiedLinks.removeAll() }
            verifiedLinks[hash] = (source.modelID, next)
            verifiedLinkCount += 1
            key = next
        }
        return key
    }

    public func verify(modelID: [UInt8], copyID: [UInt8], links: [[UInt8]], input: ProofInput, output: [Int64], proof: [UInt8]) async throws {
        let (_, meta) = try await loaded(modelID)
        busy += 1
        defer { finishedWork(refill: nil) }
        let key = try await copyKey(modelID: modelID, links: links)
        guard key.modelID == copyID else {
            throw ZKMLError.wrongStatement("the links lead to copy \(Hex.encode(Array(key.modelID.prefix(8)))), not the result's \(Hex.encode(Array(copyID.prefix(8))))")
        }
        try await verify(key: key, meta: meta, input: input, output: output, proof: proof)
    }
}
