/// A token bucket: `rate` tokens per second up to `burst`. One token per message.
struct TokenBucket {
    let rate: Double
    let burst: Double
    private var tokens: Double
    private var lastNs: UInt64

    init(rate: Double, burst: Double, nowNs: UInt64) {
        self.rate = rate
        self.burst = burst
        self.tokens = burst
        self.lastNs = nowNs
    }

    /// Takes a token if there is one.
    mutating func take(nowNs: UInt64) -> Bool {
        if nowNs > lastNs {
            tokens = min(burst, tokens + Double(nowNs - lastNs) * rate / 1e9)
            lastNs = nowNs
        }
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
