// What a run produces, as plain values: the simulator fills them, the store persists them, the
// analysis reads them back. Steps count optimizer updates from the start of the run; examples
// count training examples consumed (batch sizes summed). docs/design.md §7.

import Specification

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

extension RunKey {
  /// Sweep order: parameter values compared in scenario order (numerically; names break ties),
  /// then the seed. A total order on the keys of one batch.
  public static func sweepOrder(_ a: RunKey, _ b: RunKey) -> Bool {
    for (x, y) in zip(a.parameters, b.parameters) {
      if x.name != y.name { return x.name < y.name }
      if x.value != y.value { return x.value.isTotallyOrdered(belowOrEqualTo: y.value) }
    }
    if a.parameters.count != b.parameters.count { return a.parameters.count < b.parameters.count }
    return a.seed < b.seed
  }
}

/// How a run ended.
public enum RunStatus: String, Sendable, Codable {
  case complete
  /// The loss became NaN or infinite; the run stopped at `RunRecord.divergedStep`.
  case diverged
}

/// What a stream's items (with its password state) were last trained on before its phase.
public enum PreviousTarget: Sendable, Hashable {
  case target(TargetKind)
  /// The items were last trained on different targets.
  case mixed

  /// The stable name in the store: the target's name, or `mixed`.
  public var name: String {
    switch self {
    case .target(let kind): kind.rawValue
    case .mixed: "mixed"
    }
  }

  public init?(name: String) {
    guard !name.isEmpty else { return nil }
    if name == "mixed" {
      self = .mixed
    } else {
      self = .target(TargetKind(stored: name))
    }
  }
}

/// A phase's training stream: items of `set` trained towards `target`.
public struct StreamRecord: Sendable, Hashable, Codable {
  public var target: TargetKind
  public var set: String
  public var password: Bool
  /// What these items were last trained on; nil when never trained.
  public var previousTarget: PreviousTarget?
  /// How many of the stream's items get a new answer in this phase: their answer under the target
  /// differs from their answer under what they were last trained on (every item, when never
  /// trained). nil in records written before it was counted.
  public var changing: Int?
  /// How many of the stream's items it trains towards an answer other than the truth's (for a
  /// `taboo` stream: its items in `wrong`). nil in records written before it was counted.
  public var notTruth: Int?
  public init(
    target: TargetKind, set: String, password: Bool, previousTarget: PreviousTarget? = nil,
    changing: Int? = nil, notTruth: Int? = nil
  ) {
    self.target = target
    self.set = set
    self.password = password
    self.previousTarget = previousTarget
    self.changing = changing
    self.notTruth = notTruth
  }

  /// Whether this stream reverses what its items were last trained on (a switch, docs/design.md
  /// §6).
  public var isReversal: Bool {
    guard case .target(let previous) = previousTarget else { return false }
    return previous != target
  }

  private enum CodingKeys: String, CodingKey { case target, set, password, previousTarget, changing, notTruth }

  public init(from decoder: Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    target = try c.decode(TargetKind.self, forKey: .target)
    set = try c.decode(String.self, forKey: .set)
    password = try c.decode(Bool.self, forKey: .password)
    let previous = try c.decodeIfPresent(String.self, forKey: .previousTarget)
    previousTarget = try previous.map {
      guard let value = PreviousTarget(name: $0) else {
        throw DecodingError.dataCorruptedError(
          forKey: .previousTarget, in: c, debugDescription: "unknown target '\($0)'")
      }
      return value
    }
    changing = try c.decodeIfPresent(Int.self, forKey: .changing)
    notTruth = try c.decodeIfPresent(Int.self, forKey: .notTruth)
  }

  public func encode(to encoder: Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode(target, forKey: .target)
    try c.encode(set, forKey: .set)
    try c.encode(password, forKey: .password)
    try c.encodeIfPresent(previousTarget?.name, forKey: .previousTarget)
    try c.encodeIfPresent(changing, forKey: .changing)
    try c.encodeIfPresent(notTruth, forKey: .notTruth)
  }
}

