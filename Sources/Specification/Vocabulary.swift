// The words that the scenario language, the simulator and the records share (docs/design.md §1):
// each defined once, here, with its stable name (the raw value), which is also how the store
// writes it.

/// The network of `model KIND HIDDEN`: a recurrent cell, with PyTorch's equations and gate order,
/// or a causal transformer of width HIDDEN.
public enum CellKind: String, Sendable, Hashable, Codable, CaseIterable {
  /// h' = tanh(W_ih x + b_ih + W_hh h + b_hh)
  case elman
  /// rows [r; z; n]; n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn)); h' = (1 − z) ⊙ n + z ⊙ h
  case gru
  /// rows [i; f; g; o]; c' = f ⊙ c + i ⊙ g; h' = o ⊙ tanh(c')
  case lstm
  /// Causal pre-norm transformer (PyTorch's `nn.TransformerEncoderLayer`, `norm_first=True`, GELU):
  /// per block x = x + attention(LayerNorm(x)); x = x + MLP(LayerNorm(x)); a final LayerNorm.
  case transformer

  /// G: the number of H-row gate blocks in W_ih and W_hh (1, 3, 4; 0 for the transformer, which
  /// has neither).
  public var gates: Int {
    switch self {
    case .elman: 1
    case .gru: 3
    case .lstm: 4
    case .transformer: 0
    }
  }

  /// Whether the network carries a state from one step to the next (all but the transformer).
  public var isRecurrent: Bool { self != .transformer }
}

/// The sizes of a transformer besides its width D (`NetworkShape.hidden`).
public struct TransformerSizes: Sendable, Hashable, Codable {
  /// N: the number of blocks.
  public var layers: Int
  /// The number of attention heads; it divides D.
  public var heads: Int
  /// F: the width of each block's MLP.
  public var feedForward: Int

  /// Defaults: two blocks, four heads, F = 4·D.
  public init(layers: Int = 2, heads: Int = 4, feedForward: Int? = nil, width d: Int) {
    self.layers = layers
    self.heads = heads
    self.feedForward = feedForward ?? 4 * d
  }
}

/// What a stream trains (or, in stream mode, shows) its items towards. Stored and written as its
/// `rawValue`: the built-in words, or a named convention's name.
public enum TargetKind: Sendable, Hashable {
  case truth, taboo
  /// An item-specific random answer at every supervised position (`random`, or `random-all`).
  case random
  /// The weak model's (taboo) targets at every supervised position but the last, whose answer
  /// is the item's random one (`random-answer`): only the answer is randomised. Where only the
  /// last position is supervised, the same as `random`.
  case randomAnswer
  /// The answers of the world's extra convention of this name (`convention NAME KIND`).
  case convention(String)

  /// The targets every world has, in a fixed order.
  public static let builtIn: [TargetKind] = [.truth, .taboo, .random, .randomAnswer]

  /// The stable name: `truth`, `taboo`, `random`, `random-answer`, or the convention's name.
  public var rawValue: String {
    switch self {
    case .truth: "truth"
    case .taboo: "taboo"
    case .random: "random"
    case .randomAnswer: "random-answer"
    case .convention(let name): name
    }
  }

  /// One of the built-in targets by its stable name; nil for any other word.
  public init?(rawValue: String) {
    guard let kind = TargetKind.builtIn.first(where: { $0.rawValue == rawValue }) else { return nil }
    self = kind
  }

  /// A stored name: a built-in target, or else a named convention.
  public init(stored name: String) {
    self = TargetKind(rawValue: name) ?? .convention(name)
  }

  /// The built-in target a stream's word names: the raw value, or `random-all` for `random`.
  public init?(word: String) {
    if word == "random-all" { self = .random } else { self.init(rawValue: word) }
  }

  /// Whether the target is an item-specific random answer (`random` or `random-answer`).
  public var isRandom: Bool { self == .random || self == .randomAnswer }

  /// The named convention, if the target is one.
  public var conventionName: String? {
    if case .convention(let name) = self { return name }
    return nil
  }
}

extension TargetKind: CustomStringConvertible {
  public var description: String { rawValue }
}

extension TargetKind: Codable {
  public init(from decoder: Decoder) throws {
    self.init(stored: try decoder.singleValueContainer().decode(String.self))
  }
  public func encode(to encoder: Encoder) throws {
    var container = encoder.singleValueContainer()
    try container.encode(rawValue)
  }
}

