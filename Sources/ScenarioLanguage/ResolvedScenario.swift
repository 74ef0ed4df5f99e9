// One sweep point of a scenario, made concrete: every number substituted, every default filled
// in, `repeat` expanded into a flat list of numbered phases. This is what a run executes.

import Foundation

/// A scenario at one sweep point.
public struct ResolvedScenario: Sendable, Equatable {
  public var name: String
  public var point: SweepPoint
  /// Every parameter's value at this point.
  public var parameters: [String: Double]
  public var world: World
  public var seeds: [UInt64]
  /// In file order; evaluate in this order, once per run, from the run's seed.
  public var sets: [SetDefinition]
  public var model: Model
  /// The `train { … }` settings (each phase carries its own effective copy).
  public var training: TrainingSettings
  public var context: Context
  public var probe: Probe?
  public var criterion: Criterion
  /// Every phase after expanding `repeat`, in order.
  public var phases: [Phase]

  public struct World: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      case runsum(base: Int, length: Int)
      case modsum(base: Int)
      case lookup(items: Int)
    }

    public enum Convention: Sendable, Equatable {
      case weak(truthProbability: Double)
      case shift(Int)
      case constant(Int)
      case scramble
    }

    public var kind: Kind
    /// The number of items (runsum: `items`, default min(384, P^L); modsum: P²; lookup: N).
    public var items: Int
    public var convention: Convention?
    public var password: Bool
    /// Input tokens per item, without the start (or password) token: L, 2, or `length`.
    public var sequenceLength: Int
    /// Distinct input tokens of items: P, P, or `vocab`.
    public var vocabulary: Int
    /// Distinct answers: P, P, or `classes`.
    public var classes: Int

    public init(
      kind: Kind, items: Int, convention: Convention? = nil, password: Bool, sequenceLength: Int,
      vocabulary: Int, classes: Int
    ) {
      self.kind = kind
      self.items = items
      self.convention = convention
      self.password = password
      self.sequenceLength = sequenceLength
      self.vocabulary = vocabulary
      self.classes = classes
    }
  }

  /// A set expression with concrete numbers; binary operations nest to the left.
  public indirect enum SetExpression: Sendable, Equatable {
    case all
    case wrong
    case named(String)
    /// Exactly `count` items drawn without replacement.
    case sample(count: Int, of: SetExpression)
    /// round(fraction × size) items (halves rounded away from zero) drawn without replacement.
    case sampleFraction(Double, of: SetExpression)
    /// 0-based item indices.
    case items([ClosedRange<Int>])
    case union(SetExpression, SetExpression)
    case difference(SetExpression, SetExpression)
    case intersection(SetExpression, SetExpression)
  }

  public struct SetDefinition: Sendable, Equatable {
    public var name: String
    public var expression: SetExpression

    public init(name: String, expression: SetExpression) {
      self.name = name
      self.expression = expression
    }
  }

  public struct Model: Sendable, Equatable {
    public var cell: CellKind
    public var hidden: Int
    public var embedding: Int

    public init(cell: CellKind, hidden: Int, embedding: Int) {
      self.cell = cell
      self.hidden = hidden
      self.embedding = embedding
    }
  }

  public enum Batch: Sendable, Equatable {
    case all
    case size(Int)
  }

  public struct TrainingSettings: Sendable, Equatable {
    public var optimizer: Optimizer
    public var learningRate: Double
    public var batch: Batch
    public var clip: Double?
    public var momentum: Double
    public var keepOptimizer: Bool

    public init(
      optimizer: Optimizer, learningRate: Double, batch: Batch, clip: Double? = nil, momentum: Double,
      keepOptimizer: Bool
    ) {
      self.optimizer = optimizer
      self.learningRate = learningRate
      self.batch = batch
      self.clip = clip
      self.momentum = momentum
      self.keepOptimizer = keepOptimizer
    }
  }

  public enum Context: Sendable, Equatable {
    case reset
    case stream(window: Int)
  }

  public struct Probe: Sendable, Equatable {
    public var everySteps: Int
    public var sets: [String]

    public init(everySteps: Int, sets: [String]) {
      self.everySteps = everySteps
      self.sets = sets
    }
  }

  public struct Criterion: Sendable, Equatable {
    public var fraction: Double
    public var probes: Int

    public init(fraction: Double, probes: Int) {
      self.fraction = fraction
      self.probes = probes
    }
  }

  public typealias Stream = Scenario.Stream

  /// How long a phase lasts. The `random…` lengths are drawn per run and per repetition from
  /// the run's seed, uniformly in the closed range.
  public enum PhaseLength: Sendable, Equatable {
    case steps(Int)
    case epochs(Int)
    case trials(Int)
    case randomSteps(ClosedRange<Int>)
    case randomEpochs(ClosedRange<Int>)
    case randomTrials(ClosedRange<Int>)
    case untilCriterion(maxSteps: Int)

    public var unit: LengthUnit {
      switch self {
      case .steps, .randomSteps, .untilCriterion: return .steps
      case .epochs, .randomEpochs: return .epochs
      case .trials, .randomTrials: return .trials
      }
    }

    /// The fewest and most units it can last (the criterion may end a phase at step 1).
    public var bounds: ClosedRange<Int> {
      switch self {
      case .steps(let n), .epochs(let n), .trials(let n): return n...n
      case .randomSteps(let r), .randomEpochs(let r), .randomTrials(let r): return r
      case .untilCriterion(let cap): return 1...cap
      }
    }
  }

  /// Which training settings a phase overrides (for display; `Phase.training` already has them).
  public struct Overrides: Sendable, Equatable {
    public var optimizer: Optimizer?
    public var learningRate: Double?
    public var batch: Batch?
    public var clip: Double?
    public var momentum: Double?
    public var keepOptimizer: Bool?

    public var isEmpty: Bool { self == Overrides() }

    public init(
      optimizer: Optimizer? = nil, learningRate: Double? = nil, batch: Batch? = nil, clip: Double? = nil,
      momentum: Double? = nil, keepOptimizer: Bool? = nil
    ) {
      self.optimizer = optimizer
      self.learningRate = learningRate
      self.batch = batch
      self.clip = clip
      self.momentum = momentum
      self.keepOptimizer = keepOptimizer
    }
  }

  public struct Phase: Sendable, Equatable {
    /// 0-based position in `phases`.
    public var index: Int
    /// The name as written.
    public var name: String
    /// 1-based repetition inside `repeat`; nil outside.
    public var repeatIndex: Int?
    public var length: PhaseLength
    public var streams: [Stream]
    /// The effective settings: `train { … }` with this phase's overrides applied.
    public var training: TrainingSettings
    public var overrides: Overrides
    public var frozen: Bool
    public var perturb: Double?

    /// `pretrain`, or `"A taboo" #3` inside a repeat.
    public var displayName: String {
      guard let repeatIndex else { return name }
      return name.contains(" ") ? "\"\(name)\" #\(repeatIndex)" : "\(name) #\(repeatIndex)"
    }

    public init(
      index: Int, name: String, repeatIndex: Int? = nil, length: PhaseLength, streams: [Stream],
      training: TrainingSettings, overrides: Overrides, frozen: Bool, perturb: Double? = nil
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
    }
  }

  public init(
    name: String, point: SweepPoint, parameters: [String: Double], world: World, seeds: [UInt64],
    sets: [SetDefinition], model: Model, training: TrainingSettings, context: Context, probe: Probe? = nil,
    criterion: Criterion, phases: [Phase]
  ) {
    self.name = name
    self.point = point
    self.parameters = parameters
    self.world = world
    self.seeds = seeds
    self.sets = sets
    self.model = model
    self.training = training
    self.context = context
    self.probe = probe
    self.criterion = criterion
    self.phases = phases
  }
}