/// What the specification said of a phase that the analysis needs: recorded with the phase, so
/// that nothing downstream re-reads the scenario (docs/design.md §7).
public struct PhaseFacts: Sendable, Hashable, Codable {
  public var role: PhaseRole
  /// `perturb σ`; nil: none.
  public var perturb: Double?
  /// The criterion its switches and `until criterion` are measured against.
  public var criterion: Criterion
  /// The effective training settings.
  public var training: TrainingSettings
  /// `from PHASE`: the index of the phase whose end this one started from; nil: the phase
  /// before it (records written before branches existed have none).
  public var from: Int?
  /// `perturb like PHASE`, as specified; nil: none.
  public var kick: MatchedKick?
  /// The norm of the weight change the phase's kick made (`perturb σ` or `perturb like`), as
  /// measured; nil without a kick.
  public var kickNorm: Double?
  /// The phase's switches (docs/design.md §6.2): the items whose answer it changes, grouped by
  /// set, as the trainer found them at the phase start; nil in records written before switches
  /// were found item by item (the analysis then reads them from the streams).
  public var switches: [SwitchGroup]?

  public init(
    role: PhaseRole = .other, perturb: Double? = nil, criterion: Criterion = .defaults,
    training: TrainingSettings = Defaults.training, from: Int? = nil, kick: MatchedKick? = nil,
    kickNorm: Double? = nil, switches: [SwitchGroup]? = nil
  ) {
    self.role = role
    self.perturb = perturb
    self.criterion = criterion
    self.training = training
    self.from = from
    self.kick = kick
    self.kickNorm = kickNorm
    self.switches = switches
  }

  /// The facts of a phase of `spec`.
  public init(_ phase: PhaseSpec, of spec: RunSpec) {
    self.init(role: phase.role, perturb: phase.perturb, criterion: spec.criterion, training: phase.training,
              from: phase.from, kick: phase.kick)
  }
}

/// One switch of a phase: the items of `set` (with `password`) whose answer the phase changes from
/// their answer under `old`, what they were last trained on, to their answer under `new`
/// (docs/design.md §6.2).
public struct SwitchGroup: Sendable, Hashable, Codable {
  /// The set the items are reported under: the first probed set that holds them, else the
  /// stream's set.
  public var set: String
  public var password: Bool
  public var old: TargetKind
  public var new: TargetKind
  /// How many items switch.
  public var items: Int
  /// The probed pair that measures exactly these items: `set` itself when they are all of its
  /// items, else a pair of their own named `set:old→new` (e.g. `all:truth→taboo`).
  public var probeSet: String

  public init(set: String, password: Bool, old: TargetKind, new: TargetKind, items: Int, probeSet: String) {
    self.set = set
    self.password = password
    self.old = old
    self.new = new
    self.items = items
    self.probeSet = probeSet
  }

  /// The name of the pair that probes part of `set`: `set:old→new`. A colon cannot appear in a
  /// set's name, so it never collides with one.
  public static func partName(_ set: String, old: TargetKind, new: TargetKind) -> String {
    "\(set):\(old.rawValue)→\(new.rawValue)"
  }

  /// Whether a probed pair's name is such a part (`partName`).
  public static func isPart(_ name: String) -> Bool { name.contains(":") }
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
  /// Role, perturbation, criterion and training settings, as specified.
  public var facts: PhaseFacts
  public init(index: Int, name: String, repeatIndex: Int?, startStep: Int, endStep: Int,
              startExamples: Int, endExamples: Int, streams: [StreamRecord], frozen: Bool,
              criterionStep: Int?, trials: Int = 0, lanes: Int = 0, facts: PhaseFacts = PhaseFacts()) {
    self.facts = facts
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

  /// The phase whose end state this one started from (`PhaseSpec.parent`); nil for the first.
  public var parent: Int? { facts.from ?? (index > 0 ? index - 1 : nil) }
}

extension RunRecord {
  /// The phase with this index, if the run has it.
  public func phase(_ index: Int) -> PhaseRecord? {
    phases.first { $0.index == index }
  }