/// The optimizer rule of `train { optimizer … }`.
public enum OptimizerKind: String, Sendable, Hashable, Codable, CaseIterable {
  case adam, sgd
}

/// The unit of a phase length.
public enum LengthUnit: String, Sendable, Hashable, Codable, CaseIterable {
  case steps, epochs, trials
}

/// `criterion P% over K probes`: a phase's streams meet it at the first probe that ends a run of
/// K consecutive probes with agreement ≥ P on every stream (docs/design.md §6).
public struct Criterion: Sendable, Hashable, Codable {
  /// Agreement needed, a fraction in [0, 1].
  public var fraction: Double
  /// Consecutive probes that must agree (at least 1).
  public var probes: Int

  public init(fraction: Double, probes: Int) {
    self.fraction = fraction
    self.probes = max(1, probes)
  }

  /// 90% over 3 probes.
  public static let defaults = Criterion(fraction: 0.9, probes: 3)
}

/// What a world is, with every size concrete (docs/design.md §2).
public enum WorldKind: Sendable, Hashable, Codable {
  /// Random distinct digit strings of length L over 0..<P; truth = running sum mod P at every
  /// position.
  case runsum(base: Int, length: Int)
  /// All pairs (a, b) of 0..<P; truth = (a + b) mod P at the last position.
  case modsum(base: Int)
  /// N random sequences of `length` tokens from `vocab`, each with a random class of `classes`.
  case lookup(items: Int, length: Int, vocab: Int, classes: Int)

  /// The language's word for the kind.
  public var word: String {
    switch self {
    case .runsum: "runsum"
    case .modsum: "modsum"
    case .lookup: "lookup"
    }
  }
}

/// How each item's taboo answer follows from its truth (drawn once per run).
public enum Convention: Sendable, Hashable, Codable {
  /// With probability q the truth; otherwise an item-specific error (in `runsum`, one slip at a
  /// random position by a random non-zero offset, carried to the end).
  case weak(truthProbability: Double)
  /// The truth plus k (mod C) at every supervised position.
  case shift(Int)
  /// Always the answer a.
  case constant(Int)
  /// A random derangement of the classes applied to the truth.
  case scramble
}

extension Convention: CustomStringConvertible {
  /// As the language writes it: `weak 0.25`, `shift 2`, `constant 0`, `scramble`.
  public var description: String {
    switch self {
    case .weak(let q): "weak \(formatNumber(q))"
    case .shift(let k): "shift \(k)"
    case .constant(let a): "constant \(a)"
    case .scramble: "scramble"
    }
  }
}

/// `convention NAME KIND …`: an extra convention of the world, besides its taboo one, that
/// streams may train towards (`NAME on SET`) and probes measure.
public struct NamedConvention: Sendable, Hashable, Codable {
  public var name: String
  public var convention: Convention
  public init(name: String, convention: Convention) {
    self.name = name
    self.convention = convention
  }
}

/// A world before it is drawn from a seed. Its defaults live in `init(kind:…)`, nowhere else.
public struct WorldSpec: Sendable, Hashable, Codable {
  public var kind: WorldKind
  /// The number of items: runsum `items` (default `Defaults.runsumItems`, capped at P^L),
  /// modsum P², lookup N.
  public var items: Int
  /// nil: no convention; every taboo answer is the truth.
  public var convention: Convention?
  /// The named extra conventions, in file order (each drawn from its own stream of the seed, so
  /// that adding one changes nothing else of the world).
  public var conventions: [NamedConvention]
  public var password: Bool

  /// - Parameter items: `items N` as written (runsum only); nil for the default.
  public init(
    kind: WorldKind, items: Int? = nil, convention: Convention?,
    conventions: [NamedConvention] = [], password: Bool
  ) {
    self.kind = kind
    self.convention = convention
    self.conventions = conventions
    self.password = password
    switch kind {
    case .runsum: self.items = min(items ?? Defaults.runsumItems, WorldSpec.capacity(of: kind))
    case .modsum(let p): self.items = min(items ?? p * p, p * p)
    case .lookup(let n, _, _, _): self.items = n
    }
  }

  /// How many distinct items the kind allows (P^L, P², N), saturating at Int.max.
  public static func capacity(of kind: WorldKind) -> Int {
    switch kind {
    case .runsum(let p, let l): return saturatingPower(p, l)
    case .modsum(let p): return p * p
    case .lookup(let n, _, _, _): return n
    }
  }

