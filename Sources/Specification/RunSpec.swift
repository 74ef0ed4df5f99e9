// The run specification: a scenario resolved at one sweep point, with every number concrete,
// every default filled in and `repeat` expanded into numbered phases. The language makes it
// (`Scenario.resolved(at:)`); the simulator consumes it and adds only what the seed decides (the
// world's draw, the sets' items, random lengths); the records keep what of it each phase ran.
// docs/design.md §3.

/// One point of the sweep: a value for each swept parameter, in file order.
public struct SweepPoint: Sendable, Hashable, Codable, CustomStringConvertible {
  public struct Assignment: Sendable, Hashable, Codable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
      self.name = name
      self.value = value
    }
  }

  public var assignments: [Assignment]

  public init(assignments: [Assignment]) {
    self.assignments = assignments
  }

  public subscript(name: String) -> Double? {
    assignments.first { $0.name == name }?.value
  }

  /// `k=2, lr=0.001`; empty for the point of a scenario without sweeps.
  public var description: String {
    assignments.map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: ", ")
  }
}

/// A set expression with concrete numbers; binary operations nest to the left.
public indirect enum SetExpression: Sendable, Hashable, Codable {
  case all
  /// The items whose taboo answer is not the truth.
  case wrong
  /// The items whose answer under the named extra convention is not the truth (`wrong NAME`).
  case wrongUnder(String)
  case named(String)
  /// Exactly `count` items drawn without replacement.
  case sample(count: Int, of: SetExpression)
  /// `sampleSize(fraction, of:)` items drawn without replacement.
  case sampleFraction(Double, of: SetExpression)
  /// 0-based item indices.
  case items([ClosedRange<Int>])
  case union(SetExpression, SetExpression)
  case difference(SetExpression, SetExpression)
  case intersection(SetExpression, SetExpression)

  /// The size of `sample P% of` a set of `size` items: round(P × size), halves away from zero
  /// (the rule every evaluator of sets follows).
  public static func sampleSize(_ fraction: Double, of size: Int) -> Int {
    guard fraction.isFinite else { return 0 }
    return Int((fraction * Double(size)).rounded(.toNearestOrAwayFromZero))
  }
}

/// `set NAME = EXPRESSION`.
public struct SetDefinition: Sendable, Hashable, Codable {
  public var name: String
  public var expression: SetExpression

  public init(name: String, expression: SetExpression) {
    self.name = name
    self.expression = expression
  }
}

/// `model CELL HIDDEN { embedding E }`, or `model transformer D { layers N; heads H; ff F }`.
public struct ModelSpec: Sendable, Hashable, Codable {
  public var cell: CellKind
  public var hidden: Int
  /// E (default: the hidden size; always D for the transformer, which embeds tokens into D).
  public var embedding: Int
  /// The transformer's sizes (nil for the recurrent cells, and then absent from the encoding).
  public var transformer: TransformerSizes?

  public init(cell: CellKind, hidden: Int, embedding: Int? = nil, transformer: TransformerSizes? = nil) {
    self.cell = cell
    self.hidden = hidden
    self.embedding = cell == .transformer ? hidden : embedding ?? hidden
    self.transformer = cell == .transformer ? transformer ?? TransformerSizes(width: hidden) : nil
  }
}

/// `context reset` or `context stream W`.
public enum ContextMode: Sendable, Hashable, Codable {
  /// Every example starts from a zero hidden state.
  case reset
  /// Continuous lanes, backpropagation truncated every `window` examples (docs/design.md §5).
  case stream(window: Int)

  /// W, or nil in `context reset`.
  public var window: Int? {
    if case .stream(let w) = self { return w }
    return nil
  }
}

/// `probe every N steps on SET, …`.
public struct ProbeSpec: Sendable, Hashable, Codable {
  public var everySteps: Int
  /// Set names, each probed with and without password.
  public var sets: [String]
  /// `probe … { latent }`: at each probe, linear readouts of every answer from the hidden state
  /// at the answer position, fitted and scored on held-out items (docs/design.md §6.9).
  public var latent: Bool

