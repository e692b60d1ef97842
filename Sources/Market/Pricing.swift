/// Units of work and prices. One unit of work is 10^6 multiply-accumulates (MACs) of one
/// inference, as counted by the model importer; prices are whole credits per unit.
public enum Pricing {
    /// MACs in one unit of work.
    public static let macsPerUnit: UInt64 = 1_000_000

    /// Units of work of an inference with `macs` multiply-accumulates, rounded up, at least 1.
    public static func units(macs: UInt64) -> UInt64 {
        max(1, macs / macsPerUnit + (macs % macsPerUnit == 0 ? 0 : 1))
    }

    /// The price of one inference: `units(macs) * pricePerMegaMac`; throws on overflow.
    public static func quote(macs: UInt64, pricePerMegaMac: UInt64) throws(MarketError) -> UInt64 {
        let (product, overflow) = units(macs: macs).multipliedReportingOverflow(by: pricePerMegaMac)
        guard !overflow else { throw .priceOverflow(macs: macs, pricePerMegaMac: pricePerMegaMac) }
        return product
    }

    /// Estimated proving time in milliseconds at a measured throughput (MACs per second),
    /// rounded up and saturating; `nil` when the throughput is unknown (0).
    public static func estimatedMs(macs: UInt64, macsPerSecond: UInt64) -> UInt64? {
        guard macsPerSecond > 0 else { return nil }
        let (scaled, overflow) = macs.multipliedReportingOverflow(by: 1000)
        guard !overflow else { return UInt64.max / 1000 }
        return scaled / macsPerSecond + (scaled % macsPerSecond == 0 ? 0 : 1)
    }
}