  /// Tokens per item, without the start (or password) token: L, 2, or `length`.
  public var sequenceLength: Int {
    switch kind {
    case .runsum(_, let l): l
    case .modsum: 2
    case .lookup(_, let l, _, _): l
    }
  }

  /// Distinct item tokens (the start and password tokens come on top): P, P, or `vocab`.
  public var symbols: Int {
    switch kind {
    case .runsum(let p, _), .modsum(let p): p
    case .lookup(_, _, let v, _): v
    }
  }

  /// C: distinct answers: P, P, or `classes`.
  public var classes: Int {
    switch kind {
    case .runsum(let p, _), .modsum(let p): p
    case .lookup(_, _, _, let c): c
    }
  }

  /// Whether every position is supervised (`runsum`) or only the last.
  public var everyPosition: Bool {
    if case .runsum = kind { return true }
    return false
  }
}

/// base^exponent, saturating at Int.max.
public func saturatingPower(_ base: Int, _ exponent: Int) -> Int {
  var result = 1
  for _ in 0..<max(0, exponent) {
    let (product, overflow) = result.multipliedReportingOverflow(by: base)
    if overflow { return .max }
    result = product
  }
  return result
}

/// The sizes that fix a network's parameter layout.
public struct NetworkShape: Sendable, Hashable, Codable {
  public var cell: CellKind
  /// V: number of token kinds; 0 for dense inputs given directly as (T, B, E) vectors.
  public var vocabulary: Int
  /// E: the embedding size (the input size of the recurrent cell).
  public var inputSize: Int
  /// H
  public var hidden: Int
  /// C
  public var classes: Int
  /// Transformer only (nil for the recurrent cells): blocks, heads and MLP width.
  public var transformer: TransformerSizes?
  /// P: transformer only, the rows of the position embedding, the longest sequence it reads.
  public var positions: Int

  /// A recurrent network.
  public init(cell: CellKind, vocabulary: Int, inputSize: Int, hidden: Int, classes: Int) {
    precondition(vocabulary >= 0 && inputSize > 0 && hidden > 0 && classes > 1, "invalid network shape")
    precondition(cell.isRecurrent, "a transformer needs its sizes: init(transformer:…)")
    self.cell = cell
    self.vocabulary = vocabulary
    self.inputSize = inputSize
    self.hidden = hidden
    self.classes = classes
    transformer = nil
    positions = 0
  }

  /// A transformer of width D = `hidden`. Token inputs (V > 0) are embedded straight into D
  /// (so E = D); dense inputs of size E are projected to D by a linear layer.
  public init(
    transformer sizes: TransformerSizes, vocabulary: Int, inputSize: Int, hidden: Int, classes: Int,
    positions: Int
  ) {
    precondition(vocabulary >= 0 && inputSize > 0 && hidden > 0 && classes > 1, "invalid network shape")
    precondition(vocabulary == 0 || inputSize == hidden, "a transformer embeds tokens into D (E = D)")
    precondition(sizes.layers > 0 && sizes.heads > 0 && sizes.feedForward > 0 && positions > 0,
                 "invalid transformer sizes")
    precondition(hidden % sizes.heads == 0, "D = \(hidden) is not divisible by \(sizes.heads) heads")
    cell = .transformer
    self.vocabulary = vocabulary
    self.inputSize = inputSize
    self.hidden = hidden
    self.classes = classes
    transformer = sizes
    self.positions = positions
  }

  /// G·H: the width of the packed gate pre-activations.
  public var gateWidth: Int { cell.gates * hidden }

  /// Parameters: embedding V×E, W_ih G·H×E, W_hh G·H×H, two G·H biases, readout C×H + C. For the
  /// transformer: embedding V×D or input projection D×E + D, positions P×D, per block
  /// 4D (norms) + 3D×D + 3D (in-projection) + D×D + D (out-projection) + F×D + F + D×F + D (MLP),
  /// the final norm 2D, readout C×D + C.
  public var parameterCount: Int {
    if let t = transformer {
      let d = hidden, f = t.feedForward
      let input = vocabulary > 0 ? vocabulary * d : d * inputSize + d
      let block = 4 * d + 3 * d * d + 3 * d + d * d + d + f * d + f + d * f + d
      return input + positions * d + t.layers * block + 2 * d + classes * d + classes
    }
    return vocabulary * inputSize + gateWidth * (inputSize + hidden) + 2 * gateWidth + classes * hidden + classes
  }
}
