// Two explanations of weak sample unlocking (reference/explanations.md, docs/design.md §8.2):
// F, forgetting (the recent, narrow lock erodes under any further training; the truth learned
// first survives), and R, serial reversal (the drilled items are explained as exceptions and
// the rest reverts to the rule learned first). Each prediction E1–E8 is evaluated on a batch's
// drill and lock observations (`Drills`, `Locks`) and its switches: the measured values
// (median [q25–q75], with the mean's bootstrap 95% interval), the account they favour — F, R,
// neither, or both — and why, in one line; or *not tested by this batch*, naming what would
// test it. No prediction decides the question alone.
//
// The rules, per prediction, are in `Explanations+Latent.swift` (E1, E2), `+Arms.swift` (E3–E5:
// drills from the same lock) and `+History.swift` (E6–E8: prior cycles, which rule returns,
// time course). The thresholds are constants here, each with its source or its reason.

import Foundation
import Records

/// What a prediction's measured values favour.
public enum Favours: Sendable, Hashable, CustomStringConvertible {
  /// F: forgetting.
  case forgetting
  /// R: serial reversal.
  case serialReversal
  /// The values fit neither account's prediction, or fall between them.
  case neither
  /// Both accounts predict what was measured (E1, E2 are predictions they share).
  case both
  /// What the batch lacks, and what would test the prediction.
  case notTested(String)

  public var description: String {
    switch self {
    case .notTested(let why): return "not tested by this batch — \(why)"
    default: return short
    }
  }

  /// One word or two: `F`, `R`, `neither`, `both`, `not tested`.
  public var short: String {
    switch self {
    case .forgetting: return "F"
    case .serialReversal: return "R"
    case .neither: return "neither"
    case .both: return "both"
    case .notTested: return "not tested"
    }
  }
}

/// One prediction of reference/explanations.md: what is measured, and what each account predicts.
public struct Prediction: Sendable, Hashable {
  /// `E1`…`E8`.
  public var id: String
  public var what: String
  /// What F (forgetting) predicts.
  public var forgetting: String
  /// What R (serial reversal) predicts.
  public var reversal: String

  public init(id: String, what: String, forgetting: String, reversal: String) {
    self.id = id
    self.what = what
    self.forgetting = forgetting
    self.reversal = reversal
  }
}

/// One prediction evaluated on a batch (on one drill, when several drills test it).
public struct ExplanationResult: Sendable, Hashable {
  public var prediction: Prediction
  public var favours: Favours
  /// The measured values in one sentence (empty when not tested).
  public var measured: String
  /// Why the values favour what they do, in one line (empty when not tested).
  public var reason: String
  /// The number the verdict is read from (a ratio of medians, a median difference, Spearman's
  /// ρ), where there is one.
  public var statistic: Double?
  /// The drill it was evaluated on (`DrillObservation.summary`), for the predictions that read
  /// one drill at a time (E3–E5), and its phase label, to tell several results apart.
  public var drill: String?
  public var drillLabel: String?

  public init(
    prediction: Prediction, favours: Favours, measured: String = "", reason: String = "",
    statistic: Double? = nil, drill: String? = nil, drillLabel: String? = nil
  ) {
    self.prediction = prediction
    self.favours = favours
    self.measured = measured
    self.reason = reason
    self.statistic = statistic
    self.drill = drill
    self.drillLabel = drillLabel
  }
}

public enum Explanations {
  // MARK: Thresholds

