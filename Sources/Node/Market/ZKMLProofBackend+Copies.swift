import Foundation
import Identity
import Market
import Sodium
import ZKML

/// One commitment of a registered model's chain on this worker: the registered model itself, or a
/// re-randomized copy with the link file ("CLNK" v1) that leads to it from the previous element.
struct ChainElement: Sendable {
    let prover: ProverModel
    let linkFile: [UInt8]?
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

    /// The model's chain (the registered model first), read from disk once.
    func chain(of registered: ProverModel) throws -> [ChainElement] {
        let id = registered.modelID
        if let chain = chains[id] { return chain }
        var chain = [ChainElement(prover: registered, linkFile: nil)]
        let directory = copiesDirectory(id)
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasSuffix(".ccpy") }.sorted()
        for (n, name) in names.enumerated() {
            guard name == Self.copyFileName(n + 1, "ccpy") else { throw ZKMLError.storage("\(directory): copy \(name) out of sequence") }
            guard let secret = FileManager.default.contents(atPath: directory + "/" + name),
                  let link = FileManager.default.contents(atPath: directory + "/" + Self.copyFileName(n + 1, "clnk")) else {
                throw ZKMLError.storage("\(directory): copy \(n + 1) lacks its secret or its link")
            }
            let (from, seed) = try WeightCopyFiles.decodeSecret([UInt8](secret))
            guard from == id else { throw ZKMLError.storage("\(directory)/\(name) is a copy of another model") }
            let copy = try WeightCopy(of: registered, blindingSeed: seed)
            chain.append(ChainElement(prover: copy.model, linkFile: [UInt8](link)))
            // Its incoming link opened it once, even if a crash came before that unit was counted.
            try weightBudget?.raise(copy.model.modelID, to: 1)
        }
        chains[id] = chain
        return chain
    }

    static func copyFileName(_ n: Int, _ ext: String) -> String {
        let digits = String(n)
        return String(repeating: "0", count: max(0, 6 - digits.count)) + digits + "." + ext
    }

    /// Reserves one unit of budget for a job proof of `registered` and returns the commitment to
    /// prove against with the links leading to it. Jobs go to the chain's last element while it has
    /// two units left (one stays for its outgoing link); at one left the next copy and its link are
    /// made, spending that unit and the copy's first. A model that cannot link is served by its
    /// registered commitment alone, up to its budget.
    func reserveJobProof(_ registered: ProverModel) throws -> (ProverModel, [[UInt8]]) {
        guard let weightBudget else { return (registered, []) }
        let id = registered.modelID, limit = weightProofLimit(registered)
        var chain = try chain(of: registered)
        let links = { (chain: [ChainElement]) in chain.compactMap(\.linkFile) }
        while true {
            let current = chain[chain.count - 1].prover
            let linkable = copiesUnavailable[id] == nil && limit >= 3
            do {
                try weightBudget.reserve(current.modelID, limit: linkable ? limit - 1 : limit)
                return (current, links(chain))
            } catch let spent as WeightBudgetSpent where linkable && spent.used < limit {
                // Rotate: the last unit of the current commitment goes to the link into a new copy.
                let copy: WeightCopy, link: [UInt8]
                if let pending = pendingCopies.removeValue(forKey: id), pending.from == current.modelID {
                    (copy, link) = (pending.copy, pending.link)
                    copiesMadeAhead += 1
                } else {
                    do {
                        copy = try WeightCopy(of: registered)
                        link = try WeightCopyLink.prove(from: current, to: copy.model)
                    } catch {
                        copiesUnavailable[id] = "\(error)"
                        continue
                    }
                }
                let n = chain.count
                let directory = copiesDirectory(id)
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                let linkFile = WeightCopyFiles.encodeLink(fromModelID: current.modelID, copyCommitment: copy.model.commitment, link: link)
                try FileSystem.createNewFile(WeightCopyFiles.encodeSecret(modelID: id, copy: copy), at: directory + "/" + Self.copyFileName(n, "ccpy"), mode: 0o600)
                try FileSystem.createNewFile(linkFile, at: directory + "/" + Self.copyFileName(n, "clnk"), mode: 0o644)
                try weightBudget.reserve(current.modelID, limit: limit)
                try weightBudget.raise(copy.model.modelID, to: 1)
                chain.append(ChainElement(prover: copy.model, linkFile: linkFile))
                chains[id] = chain
                linksMade += 1
                retire(current.modelID, registered: id)
            }
        }
    }

    /// Starts making the next copy of `registered`'s chain and its link in the background when the
    /// chain's last commitment has at most two units left (the job after next rotates), once the
    /// backend is idle (as for the weight masks): the copy and link are statement-independent, so
    /// the rotation takes them instead of making them on the job path. Nothing is counted or
    /// written until the rotation uses them; a failure leaves the rotation to make its own.
    func prepareNextCopy(_ registered: ProverModel) {
        let id = registered.modelID, limit = weightProofLimit(registered)
        guard let weightBudget, limit >= 3, copiesUnavailable[id] == nil, !preparingCopies.contains(id),
              let current = chains[id]?.last?.prover, pendingCopies[id]?.from != current.modelID,
              let used = try? weightBudget.used(current.modelID), limit - used <= 2 else { return }
        preparingCopies.insert(id)
        Task {
            while !self.isIdle { try? await Task.sleep(for: self.maskIdleDelay) }
            let made = try? await Self.offload { () throws -> PendingCopy in
                let copy = try WeightCopy(of: registered)
                return PendingCopy(from: current.modelID, copy: copy, link: try WeightCopyLink.prove(from: current, to: copy.model))
            }
            self.preparedCopy(id, made)
        }
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

    /// The model ids of a registered model's chain on this worker (the registered id first).
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
