import Market
import Sodium
import Testing

@Suite struct AuditorRankingTests {
    let job: [UInt8] = Array(repeating: 3, count: 32)
    let nodes: [[UInt8]] = (1...8).map { Array(repeating: UInt8($0), count: 32) }

    @Test func rankIsByHashOfJobAndNode() throws {
        let ranked = AuditorRanking.rank(jobID: job, candidates: nodes, excluding: [])
        let expected = try nodes.sorted {
            try Blake2b.hash(job + $0).lexicographicallyPrecedes(try Blake2b.hash(job + $1))
        }
        #expect(ranked == expected)
    }

    @Test func workerAndRequesterAreSkipped() {
        let excluded: Set = [nodes[0], nodes[1]]
        let chosen = AuditorRanking.select(jobID: job, candidates: nodes, excluding: excluded, count: 8)
        #expect(chosen.count == 6)
        #expect(!chosen.contains(nodes[0]) && !chosen.contains(nodes[1]))
    }

    @Test func silentAuditorIsReplacedByTheNextRanked() {
        let ranked = AuditorRanking.rank(jobID: job, candidates: nodes, excluding: [])
        let first = AuditorRanking.select(jobID: job, candidates: nodes, excluding: [], count: 2)
        #expect(first == Array(ranked.prefix(2)))
        let after = AuditorRanking.select(jobID: job, candidates: nodes, excluding: [], silent: [ranked[0]], count: 2)
        #expect(after == [ranked[1], ranked[2]])
    }

    @Test func orderDoesNotDependOnCandidateOrderOrDuplicates() {
        let a = AuditorRanking.rank(jobID: job, candidates: nodes, excluding: [])
        let b = AuditorRanking.rank(jobID: job, candidates: nodes.reversed() + nodes, excluding: [])
        #expect(a == b)
    }

    @Test func differentJobsGetDifferentAuditors() {
        let other: [UInt8] = Array(repeating: 4, count: 32)
        #expect(AuditorRanking.rank(jobID: job, candidates: nodes, excluding: [])
            != AuditorRanking.rank(jobID: other, candidates: nodes, excluding: []))
    }

    @Test func fewerCandidatesThanAskedGivesAllThereAre() {
        #expect(AuditorRanking.select(jobID: job, candidates: Array(nodes.prefix(2)), excluding: [], count: 5).count == 2)
        #expect(AuditorRanking.select(jobID: job, candidates: nodes, excluding: [], count: -1).isEmpty)
    }
}