  /// E3, E4, E5: a drill (or kick) unlocks "about as much" as the one it is set against at a ratio
  /// of median gap_recovered ≥ 0.7, and "clearly less" at ≤ 0.5 (reference/explanations.md).
  static let asMuch = 0.7
  static let clearlyLess = 0.5
  /// The median gap_recovered below which a drill does not unlock (U3 and U4's threshold): a
  /// ratio against less says nothing, so E3–E5 are not tested then.
  static let unlocks = 0.05
  /// E1 (set here; the reference gives none): the truth is "still there in the latents" when
  /// the median over locks of latent truth minus acc_truth is at least 0.2, a fifth of the items
  /// more than behaviour shows.
  static let latentApart = 0.2
  /// E2, E5: Spearman's ρ is read over at least 4 pairs (with 2 or 3 it is ±1 or nearly).
  static let minimumPairs = 4
  /// E6 (set here): more prior cycles give "no increase" at a ratio of median gaps ≤ 1.1 (F: no
  /// more than the noise of a few seeds) and "more unlocking" at ≥ 1.5 (R: half as much again);
  /// the fewer-cycles median is floored at `unlocks`, so an arm that does not unlock still gives
  /// a ratio.
  static let noIncrease = 1.1
  static let clearIncrease = 1.5
  /// E6: a single lock is length-matched to the cycles when its steps are within 10% of their
  /// locks' steps in all (lengths drawn per run, or `until criterion`, rarely agree exactly).
  package static let lengthTolerance = 0.1
  /// E8 (set here): a latency is "comparable" with lifting a taboo within this factor either way.
  static let comparableFactor = 2.0

  // MARK: The predictions

  /// The predictions of reference/explanations.md, in order; a test checks them against its table.
  public static let predictions: [Prediction] = [
    Prediction(
      id: "E1",
      what: "during the lock, the truth's linear decodability from the hidden state at the answer position "
        + "(held-out items), against behavioural truth accuracy",
      forgetting: "latent truth stays high while behaviour is locked", reversal: "the same"),
    Prediction(
      id: "E2", what: "across runs and conditions, unlocking against latent truth at drill start",
      forgetting: "unlocking rises with it (Spearman ρ > 0)", reversal: "the same"),
    Prediction(
      id: "E3",
      what: "drills that change no item's target (the weak answer equals the truth; or truth with password, "
        + "already trained) against the weak drill",
      forgetting: "unlock about as much (ratio ≥ 0.7)",
      reversal: "unlock clearly less (ratio ≤ 0.5): no exception is learned"),
    Prediction(
      id: "E4",
      what: "a random-answer drill (only the answer position random, the rest as the weak model) against the "
        + "weak drill",
      forgetting: "unlocks about as much",
      reversal: "unlocks less or differently: random answers are not the convention"),
    Prediction(
      id: "E5",
      what: "unlocking against the drill's weight displacement, and a random weight kick of the same norm as "
        + "the drill",
      forgetting: "unlocking tracks displacement; direction matters less than size",
      reversal: "the kick unlocks far less than the drill: only the exception-making direction unlocks"),
    Prediction(
      id: "E6",
      what: "more prior lock/unlock cycles before the final lock (with an arm whose single lock has the same "
        + "total length)",
      forgetting: "no increase (or less: the lock is consolidated)",
      reversal: "more unlocking and faster: a learning set for switching"),
    Prediction(
      id: "E7",
      what: "which rule comes back: first learn a convention X, then the truth, then lock, then drill",
      forgetting: "the state just before the lock returns (truth)",
      reversal: "the rule learned first returns (X)"),
    Prediction(
      id: "E8",
      what: "time course: the step at which unlocking reaches half its change, against the step at which the "
        + "drilled items are memorised, and against the latency of lifting a taboo in serial reversal",
      forgetting: "unlocking starts at once and grows with steps",
      reversal: "unlocking follows memorisation of the exceptions, like a reversal, with a comparable latency"),
  ]

  public static func prediction(_ id: String) -> Prediction? { predictions.first { $0.id == id } }

  // MARK: Evaluation

  /// Every prediction on a batch's analysed runs, in order; a prediction that several drills
  /// test (E3–E5) has a result for each.
  public static func evaluate(_ runs: [RunAnalysis]) -> [ExplanationResult] {
    let drills = runs.flatMap(\.drills)
    let switches = runs.flatMap(\.switches)
    var results = [e1(runs.flatMap(\.locks)), e2(drills)]
    results += e3(drills)
    results += e4(drills)
    results += e5(drills)
    results.append(e6(drills, switches: switches))
    results.append(e7(drills, records: runs.map(\.record)))
    results.append(e8(drills, switches: switches))
    return results
  }