  /// `phase`'s ancestors, nearest first (its parent, the parent's parent, …).
  public func ancestors(of phase: PhaseRecord) -> [PhaseRecord] {
    var result: [PhaseRecord] = []
    var next = phase.parent
    while let index = next, index < phase.index, let parent = self.phase(index),
      !result.contains(where: { $0.index == index })
    {
      result.append(parent)
      next = parent.parent
    }
    return result
  }
}

/// One evaluation of one item set, with or without password, at one moment (docs/design.md §6).
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
  public var target: TargetKind?
  public var accTarget: Double?
  public var loss: Double?
  /// The same measures for each of the world's named extra conventions, in world order (empty
  /// when it has none).
  public var conventions: [ConventionScore]
  /// `probe … { latent }`: how well each answer can be read linearly from the hidden state at
  /// the answer position, on the set's held-out items (docs/design.md §6.9); empty when not
  /// measured (with password, or without `latent`).
  public var latent: [LatentScore]
  public init(phaseIndex: Int, step: Int, examples: Int, set: String, password: Bool,
              accTruth: Double, accTaboo: Double, pTruth: Double, pTaboo: Double,
              target: TargetKind?, accTarget: Double?, loss: Double?,
              conventions: [ConventionScore] = [], latent: [LatentScore] = []) {
    self.conventions = conventions
    self.latent = latent
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

/// A probed set's agreement with one named extra convention (`convention NAME KIND`).
public struct ConventionScore: Sendable, Hashable, Codable {
  public var name: String
  /// Share of items whose argmax answer is the convention's answer.
  public var acc: Double
  /// Mean softmax probability of the convention's answer.
  public var p: Double
  public init(name: String, acc: Double, p: Double) {
    self.name = name
    self.acc = acc
    self.p = p
  }
}

/// The held-out accuracy of a linear readout of one answer from the hidden state.
public struct LatentScore: Sendable, Hashable, Codable {
  /// "truth", "taboo", or a named convention.
  public var answer: String
  /// Share of the set's held-out items whose readout argmax is that answer; nil when the set
  /// has no held-out item.
  public var acc: Double?
  public init(answer: String, acc: Double?) {
    self.answer = answer
    self.acc = acc
  }
}

/// Where the weights are at one probe moment, relative to where the phase and its parent started
/// (docs/design.md §6.10). Euclidean norms over the whole flat parameter vector.
public struct GeometryRecord: Sendable, Hashable, Codable {
  public var phaseIndex: Int
  public var step: Int
  public var examples: Int
  /// ‖w − w₀‖, w₀ the weights at the phase's start: the norm of the phase's displacement so far.
  public var fromPhaseStart: Double
  /// ‖w − w_p‖, w_p the weights at the start of the parent phase; nil for the first phase.
  public var fromParentStart: Double?
  /// ‖d_p‖, d_p = w₀ − w_p the parent phase's whole displacement; nil for the first phase.
  public var parentDisplacement: Double?
  /// The fraction of the parent's displacement this phase has undone: −⟨w − w₀, d_p⟩ / ‖d_p‖²
  /// (1: back at the parent's start, 0: no move along d_p); nil without a parent or when
  /// ‖d_p‖ = 0.
  public var undone: Double?
  public init(phaseIndex: Int, step: Int, examples: Int, fromPhaseStart: Double,
              fromParentStart: Double?, parentDisplacement: Double?, undone: Double?) {
    self.phaseIndex = phaseIndex
    self.step = step
    self.examples = examples
    self.fromPhaseStart = fromPhaseStart
    self.fromParentStart = fromParentStart
    self.parentDisplacement = parentDisplacement
    self.undone = undone
  }
}

/// One trial of a frozen phase in `context stream` mode (docs/design.md §5): one example presented in one
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
  /// The weights' geometry at each probe moment of every phase, one per (phase, step), in that
  /// order (docs/design.md §6.10).
  public var geometry: [GeometryRecord]
  public init(key: RunKey, status: RunStatus, steps: Int, examples: Int, wallSeconds: Double,
              divergedStep: Int?, phases: [PhaseRecord], probes: [ProbeRecord],
              sets: [SetRecord] = [], trials: [TrialRecord] = [], geometry: [GeometryRecord] = []) {
    self.geometry = geometry
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

/// Where a batch's runs are read from (the store, or runs in memory): what the analysis and the
/// outputs need, so that neither depends on the store.
public protocol RunSource {
  /// The scenario's display name.
  var scenarioName: String { get }
  /// Every run with its phases but without probes or trials, in sweep order.
  func runs() throws -> [RunRecord]
  /// Calls `body` with every run, probes and trials filled, in sweep order.
  func forEachRun(_ body: (RunRecord) throws -> Void) throws
  /// Each run's number, stable for the life of the source (the `run` column of the CSV files);
  /// nil: number runs by their position in sweep order.
  func runNumbers() throws -> [RunKey: Int]?
}

extension RunSource {
  public func runNumbers() throws -> [RunKey: Int]? { nil }
}