extension Scenario {
  /// This scenario at `point` (normally one of `sweepPoints`): numbers substituted, defaults
  /// filled in, `repeat` expanded.
  public func resolved(at point: SweepPoint) -> ResolvedScenario {
    let values = parameterValues(at: point)
    let training = self.training.resolved(values)
    var phases: [ResolvedScenario.Phase] = []
    for item in schedule {
      switch item {
      case .phase(let phase):
        phases.append(phase.resolved(values, base: training, index: phases.count, repeatIndex: nil))
      case .repeated(let count, let inner):
        for repetition in 0..<max(0, wholeNumber(count.value(values))) {
          for phase in inner {
            phases.append(
              phase.resolved(values, base: training, index: phases.count, repeatIndex: repetition + 1))
          }
        }
      }
    }
    return ResolvedScenario(
      name: name, point: point, parameters: values, world: world.resolved(values), seeds: seeds,
      sets: sets.map {
        ResolvedScenario.SetDefinition(name: $0.name, expression: $0.expression.resolved(values))
      },
      model: model.resolved(values), training: training, context: context.resolved(values),
      probe: probe.map {
        ResolvedScenario.Probe(everySteps: wholeNumber($0.everySteps.value(values)), sets: $0.sets)
      },
      criterion: ResolvedScenario.Criterion(
        fraction: criterion.fraction.value(values), probes: wholeNumber(criterion.probes.value(values))),
      phases: phases)
  }
}

/// A Double as an Int, clamped, for values the validator has already checked.
func wholeNumber(_ value: Double) -> Int {
  guard value.isFinite else { return 0 }
  return Int(min(max(value.rounded(), -1e15), 1e15))
}

