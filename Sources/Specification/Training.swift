// Training settings: the `train { … }` block, which every phase may override. Each numeric
// setting is one row of `TrainingSettings.numeric`: its word in the language, its bounds, its
// default and where it lives, so that the parser, the validator, the resolver, `explain` and the
// records all follow the same table (docs/design.md §3, §4).

/// Examples per optimizer step: the whole union of a phase's streams, or N (in stream mode, N
/// lanes).
public enum Batch: Sendable, Hashable, Codable {
  case all
  case size(Int)

  /// N, or nil for `all`.
  public var size: Int? {
    if case .size(let n) = self { return n }
    return nil
  }
}

/// The effective training settings of one phase.
public struct TrainingSettings: Sendable, Hashable, Codable {
  public var optimizer: OptimizerKind
  public var learningRate: Double
  public var batch: Batch
  /// Gradient-norm clipping threshold; nil: no clipping.
  public var clip: Double?
  /// SGD momentum (no effect with Adam).
  public var momentum: Double
  /// Decoupled weight decay λ, as PyTorch's AdamW: every weight shrinks by lr·λ before the
  /// Adam update (no effect with SGD); 0: none.
  public var weightDecay: Double
  /// Keep the optimizer state across the phase boundary instead of starting afresh.
  public var keepOptimizer: Bool

  public init(
    optimizer: OptimizerKind = Defaults.training.optimizer,
    learningRate: Double = Defaults.training.learningRate, batch: Batch = .all, clip: Double? = nil,
    momentum: Double = 0, weightDecay: Double = 0, keepOptimizer: Bool = false
  ) {
    self.optimizer = optimizer
    self.learningRate = learningRate
    self.batch = batch
    self.clip = clip
    self.momentum = momentum
    self.weightDecay = weightDecay
    self.keepOptimizer = keepOptimizer
  }

  /// One numeric setting of the language.
  public struct NumericSetting: Sendable {
    /// The directive word (`lr`).
    public var word: String
    /// How messages name it (`the learning rate`).
    public var what: String
    /// Allowed values: above (or from, when `minimumIncluded`) `minimum`, up to (or below)
    /// `maximum`.
    public var minimum: Double
    public var minimumIncluded: Bool
    public var maximum: Double
    public var maximumIncluded: Bool
    /// The only optimizer it affects; nil: every optimizer.
    public var onlyWith: OptimizerKind?
    public var keyPath: WritableKeyPath<TrainingSettings, Double?> & Sendable
  }

  /// The numeric settings, in the order `explain` prints them.
  public static let numeric: [NumericSetting] = [
    NumericSetting(
      word: "lr", what: "the learning rate", minimum: 0, minimumIncluded: false, maximum: 1e38,
      maximumIncluded: true, onlyWith: nil, keyPath: \.learningRateValue),
    NumericSetting(
      word: "clip", what: "the clipping norm", minimum: 0, minimumIncluded: false, maximum: 1e9,
      maximumIncluded: true, onlyWith: nil, keyPath: \.clip),
    NumericSetting(
      word: "momentum", what: "the momentum", minimum: 0, minimumIncluded: true, maximum: 1,
      maximumIncluded: false, onlyWith: .sgd, keyPath: \.momentumValue),
    NumericSetting(
      word: "weight-decay", what: "the weight decay", minimum: 0, minimumIncluded: true, maximum: 1000,
      maximumIncluded: true, onlyWith: .adam, keyPath: \.weightDecayValue),
  ]

  /// The numeric setting called `word`, if any.
  public static func numeric(_ word: String) -> NumericSetting? { numeric.first { $0.word == word } }

  // Optional views of the non-optional settings, so that one key-path type serves the table.
  public var learningRateValue: Double? {
    get { learningRate }
    set { learningRate = newValue ?? Defaults.training.learningRate }
  }
  public var momentumValue: Double? {
    get { momentum }
    set { momentum = newValue ?? 0 }
  }
  public var weightDecayValue: Double? {
    get { weightDecay }
    set { weightDecay = newValue ?? 0 }
  }
}

/// What a phase (or the `train` block, over the defaults) changes; nil and absent entries keep
/// the setting. `applied(to:)` is the one place where overrides merge.
public struct TrainingOverrides: Sendable, Hashable, Codable {
  public var optimizer: OptimizerKind?
  public var batch: Batch?
  public var keepOptimizer: Bool?
  /// Numeric settings by word (`lr`, `clip`, …; see `TrainingSettings.numeric`).
  public var numbers: [String: Double]

  public init(
    optimizer: OptimizerKind? = nil, batch: Batch? = nil, keepOptimizer: Bool? = nil,
    numbers: [String: Double] = [:]
  ) {
    self.optimizer = optimizer
    self.batch = batch
    self.keepOptimizer = keepOptimizer
    self.numbers = numbers
  }

  public var isEmpty: Bool { self == TrainingOverrides() }

  /// `base` with these overrides applied.
  public func applied(to base: TrainingSettings) -> TrainingSettings {
    var result = base
    if let optimizer { result.optimizer = optimizer }
    if let batch { result.batch = batch }
    if let keepOptimizer { result.keepOptimizer = keepOptimizer }
    for setting in TrainingSettings.numeric {
      if let value = numbers[setting.word] { result[keyPath: setting.keyPath] = value }
    }
    return result
  }
}
