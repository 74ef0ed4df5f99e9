// The figures of docs/design.md §7, from a batch's runs and metrics:
//   (a) learning curves per probed set: acc_truth (solid, median and quartile band over seeds)
//       and acc_taboo (dashed, median) against optimizer step, without password (blue) and with
//       it (vermillion); phases tinted alternately, boundaries marked and named;
//   (b) switch latency against reversal index for `repeat`ed phases: median and quartiles over
//       seeds, every seed a dot, censored seeds open triangles;
//   (c) gap_recovered against each swept parameter: median and quartiles, seeds as dots;
//   (d) in stream mode, choice accuracy around the switch, and one-trial reversals, trial-2
//       accuracy and errors by reversal index; published animal results of the same measures
//       drawn beside them (ReferenceMarks.swift);
//   (e) the weights' geometry at each phase's end: the share of the parent's displacement undone,
//       and the distances from the phase's and the parent's start (GeometryFigure.swift).
//   (f) latent truth against acc_truth at each phase's end, per probed set (LatentFigure.swift);
//   (g) each drill's and kick's gap_recovered against its weight displacement (DisplacementFigure.swift);
//   (h) weak-sample drills' gap_recovered and their lock's latency against prior lock/unlock cycles,
//       the length-matched arm apart (CyclesFigure.swift).
// One sweep point is one panel (small multiples); seeds are what the statistics run over.

import Foundation
import Analysis
import Records
import Specification

/// One figure to write: a file name (no directory) and its SVG text.
public struct FigureFile: Sendable, Hashable {
  public var name: String
  public var svg: String
  /// What it shows, in one line.
  public var summary: String
}

public enum Figures {
  static let withoutPassword = Chart.color(0)
  static let withPassword = Chart.color(1)
  static let tabooDash = "7 4"

  /// One reversed (set, password) stream: a colour in the latency figure.
  struct SeriesKey: Hashable {
    var set: String
    var password: Bool
    func matches(_ metric: SwitchMetric) -> Bool {
      metric.set == set && metric.password == password
    }
  }

  /// The values grouped by sweep point, in the order the points first appear.
  static func groupedByPoint<T>(_ values: [T], key: (T) -> RunKey) -> [(label: String, values: [T])]
  {
    var order: [String] = []
    var groups: [String: [T]] = [:]
    for value in values {
      let label = key(value).pointLabel
      if groups[label] == nil { order.append(label) }
      groups[label, default: []].append(value)
    }
    return order.map { ($0, groups[$0] ?? []) }
  }

  /// The parameters that take more than one value in the batch (the swept ones; a key also
  /// holds parameters fixed with `--set`), in key order.
  public static func varyingParameters(_ keys: [RunKey]) -> [String] {
    var order: [String] = []
    var values: [String: Set<Double>] = [:]
    for key in keys {
      for parameter in key.parameters {
        if values[parameter.name] == nil { order.append(parameter.name) }
        values[parameter.name, default: []].insert(parameter.value)
      }
    }
    return order.filter { (values[$0]?.count ?? 0) > 1 }
  }

  /// The varying parameters of a sweep point: `k = 2, lr = 0.003`.
  static func displayPoint(_ key: RunKey, _ varying: [String]) -> String {
    key.parameters.filter { varying.contains($0.name) }
      .map { "\($0.name) = \(formatNumber($0.value))" }.joined(separator: ", ")
  }

  /// One note line naming the parameters every run shares (`--set` values), if any.
  static func fixedParametersNote(_ keys: [RunKey], varying: [String]) -> [String] {
    guard let first = keys.first else { return [] }
    let fixed = first.parameters.filter { !varying.contains($0.name) }
    if fixed.isEmpty { return [] }
    return [
      "Parameters: "
        + fixed.map { "\($0.name) = \(formatNumber($0.value))" }.joined(separator: ", ")
        + "."
    ]
  }

  static func seedsText(_ counts: [Int]) -> String {
    let lo = counts.min() ?? 0
    let hi = counts.max() ?? 0
    let count = lo == hi ? "\(lo)" : "\(lo)–\(hi)"
    return "\(count) seed\(hi == 1 ? "" : "s")\(counts.count > 1 ? " per sweep point" : "")"
  }

  /// A swept parameter's axis: ticks at its values; logarithmic when they are positive and
  /// span a factor of 8 or more.
  static func parameterAxis(_ name: String, values: [Double]) -> Chart.Axis {
    let lo = values.first ?? 0
    let hi = values.last ?? 1
    let label = "\(name) (swept parameter)"
    let ticks = values.count <= 12 ? values : nil
    if lo > 0, hi / lo >= 8 {
      return Chart.Axis(
        label + ", log scale", domain: (lo / 1.5)...(hi * 1.5), log: true, ticks: ticks ?? values)
    }
    let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(lo) * 0.5, 0.5)
    return Chart.Axis(label, domain: (lo - pad)...(hi + pad), ticks: ticks)
  }

  static func axisSpan(_ values: [Double]) -> Double {
    let span = (values.last ?? 0) - (values.first ?? 0)
    return span > 0 ? span : 1
  }
}

/// Median and quartiles (linear interpolation between order statistics, as numpy's default and
/// R's type 7) of the finite values; nil when there are none.
package struct PlotQuartiles {
  package var q25: Double
  package var median: Double
  package var q75: Double

  package init?(_ values: [Double]) {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    q25 = Statistics.quantile(sorted: sorted, 0.25)!
    median = Statistics.quantile(sorted: sorted, 0.5)!
    q75 = Statistics.quantile(sorted: sorted, 0.75)!
  }
}
