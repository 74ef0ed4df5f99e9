// Measures by reversal index (docs/design.md §6.8), the measures the animal reference points
// compare with (reference/animal-reversal.md):
//
// - A run's *reversals* of one unit, numbered 1, 2, … in phase order (the reversal index):
//   in trials, every frozen phase of `context stream` that presented trials and has a reversed
//   stream (the phases of `Trials.reversals`); in steps, every phase inside `repeat` with at
//   least one switch counted in probes (as the learning sets read them).
// - Errors per reversal: in trials, the mean over lanes of the wrong answers before the lane's
//   criterion (`ReversalMetric.meanErrors`); in steps, the sum over the phase's switches of
//   old-answer plus other errors (item errors at probes before the criterion), undefined when
//   any of them is.
// - In trials only: the share of lanes whose reversal is a one-trial reversal, and the
//   accuracy on the second trial after the switch (trial 1, the first after the first feedback):
//   the share of the lanes shown a trial 1 that answered it correctly.
// - Per run and unit: the least-squares slope of errors on the reversal index (errors per
//   reversal falling with practice: < 0), and the trial-2 accuracy pooled over two blocks, the
//   first ⌊N/2⌋ of the run's N reversals and the rest (correct answers over lanes shown, summed
//   over the block's reversals).

import Records
import Specification

/// One reversal of a run, by its index among the run's reversals of the same unit.
public struct ReversalPoint: Sendable, Hashable {
  public var key: RunKey
  public var unit: SwitchUnit
  /// 1, 2, … in phase order among the run's reversals of `unit`.
  public var reversal: Int
  public var phaseIndex: Int
  public var phase: String
  public var repeatIndex: Int?
  /// The reversed sets, joined by "+".
  public var sets: String
  /// Errors of the reversal: per lane in trials, item errors in steps; nil when undefined.
  public var errors: Double?
  /// Trials: the share of lanes with a one-trial reversal.
  public var oneTrialShare: Double?
  /// Trials: lanes shown a second trial (trial 1) and those of them answering it correctly.
  public var trial2Shown: Int
  public var trial2Correct: Int

  /// Trials: the share of lanes correct on the second trial after the switch.
  public var trial2Accuracy: Double? {
    trial2Shown == 0 ? nil : Double(trial2Correct) / Double(trial2Shown)
  }
}

/// A run's reversals of one unit and what is read across them.
public struct ReversalSeries: Sendable, Hashable {
  public var key: RunKey
  public var unit: SwitchUnit
  public var points: [ReversalPoint]

  /// The least-squares slope of errors on the reversal index, over the reversals with defined
  /// errors; nil with fewer than two of them.
  public var errorsSlope: Double? {
    let defined = points.compactMap { p in p.errors.map { (Double(p.reversal), $0) } }
    return ReversalIndex.slope(defined.map(\.0), defined.map(\.1))
  }

  /// The one-trial share at the last reversal (trials only).
  public var oneTrialShareLast: Double? { points.last?.oneTrialShare }

  /// The block (1 or 2) of a reversal index among N reversals: 1 for r ≤ ⌊N/2⌋.
  public static func block(_ reversal: Int, of count: Int) -> Int { reversal <= count / 2 ? 1 : 2 }

  /// Trial-2 accuracy pooled over block 1 or 2 (trials only; nil with fewer than two reversals or
  /// no second trial in the block).
  public func trial2Accuracy(block: Int) -> Double? {
    guard points.count >= 2 else { return nil }
    let members = points.filter { Self.block($0.reversal, of: points.count) == block }
    let shown = members.map(\.trial2Shown).reduce(0, +)
    return shown == 0 ? nil : Double(members.map(\.trial2Correct).reduce(0, +)) / Double(shown)
  }
}

public enum ReversalIndex {
  /// The reversal series of one run (with its trials): in trials first, then in steps; a unit
  /// without reversals gives no series.
  public static func series(
    _ run: RunRecord, reversals: [ReversalMetric], switches: [SwitchMetric]
  ) -> [ReversalSeries] {
    var result: [ReversalSeries] = []
    // Second trials by phase: (shown, correct).
    var second: [Int: (shown: Int, correct: Int)] = [:]
    for trial in run.trials where trial.trial == 1 {
      var count = second[trial.phaseIndex, default: (0, 0)]
      count.shown += 1
      if trial.correct { count.correct += 1 }
      second[trial.phaseIndex] = count
    }
    let inTrials = reversals.sorted { $0.phaseIndex < $1.phaseIndex }.enumerated().map { offset, r in
      ReversalPoint(
        key: run.key, unit: .trials, reversal: offset + 1, phaseIndex: r.phaseIndex, phase: r.phase,
        repeatIndex: r.repeatIndex, sets: r.sets, errors: r.lanes.isEmpty ? nil : r.meanErrors,
        oneTrialShare: r.lanes.isEmpty ? nil : r.oneTrialShare,
        trial2Shown: second[r.phaseIndex]?.shown ?? 0, trial2Correct: second[r.phaseIndex]?.correct ?? 0)
    }
    if !inTrials.isEmpty { result.append(ReversalSeries(key: run.key, unit: .trials, points: inTrials)) }

    let repeated = switches.filter { $0.unit == .steps && $0.repeatIndex != nil }
    let byPhase = Dictionary(grouping: repeated, by: \.phaseIndex)
    let inSteps = byPhase.keys.sorted().enumerated().map { offset, phaseIndex in
      let members = byPhase[phaseIndex]!
      var names: [String] = []
      for m in members where !names.contains(m.set) { names.append(m.set) }
      var errors: Double? = 0
      for m in members {
        if let old = m.oldAnswerErrors, let other = m.otherErrors, let sum = errors {
          errors = sum + old + other
        } else {
          errors = nil
        }
      }
      return ReversalPoint(
        key: run.key, unit: .steps, reversal: offset + 1, phaseIndex: phaseIndex, phase: members[0].phase,
        repeatIndex: members[0].repeatIndex, sets: names.joined(separator: "+"), errors: errors,
        oneTrialShare: nil, trial2Shown: 0, trial2Correct: 0)
    }
    if !inSteps.isEmpty { result.append(ReversalSeries(key: run.key, unit: .steps, points: inSteps)) }
    return result
  }

  /// The least-squares slope of y on x; nil with fewer than two distinct x.
  public static func slope(_ x: [Double], _ y: [Double]) -> Double? {
    guard x.count == y.count, x.count >= 2 else { return nil }
    let mx = x.reduce(0, +) / Double(x.count), my = y.reduce(0, +) / Double(y.count)
    var sxy = 0.0, sxx = 0.0
    for (a, b) in zip(x, y) {
      sxy += (a - mx) * (b - my)
      sxx += (a - mx) * (a - mx)
    }
    return sxx > 0 ? sxy / sxx : nil
  }
}
