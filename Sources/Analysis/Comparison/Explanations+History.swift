// E6, E7, E8 (docs/design.md §8.2): what the run's history does to unlocking, which rule comes
// back, and when. All read weak-sample drills.
//
// - E6: drills grouped by the locks among their ancestors (prior cycles = locks − 1). The drills
//   after the most cycles against those after one lock whose steps are within
//   `lengthTolerance` of the cycles' locks together (length-matched), else those after the
//   fewest locks (said so). Ratio of median gaps, the second floored at `unlocks`: ≤ `noIncrease`
//   → F, ≥ `clearIncrease` → R, else neither. Half-change steps and the final lock's latency
//   (its truth→taboo switches without password) are reported beside.
// - E7: drills whose run trained a named convention X without password first, then the truth,
//   before the lock. On the measured set, over the drill: the rise of X's acc against the rise
//   of acc_truth (medians). Neither rising by `unlocks` → neither; X's rise ≤ `clearlyLess` of
//   the truth's → F (the state before the lock returns); the truth's ≤ `clearlyLess` of X's → R
//   (the rule learned first returns); else neither.
// - E8: drills with a half-change step and a memorisation step (`DrillObservation`). Median
//   half-change over median memorisation: ≤ `clearlyLess` → F (unlocking starts at once);
//   > 1 → R (it follows memorisation) when its median is within `comparableFactor` of the
//   latency of lifting a taboo in serial reversal (taboo→truth switches without password,
//   counted in steps, in phases inside `repeat`), or when the batch has none; else neither.
//   When memorisation is censored in at least half the drills (never reached: its median is a
//   lower bound), only F can be read, else neither; equal medians (the same probe) are
//   neither. Not tested when the drilled items are memorised at the drill's first probe
//   (median 0).

import Foundation
import Records
import Specification

/// One phase of one run.
private struct RunPhase: Hashable {
  var key: RunKey
  var phase: Int
}

extension Explanations {
  static func e6(_ drills: [DrillObservation], switches: [SwitchMetric]) -> ExplanationResult {
    let weak = drills.filter { $0.isWeakSample && $0.gapRecovered != nil }
    let missing = "needs weak-sample drills after different numbers of lock/unlock cycles, e.g. "
      + "`repeat N { phase lock …; phase unlock … }` swept over N before the final lock and its drill, "
      + "with an arm whose single lock is as long as the cycles' locks together"
    guard let most = weak.map(\.locks).max(), let fewest = weak.map(\.locks).min(), most > fewest else {
      let cycles = Set(weak.map { $0.locks - 1 }).sorted()
      return notTested(
        "E6", missing + (cycles.count == 1 ? "; every drill here follows \(plural(cycles[0], "prior cycle"))" : ""))
    }
    let cycled = weak.filter { $0.locks == most }
    let length = Statistics.median(cycled.map { Double($0.lockSteps) })!
    let matched = lengthMatched(weak, to: cycled)
    let baseline = matched.isEmpty ? weak.filter { $0.locks == fewest } : matched
    let a = gaps(cycled)!, b = gaps(baseline)!
    let ratio = a.median / max(b.median, unlocks)
    let f = Comparison.format
    let baseName = matched.isEmpty
      ? "after \(plural(fewest - 1, "prior cycle")) (not length-matched: its locks take "
        + "\(describeSteps(Statistics.aggregate(baseline.map { Double($0.lockSteps) })!)) against "
        + "\(String(format: "%.0f", length)))"
      : "after one lock of the same total length (about \(String(format: "%.0f", length)) steps)"
    var measured = "gap_recovered on \(Comparison.describeSets(cycled)) after \(plural(most - 1, "prior cycle")) "
      + "\(describe(a)) over \(plural(cycled.count, "drill")); \(baseName) \(describe(b)) over "
      + "\(plural(baseline.count, "drill")); ratio \(f(ratio))"
    let groups = Set(weak.map(\.locks)).sorted()
    if groups.count > 2 {
      measured += "; median by prior cycles: " + groups.map { locks in
        "\(locks - 1): \(f(gaps(weak.filter { $0.locks == locks })!.median))"
      }.joined(separator: ", ")
    }
    func halfChange(_ group: [DrillObservation]) -> String {
      Statistics.aggregate(group.compactMap { $0.halfChangeStep.map(Double.init) }).map(describeSteps) ?? "—"
    }
    measured += "; half-change step \(halfChange(cycled)) against \(halfChange(baseline))"
    func relock(_ group: [DrillObservation]) -> Aggregate? {
      let lock = lockSwitches(group, switches)
      return Statistics.aggregate(lock.map { Double($0.latencySteps) }, censored: lock.contains(where: \.censored))
    }
    if let x = relock(cycled), let y = relock(baseline) {
      measured += "; the final lock's latency \(describeSteps(x)) against \(describeSteps(y))"
    }
    let confound = matched.isEmpty ? "; the arms differ in total lock length too" : ""
    if ratio <= noIncrease + 1e-12 {
      return result(
        "E6", .forgetting, measured: measured,
        reason: "more prior cycles bring no more unlocking (ratio \(f(ratio)) ≤ \(f(noIncrease))): no learning set "
          + "for switching\(confound)", statistic: ratio)
    }
    if ratio >= clearIncrease - 1e-12 {
      return result(
        "E6", .serialReversal, measured: measured,
        reason: "more prior cycles bring clearly more unlocking (ratio \(f(ratio)) ≥ \(f(clearIncrease))): a "
          + "learning set for switching\(confound)", statistic: ratio)
    }
    return result(
      "E6", .neither, measured: measured,
      reason: "the ratio \(f(ratio)) lies between \(f(noIncrease)) and \(f(clearIncrease))\(confound)",
      statistic: ratio)
  }

