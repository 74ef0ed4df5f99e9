// The validated scenario: what a file asks for, with parameters still symbolic so that one value
// covers every sweep point. `resolved(at:)` gives the concrete, expanded scenario of one point.

import Specification

/// A number in a scenario: a literal, or a `let`/`sweep` parameter (times `scale`: `p%` is
/// `p` scaled by 0.01).
public enum Quantity: Sendable, Hashable, CustomStringConvertible {
  case literal(Double)
  case parameter(String, scale: Double)

  /// The value under `parameters` (a parameter missing from it counts as 0).
  public func value(_ parameters: [String: Double]) -> Double {
    switch self {
    case .literal(let value): return value
    case .parameter(let name, let scale): return (parameters[name] ?? 0) * scale
    }
  }

  public var description: String {
    switch self {
    case .literal(let value): return formatNumber(value)
    case .parameter(let name, let scale): return scale == 1 ? name : "\(name)×\(formatNumber(scale))"
    }
  }
}

/// A checked scenario file. Built only when the file has no errors; every name it mentions is
/// defined and every number is valid at every sweep point.
public struct Scenario: Sendable, Equatable {
  /// The display name: `scenario "…"`, or the file name without `.taboo`.
  public var name: String
  public var world: World
  /// `let NAME = VALUE`, in file order (after `--set` overrides).
  public var parameters: [Parameter]
  /// `sweep NAME = V1, V2, …`, in file order; the batch runs their cartesian product.
  public var sweeps: [Sweep]
  /// The run seeds: `seeds 10` is 1…10, `seeds 3..12` is 3…12; default `[1]`.
  public var seeds: [UInt64]
  /// `set NAME = …`, in file order; each run evaluates them in this order from its seed.
  public var sets: [SetDefinition]
  public var model: Model
  /// What `train { … }` changes from `Defaults.training`.
  public var training: TrainingOverrides
  public var context: Context
  /// `probe every N steps on …`; nil when the file has none (a warning).
  public var probe: Probe?
  /// `criterion P% over K probes`; default 90% over 3 probes.
  public var criterion: Criterion
  /// Phases and `repeat` blocks, in file order.
  public var schedule: [ScheduleItem]

  public struct Parameter: Sendable, Equatable {
    public var name: String
    public var value: Double

    public init(name: String, value: Double) {
      self.name = name
      self.value = value
    }
  }

  public struct Sweep: Sendable, Equatable {
    public var name: String
    public var values: [Double]

    public init(name: String, values: [Double]) {
      self.name = name
      self.values = values
    }
  }

