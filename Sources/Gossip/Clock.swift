#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock and monotonic time in the units the protocol uses.
public enum GossipClock {
    /// Unix time in milliseconds (envelope timestamps).
    public static func unixMs() -> UInt64 { unixNs() / 1_000_000 }

    /// Unix time in nanoseconds (receipt times, comparable across processes on one machine).
    public static func unixNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Monotonic nanoseconds (timers, rate limits).
    public static func monotonicNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    static func monotonicMs() -> UInt64 { monotonicNs() / 1_000_000 }
}
