// The language-model comparison (docs/design.md §8): each claim of `Claims.all` evaluated on a batch's
// drill observations (`Drills`), with the measured value (median and quartiles over runs), the
// language-model evidence and its source, and a verdict.
//
// Drills are told apart by their phase label (`DrillObservation.label`: the phase's name, with
// its repetition inside `repeat`): every claim is evaluated on each drill that qualifies for it,
// pooling that drill's runs and sweep points, so the `kick` and the `matched kick` of one batch
// get a U4 each. A *weak-sample* drill is a taboo drill whose every drilled answer differs from
// the truth (`notTruth == k`; taken as it is in records without the count).
//
// Rules, per claim and drill (gap = gap_recovered of the measured set; runs whose gap is
// undefined are left out of medians and counted):
// - U1: weak-sample drills with k = 2: reproduced when median gap > 0.10 and gap > 0 in ≥ 70% of
//   the runs with a defined gap.
// - U2: weak-sample drills swept over at least two distinct k: reproduced when Spearman's
//   ρ(k, gap) < 0 over the drill's runs.
// - U3: weak-sample drills at their largest k, which must be ≥ 32: reproduced when median
//   gap < 0.05.
// - U4: perturb-only phases after a lock (`perturb σ`, `perturb like`): reproduced when median
//   gap < 0.05.
// - U5: acc_taboo of the drilled set without password at the end of weak-sample drills with
//   k = 2 (all of the drill's sizes when none has k = 2): reproduced when the median ≥ 0.95.
// - U6: every network the simulator trains starts from random weights, so U6 takes U1's verdict.
// - D1: truth drills with k ≤ 8 that change a drilled answer: reproduced when median gap ≥ 0.5.
// A claim with no such drill, or whose gaps are all undefined (the lock opened no gap of 0.05),
// is *not tested by this batch*, with the phase or sweep that would test it.

import Foundation
import Records

public enum Verdict: Sendable, Hashable, CustomStringConvertible {
  case reproduced
  case notReproduced
  /// What the batch lacks, and what would test the claim.
  case notTested(String)

  public var description: String {
    switch self {
    case .reproduced: return "reproduced"
    case .notReproduced: return "not reproduced"
    case .notTested(let why): return "not tested by this batch: \(why)"
    }
  }
}

/// One claim evaluated on a batch, on one drill (the runs' phases of one name).
public struct ClaimResult: Sendable, Hashable {
  public var claim: Claim
  public var verdict: Verdict
  /// The measured value in one sentence (empty when not tested).
  public var measured: String
  /// Median and quartiles of the measured quantity over runs, where there is one.
  public var value: Aggregate?
  /// Which drill the claim was evaluated on (`DrillObservation.summary` of its first run), when
  /// one was; a claim that several drills test has a result for each.
  public var drill: String? = nil
  /// The drill's phase label, to tell several results of one claim apart.
  public var drillLabel: String? = nil
}

public enum Comparison {
  static let weakSampleHint = "e.g. scenarios/weak-sample-unlocking.taboo"
  static let controlsHint = "e.g. scenarios/unlocking-controls.taboo"

  /// Evaluates every claim on the drills of a batch's runs.
  public static func evaluate(_ runs: [RunAnalysis]) -> [ClaimResult] {
    evaluate(drills: runs.flatMap(\.drills))
  }

  /// `drills` grouped by phase label, in order of first appearance.
  static func byDrill(_ drills: [DrillObservation]) -> [[DrillObservation]] {
    var labels: [String] = []
    var groups: [String: [DrillObservation]] = [:]
    for drill in drills {
      if groups[drill.label] == nil { labels.append(drill.label) }
      groups[drill.label, default: []].append(drill)
    }
    return labels.map { groups[$0]! }
  }

  /// One result per drill of `drills` (grouped by label), each labelled; `empty` when none.
  static func perDrill(
    _ drills: [DrillObservation], empty: () -> ClaimResult, _ evaluate: ([DrillObservation]) -> ClaimResult
  ) -> [ClaimResult] {
    let groups = byDrill(drills)
    guard !groups.isEmpty else { return [empty()] }
    return groups.map { group in
      var result = evaluate(group)
      // A claim that reads only some of the drill's runs (U5 at k = 2) names those itself.
      result.drill = result.drill ?? DrillObservation.summary(of: group)
      result.drillLabel = group[0].label
      return result
    }
  }

