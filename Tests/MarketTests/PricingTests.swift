import Market
import Testing

@Suite struct PricingTests {
    @Test func unitsRoundUpAndAreAtLeastOne() {
        #expect(Pricing.units(macs: 0) == 1)
        #expect(Pricing.units(macs: 1) == 1)
        #expect(Pricing.units(macs: 1_000_000) == 1)
        #expect(Pricing.units(macs: 1_000_001) == 2)
        #expect(Pricing.units(macs: 109_386) == 1)  // digits_mlp-sized
    }

    @Test func quoteMultipliesUnitsByPrice() throws {
        #expect(try Pricing.quote(macs: 2_500_000, pricePerMegaMac: 7) == 21)
    }

    @Test func quoteOverflowThrows() {
        #expect(throws: MarketError.priceOverflow(macs: UInt64.max, pricePerMegaMac: 1 << 40)) {
            try Pricing.quote(macs: UInt64.max, pricePerMegaMac: 1 << 40)
        }
    }

    @Test func estimatedTime() {
        #expect(Pricing.estimatedMs(macs: 1_000_000, macsPerSecond: 0) == nil)
        #expect(Pricing.estimatedMs(macs: 1_000_000, macsPerSecond: 1_000_000) == 1000)
        #expect(Pricing.estimatedMs(macs: 1, macsPerSecond: 1_000_000) == 1)
        #expect(Pricing.estimatedMs(macs: UInt64.max, macsPerSecond: 1) == UInt64.max / 1000)
    }
}
