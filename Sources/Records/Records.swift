// What a run produces, as plain values: the simulator fills them, the store persists them, the
// analysis reads them back. Steps count optimizer updates from the start of the run; examples
// count training examples consumed (batch sizes summed).

/// One swept parameter's value at a sweep point.
public struct ParameterValue: Sendable, Hashable, Codable {
  public var name: String
  public var value: Double
  public init(name: String, value: Double) {
    self.name = name
    self.value = value
  }
}

/// Identifies a run within a batch: its sweep point (by parameter values) and seed.
public struct RunKey: Sendable, Hashable, Codable, Comparable {
  /// The sweep point's parameters in scenario order (empty without sweeps).
  public var parameters: [ParameterValue]
  public var seed: UInt64
  public init(parameters: [ParameterValue], seed: UInt64) {
    self.parameters = parameters
    self.seed = seed
  }

  /// A stable text form, e.g. `k=2,lr=0.003`: the store's key for the sweep point.
  public var pointLabel: String {
    parameters.map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: ",")
  }

  public static func < (a: RunKey, b: RunKey) -> Bool {
    (a.pointLabel, a.seed) < (b.pointLabel, b.seed)
  }
}

/// How a run ended.
public enum RunStatus: String, Sendable, Codable {
  case complete
  /// The loss became NaN or infinite; the run stopped at `RunRecord.divergedStep`.
  case diverged
}

/// A phase's training stream: items of `set` trained towards `target`.
public struct StreamRecord: Sendable, Hashable, Codable {
  /// "truth", "taboo" or "random".
  public var target: String
  public var set: String
  public var password: Bool
  /// What these items (with this password state) were last trained on before this phase:
  /// "truth", "taboo", "random", "mixed" when they disagree, nil when never trained.
  public var previousTarget: String?
  public init(target: String, set: String, password: Bool, previousTarget: String? = nil) {
    self.target = target
    self.set = set
    self.password = password
    self.previousTarget = previousTarget
  }

  /// Whether this stream reverses what its items were last trained on (a switch, DESIGN §6).
  public var isReversal: Bool {
    guard let previousTarget, previousTarget != "mixed" else { return false }
    return previousTarget != target
  }
}

/// A named item set as drawn for one run.
public struct SetRecord: Sendable, Hashable, Codable {
  public var name: String
  public var size: Int
  public init(name: String, size: Int) {
    self.name = name
    self.size = size
  }
}

/// One phase as it ran (after `repeat` expansion and random lengths).
public struct PhaseRecord: Sendable, Hashable, Codable {
  /// 0-based position in the expanded schedule.
  public var index: Int
  public var name: String
  /// 1-based repetition inside `repeat`, nil outside.
  public var repeatIndex: Int?
  public var startStep: Int
  public var endStep: Int
  public var startExamples: Int
  public var endExamples: Int
  public var streams: [StreamRecord]
  public var frozen: Bool
  /// For `until criterion` phases: the step at which the criterion held (nil: cap reached).
  public var criterionStep: Int?
  /// Frozen phases in `context stream` mode: trials presented, and in how many lanes (0 and 0
  /// elsewhere).
  public var trials: Int
  public var lanes: Int
  public init(index: Int, name: String, repeatIndex: Int?, startStep: Int, endStep: Int,
              startExamples: Int, endExamples: Int, streams: [StreamRecord], frozen: Bool,
              criterionStep: Int?, trials: Int = 0, lanes: Int = 0) {
    self.trials = trials
    self.lanes = lanes
    self.index = index
    self.name = name
    self.repeatIndex = repeatIndex
    self.startStep = startStep
    self.endStep = endStep
    self.startExamples = startExamples
    self.endExamples = endExamples
    self.streams = streams
    self.frozen = frozen
    self.criterionStep = criterionStep
  }
}