  public init(everySteps: Int, sets: [String], latent: Bool = false) {
    self.everySteps = everySteps
    self.sets = sets
    self.latent = latent
  }
}

/// One stream of a phase: the items of a set, with or without password, towards a target.
public struct StreamSpec: Sendable, Hashable, Codable {
  public var target: TargetKind
  public var set: String
  public var password: Bool
  /// `with noise P`: the probability that a presentation shows another answer than the target's
  /// (docs/design.md §4.3); nil: none.
  public var noise: Double?

  public init(target: TargetKind, set: String, password: Bool, noise: Double? = nil) {
    self.target = target
    self.set = set
    self.password = password
    self.noise = noise
  }
}

/// How long a phase lasts. The `random…` lengths are drawn per run and per repetition from the
/// run's seed, uniformly in the closed range.
public enum PhaseLength: Sendable, Hashable, Codable {
  case steps(Int)
  case epochs(Int)
  case trials(Int)
  case randomSteps(ClosedRange<Int>)
  case randomEpochs(ClosedRange<Int>)
  case randomTrials(ClosedRange<Int>)
  case untilCriterion(maxSteps: Int)

  public var unit: LengthUnit {
    switch self {
    case .steps, .randomSteps, .untilCriterion: .steps
    case .epochs, .randomEpochs: .epochs
    case .trials, .randomTrials: .trials
    }
  }

  /// The fewest and most units it can last (the criterion may end a phase at step 1).
  public var bounds: ClosedRange<Int> {
    switch self {
    case .steps(let n), .epochs(let n), .trials(let n): n...n
    case .randomSteps(let r), .randomEpochs(let r), .randomTrials(let r): r
    case .untilCriterion(let cap): 1...cap
    }
  }

  /// Whether the length is drawn per run or can end early.
  public var isVariable: Bool {
    switch self {
    case .steps, .epochs, .trials: false
    default: true
    }
  }
}

/// `perturb like PHASE [per tensor]`: a weight kick in a random direction (drawn from the run's
/// seed) whose norm is the norm of the displacement that an earlier phase of the run made, from
/// its start to its end: over the whole parameter vector, or tensor by tensor (each tensor of
/// `ParameterLayout.tensors` kicked by the norm of its own displacement). docs/design.md §4.
public struct MatchedKick: Sendable, Hashable, Codable {
  /// The index, in `RunSpec.phases`, of the phase whose displacement is matched.
  public var phase: Int
  public var perTensor: Bool

  public init(phase: Int, perTensor: Bool) {
    self.phase = phase
    self.perTensor = perTensor
  }
}

/// One phase of the expanded schedule.
public struct PhaseSpec: Sendable, Hashable, Codable {
  /// 0-based position in `RunSpec.phases`.
  public var index: Int
  /// The name as written.
  public var name: String
  /// 1-based repetition inside `repeat`; nil outside.
  public var repeatIndex: Int?
  public var length: PhaseLength
  public var streams: [StreamSpec]
  /// The effective settings: `train { … }` with this phase's overrides applied.
  public var training: TrainingSettings
  /// What the phase itself overrides (for display).
  public var overrides: TrainingOverrides
  /// No weight updates: an evaluation-only phase.
  public var frozen: Bool
  /// Standard deviation of Gaussian noise added to every weight at phase start; nil: none.
  public var perturb: Double?
  /// `perturb like PHASE`: a kick matched to an earlier phase's displacement; nil: none.
  public var kick: MatchedKick?
  /// `from PHASE`: the index of the earlier phase whose end this phase starts from (a branch);
  /// nil: it continues from the phase before it.
  public var from: Int?
  /// Its part in the language-model procedure, decided once by `PhaseRole.assign`.
  public var role: PhaseRole

  /// `pretrain`, or `"A taboo" #3` inside a repeat.
  public var displayName: String { PhaseSpec.displayName(name, repeatIndex) }

  public static func displayName(_ name: String, _ repeatIndex: Int?) -> String {
    guard let repeatIndex else { return name }
    return name.contains(" ") ? "\"\(name)\" #\(repeatIndex)" : "\(name) #\(repeatIndex)"
  }

