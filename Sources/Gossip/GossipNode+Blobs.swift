import Foundation
import Sodium
import Wire

extension GossipNode {
    /// Keeps `bytes` in memory and serves them to peers by id. Returns the id (BLAKE2b-256).
    @discardableResult
    public func storeBlob(_ bytes: [UInt8]) throws -> [UInt8] {
        let id = try Blake2b.hash(bytes)
        blobs[id] = bytes
        return id
    }

    /// Installs a provider consulted for blobs not stored in memory (e.g. the ledger's proof store).
    public func setBlobProvider(_ provider: @escaping @Sendable (Ciro_V1_BlobKind, [UInt8]) -> [UInt8]?) {
        blobProvider = provider
    }

    /// Fetches a blob by its BLAKE2b-256 id from a linked peer, chunk by chunk, and checks the
    /// whole blob against the id. A mismatch lowers the peer's score and throws.
    public func fetchBlob(id: [UInt8], kind: Ciro_V1_BlobKind, from peer: Ed25519PublicKey) async throws -> [UInt8] {
        var result: [UInt8] = []
        var total: UInt64? = nil
        while total == nil || UInt64(result.count) < total! {
            let response = try await requestChunk(id: id, kind: kind, offset: UInt64(result.count), from: peer)
            if !response.error.isEmpty { throw GossipError.fetchRefused(response.error) }
            guard Array(response.id) == id, response.offset == UInt64(result.count) else {
                penalize(peer, .malformedBody)
                throw GossipError.fetchRefused("response for another blob or offset")
            }
            if total == nil {
                guard response.totalSize <= UInt64(config.maxBlobBytes) else {
                    throw GossipError.blobTooLarge(size: response.totalSize, limit: config.maxBlobBytes)
                }
                total = response.totalSize
                result.reserveCapacity(Int(response.totalSize))
            }
            guard !response.chunk.isEmpty || response.totalSize == 0,
                  UInt64(result.count + response.chunk.count) <= total!
            else {
                penalize(peer, .malformedBody)
                throw GossipError.fetchRefused("chunk outside the blob")
            }
            result.append(contentsOf: response.chunk)
        }
        let actual = try Blake2b.hash(result)
        guard actual == id else {
            penalize(peer, .rejectedByValidator("blob hash mismatch"))
            throw GossipError.blobHashMismatch(expected: Hex.encode(id), actual: Hex.encode(actual))
        }
        return result
    }

    private func requestChunk(id: [UInt8], kind: Ciro_V1_BlobKind, offset: UInt64,
                              from peer: Ed25519PublicKey) async throws -> Ciro_V1_FetchResponse {
        guard let link = links[peer], link.established else { throw GossipError.notConnected("\(peer.shortID)") }
        let requestID = nextRequestID
        nextRequestID += 1
        var request = Ciro_V1_FetchRequest()
        request.kind = kind
        request.id = Data(id)
        request.offset = offset
        request.length = UInt32(config.chunkBytes)
        request.requestID = requestID
        send(topic: .fetchRequest, message: request, to: [link.connection])
        let timeout = config.fetchTimeoutMs
        let timer = Task { [weak self] in
            try? await Task.sleep(for: .milliseconds(timeout))
            await self?.expireFetch(requestID)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            pendingFetches[requestID] = continuation
            pendingFetchPeers[requestID] = peer
        }
    }

    private func expireFetch(_ requestID: UInt64) {
        guard let pending = pendingFetches.removeValue(forKey: requestID) else { return }
        pendingFetchPeers[requestID] = nil
        pending.resume(throwing: GossipError.fetchTimedOut("request \(requestID)"))
    }

    func pendingFetchesFrom(_ key: Ed25519PublicKey) -> [(UInt64, CheckedContinuation<Ciro_V1_FetchResponse, any Error>)] {
        pendingFetchPeers.filter { $0.value == key }.compactMap { id, _ in
            pendingFetchPeers[id] = nil
            return pendingFetches[id].map { (id, $0) }
        }
    }

    func handleFetchRequest(_ envelope: VerifiedEnvelope, from link: Link) {
        guard let request = try? envelope.decodeBody(as: Ciro_V1_FetchRequest.self), request.id.count == 32 else {
            penalize(link.key, .malformedBody)
            return
        }
        var response = Ciro_V1_FetchResponse()
        response.id = request.id
        response.offset = request.offset
        response.requestID = request.requestID
        let id = Array(request.id)
        if let blob = blobs[id] ?? blobProvider?(request.kind, id) {
            response.totalSize = UInt64(blob.count)
            if request.offset > UInt64(blob.count) {
                response.error = "offset \(request.offset) beyond the blob (\(blob.count) bytes)"
            } else {
                let start = Int(request.offset)
                let length = min(Int(request.length), config.chunkBytes, blob.count - start)
                response.chunk = Data(blob[start..<start + length])
            }
        } else {
            response.error = "not found"
        }
        send(topic: .fetchResponse, message: response, to: [link.connection])
    }

    func handleFetchResponse(_ envelope: VerifiedEnvelope, from link: Link) {
        guard let response = try? envelope.decodeBody(as: Ciro_V1_FetchResponse.self) else {
            penalize(link.key, .malformedBody)
            return
        }
        guard pendingFetchPeers[response.requestID] == link.key,
              let pending = pendingFetches.removeValue(forKey: response.requestID) else { return }
        pendingFetchPeers[response.requestID] = nil
        pending.resume(returning: response)
    }
}