extension Scenario.World {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.World {
    let convention: ResolvedScenario.World.Convention? = self.convention.map {
      switch $0 {
      case .weak(let q): return .weak(truthProbability: q.value(values))
      case .shift(let k): return .shift(wholeNumber(k.value(values)))
      case .constant(let a): return .constant(wholeNumber(a.value(values)))
      case .scramble: return .scramble
      }
    }
    switch kind {
    case .runsum(let baseQuantity, let lengthQuantity):
      let base = wholeNumber(baseQuantity.value(values))
      let length = wholeNumber(lengthQuantity.value(values))
      let distinct = pow(Double(base), Double(length))
      let items = self.items.map { wholeNumber($0.value(values)) } ?? Int(min(384, distinct))
      return .init(
        kind: .runsum(base: base, length: length), items: items, convention: convention, password: password,
        sequenceLength: length, vocabulary: base, classes: base)
    case .modsum(let baseQuantity):
      let base = wholeNumber(baseQuantity.value(values))
      return .init(
        kind: .modsum(base: base), items: base * base, convention: convention, password: password,
        sequenceLength: 2, vocabulary: base, classes: base)
    case .lookup(let itemsQuantity):
      let items = wholeNumber(itemsQuantity.value(values))
      return .init(
        kind: .lookup(items: items), items: items, convention: convention, password: password,
        sequenceLength: length.map { wholeNumber($0.value(values)) } ?? 4,
        vocabulary: vocab.map { wholeNumber($0.value(values)) } ?? 16,
        classes: classes.map { wholeNumber($0.value(values)) } ?? 4)
    }
  }
}

extension Scenario.SetExpression {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.SetExpression {
    switch self {
    case .all: return .all
    case .wrong: return .wrong
    case .named(let name): return .named(name)
    case .sample(let count, let operand):
      return .sample(count: wholeNumber(count.value(values)), of: operand.resolved(values))
    case .sampleFraction(let fraction, let operand):
      return .sampleFraction(fraction.value(values), of: operand.resolved(values))
    case .items(let ranges):
      return .items(
        ranges.map {
          let first = wholeNumber($0.first.value(values))
          return first...max(first, wholeNumber($0.last.value(values)))
        })
    case .union(let a, let b): return .union(a.resolved(values), b.resolved(values))
    case .difference(let a, let b): return .difference(a.resolved(values), b.resolved(values))
    case .intersection(let a, let b): return .intersection(a.resolved(values), b.resolved(values))
    }
  }
}

extension Scenario.Model {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.Model {
    let hidden = wholeNumber(self.hidden.value(values))
    return .init(
      cell: cell, hidden: hidden, embedding: embedding.map { wholeNumber($0.value(values)) } ?? hidden)
  }
}

extension Scenario.Batch {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.Batch {
    switch self {
    case .all: return .all
    case .size(let size): return .size(wholeNumber(size.value(values)))
    }
  }
}

extension Scenario.Training {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.TrainingSettings {
    .init(
      optimizer: optimizer, learningRate: learningRate.value(values), batch: batch.resolved(values),
      clip: clip?.value(values), momentum: momentum.value(values), keepOptimizer: keepOptimizer)
  }
}

extension Scenario.Context {
  func resolved(_ values: [String: Double]) -> ResolvedScenario.Context {
    switch self {
    case .reset: return .reset
    case .stream(let window): return .stream(window: wholeNumber(window.value(values)))
    }
  }
}

extension Scenario.Phase {
  func resolved(
    _ values: [String: Double], base: ResolvedScenario.TrainingSettings, index: Int, repeatIndex: Int?
  ) -> ResolvedScenario.Phase {
    let overrides = ResolvedScenario.Overrides(
      optimizer: self.overrides.optimizer, learningRate: self.overrides.learningRate?.value(values),
      batch: self.overrides.batch?.resolved(values), clip: self.overrides.clip?.value(values),
      momentum: self.overrides.momentum?.value(values), keepOptimizer: self.overrides.keepOptimizer)
    var training = base
    if let value = overrides.optimizer { training.optimizer = value }
    if let value = overrides.learningRate { training.learningRate = value }
    if let value = overrides.batch { training.batch = value }
    if let value = overrides.clip { training.clip = value }
    if let value = overrides.momentum { training.momentum = value }
    if let value = overrides.keepOptimizer { training.keepOptimizer = value }
    let length: ResolvedScenario.PhaseLength
    switch self.length {
    case .fixed(let n, let unit):
      let n = wholeNumber(n.value(values))
      switch unit {
      case .steps: length = .steps(n)
      case .epochs: length = .epochs(n)
      case .trials: length = .trials(n)
      }
    case .random(let a, let b, let unit):
      let a = wholeNumber(a.value(values))
      let range = a...max(a, wholeNumber(b.value(values)))
      switch unit {
      case .steps: length = .randomSteps(range)
      case .epochs: length = .randomEpochs(range)
      case .trials: length = .randomTrials(range)
      }
    case .untilCriterion(let cap):
      length = .untilCriterion(maxSteps: wholeNumber(cap.value(values)))
    }
    return .init(
      index: index, name: name, repeatIndex: repeatIndex, length: length, streams: streams,
      training: training,
      overrides: overrides, frozen: frozen, perturb: perturb?.value(values))
  }
}
