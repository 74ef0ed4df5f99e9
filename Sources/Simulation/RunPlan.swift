// A run's schedule with everything concrete: the world drawn, every set evaluated to item
// indices, every phase length fixed. Built from a scenario at one sweep point and one seed;
// the trainer executes it.

import Networks

/// Training settings of a phase (the scenario's `train` block with the phase's overrides).
public struct TrainingSettings: Sendable, Hashable {
  public var rule: OptimizerRule
  public var learningRate: Float
  /// Examples per optimizer step; nil: the whole union of the phase's streams.
  public var batch: Int?
  /// Gradient-norm clipping threshold; nil: no clipping.
  public var clip: Float?
  /// Keep the optimizer state across the phase boundary instead of starting afresh.
  public var keepOptimizer: Bool

  public init(rule: OptimizerRule = .adam(), learningRate: Float = 0.003, batch: Int? = nil,
              clip: Float? = nil, keepOptimizer: Bool = false) {
    self.rule = rule
    self.learningRate = learningRate
    self.batch = batch
    self.clip = clip
    self.keepOptimizer = keepOptimizer
  }
}

/// A phase's training stream: the items of a set, with or without password, towards a target.
public struct StreamPlan: Sendable, Hashable {
  public var target: TargetKind
  public var set: String
  public var password: Bool
  public init(target: TargetKind, set: String, password: Bool) {
    self.target = target
    self.set = set
    self.password = password
  }
}

/// How long a phase runs (random ranges already drawn).
public enum PhaseLength: Sendable, Hashable {
  case steps(Int)
  case epochs(Int)
  case untilCriterion(maxSteps: Int)
  /// Frozen phases in `context stream` mode: trials (one example per lane each).
  case trials(Int)
}

public struct PhasePlan: Sendable, Hashable {
  public var name: String
  public var repeatIndex: Int?
  public var length: PhaseLength
  public var streams: [StreamPlan]
  public var settings: TrainingSettings
  public var frozen: Bool
  /// Standard deviation of Gaussian noise added to every weight at phase start; nil: none.
  public var perturb: Double?

  public init(name: String, repeatIndex: Int? = nil, length: PhaseLength, streams: [StreamPlan],
              settings: TrainingSettings, frozen: Bool = false, perturb: Double? = nil) {
    self.name = name
    self.repeatIndex = repeatIndex
    self.length = length
    self.streams = streams
    self.settings = settings
    self.frozen = frozen
    self.perturb = perturb
  }
}

/// `criterion P% over K probes`.
public struct Criterion: Sendable, Hashable {
  public var fraction: Double
  public var probes: Int
  public init(fraction: Double, probes: Int) {
    self.fraction = fraction
    self.probes = probes
  }
}

/// One run, fully determined.
public struct RunPlan: Sendable {
  public var seed: UInt64
  public var world: World
  /// Every named set in definition order, as sorted item indices.
  public var sets: [(name: String, items: [Int])]
  public var cell: CellKind
  public var hidden: Int
  public var embedding: Int
  public var probeEvery: Int
  public var probeSets: [String]
  public var criterion: Criterion
  public var phases: [PhasePlan]
  /// `context stream W`: the window W in examples; nil for `context reset`.
  public var window: Int?

  public init(seed: UInt64, world: World, sets: [(name: String, items: [Int])], cell: CellKind,
              hidden: Int, embedding: Int, probeEvery: Int, probeSets: [String],
              criterion: Criterion, phases: [PhasePlan], window: Int? = nil) {
    self.window = window
    self.seed = seed
    self.world = world
    self.sets = sets
    self.cell = cell
    self.hidden = hidden
    self.embedding = embedding
    self.probeEvery = probeEvery
    self.probeSets = probeSets
    self.criterion = criterion
    self.phases = phases
  }

  /// In stream mode the vocabulary grows by one token per answer class: the target answer an
  /// example shows after its item (`answerToken`).
  public var networkShape: NetworkShape {
    NetworkShape(cell: cell, vocabulary: world.vocabulary + (window == nil ? 0 : world.classes),
                 inputSize: embedding, hidden: hidden, classes: world.classes)
  }

  /// The input token that shows answer class `answer` in stream mode.
  public func answerToken(_ answer: Int32) -> Int32 { Int32(world.vocabulary) + answer }

  /// The items of the set called `name` (`all` and `wrong` are built in).
  public func items(of name: String) -> [Int] {
    if let set = sets.last(where: { $0.name == name }) { return set.items }
    switch name {
    case "all": return Array(world.items.indices)
    case "wrong": return world.wrong
    default: preconditionFailure("unknown set \(name) survived validation")
    }
  }
}