  /// Each result's name: its prediction's id, followed by its drill (`E3 (right drill)`) where
  /// several drills test the prediction.
  public static func names(_ results: [ExplanationResult]) -> [String] {
    let counts = Dictionary(grouping: results, by: \.prediction.id).mapValues(\.count)
    return results.map { result in
      guard counts[result.prediction.id]! > 1, let drill = result.drillLabel else { return result.prediction.id }
      return "\(result.prediction.id) (\(drill))"
    }
  }

  static func notTested(_ id: String, _ why: String, drill: [DrillObservation] = []) -> ExplanationResult {
    ExplanationResult(
      prediction: prediction(id)!, favours: .notTested(why),
      drill: drill.isEmpty ? nil : DrillObservation.summary(of: drill), drillLabel: drill.first?.label)
  }

  static func result(
    _ id: String, _ favours: Favours, measured: String, reason: String, statistic: Double?,
    drill: [DrillObservation] = []
  ) -> ExplanationResult {
    ExplanationResult(
      prediction: prediction(id)!, favours: favours, measured: measured, reason: reason, statistic: statistic,
      drill: drill.isEmpty ? nil : DrillObservation.summary(of: drill), drillLabel: drill.first?.label)
  }

  // MARK: Formatting

  /// `0.28 [0.21–0.35], mean 0.27 (95% CI 0.22–0.32)`: median and quartiles, with the mean and
  /// its bootstrap interval where defined (not for censored values).
  static func describe(_ a: Aggregate) -> String {
    let f = Comparison.format
    var text = "\(f(a.median)) [\(f(a.q25))–\(f(a.q75))]"
    if let mean = a.mean, let low = a.ciLow, let high = a.ciHigh {
      text += ", mean \(f(mean)) (95% CI \(f(low))–\(f(high)))"
    }
    return text
  }

  /// The same for steps: whole numbers, medians only rounded.
  static func describeSteps(_ a: Aggregate) -> String {
    func f(_ value: Double) -> String { String(format: "%.0f", value) }
    return "\(f(a.median)) [\(f(a.q25))–\(f(a.q75))] steps"
  }

  /// The aggregate of `drills`' gap_recovered, over those that have one.
  static func gaps(_ drills: [DrillObservation]) -> Aggregate? {
    Statistics.aggregate(drills.compactMap(\.gapRecovered))
  }

  static func plural(_ count: Int, _ noun: String) -> String { "\(count) \(noun)\(count == 1 ? "" : "s")" }

  // MARK: Text

  /// The explanations as text lines (`taboo compare`'s "Explanations" part), wrapped at 100
  /// columns as the comparisons before it are.
  public static func text(_ results: [ExplanationResult], scenario: String, runs: Int) -> [String] {
    func wrap(_ prefix: String, _ text: String) -> [String] { AnimalComparison.wrap(prefix, text, width: 100) }
    var lines = [
      "Explanations: '\(scenario)', \(runs) runs",
      "Two accounts of weak sample unlocking: F, forgetting (the recent lock erodes, the truth learned "
        + "first survives); R, serial reversal (the drilled items become exceptions, the rest reverts to "
        + "the rule learned first). Values are medians [q25–q75] with the mean's bootstrap 95% interval. "
        + "Predictions and thresholds: reference/explanations.md, docs/design.md §8.2.",
    ].flatMap { wrap("", $0) }
    for result in results {
      lines.append("")
      lines.append(contentsOf: wrap("\(result.prediction.id)  ", result.prediction.what))
      if let drill = result.drill { lines.append(contentsOf: wrap("    drill:     ", drill)) }
      if !result.measured.isEmpty { lines.append(contentsOf: wrap("    measured:  ", result.measured)) }
      lines.append(contentsOf: wrap("    favours:   ", "\(result.favours)"))
      if !result.reason.isEmpty { lines.append(contentsOf: wrap("    reason:    ", result.reason)) }
    }
    lines.append("")
    lines.append(contentsOf: wrap(
      "Explanations summary: ",
      zip(names(results), results).map { "\($0) \($1.favours.short)" }.joined(separator: " · ")))
    return lines
  }
}