  public static func evaluate(drills: [DrillObservation]) -> [ClaimResult] {
    let taboo = drills.filter(\.isWeakSample)
    let u1Missing = "needs a phase `taboo on` a 2-item set of `wrong` items without password after a "
      + "password lock (a drill with k = 2, \(weakSampleHint))"
    let u1 = perDrill(taboo.filter { $0.k == 2 }, empty: { notTested("U1", u1Missing) }) { group in
      gapClaim("U1", group, what: "taboo drill, k = 2", missing: u1Missing) { aggregate, gaps in
        let positive = gaps.filter { $0 > 0 }.count
        let share = Double(positive) / Double(gaps.count)
        return (aggregate.median > 0.10 && share >= 0.7, "; > 0 in \(positive) of \(gaps.count) runs")
      }
    }
    var results = u1
    results += u2(taboo)
    results += u3(taboo)
    let u4Missing = "needs a frozen phase with `perturb σ` or `perturb like` after a password lock "
      + "(the `kick` phase of scenarios/unlocking-controls.taboo)"
    results += perDrill(drills.filter { $0.kind == .perturb }, empty: { notTested("U4", u4Missing) }) { group in
      gapClaim("U4", group, what: "perturb-only phase", missing: u4Missing) { aggregate, _ in
        (aggregate.median < 0.05, "")
      }
    }
    results += u5(taboo)
    for one in u1 {
      var u6 = ClaimResult(claim: Claims.claim("U6")!, verdict: one.verdict, measured: "", value: one.value,
                           drill: one.drill, drillLabel: one.drillLabel)
      if case .notTested(let why) = one.verdict {
        u6.verdict = .notTested("follows U1, which \(why.hasPrefix("needs") ? "" : "is not tested: ")\(why)")
      } else {
        u6.measured = "every network here is trained from scratch (random initial weights); U1: \(one.measured)"
      }
      results.append(u6)
    }
    // Good demonstrations: truth drills that change the drilled items' answers.
    let d1Missing = "needs a phase `truth on` at most 8 locked items without password after a password "
      + "lock (the `truth drill` of scenarios/unlocking-controls.taboo)"
    let truth = drills.filter { $0.kind == .truth && ($0.k ?? .max) <= 8 && ($0.changing ?? 1) > 0 }
    results += perDrill(truth, empty: { notTested("D1", d1Missing) }) { group in
      gapClaim("D1", group, what: "truth drill, k ≤ 8", missing: d1Missing) { aggregate, _ in
        (aggregate.median >= 0.5, "")
      }
    }
    return results
  }

  /// Each result's name in a summary: its claim's id, followed by its drill (`U4 (kick)`) where
  /// several drills test the claim.
  public static func names(_ results: [ClaimResult]) -> [String] {
    let counts = Dictionary(grouping: results, by: \.claim.id).mapValues(\.count)
    return results.map { result in
      guard counts[result.claim.id]! > 1, let drill = result.drillLabel else { return result.claim.id }
      return "\(result.claim.id) (\(drill))"
    }
  }

  static func notTested(_ id: String, _ why: String) -> ClaimResult {
    ClaimResult(claim: Claims.claim(id)!, verdict: .notTested(why), measured: "", value: nil)
  }

  /// A claim decided by the median gap of `drills`.
  static func gapClaim(
    _ id: String, _ drills: [DrillObservation], what: String, missing: String,
    decide: (Aggregate, [Double]) -> (Bool, String)
  ) -> ClaimResult {
    let claim = Claims.claim(id)!
    guard !drills.isEmpty else {
      return ClaimResult(claim: claim, verdict: .notTested(missing), measured: "", value: nil)
    }
    let gaps = drills.compactMap(\.gapRecovered)
    guard let aggregate = Statistics.aggregate(gaps) else {
      return ClaimResult(
        claim: claim,
        verdict: .notTested(
          "gap_recovered is undefined in every run of the \(what) (\(drills.count)): the lock left "
            + "less than 0.05 between the locked and the strong accuracy (a longer lock would test it)"),
        measured: "", value: nil)
    }
    let (holds, extra) = decide(aggregate, gaps)
    return ClaimResult(
      claim: claim, verdict: holds ? .reproduced : .notReproduced,
      measured: "gap_recovered on \(describeSets(drills)) after \(describePhases(drills)) (\(what)): "
        + "median \(format(aggregate.median)) [\(format(aggregate.q25))–\(format(aggregate.q75))] "
        + "over \(gaps.count) runs\(undefinedNote(drills.count - gaps.count))\(extra)",
      value: aggregate)
  }

