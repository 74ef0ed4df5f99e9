// The animal comparison (docs/design.md §8.1): each point of `AnimalReferences.all` set beside the
// simulated value of the same measure (`ReversalIndex`), per sweep point and per kind of reversal
// (in context, counted in trials; in the weights, counted in steps), with a verdict:
//
// - a point with a value: *within* when the simulated quartile range [q25, q75] over runs
//   overlaps the point's range [low, high] (10^-12 tolerance), *above* when q25 > high, *below*
//   when q75 < low;
// - an ordering-only point (A4): *direction matches* when the median slope over runs has the
//   published sign (errors fall: < 0), *no change across reversals* when it is 0 (10^-12), else
//   *direction differs*;
// - `falling_errors_share` is a share over runs, not a median: its value is that share (q25 =
//   q75 = the share) and it is compared with the point's range as above;
// - a point whose measure the batch lacks is *not measured by this batch*, naming what would
//   measure it.

import Foundation
import Records
import Specification

public enum AnimalVerdict: Sendable, Hashable, CustomStringConvertible {
  case within, above, below
  case directionMatches, directionDiffers
  /// An ordering-only point whose measure does not change (a median slope of 0: errors equal at
  /// every reversal, e.g. one per lane from the first).
  case noChange

  public var description: String {
    switch self {
    case .within: return "within"
    case .above: return "above"
    case .below: return "below"
    case .directionMatches: return "direction matches"
    case .directionDiffers: return "direction differs"
    case .noChange: return "no change across reversals"
    }
  }
}

/// One simulated value set beside a reference point: one sweep point, one kind of reversal.
public struct AnimalObservation: Sendable, Hashable {
  /// The sweep point's varying parameters (`reversals = 25`), empty when the batch has one point.
  public var point: String
  public var unit: SwitchUnit
  /// Median and quartiles over runs (for a share over runs: the share, q25 = q75 = median).
  public var value: Aggregate
  /// Runs with a defined value (for a share: the runs it is over).
  public var runs: Int
  /// For `falling_errors_share`: how many of `runs` have falling errors.
  public var falling: Int?
  public var verdict: AnimalVerdict

  /// `in context (trials)` or `in the weights (steps)`.
  public var kind: String { unit == .trials ? "in context (trials)" : "in the weights (steps)" }
}

/// One reference point evaluated on a batch.
public struct AnimalResult: Sendable, Hashable {
  public var reference: AnimalReference
  public var observations: [AnimalObservation]
  /// When nothing was measured: what the batch lacks and what would measure the point.
  public var missing: String?
}

public enum AnimalComparison {
  static let inContextHint =
    "frozen phases in `context stream` that present trials after a reversal "
    + "(e.g. scenarios/in-context-reversal.taboo)"
  static let seriesHint =
    "at least two reversals per run: phases inside `repeat` with switches "
    + "(e.g. scenarios/weight-space-reversal.taboo) or frozen trial phases after reversals "
    + "(scenarios/in-context-reversal.taboo)"

  /// Every reference point on a batch's analysed runs (in sweep order).
  public static func evaluate(_ runs: [RunAnalysis]) -> [AnimalResult] {
    let points = sweepPoints(runs.map(\.record.key))
    return AnimalReferences.all.map { evaluate($0, runs: runs, points: points) }
  }

  /// The per-run value of `measure` on a run's series of `unit`, if defined.
  public static func value(_ measure: AnimalMeasure, _ series: ReversalSeries) -> Double? {
    switch measure {
    case .oneTrialShareLast: return series.oneTrialShareLast
    case .trial2AccuracyFirstBlock: return series.trial2Accuracy(block: 1)
    case .trial2AccuracySecondBlock: return series.trial2Accuracy(block: 2)
    case .errorsSlope, .fallingErrorsShare: return series.errorsSlope
    }
  }

  /// The verdict of a simulated value (quartiles) against a point.
  public static func verdict(_ reference: AnimalReference, _ value: Aggregate) -> AnimalVerdict {
    guard let low = reference.low ?? reference.value, let high = reference.high ?? reference.value else {
      // Ordering only: errors fall, i.e. a negative slope.
      if abs(value.median) <= 1e-12 { return .noChange }
      return (value.median < 0) == (reference.direction ?? "falls" == "falls")
        ? .directionMatches : .directionDiffers
    }
    if value.q25 > high + 1e-12 { return .above }
    if value.q75 < low - 1e-12 { return .below }
    return .within
  }

  static func evaluate(_ reference: AnimalReference, runs: [RunAnalysis], points: [(label: String, keys: Set<RunKey>)])
    -> AnimalResult
  {
    let measure = reference.measure
    let units: [SwitchUnit] = measure.trialsOnly ? [.trials] : [.trials, .steps]
    var observations: [AnimalObservation] = []
    var anySeries = false
    for point in points {
      for unit in units {
        let series = runs.filter { point.keys.contains($0.record.key) }
          .compactMap { run in run.reversalSeries.first { $0.unit == unit } }
        if !series.isEmpty { anySeries = true }
        let values = series.compactMap { value(measure, $0) }
        guard !values.isEmpty else { continue }
        var falling: Int? = nil
        let aggregate: Aggregate
        if measure == .fallingErrorsShare {
          let count = values.filter { $0 < 0 }.count
          let share = Double(count) / Double(values.count)
          falling = count
          aggregate = Aggregate(n: values.count, median: share, q25: share, q75: share, mean: share,
                                ciLow: nil, ciHigh: nil)
        } else {
          aggregate = Statistics.aggregate(values)!
        }
        observations.append(AnimalObservation(
          point: point.label, unit: unit, value: aggregate, runs: values.count, falling: falling,
          verdict: verdict(reference, aggregate)))
      }
    }
    var missing: String? = nil
    if observations.isEmpty {
      if measure.trialsOnly {
        missing = anySeries && measure != .oneTrialShareLast
          ? "needs at least two reversals in trials per run (\(inContextHint))"
          : "needs \(inContextHint)"
      } else {
        missing = "needs \(seriesHint)"
      }
    }
    return AnimalResult(reference: reference, observations: observations, missing: missing)
  }