  /// The drills of `weak` after one lock whose steps are within `lengthTolerance` of the median
  /// of `cycled`'s locks' steps in all: the arm length-matched to them.
  package static func lengthMatched(
    _ weak: [DrillObservation], to cycled: [DrillObservation]
  ) -> [DrillObservation] {
    guard let length = Statistics.median(cycled.map { Double($0.lockSteps) }) else { return [] }
    return weak.filter { $0.locks == 1 && abs(Double($0.lockSteps) - length) <= lengthTolerance * length }
  }

  /// The switches to the taboo without password (in steps) of the locks `drills` follow, each
  /// lock once: how long each took to lock.
  package static func lockSwitches(_ drills: [DrillObservation], _ switches: [SwitchMetric]) -> [SwitchMetric] {
    let locks = Set(drills.map { RunPhase(key: $0.key, phase: $0.lockIndex) })
    return switches.filter {
      locks.contains(RunPhase(key: $0.key, phase: $0.phaseIndex)) && !$0.password && $0.newTarget == .taboo
        && $0.unit == .steps
    }
  }

  /// The named convention a drill's run trained first, without password, before the truth and
  /// before the drill's lock; nil when it trained none, or the truth first.
  static func firstRule(_ drill: DrillObservation, _ run: RunRecord) -> String? {
    guard let phase = run.phase(drill.phaseIndex) else { return nil }
    let before = run.ancestors(of: phase).reversed().filter { $0.index < drill.lockIndex }
    let taught = before.flatMap { phase in phase.streams.filter { !$0.password }.map { (phase.index, $0.target) } }
    guard let first = taught.first(where: { $0.1 == .truth || $0.1.conventionName != nil }),
      let name = first.1.conventionName,
      taught.contains(where: { $0.1 == .truth && $0.0 > first.0 })
    else { return nil }
    return name
  }