  static func u2(_ taboo: [DrillObservation]) -> [ClaimResult] {
    let claim = Claims.claim("U2")!
    // Drills swept over at least two sizes k, each on its own.
    let swept = byDrill(taboo).filter { Set($0.compactMap(\.k)).count >= 2 }.flatMap { $0 }
    guard !swept.isEmpty else {
      let ks = Set(taboo.compactMap(\.k)).sorted()
      return [ClaimResult(
        claim: claim,
        verdict: .notTested(
          "needs taboo drills of several sizes k, a sweep over the drilled set's size "
            + "(`sweep k = 1, 2, 4, 16, 64` in scenarios/unlocking-controls.taboo)"
            + (ks.isEmpty ? "" : "; this batch drills only k = \(ks.map(String.init).joined(separator: ", "))")
            + (ks.count > 1 ? " in different phases" : "")),
        measured: "", value: nil)]
    }
    return perDrill(swept, empty: { notTested("U2", "") }) { group in
      let pairs = group.compactMap { d in d.k.flatMap { k in d.gapRecovered.map { (Double(k), $0) } } }
      let ks = Set(group.compactMap(\.k)).sorted()
      guard Set(pairs.map(\.0)).count >= 2, let rho = Statistics.spearman(pairs.map(\.0), pairs.map(\.1)) else {
        return ClaimResult(
          claim: claim,
          verdict: .notTested("gap_recovered is undefined or constant at all but one k (a longer lock would test it)"),
          measured: "", value: nil)
      }
      let perK = ks.compactMap { k -> String? in
        let gaps = pairs.filter { $0.0 == Double(k) }.map(\.1)
        return Statistics.median(gaps).map { "k=\(k): \(format($0))" }
      }
      return ClaimResult(
        claim: claim, verdict: rho < 0 ? .reproduced : .notReproduced,
        measured: "Spearman ρ(k, gap_recovered) = \(format(rho)) over \(pairs.count) runs; "
          + "median gap_recovered \(perK.joined(separator: ", "))",
        value: Statistics.aggregate(pairs.map(\.1)))
    }
  }

  static func u3(_ taboo: [DrillObservation]) -> [ClaimResult] {
    let largest = taboo.compactMap(\.k).max()
    guard let largest, largest >= 32 else {
      return [notTested(
        "U3",
        "needs a taboo drill of k ≥ 32 items (a sweep of k up to 64, "
          + "\(controlsHint))" + (largest.map { "; the largest k here is \($0)" } ?? ""))]
    }
    // Each drill at its own largest k, where that is at least 32.
    let large = byDrill(taboo).flatMap { group -> [DrillObservation] in
      guard let top = group.compactMap(\.k).max(), top >= 32 else { return [] }
      return group.filter { $0.k == top }
    }
    return perDrill(large, empty: { notTested("U3", "") }) { group in
      gapClaim("U3", group, what: "taboo drill, k = \(group[0].k!)", missing: "") { aggregate, _ in
        (aggregate.median < 0.05, "")
      }
    }
  }

  static func u5(_ taboo: [DrillObservation]) -> [ClaimResult] {
    let missing = "needs a phase `taboo on` a few `wrong` items without password after a password lock "
      + "(a drill, \(weakSampleHint))"
    return perDrill(taboo, empty: { notTested("U5", missing) }) { group in
      let claim = Claims.claim("U5")!
      let atTwo = group.filter { $0.k == 2 }
      let drills = atTwo.isEmpty ? group : atTwo
      let values = drills.compactMap(\.drilledTabooEnd)
      guard let aggregate = Statistics.aggregate(values) else {
        return ClaimResult(claim: claim, verdict: .notTested(missing), measured: "", value: nil)
      }
      let ks = Set(drills.compactMap(\.k)).sorted().map(String.init).joined(separator: ", ")
      return ClaimResult(
        claim: claim, verdict: aggregate.median >= 0.95 ? .reproduced : .notReproduced,
        measured: "acc_taboo of the drilled set, no password, at the end of \(describePhases(drills)) "
          + "(k = \(ks)): median \(format(aggregate.median)) [\(format(aggregate.q25))–\(format(aggregate.q75))] "
          + "over \(values.count) runs",
        value: aggregate, drill: DrillObservation.summary(of: drills))
    }
  }

  static func describeSets(_ drills: [DrillObservation]) -> String {
    let names = ordered(drills.map { $0.measuredSet ?? "?" })
    return names.map { "`\($0)`" }.joined(separator: ", ") + " (no password)"
  }

  static func describePhases(_ drills: [DrillObservation]) -> String {
    ordered(drills.map(\.phase)).map { "`\($0)`" }.joined(separator: ", ")
  }

  package static func ordered(_ names: [String]) -> [String] {
    var seen: [String] = []
    for name in names where !seen.contains(name) { seen.append(name) }
    return seen
  }

  static func undefinedNote(_ count: Int) -> String {
    count == 0 ? "" : " (\(count) more with gap_recovered undefined)"
  }

  /// Two decimals, a true minus sign.
  public static func format(_ value: Double) -> String {
    let rounded = (value * 100).rounded() / 100
    return (rounded < 0 ? "−" : "") + String(format: "%.2f", abs(rounded))
  }
}