  /// The sweep points in first-seen order, labelled with the parameters that vary among them.
  static func sweepPoints(_ keys: [RunKey]) -> [(label: String, keys: Set<RunKey>)] {
    var values: [String: Set<Double>] = [:]
    for key in keys { for p in key.parameters { values[p.name, default: []].insert(p.value) } }
    var order: [String] = []
    var members: [String: Set<RunKey>] = [:]
    for key in keys {
      let label = key.parameters.filter { (values[$0.name]?.count ?? 0) > 1 }
        .map { "\($0.name) = \(formatNumber($0.value))" }.joined(separator: ", ")
      if members[label] == nil { order.append(label) }
      members[label, default: []].insert(key)
    }
    return order.map { ($0, members[$0]!) }
  }

  // MARK: Text

  /// The comparison as text lines (`taboo compare`'s "Animal reference" section), wrapped at
  /// 100 columns.
  public static func text(_ results: [AnimalResult], scenario: String, runs: Int) -> [String] {
    var lines = [
      "Animal reference: '\(scenario)', \(runs) runs",
      "Simulated values are medians [q25–q75] over the runs of a sweep point; a reference range is "
        + "compared with the quartiles. Points and sources: reference/animal-reversal.md.",
    ].flatMap { wrap("", $0) }
    for result in results {
      let r = result.reference
      lines.append("")
      lines.append(contentsOf: wrap(
        "\(r.id)  ", "\(r.species)\(r.n.map { ", n = \($0)" } ?? "")\(r.fromAbstract ? " (from abstract)" : ""): \(r.statement)"))
      lines.append(contentsOf: wrap("    measure:   ", "\(r.measure.rawValue): \(r.measure.description)"))
      lines.append(contentsOf: wrap("    reference: ", referenceText(r)))
      lines.append(contentsOf: wrap("    criterion: ", "\(r.criterion) in the study; the simulation uses the scenario's criterion"))
      if let missing = result.missing {
        lines.append(contentsOf: wrap("    verdict:   ", "not measured by this batch: \(missing)"))
      }
      for o in result.observations {
        let at = (o.point.isEmpty ? "" : "\(o.point), ") + o.kind
        lines.append(contentsOf: wrap("    simulated: ", "\(at): \(observationText(r, o)): \(o.verdict)"))
      }
      lines.append("    source:    \(r.source)")
    }
    lines.append("")
    lines.append(contentsOf: wrap("Animal summary: ", results.map { "\($0.reference.id) \(short($0))" }
      .joined(separator: " · ")))
    return lines
  }

  /// The reference's value and the range it is compared over.
  public static func referenceText(_ r: AnimalReference) -> String {
    guard let value = r.value else {
      return "ordering only (direction: errors per reversal \(r.direction == "falls" ? "fall" : r.direction ?? "?"))"
    }
    if let low = r.low, let high = r.high, low != high {
      return "\(Comparison.format(value)) (compared over \(Comparison.format(low))–\(Comparison.format(high)), "
        + "the 95% interval of its proportion)"
    }
    return Comparison.format(value)
  }

  static func observationText(_ r: AnimalReference, _ o: AnimalObservation) -> String {
    let a = o.value
    switch r.measure {
    case .fallingErrorsShare:
      return "\(Comparison.format(a.median)) (\(o.falling ?? 0) of \(o.runs) runs with falling errors)"
    case .errorsSlope:
      let unit = o.unit == .trials ? "errors per lane" : "item errors"
      return "slope \(slope(a.median)) [\(slope(a.q25))–\(slope(a.q75))] "
        + "\(unit) per reversal over \(o.runs) runs"
    default:
      return "\(Comparison.format(a.median)) [\(Comparison.format(a.q25))–\(Comparison.format(a.q75))] over \(o.runs) runs"
    }
  }

  /// Three significant digits, a true minus sign.
  static func slope(_ value: Double) -> String {
    (value < 0 ? "−" : "") + String(format: "%.3g", abs(value))
  }

  static func short(_ result: AnimalResult) -> String {
    if result.missing != nil { return "not measured" }
    var seen: [String] = []
    for o in result.observations where !seen.contains(o.verdict.description) { seen.append(o.verdict.description) }
    return seen.joined(separator: "/")
  }

  /// `prefix` then `text`'s words, wrapped at `width` columns under the end of `prefix` (both
  /// comparisons' text).
  public static func wrap(_ prefix: String, _ text: String, width: Int = 100) -> [String] {
    let indent = String(repeating: " ", count: prefix.count)
    var lines: [String] = []
    var line = prefix
    var empty = true
    for word in text.split(separator: " ") {
      if !empty && line.count + 1 + word.count > width {
        lines.append(line)
        line = indent + word
      } else {
        line += (empty ? "" : " ") + word
      }
      empty = false
    }
    lines.append(line)
    return lines
  }
}