/// One evaluation of one item set, with or without password, at one moment (DESIGN §6).
public struct ProbeRecord: Sendable, Hashable, Codable {
  public var phaseIndex: Int
  public var step: Int
  public var examples: Int
  public var set: String
  public var password: Bool
  /// Share of items whose argmax answer is the truth / the taboo answer.
  public var accTruth: Double
  public var accTaboo: Double
  /// Mean softmax probability of the truth / taboo answer.
  public var pTruth: Double
  public var pTaboo: Double
  /// The target this (set, password) is trained on in the current phase ("truth", "taboo",
  /// "random"), its agreement with the answers, and the loss against it; nil where untrained.
  public var target: String?
  public var accTarget: Double?
  public var loss: Double?
  public init(phaseIndex: Int, step: Int, examples: Int, set: String, password: Bool,
              accTruth: Double, accTaboo: Double, pTruth: Double, pTaboo: Double,
              target: String?, accTarget: Double?, loss: Double?) {
    self.phaseIndex = phaseIndex
    self.step = step
    self.examples = examples
    self.set = set
    self.password = password
    self.accTruth = accTruth
    self.accTaboo = accTaboo
    self.pTruth = pTruth
    self.pTaboo = pTaboo
    self.target = target
    self.accTarget = accTarget
    self.loss = loss
  }
}

/// One trial of a frozen phase in `context stream` mode (DESIGN §5): one example presented in one
/// lane. A run's lanes are independent continuous streams (the `batch` of stream mode), so a
/// lane is one subject; trial `t` of a phase is every lane's t-th example of that phase.
public struct TrialRecord: Sendable, Hashable, Codable {
  public var phaseIndex: Int
  /// 0-based position in the phase.
  public var trial: Int
  public var lane: Int
  /// Index, in the phase's streams, of the stream the example came from.
  public var stream: Int
  public var item: Int
  /// The network's answer: the argmax at the item's last supervised position, before the
  /// target answer is shown to it.
  public var answer: Int
  /// The item's answer under the stream's target.
  public var targetAnswer: Int
  /// The item's answer under what it (with this password state) was last presented with before
  /// the phase; nil when it never was.
  public var oldAnswer: Int?
  public var truthAnswer: Int
  public var tabooAnswer: Int
  public init(phaseIndex: Int, trial: Int, lane: Int, stream: Int, item: Int, answer: Int,
              targetAnswer: Int, oldAnswer: Int?, truthAnswer: Int, tabooAnswer: Int) {
    self.phaseIndex = phaseIndex
    self.trial = trial
    self.lane = lane
    self.stream = stream
    self.item = item
    self.answer = answer
    self.targetAnswer = targetAnswer
    self.oldAnswer = oldAnswer
    self.truthAnswer = truthAnswer
    self.tabooAnswer = tabooAnswer
  }

  /// Whether the answer is the stream's target answer.
  public var correct: Bool { answer == targetAnswer }
}

/// Everything one run produced; written to the store in one transaction.
public struct RunRecord: Sendable, Hashable, Codable {
  public var key: RunKey
  public var status: RunStatus
  /// Optimizer steps taken and examples consumed over the whole run.
  public var steps: Int
  public var examples: Int
  public var wallSeconds: Double
  public var divergedStep: Int?
  public var phases: [PhaseRecord]
  public var probes: [ProbeRecord]
  /// The sizes of the scenario's named sets in this run.
  public var sets: [SetRecord]
  /// The trials of frozen phases in `context stream` mode, in (phase, trial, lane) order.
  public var trials: [TrialRecord]
  public init(key: RunKey, status: RunStatus, steps: Int, examples: Int, wallSeconds: Double,
              divergedStep: Int?, phases: [PhaseRecord], probes: [ProbeRecord],
              sets: [SetRecord] = [], trials: [TrialRecord] = []) {
    self.sets = sets
    self.trials = trials
    self.key = key
    self.status = status
    self.steps = steps
    self.examples = examples
    self.wallSeconds = wallSeconds
    self.divergedStep = divergedStep
    self.phases = phases
    self.probes = probes
  }
}

/// Shortest text that reads back as the same Double (`2`, `0.003`, `1e-05`).
func formatNumber(_ value: Double) -> String {
  if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
  return "\(value)"
}
