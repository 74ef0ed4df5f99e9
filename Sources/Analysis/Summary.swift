// Summary rows (docs/design.md §7 `summary.csv`): one per sweep point, metric, phase, set and password,
// aggregating that metric over the runs (seeds) of the point with `Statistics.aggregate`.
//
// - Undefined values (nil: latency50 never reached, gap_recovered without a gap, …) are left
//   out; `n` counts the values aggregated.
// - Switches of frozen stream phases count trials: `latency_trials` etc. instead of `…_steps`;
//   their lanes' reversals give `reversal_trials_to_criterion` (median over lanes),
//   `reversal_errors` (mean per lane) and `one_trial_reversals` (share of lanes), per run, with
//   the reversed streams' sets joined by "+" as the set.
// - Latencies (`latency_steps`, `latency_examples`) of a group holding any censored switch are
//   summarised by order statistics only (mean and interval empty); `censored` is 1 or 0 per
//   switch, so its mean is the share censored.
// - The `phase` column names a phase of the expanded schedule: its name, `NAME #r` inside a
//   repeat, and `NAME [phase i]` when that is still ambiguous (three phases called `relock`).
//   Learning-set rows name the repeated phase as written (no #r).
// - Rows come in sweep order, then metric order (`Summary.metrics`), then phase order, then the
//   order in which sets first appear.

import Records

/// One row of `summary.csv`.
public struct SummaryRow: Sendable, Hashable {
  /// The sweep point: the run key's parameters (sweep and `--set` values).
  public var parameters: [ParameterValue]
  public var metric: String
  public var phase: String
  public var set: String
  public var password: Bool
  public var aggregate: Aggregate
}

public enum Summary {
  /// The metrics of the summary, in row order.
  public static let metrics = [
    "latency_steps", "latency_examples", "censored", "latency50_steps", "latency80_steps",
    "perseveration_steps", "latency_trials", "latency50_trials", "latency80_trials",
    "perseveration_trials", "old_answer_errors", "other_errors", "old_answer_errors_per_lane",
    "other_errors_per_lane",
    "reversal_trials_to_criterion", "reversal_errors", "one_trial_reversals",
    "learning_set_ratio", "learning_set_decay",
    "truth_start", "truth_end", "truth_peak", "truth_strong", "gap_recovered", "half_change_step",
  ]

  /// A unique, readable label for every phase of a run's schedule (see the file comment).
  public static func phaseLabels(_ phases: [PhaseRecord]) -> [Int: String] {
    let base = Dictionary(uniqueKeysWithValues: phases.map { phase in
      (phase.index, phase.repeatIndex.map { "\(phase.name) #\($0)" } ?? phase.name)
    })
    var counts: [String: Int] = [:]
    for label in base.values { counts[label, default: 0] += 1 }
    return Dictionary(uniqueKeysWithValues: base.map { index, label in
      (index, counts[label]! > 1 ? "\(label) [phase \(index)]" : label)
    })
  }

