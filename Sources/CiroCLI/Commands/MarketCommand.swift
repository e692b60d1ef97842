import ArgumentParser
import Foundation
import Sodium
import Wire

struct MarketCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "market",
        abstract: "Show the live market: every node's capacity and price, as a running node sees it.",
        discussion: """
        One line per node whose signed capacity ad arrived within the last 3 ad intervals: CPU \
        cores, memory, GPUs, measured proving throughput, price per 10^6 MACs and load. Also \
        prints this node's balance (derived from the settlements in its ledger). Exit code 3: no \
        node answered.
        """
    )

    @OptionGroup var target: NodeEndpointOptions

    func run() async throws {
        let market = try MarketClient(endpoint: target.endpoint, command: "market").market()
        say("\(market.ads.count) live node(s); this node \(MarketText.short(market.nodeID)), balance \(market.balance) credits")
        for ad in market.ads {
            let me = ad.nodeID == market.nodeID ? " (this node)" : ""
            let gpus = ad.gpus.isEmpty ? "no GPU" : ad.gpus.map { "\($0.name) \($0.memoryMib) MiB" }.joined(separator: ", ")
            let throughput = ad.provingMacsPerSecond == 0 ? "not measured yet" : "\(ad.provingMacsPerSecond) MAC/s proven"
            say("  \(MarketText.short(ad.nodeID))\(me)  \(ad.cpuCores) cores, \(ad.memoryBytes >> 20) MiB, \(gpus), \(throughput), \(ad.pricePerMegaMac) credits/MMAC, jobs \(ad.activeJobs)/\(ad.maxJobs), \(ad.endpoint)")
        }
    }
}
