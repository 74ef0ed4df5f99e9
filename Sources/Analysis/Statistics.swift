// Aggregates across seeds (docs/design.md §6): median and quartiles, mean with a seeded bootstrap 95%
// interval, Spearman's rank correlation. Pure functions of their inputs (and the seed), so a
// summary reads back identically on every machine.
//
// Quantiles use linear interpolation between order statistics (Hyndman and Fan type 7, the
// default of R and NumPy): for sorted x₀…xₙ₋₁ and 0 ≤ p ≤ 1, h = (n − 1)·p and
// Q(p) = x⌊h⌋ + (h − ⌊h⌋)·(x⌊h⌋₊₁ − x⌊h⌋).
//
// The bootstrap interval is the percentile interval: `resamples` means of n values drawn with
// replacement, the 2.5% and 97.5% type-7 quantiles of those means. Draws come from taboo's seeded
// generator (stream "bootstrap" of `seed`), so the interval depends only on the values, their
// order, the seed and the number of resamples.

import Randomness

/// Order statistics, mean and bootstrap interval of one sample.
public struct Aggregate: Sendable, Hashable {
  /// Number of values aggregated.
  public var n: Int
  public var median: Double
  public var q25: Double
  public var q75: Double
  /// nil when the sample holds censored values (summarised by order statistics only).
  public var mean: Double?
  public var ciLow: Double?
  public var ciHigh: Double?

  public init(n: Int, median: Double, q25: Double, q75: Double, mean: Double?, ciLow: Double?,
              ciHigh: Double?) {
    self.n = n
    self.median = median
    self.q25 = q25
    self.q75 = q75
    self.mean = mean
    self.ciLow = ciLow
    self.ciHigh = ciHigh
  }
}

public enum Statistics {
  /// Bootstrap resamples per interval.
  public static let resamples = 2000
  /// The bootstrap seed used by summaries unless a caller gives another.
  public static let defaultSeed: UInt64 = 20_240_606

  /// The type-7 quantile of `values` at `p` in [0, 1]; nil for an empty sample.
  public static func quantile(_ values: [Double], _ p: Double) -> Double? {
    quantile(sorted: values.sorted(), p)
  }

  /// The type-7 quantile of an ascending sample.
  public static func quantile(sorted x: [Double], _ p: Double) -> Double? {
    guard !x.isEmpty else { return nil }
    let h = Double(x.count - 1) * min(max(p, 0), 1)
    let lower = Int(h.rounded(.down))
    let upper = min(lower + 1, x.count - 1)
    return x[lower] + (h - Double(lower)) * (x[upper] - x[lower])
  }

  public static func median(_ values: [Double]) -> Double? { quantile(values, 0.5) }

  public static func mean(_ values: [Double]) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
  }

  /// The percentile bootstrap 95% interval of the mean (see the file comment).
  public static func bootstrapInterval(
    _ values: [Double], seed: UInt64 = defaultSeed, resamples: Int = resamples
  ) -> (low: Double, high: Double)? {
    guard !values.isEmpty, resamples > 0 else { return nil }
    var generator = SeededGenerator(seed: seed, stream: "bootstrap")
    let n = values.count
    var means = [Double](repeating: 0, count: resamples)
    for r in 0..<resamples {
      var sum = 0.0
      for _ in 0..<n { sum += values[generator.nextInt(below: n)] }
      means[r] = sum / Double(n)
    }
    means.sort()
    return (quantile(sorted: means, 0.025)!, quantile(sorted: means, 0.975)!)
  }

  /// Median, quartiles, and (unless `censored`) mean with its bootstrap interval; nil for an
  /// empty sample. Censored values enter at their censored value (a lower bound), so the order
  /// statistics stay right while fewer than a quarter (q75) or half (median) are censored.
  public static func aggregate(_ values: [Double], censored: Bool = false, seed: UInt64 = defaultSeed)
    -> Aggregate?
  {
    let x = values.sorted()
    guard let median = quantile(sorted: x, 0.5) else { return nil }
    let interval = censored ? nil : bootstrapInterval(values, seed: seed)
    return Aggregate(
      n: x.count, median: median, q25: quantile(sorted: x, 0.25)!, q75: quantile(sorted: x, 0.75)!,
      mean: censored ? nil : mean(values), ciLow: interval?.low, ciHigh: interval?.high)
  }

  /// Ranks 1…n, ties sharing the mean of their ranks.
  public static func ranks(_ values: [Double]) -> [Double] {
    let order = values.indices.sorted { values[$0] < values[$1] }
    var ranks = [Double](repeating: 0, count: values.count)
    var start = 0
    while start < order.count {
      var end = start
      while end + 1 < order.count && values[order[end + 1]] == values[order[start]] { end += 1 }
      let rank = Double(start + end) / 2 + 1
      for i in start...end { ranks[order[i]] = rank }
      start = end + 1
    }
    return ranks
  }

  /// Spearman's rank correlation (Pearson's on tie-averaged ranks); nil with fewer than two
  /// pairs or when either side is constant.
  public static func spearman(_ x: [Double], _ y: [Double]) -> Double? {
    guard x.count == y.count, x.count >= 2 else { return nil }
    return pearson(ranks(x), ranks(y))
  }

  public static func pearson(_ x: [Double], _ y: [Double]) -> Double? {
    guard x.count == y.count, x.count >= 2, let mx = mean(x), let my = mean(y) else { return nil }
    var sxy = 0.0, sxx = 0.0, syy = 0.0
    for (a, b) in zip(x, y) {
      sxy += (a - mx) * (b - my)
      sxx += (a - mx) * (a - mx)
      syy += (b - my) * (b - my)
    }
    guard sxx > 0, syy > 0 else { return nil }
    return sxy / (sxx * syy).squareRoot()
  }
}