  public init(
    index: Int, name: String, repeatIndex: Int? = nil, length: PhaseLength, streams: [StreamSpec],
    training: TrainingSettings, overrides: TrainingOverrides = TrainingOverrides(), frozen: Bool = false,
    perturb: Double? = nil, kick: MatchedKick? = nil, from: Int? = nil, role: PhaseRole = .other
  ) {
    self.index = index
    self.name = name
    self.repeatIndex = repeatIndex
    self.length = length
    self.streams = streams
    self.training = training
    self.overrides = overrides
    self.frozen = frozen
    self.perturb = perturb
    self.kick = kick
    self.from = from
    self.role = role
  }

  /// The phase whose end state this phase starts from: `from`, else the phase before it; nil for
  /// the first phase (it starts from the initial weights). The phases of a run form a tree.
  public var parent: Int? { from ?? (index > 0 ? index - 1 : nil) }

  /// Whether the phase changes the weights at its start (`perturb σ` or `perturb like`).
  public var kicks: Bool { (perturb ?? 0) > 0 || kick != nil }
}

/// A scenario at one sweep point: everything a run of it needs but its seed.
public struct RunSpec: Sendable, Hashable, Codable {
  public var name: String
  public var point: SweepPoint
  /// Every parameter's value at this point.
  public var parameters: [String: Double]
  public var world: WorldSpec
  /// In file order; evaluated in this order, once per run, from the run's seed.
  public var sets: [SetDefinition]
  public var model: ModelSpec
  /// The `train { … }` settings (each phase carries its own effective copy).
  public var training: TrainingSettings
  public var context: ContextMode
  public var probe: ProbeSpec?
  public var criterion: Criterion
  /// Every phase after expanding `repeat`, in order, with its role.
  public var phases: [PhaseSpec]

  /// The phases that some later phase branches from (`from`): their end states are kept.
  public var branchPoints: Set<Int> { Set(phases.compactMap(\.from)) }

  public init(
    name: String, point: SweepPoint = SweepPoint(assignments: []), parameters: [String: Double] = [:],
    world: WorldSpec, sets: [SetDefinition], model: ModelSpec, training: TrainingSettings = Defaults.training,
    context: ContextMode = .reset, probe: ProbeSpec? = nil, criterion: Criterion = .defaults,
    phases: [PhaseSpec]
  ) {
    self.name = name
    self.point = point
    self.parameters = parameters
    self.world = world
    self.sets = sets
    self.model = model
    self.training = training
    self.context = context
    self.probe = probe
    self.criterion = criterion
    self.phases = PhaseRole.assign(phases)
  }

  /// Probes every this many steps into a phase (besides phase boundaries).
  public var probeEvery: Int { max(1, probe?.everySteps ?? Defaults.probeEvery) }

  /// The network this run trains. In stream mode the vocabulary grows by one token per answer
  /// class: the target answer an example shows after its item.
  public var networkShape: NetworkShape { NetworkShape(model: model, world: world, context: context) }
}

extension NetworkShape {
  /// The network of a run: V = the item symbols, the start and password tokens and, in stream
  /// mode, one answer token per class (docs/design.md §5).
  /// A transformer's position embedding covers the longest pass: one example (the start token
  /// and the item, L + 1) or, in stream mode, a window of W examples each with its answer token.
  public init(model: ModelSpec, world: WorldSpec, context: ContextMode) {
    let vocabulary = world.symbols + 2 + (context.window == nil ? 0 : world.classes)
    if let sizes = model.transformer {
      let example = world.sequenceLength + 1
      self.init(
        transformer: sizes, vocabulary: vocabulary, inputSize: model.hidden, hidden: model.hidden,
        classes: world.classes, positions: context.window.map { $0 * (example + 1) } ?? example)
      return
    }
    self.init(
      cell: model.cell, vocabulary: vocabulary,
      inputSize: model.embedding, hidden: model.hidden, classes: world.classes)
  }
}
