// The measurements of docs/design.md §6 as plain values, one per row of `switches.csv` and
// `transfer.csv` (docs/design.md §7), plus the learning-set series of `repeat`ed phases. Computed from a
// run's phases and probes by `Switches`, `Transfer` and `LearningSet`; every step count is
// measured from the phase's start (the switch), so it aggregates across seeds even where
// `until criterion` phases start at different steps.

import Records
import Specification

/// What a switch's latencies count: optimizer steps (probes) or trials (frozen stream phases).
public enum SwitchUnit: String, Sendable, Hashable {
  case steps, trials
}

/// One reversal: a stream of a new phase whose target differs from what its items were last
/// trained on (with the same password state). For `unit == .trials` (frozen phases in `context
/// stream`, see `Trials`) every `…Steps` field counts trials and the errors are per lane.
public struct SwitchMetric: Sendable, Hashable {
  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  public var repeatIndex: Int?
  public var set: String
  public var password: Bool
  public var oldTarget: TargetKind
  public var newTarget: TargetKind
  /// Steps and examples from the switch to the first probe that starts K consecutive probes
  /// with agreement ≥ P with the new target; the phase length when censored.
  public var latencySteps: Int
  public var latencyExamples: Int
  public var censored: Bool
  /// Threshold-free latencies: first probe with agreement ≥ 50% / ≥ 80% (nil: never).
  public var latency50Steps: Int?
  public var latency80Steps: Int?
  /// Steps until agreement with the old target first falls below 50% (nil: never, or the old
  /// target's agreement is not measured, as for an old `random` target).
  public var perseverationSteps: Int?
  /// Errors to criterion: wrong answers of the stream's items summed over the phase's probes
  /// before the criterion probe (all of them when censored), in items (in shares of the set,
  /// 1.0 = one whole probe's worth, for runs that did not record the set's size).
  /// Old-answer errors give the old target's answer, other errors neither target's; at each
  /// probe old = min(acc_old, 1 − acc_new), other = max(0, 1 − acc_new − acc_old) (exact when
  /// the old and new answers differ on every item; nil where acc_old is not measured).
  public var oldAnswerErrors: Double?
  public var otherErrors: Double?
  public var unit: SwitchUnit
  /// How many items switch (their answer changes); nil for switches read from whole streams in
  /// records written before switches were found item by item, and for trial-level switches.
  public var items: Int?

  public init(
    key: RunKey, phaseIndex: Int, phase: String, repeatIndex: Int?, set: String, password: Bool,
    oldTarget: TargetKind, newTarget: TargetKind, latencySteps: Int, latencyExamples: Int, censored: Bool,
    latency50Steps: Int?, latency80Steps: Int?, perseverationSteps: Int?,
    oldAnswerErrors: Double?, otherErrors: Double?, unit: SwitchUnit = .steps, items: Int? = nil
  ) {
    self.unit = unit
    self.items = items
    self.key = key
    self.phaseIndex = phaseIndex
    self.phase = phase
    self.repeatIndex = repeatIndex
    self.set = set
    self.password = password
    self.oldTarget = oldTarget
    self.newTarget = newTarget
    self.latencySteps = latencySteps
    self.latencyExamples = latencyExamples
    self.censored = censored
    self.latency50Steps = latency50Steps
    self.latency80Steps = latency80Steps
    self.perseverationSteps = perseverationSteps
    self.oldAnswerErrors = oldAnswerErrors
    self.otherErrors = otherErrors
  }
}

/// What a phase did to a probed set it does not train (transfer and unlocking).
public struct TransferMetric: Sendable, Hashable {
  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  public var set: String
  public var password: Bool
  public var truthStart: Double
  public var truthEnd: Double
  public var truthPeak: Double
  /// acc_truth with password at phase start (or, without a password, the set's best earlier
  /// acc_truth); nil where not applicable.
  public var truthStrong: Double?
  /// (after − locked) / (strong − locked); nil when strong − locked < 0.05 or not applicable.
  public var gapRecovered: Double?
  /// Steps from the phase's start to the first probe at which acc_truth has covered half of its
  /// total change (start → end); nil when it does not change.
  public var halfChangeStep: Int?
  /// The index of the phase this one started from (its parent, docs/design.md §4); nil for the
  /// first phase.
  public var parentIndex: Int?

  public init(
    key: RunKey, phaseIndex: Int, phase: String, set: String, password: Bool, truthStart: Double,
    truthEnd: Double, truthPeak: Double, truthStrong: Double?, gapRecovered: Double?,
    halfChangeStep: Int?, parentIndex: Int? = nil
  ) {
    self.parentIndex = parentIndex
    self.key = key
    self.phaseIndex = phaseIndex
    self.phase = phase
    self.set = set
    self.password = password
    self.truthStart = truthStart
    self.truthEnd = truthEnd
    self.truthPeak = truthPeak
    self.truthStrong = truthStrong
    self.gapRecovered = gapRecovered
    self.halfChangeStep = halfChangeStep
  }
}


/// Latency against reversal index for one stream of a `repeat`ed phase in one run (learning
/// set, docs/design.md §6): the switches of "A taboo" #1, #2, … on one (set, password, old → new).
public struct LearningSetMetric: Sendable, Hashable {
  public var key: RunKey
  /// The phase's name as written (without the repetition number).
  public var phase: String
  public var set: String
  public var password: Bool
  public var oldTarget: TargetKind
  public var newTarget: TargetKind
  /// Reversal indices (the repeat indices, 1-based), ascending, and each one's latency.
  public var reversals: [Int]
  /// In `unit`.
  public var latencySteps: [Int]
  public var unit: SwitchUnit
  public var censored: [Bool]
  /// Last latency over first; nil when the first is 0.
  public var ratio: Double?
  /// λ of the least-squares fit ln(latency + 1) = a − λ·reversal (per reversal; > 0: faster
  /// with practice); nil with fewer than two reversals.
  public var decayRate: Double?

  public init(key: RunKey, phase: String, set: String, password: Bool, oldTarget: TargetKind,
              newTarget: TargetKind, reversals: [Int], latencySteps: [Int], censored: [Bool],
              ratio: Double?, decayRate: Double?, unit: SwitchUnit = .steps) {
    self.unit = unit
    self.key = key
    self.phase = phase
    self.set = set
    self.password = password
    self.oldTarget = oldTarget
    self.newTarget = newTarget
    self.reversals = reversals
    self.latencySteps = latencySteps
    self.censored = censored
    self.ratio = ratio
    self.decayRate = decayRate
  }

  /// Whether any latency of the series is censored (its ratio and rate are then bounds).
  public var anyCensored: Bool { censored.contains(true) }
}
