// Learning set / savings (docs/design.md §6): do reversals get faster with practice?
//
// For each run, the switches of phases inside `repeat` are grouped by (phase name, set,
// password, old → new target); the reversal index is the repeat index. A series needs at least
// two reversals.
//   - ratio = latency at the last reversal / latency at the first (nil when the first is 0).
//   - decay rate λ: ordinary least squares of ln(latency + 1) on the reversal index r, i.e.
//     latency + 1 ≈ A·e^(−λ r); λ > 0 means reversals get faster. The +1 step keeps a latency of 0
//     (criterion met at the switch) in the fit.
// Censoring: a censored latency enters at its censored value, the phase length, which is a lower
// bound on the true latency; the series records which points are censored, and a summary of a
// group holding any censored series reports order statistics only (no mean or interval).

import Foundation
import Records
import Specification

public enum LearningSet {
  /// The learning-set series of one run's switches (those of `repeat`ed phases).
  public static func compute(_ switches: [SwitchMetric]) -> [LearningSetMetric] {
    struct Group: Hashable {
      var phase: String, set: String, password: Bool, old: TargetKind, new: TargetKind, unit: SwitchUnit
    }
    var order: [Group] = []
    var members: [Group: [SwitchMetric]] = [:]
    for metric in switches where metric.repeatIndex != nil {
      let group = Group(phase: metric.phase, set: metric.set, password: metric.password,
                        old: metric.oldTarget, new: metric.newTarget, unit: metric.unit)
      if members[group] == nil { order.append(group) }
      members[group, default: []].append(metric)
    }
    return order.compactMap { group in
      let series = members[group]!.sorted { $0.repeatIndex! < $1.repeatIndex! }
      guard series.count >= 2, let first = series.first, let last = series.last else { return nil }
      let reversals = series.map { $0.repeatIndex! }
      let latencies = series.map(\.latencySteps)
      return LearningSetMetric(
        key: first.key, phase: group.phase, set: group.set, password: group.password,
        oldTarget: group.old, newTarget: group.new, reversals: reversals, latencySteps: latencies,
        censored: series.map(\.censored),
        ratio: first.latencySteps == 0 ? nil : Double(last.latencySteps) / Double(first.latencySteps),
        decayRate: decayRate(reversals: reversals.map(Double.init), latencies: latencies.map(Double.init)),
        unit: group.unit)
    }
  }

  /// λ of the least-squares fit ln(latency + 1) = a − λ·r; nil with fewer than two distinct r.
  public static func decayRate(reversals r: [Double], latencies: [Double]) -> Double? {
    guard r.count == latencies.count, r.count >= 2 else { return nil }
    let y = latencies.map { log1p(max($0, 0)) }
    let mr = r.reduce(0, +) / Double(r.count), my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0
    for (a, b) in zip(r, y) {
      sxy += (a - mr) * (b - my)
      sxx += (a - mr) * (a - mr)
    }
    guard sxx > 0 else { return nil }
    return -sxy / sxx
  }
}
