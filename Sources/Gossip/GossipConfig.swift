/// Tunables of the gossip overlay. Defaults follow Network/PROTOCOL.md; tests shrink the timers.
public struct GossipConfig: Sendable {
    /// Endpoint the ROUTER binds, e.g. `tcp://127.0.0.1:7400` (`:*` or `:0` picks a free port).
    public var listen: String
    /// Endpoint announced to peers (defaults to the bound endpoint).
    public var advertise: String?
    /// Target number of links (GossipSub's D).
    public var targetDegree = 6
    /// Below this many links the node dials more peers.
    public var lowWater = 4
    /// Above this many links the node prunes back to the target.
    public var highWater = 12
    /// Hard cap on links, inbound included.
    public var maxLinks = 32
    /// Largest envelope on the wire; libzmq drops a connection that sends a larger frame.
    public var maxEnvelopeBytes = (1 << 20) + 4096
    /// Largest body of a market message.
    public var maxBodyBytes = 1 << 20
    /// Largest body of a PROBE message.
    public var maxProbeBodyBytes = 1024
    /// Forwarding stops at this hop count.
    public var maxHops: UInt32 = 16
    /// Seen-cache capacity (message ids).
    public var seenCacheCapacity = 200_000
    /// How far in the past a timestamp may lie (ms).
    public var maxAgeMs: UInt64 = 120_000
    /// How far in the future a timestamp may lie (ms).
    public var maxFutureSkewMs: UInt64 = 10_000
    /// Heartbeat period: degree upkeep, pings, eviction, peer exchange (ms).
    public var heartbeatMs = 1000
    /// Ping a link after this much silence (ms).
    public var pingAfterMs: UInt64 = 3000
    /// Evict a link after this much silence (ms).
    public var deadAfterMs: UInt64 = 10_000
    /// A dial without a Hello reply after this long fails (ms).
    public var dialTimeoutMs: UInt64 = 5000
    /// Reconnection back-off: first delay and ceiling (ms).
    public var reconnectBaseMs: UInt64 = 500
    public var reconnectMaxMs: UInt64 = 30_000
    /// Per-connection rate limit: sustained messages per second and burst.
    public var rateLimitPerSecond = 5000.0
    public var rateLimitBurst = 10_000.0
    /// Per-signer rate limit for gossiped messages (wherever they come from): sustained messages
    /// per second and burst. Messages over it are ignored and cost the signer 0.5 points each.
    public var signerRatePerSecond = 1000.0
    public var signerRateBurst = 2000.0
    /// Per-link send queue bound (ZeroMQ high-water mark, messages).
    public var sendQueueLimit: Int32 = 20_000
    /// Score at or below which a peer is banned, and for how long (ms).
    public var banThreshold = -100.0
    public var banDurationMs: UInt64 = 600_000
    /// Messages a connection may send before its Hello before it is cut off.
    public var preHelloStrikes = 3
    /// Blob transfer chunk size and largest blob.
    public var chunkBytes = 256 * 1024
    public var maxBlobBytes = 512 * 1024 * 1024
    /// Timeout for one chunk request (ms).
    public var fetchTimeoutMs: UInt64 = 10_000
    /// Push every message to every link at once (true), or only announce ids with IHAVE and let
    /// peers pull them with IWANT (false: slower; tests use it to prove that lazy pull recovers
    /// messages that eager push lost).
    public var eagerPush = true
    /// Lazy pull (PROTOCOL.md): messages stay fetchable for this many heartbeats and are announced
    /// in IHAVE during the last `ihaveHeartbeats` of them.
    public var messageCacheHeartbeats = 5
    public var ihaveHeartbeats = 3
    /// Bounds of the recent-message cache: messages and bytes.
    public var messageCacheCapacity = 50_000
    public var messageCacheBytes = 64 << 20
    /// Most ids in one IHAVE or IWANT; more is a malformed body.
    public var maxLazyIds = 2000
    /// Ids this node asks one peer for per second (sustained, burst). Below the serve limit so
    /// that an honest node never trips its neighbours' limit.
    public var iwantRatePerSecond = 500.0
    public var iwantBurst = 1000.0
    /// Messages this node hands one peer on IWANT per second (sustained, burst).
    public var serveRatePerSecond = 2000.0
    public var serveBurst = 4000.0
    /// How often one peer may get the same message on IWANT.
    public var maxRetransmissions = 3
    /// An IWANT not answered within this long is a broken promise of the advertiser (ms).
    public var iwantTimeoutMs: UInt64 = 2000
    /// Where the address book, scores and bans are kept across restarts (a node uses
    /// `DATA_DIR/peers.json`); nil: nowhere. Written at `stop()` and every `peerStateSaveMs`.
    public var peerStatePath: String?
    public var peerStateSaveMs: UInt64 = 30_000
    /// Software name sent in Hello.
    public var agent = "ciro/0.1.0"

    public init(listen: String) {
        self.listen = listen
    }
}