  static func e7(_ drills: [DrillObservation], records: [RunRecord]) -> ExplanationResult {
    let runs = Dictionary(records.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
    var rises: [(rule: String, x: Double, truth: Double)] = []
    for drill in drills where drill.isWeakSample {
      guard let run = runs[drill.key], let rule = firstRule(drill, run), let x = drill.conventionChange[rule],
        let truth = drill.truthChange
      else { continue }
      rises.append((rule, x, truth))
    }
    guard !rises.isEmpty else {
      return notTested(
        "E7", "needs a world with a named convention (`convention X shift 2`) and a run that trains it first "
          + "(`X on train`), then the truth, then a password lock and a weak-sample drill")
    }
    let x = Statistics.aggregate(rises.map(\.x))!, truth = Statistics.aggregate(rises.map(\.truth))!
    let difference = Statistics.aggregate(rises.map { $0.x - $0.truth })!
    let rules = Comparison.ordered(rises.map(\.rule)).map { "`\($0)`" }.joined(separator: ", ")
    let f = Comparison.format
    let measured = "over the drill, no password: the rise of acc of \(rules) (learned first) \(describe(x)); of "
      + "acc_truth (learned next) \(describe(truth)); difference \(describe(difference)) over "
      + plural(rises.count, "drill")
    if max(x.median, truth.median) < unlocks - 1e-12 {
      return result(
        "E7", .neither, measured: measured,
        reason: "neither rule comes back (both median rises < \(f(unlocks)))", statistic: difference.median)
    }
    if x.median <= clearlyLess * truth.median + 1e-12 {
      return result(
        "E7", .forgetting, measured: measured,
        reason: "the truth, the state just before the lock, comes back (X rises by \(f(x.median)) ≤ "
          + "\(f(clearlyLess)) × \(f(truth.median)))", statistic: difference.median)
    }
    if truth.median <= clearlyLess * x.median + 1e-12 {
      return result(
        "E7", .serialReversal, measured: measured,
        reason: "the rule learned first comes back (the truth rises by \(f(truth.median)) ≤ "
          + "\(f(clearlyLess)) × \(f(x.median)))", statistic: difference.median)
    }
    return result(
      "E7", .neither, measured: measured,
      reason: "both rules come back about alike (neither rise is at most \(f(clearlyLess)) of the other)",
      statistic: difference.median)
  }

  static func e8(_ drills: [DrillObservation], switches: [SwitchMetric]) -> ExplanationResult {
    let timed = drills.filter { $0.isWeakSample && $0.halfChangeStep != nil && $0.memorisedStep != nil }
    guard !timed.isEmpty else {
      return notTested(
        "E8", "needs weak-sample drills probed on the drilled set and on locked items they do not train "
          + "(`probe every 4 steps on rest, drill`), whose unlocking changes acc_truth")
    }
    let half = Statistics.aggregate(timed.map { Double($0.halfChangeStep!) })!
    let censored = timed.filter(\.memorisedCensored).count
    let memorised = Statistics.aggregate(timed.map { Double($0.memorisedStep!) }, censored: censored > 0)!
    guard memorised.median > 0 else {
      return notTested(
        "E8", "the drilled items meet the criterion at the drill's first probe in most runs (the lock had "
          + "memorised them), so unlocking cannot be timed against memorisation; a drill on weak answers the "
          + "network has not learned yet (e.g. `wrong` items outside the lock) would test it")
    }
    let lifts = switches.filter {
      $0.oldTarget == .taboo && $0.newTarget == .truth && !$0.password && $0.unit == .steps && $0.repeatIndex != nil
    }
    let lift = Statistics.aggregate(lifts.map { Double($0.latencySteps) }, censored: lifts.contains(where: \.censored))
    let ratio = half.median / memorised.median
    let f = Comparison.format
    var measured = "half-change step of unlocking on \(Comparison.describeSets(timed)) \(describeSteps(half)); "
      + "the drilled items memorised at \(describeSteps(memorised))"
      + (censored > 0 ? " (\(censored) never, counted at the drill's length)" : "")
      + "; ratio \(f(ratio)) over \(plural(timed.count, "drill"))"
    if let lift {
      measured += "; lifting a taboo in serial reversal: latency \(describeSteps(lift)) over \(lifts.count) "
        + (lifts.count == 1 ? "switch" : "switches")
    }
    let statistic = ratio
    if ratio <= clearlyLess + 1e-12 {
      return result(
        "E8", .forgetting, measured: measured,
        reason: "half the unlocking comes before the drilled items are memorised (ratio \(f(ratio)) ≤ "
          + "\(f(clearlyLess))): it starts at once", statistic: statistic)
    }
    // Memorisation censored in most drills: its median is a lower bound, so the ratio is an upper
    // bound and says only that unlocking came first.
    if 2 * censored >= timed.count {
      return result(
        "E8", .neither, measured: measured,
        reason: "unlocking comes before memorisation (the drilled items are not memorised by the drill's end "
          + "in \(censored) of \(timed.count) drills), but not at once (ratio at most \(f(ratio)))",
        statistic: statistic)
    }
    // Equal medians: both marks fall at the same probe, which cannot order them.
    if abs(half.median - memorised.median) <= 1e-9 {
      return result(
        "E8", .neither, measured: measured,
        reason: "unlocking's half-change and memorisation fall at the same probe (ratio 1): probes closer "
          + "together would order them", statistic: statistic)
    }
    guard ratio > 1 else {
      return result(
        "E8", .neither, measured: measured,
        reason: "the ratio \(f(ratio)) lies between \(f(clearlyLess)) and 1: unlocking neither starts at once nor "
          + "follows memorisation", statistic: statistic)
    }
    guard let lift else {
      return result(
        "E8", .serialReversal, measured: measured,
        reason: "unlocking follows memorisation of the drilled items (ratio \(f(ratio)) > 1); the batch has no "
          + "serial reversal to compare its latency with", statistic: statistic)
    }
    let against = half.median / max(lift.median, 1)
    if against <= comparableFactor && against >= 1 / comparableFactor {
      return result(
        "E8", .serialReversal, measured: measured,
        reason: "unlocking follows memorisation (ratio \(f(ratio)) > 1) with a latency comparable with lifting a "
          + "taboo (\(f(against))×, within \(formatNumber(comparableFactor))×)", statistic: statistic)
    }
    return result(
      "E8", .neither, measured: measured,
      reason: "unlocking follows memorisation (ratio \(f(ratio)) > 1), but its latency is \(f(against))× that of "
        + "lifting a taboo, not within \(formatNumber(comparableFactor))×", statistic: statistic)
  }
}
