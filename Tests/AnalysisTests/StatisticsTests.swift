// Aggregates across seeds: type-7 quantiles, the seeded bootstrap, Spearman's ρ, summaries.

import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification
import Store

@Suite("statistics")
struct StatisticsTests {
  @Test("type-7 quantiles match R's quantile() / NumPy's percentile()", arguments: [
    ([1.0, 2, 3, 4], 1.75, 2.5, 3.25),
    ([3.0, 1, 2], 1.5, 2, 2.5),
    ([7.0], 7, 7, 7),
    ([10.0, 0, 5, 20, 15], 5, 10, 15),
    ([1.0, 1, 2, 10], 1, 1.5, 4),
  ])
  func quantiles(values: [Double], q25: Double, median: Double, q75: Double) {
    #expect(Statistics.quantile(values, 0.25) == q25)
    #expect(Statistics.median(values) == median)
    #expect(Statistics.quantile(values, 0.75) == q75)
  }

  @Test("the bootstrap interval is reproducible with its seed and brackets the mean")
  func bootstrap() throws {
    let values = [0.1, 0.4, 0.35, 0.8, 0.2, 0.55, 0.3, 0.45, 0.6, 0.15]
    let a = try #require(Statistics.bootstrapInterval(values, seed: 7))
    let b = try #require(Statistics.bootstrapInterval(values, seed: 7))
    let c = try #require(Statistics.bootstrapInterval(values, seed: 8))
    #expect(a == b)
    #expect(a != c)
    let mean = values.reduce(0, +) / 10
    #expect(a.low < mean && mean < a.high)
    #expect(a.low > values.min()! && a.high < values.max()!)
    #expect(Statistics.bootstrapInterval([0.5, 0.5, 0.5]).map { $0.low == 0.5 && $0.high == 0.5 } == true)
    #expect(Statistics.bootstrapInterval([]) == nil)
  }

  @Test("censored samples: order statistics only")
  func censored() throws {
    let open = try #require(Statistics.aggregate([10, 20, 30, 3000]))
    #expect(open.n == 4 && open.median == 25 && open.mean == 765 && open.ciLow != nil)
    let cens = try #require(Statistics.aggregate([10, 20, 30, 3000], censored: true))
    #expect(cens.median == 25 && cens.q25 == 17.5 && cens.q75 == 772.5)
    #expect(cens.mean == nil && cens.ciLow == nil && cens.ciHigh == nil)
    #expect(Statistics.aggregate([]) == nil)
  }

  @Test("Spearman's ρ: monotone, reversed, ties, constant")
  func spearman() {
    #expect(Statistics.spearman([1, 2, 4, 16, 64], [0.1, 0.2, 0.3, 0.5, 0.9]) == 1)
    #expect(Statistics.spearman([1, 2, 4, 16, 64], [0.9, 0.5, 0.3, 0.2, 0.1]) == -1)
    #expect(Statistics.ranks([10, 20, 20, 30]) == [1, 2.5, 2.5, 4])
    // Ranks x = 1, 2.5, 2.5, 4 against y = 1, 2, 3, 4: Pearson of the ranks, 0.9486833.
    #expect(approx(Statistics.spearman([10, 20, 20, 30], [1, 2, 3, 4]), 0.9486832980505138, 1e-12))
    #expect(Statistics.spearman([1, 1, 1], [1, 2, 3]) == nil)
  }

  @Test("summary rows: censored latencies without mean; undefined values left out; phase labels")
  func summary() throws {
    var runs: [RunAnalysis] = []
    for (seed, values) in [(1, [0.2, 0.95, 0.95, 0.95]), (2, [0.2, 0.5, 0.6, 0.7])].map({ ($0.0, $0.1) }) {
      var b = RunBuilder()
      b.key = RunKey(parameters: [ParameterValue(name: "k", value: 2)], seed: UInt64(seed))
      b.phase("relock", length: 10, streams: [stream(.truth, "A")])
      b.agreement("A", every: 10, target: .truth, [1, 1])
      b.phase("relock", length: 30, streams: [stream(.taboo, "A", previous: "truth")])
      b.agreement("A", every: 10, target: .taboo, values)
      runs.append(RunAnalysis(b.run, number: seed))
    }
    let rows = Summary.rows(runs)
    let latency = try #require(rows.first { $0.metric == "latency_steps" })
    #expect(latency.phase == "relock [phase 1]" && latency.set == "A" && !latency.password)
    #expect(latency.aggregate.n == 2 && latency.aggregate.median == 20 && latency.aggregate.mean == nil)
    let censored = try #require(rows.first { $0.metric == "censored" })
    #expect(censored.aggregate.mean == 0.5)
    // latency80 is reached in seed 1 only.
    #expect(rows.first { $0.metric == "latency80_steps" }?.aggregate.n == 1)
    #expect(rows.map(\.metric).first == "latency_steps")
  }
}