  /// The summary rows of analysed runs (in sweep order).
  public static func rows(_ runs: [RunAnalysis], seed: UInt64 = Statistics.defaultSeed) -> [SummaryRow] {
    struct Group: Hashable {
      var point: String, metric: Int, phaseOrder: Int, phase: String, set: String, password: Bool
    }
    var order: [Group] = []
    var values: [Group: (parameters: [ParameterValue], values: [Double], censored: Bool)] = [:]
    var setOrder: [String: Int] = [:]
    func add(_ run: RunAnalysis, _ metric: String, _ phaseOrder: Int, _ phase: String, _ set: String,
             _ password: Bool, _ value: Double?, censored: Bool = false) {
      guard let value, value.isFinite else { return }
      if setOrder[set] == nil { setOrder[set] = setOrder.count }
      let group = Group(point: run.record.key.pointLabel, metric: metrics.firstIndex(of: metric)!,
                        phaseOrder: phaseOrder, phase: phase, set: set, password: password)
      if values[group] == nil {
        order.append(group)
        values[group] = (run.record.key.parameters, [], false)
      }
      values[group]!.values.append(value)
      if censored { values[group]!.censored = true }
    }
    var pointOrder: [String: Int] = [:]
    for run in runs {
      let labels = phaseLabels(run.record.phases)
      if pointOrder[run.record.key.pointLabel] == nil { pointOrder[run.record.key.pointLabel] = pointOrder.count }
      for s in run.switches {
        let label = labels[s.phaseIndex] ?? s.phase
        let row = { (metric: String, value: Double?, censored: Bool) in
          add(run, metric, s.phaseIndex, label, s.set, s.password, value, censored: censored)
        }
        let unit = s.unit.rawValue
        row("latency_\(unit)", Double(s.latencySteps), s.censored)
        row("latency_examples", Double(s.latencyExamples), s.censored)
        row("censored", s.censored ? 1 : 0, false)
        row("latency50_\(unit)", s.latency50Steps.map(Double.init), false)
        row("latency80_\(unit)", s.latency80Steps.map(Double.init), false)
        row("perseveration_\(unit)", s.perseverationSteps.map(Double.init), false)
        // In steps: counts of (item, probe) errors; in trials: means over lanes, and named so.
        let perLane = s.unit == .trials ? "_per_lane" : ""
        row("old_answer_errors\(perLane)", s.oldAnswerErrors, false)
        row("other_errors\(perLane)", s.otherErrors, false)
      }
      for r in run.reversals {
        // Per run: the median over lanes, the mean errors per lane, the share of one-trial lanes.
        let label = labels[r.phaseIndex] ?? r.phase
        add(run, "reversal_trials_to_criterion", r.phaseIndex, label, r.sets, r.password,
            r.medianTrialsToCriterion, censored: r.censoredLanes > 0)
        add(run, "reversal_errors", r.phaseIndex, label, r.sets, r.password, r.meanErrors)
        add(run, "one_trial_reversals", r.phaseIndex, label, r.sets, r.password, r.oneTrialShare)
      }
      for l in run.learningSets {
        // Learning-set rows sort with the first phase of their series.
        let first = run.switches.first { $0.phase == l.phase && $0.set == l.set && $0.repeatIndex != nil }
        let order = first?.phaseIndex ?? 0
        add(run, "learning_set_ratio", order, l.phase, l.set, l.password, l.ratio, censored: l.anyCensored)
        add(run, "learning_set_decay", order, l.phase, l.set, l.password, l.decayRate, censored: l.anyCensored)
      }
      for t in run.transfers {
        let label = labels[t.phaseIndex] ?? t.phase
        add(run, "truth_start", t.phaseIndex, label, t.set, t.password, t.truthStart)
        add(run, "truth_end", t.phaseIndex, label, t.set, t.password, t.truthEnd)
        add(run, "truth_peak", t.phaseIndex, label, t.set, t.password, t.truthPeak)
        add(run, "truth_strong", t.phaseIndex, label, t.set, t.password, t.truthStrong)
        add(run, "gap_recovered", t.phaseIndex, label, t.set, t.password, t.gapRecovered)
        add(run, "half_change_step", t.phaseIndex, label, t.set, t.password, t.halfChangeStep.map(Double.init))
      }
    }
    let sorted = order.enumerated().sorted { a, b in
      let x = a.element, y = b.element
      let kx = (pointOrder[x.point]!, x.metric, x.phaseOrder, setOrder[x.set]!, x.password ? 1 : 0)
      let ky = (pointOrder[y.point]!, y.metric, y.phaseOrder, setOrder[y.set]!, y.password ? 1 : 0)
      if kx != ky { return kx < ky }
      return a.offset < b.offset
    }.map(\.element)
    return sorted.compactMap { group in
      let entry = values[group]!
      guard let aggregate = Statistics.aggregate(entry.values, censored: entry.censored, seed: seed) else {
        return nil
      }
      return SummaryRow(parameters: entry.parameters, metric: metrics[group.metric], phase: group.phase,
                        set: group.set, password: group.password, aggregate: aggregate)
    }
  }
}