  public struct World: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
      /// Random digit strings of length L in base P; truth is the running sum mod P.
      case runsum(base: Quantity, length: Quantity)
      /// All pairs (a, b) below P; truth (a + b) mod P.
      case modsum(base: Quantity)
      /// N random sequences with random classes.
      case lookup(items: Quantity)
    }

    public enum Convention: Sendable, Equatable {
      /// The truth with probability Q, otherwise an item-specific error.
      case weak(truthProbability: Quantity)
      case shift(Quantity)
      case constant(Quantity)
      case scramble
    }

    /// `convention NAME KIND …`: an extra convention, besides the taboo one.
    public struct NamedConvention: Sendable, Equatable {
      public var name: String
      public var convention: Convention
      public init(name: String, convention: Convention) {
        self.name = name
        self.convention = convention
      }
    }

    public var kind: Kind
    /// `items N` (runsum only); nil: 384, capped at P^L.
    public var items: Quantity?
    public var convention: Convention?
    /// The named extra conventions, in file order.
    public var conventions: [NamedConvention]
    public var password: Bool
    /// `lookup` only; nil: the defaults 4, 16, 4.
    public var length: Quantity?
    public var vocab: Quantity?
    public var classes: Quantity?

    public init(
      kind: Kind, items: Quantity? = nil, convention: Convention? = nil,
      conventions: [NamedConvention] = [], password: Bool,
      length: Quantity? = nil, vocab: Quantity? = nil, classes: Quantity? = nil
    ) {
      self.kind = kind
      self.items = items
      self.convention = convention
      self.conventions = conventions
      self.password = password
      self.length = length
      self.vocab = vocab
      self.classes = classes
    }
  }

  /// `set NAME = EXPRESSION`.
  public struct SetDefinition: Sendable, Equatable {
    public var name: String
    public var expression: SetExpression

    public init(name: String, expression: SetExpression) {
      self.name = name
      self.expression = expression
    }
  }

  /// A set expression with symbolic numbers; binary operations nest to the left.
  public indirect enum SetExpression: Sendable, Equatable {
    case all
    case wrong
    /// `wrong NAME`: the items whose answer under the named convention is not the truth.
    case wrongUnder(String)
    case named(String)
    case sample(count: Quantity, of: SetExpression)
    /// `sample P% of …`; the quantity is a fraction in [0, 1].
    case sampleFraction(Quantity, of: SetExpression)
    /// `items I, J, K..L` (0-based item indices).
    case items([ItemRange])
    case union(SetExpression, SetExpression)
    case difference(SetExpression, SetExpression)
    case intersection(SetExpression, SetExpression)
  }

  public struct ItemRange: Sendable, Equatable {
    public var first: Quantity
    public var last: Quantity

    public init(first: Quantity, last: Quantity) {
      self.first = first
      self.last = last
    }
  }

  public struct Model: Sendable, Equatable {
    public var cell: CellKind
    public var hidden: Quantity
    /// nil: the hidden size.
    public var embedding: Quantity?
    /// The transformer's blocks, heads and MLP width; nil: the defaults of `TransformerSizes`.
    public var layers: Quantity?
    public var heads: Quantity?
    public var feedForward: Quantity?

    public init(
      cell: CellKind, hidden: Quantity, embedding: Quantity? = nil, layers: Quantity? = nil,
      heads: Quantity? = nil, feedForward: Quantity? = nil
    ) {
      self.cell = cell
      self.hidden = hidden
      self.embedding = embedding
      self.layers = layers
      self.heads = heads
      self.feedForward = feedForward
    }
  }

  public enum Batch: Sendable, Equatable {
    /// The whole union of the phase's streams in one batch.
    case all
    case size(Quantity)
  }

  /// Training settings that differ from what they are based on (the defaults for `train { … }`,
  /// the `train` block for a phase); nil and absent entries are not changed.
  public struct TrainingOverrides: Sendable, Equatable {
    public var optimizer: OptimizerKind?
    public var batch: Batch?
    public var keepOptimizer: Bool?
    /// Numeric settings by word (`lr`, `clip`, …; see `TrainingSettings.numeric`).
    public var numbers: [String: Quantity]

    public init(
      optimizer: OptimizerKind? = nil, batch: Batch? = nil, keepOptimizer: Bool? = nil,
      numbers: [String: Quantity] = [:]
    ) {
      self.optimizer = optimizer
      self.batch = batch
      self.keepOptimizer = keepOptimizer
      self.numbers = numbers
    }

    public var isEmpty: Bool { self == TrainingOverrides() }
  }

  public enum Context: Sendable, Equatable {
    /// Every example starts from a zero hidden state (the default).
    case reset
    /// One continuous sequence per phase, backpropagation truncated every `window` examples.
    case stream(window: Quantity)
  }

  public struct Probe: Sendable, Equatable {
    public var everySteps: Quantity
    /// Set names, each probed with and without password.
    public var sets: [String]
    /// `{ latent }`: linear readouts of the hidden state at each probe (docs/design.md §6.9).
    public var latent: Bool

    public init(everySteps: Quantity, sets: [String], latent: Bool = false) {
      self.everySteps = everySteps
      self.sets = sets
      self.latent = latent
    }
  }

  public struct Criterion: Sendable, Equatable {
    /// Agreement needed, as a fraction in [0, 1].
    public var fraction: Quantity
    /// Consecutive probes that must agree.
    public var probes: Quantity

    public static let defaults = Criterion(
      fraction: .literal(Defaults.criterion.fraction), probes: .literal(Double(Defaults.criterion.probes)))

    public init(fraction: Quantity, probes: Quantity) {
      self.fraction = fraction
      self.probes = probes
    }
  }

  /// One stream of a phase: its items (a set name), target, password flag and noise.
  public struct Stream: Sendable, Equatable {
    public var target: TargetKind
    public var set: String
    public var password: Bool
    /// `with noise P`: the probability of showing another answer; nil: none.
    public var noise: Quantity?

    public init(target: TargetKind, set: String, password: Bool, noise: Quantity? = nil) {
      self.target = target
      self.set = set
      self.password = password
      self.noise = noise
    }
  }

  /// A phase named by `from` or `perturb like`: the latest phase of that name before the one
  /// that names it, either outside every `repeat` block or in the same block (then the same
  /// repetition's).
  public struct PhaseReference: Sendable, Equatable {
    public var name: String
    public var sameBlock: Bool

    public init(name: String, sameBlock: Bool) {
      self.name = name
      self.sameBlock = sameBlock
    }
  }

  public struct Phase: Sendable, Equatable {
    public enum Length: Sendable, Equatable {
      case fixed(Quantity, LengthUnit)
      /// `for A..B UNIT`: drawn uniformly per run (and per repetition) from the run's seed.
      case random(Quantity, Quantity, LengthUnit)
      case untilCriterion(maxSteps: Quantity)
    }

    public var name: String
    public var length: Length
    public var streams: [Stream]
    public var overrides: TrainingOverrides
    /// No weight updates: an evaluation-only phase.
    public var frozen: Bool
    /// Gaussian noise of this standard deviation added to every weight at phase start.
    public var perturb: Quantity?
    /// `perturb like PHASE [per tensor]`.
    public var kick: (phase: PhaseReference, perTensor: Bool)?
    /// `from PHASE`: the phase whose end this one starts from.
    public var from: PhaseReference?

    public init(
      name: String, length: Length, streams: [Stream], overrides: TrainingOverrides, frozen: Bool,
      perturb: Quantity? = nil
    ) {
      self.name = name
      self.length = length
      self.streams = streams
      self.overrides = overrides
      self.frozen = frozen
      self.perturb = perturb
    }

    public static func == (a: Phase, b: Phase) -> Bool {
      a.name == b.name && a.length == b.length && a.streams == b.streams && a.overrides == b.overrides
        && a.frozen == b.frozen && a.perturb == b.perturb && a.from == b.from
        && a.kick?.phase == b.kick?.phase && a.kick?.perTensor == b.kick?.perTensor
    }
  }

  public enum ScheduleItem: Sendable, Equatable {
    case phase(Phase)
    /// `repeat N { phase … }`; repeats do not nest.
    case repeated(count: Quantity, phases: [Phase])
  }

  // MARK: - Sweep points

  /// The cartesian product of the sweeps, in file order (the first sweep varies slowest); one
  /// empty point when there are no sweeps.
  public var sweepPoints: [SweepPoint] {
    var points = [SweepPoint(assignments: [])]
    for sweep in sweeps {
      points = points.flatMap { point in
        sweep.values.map { value in
          SweepPoint(assignments: point.assignments + [SweepPoint.Assignment(name: sweep.name, value: value)])
        }
      }
    }
    return points
  }

  /// The number of runs: sweep points times seeds.
  public var runCount: Int {
    sweeps.reduce(seeds.count) { $0 * $1.values.count }
  }

  /// Every parameter's value at `point`: the `let` values, replaced by the point's assignments.
  public func parameterValues(at point: SweepPoint) -> [String: Double] {
    var values: [String: Double] = [:]
    for parameter in parameters { values[parameter.name] = parameter.value }
    for assignment in point.assignments { values[assignment.name] = assignment.value }
    return values
  }

  public init(
    name: String, world: World, parameters: [Parameter], sweeps: [Sweep], seeds: [UInt64],
    sets: [SetDefinition], model: Model, training: TrainingOverrides, context: Context, probe: Probe? = nil,
    criterion: Criterion, schedule: [ScheduleItem]
  ) {
    self.name = name
    self.world = world
    self.parameters = parameters
    self.sweeps = sweeps
    self.seeds = seeds
    self.sets = sets
    self.model = model
    self.training = training
    self.context = context
    self.probe = probe
    self.criterion = criterion
    self.schedule = schedule
  }
}
