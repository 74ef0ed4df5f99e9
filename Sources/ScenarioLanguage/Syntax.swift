// The typed syntax tree: what each directive said, with source ranges, before any name is
// resolved or any value checked. `DirectiveParser` builds it from statements; `Validator` checks
// it and builds the `Scenario`.

import Specification

/// A name as written, with its place.
struct NameSyntax: Sendable, Equatable {
  var text: String
  var range: SourceRange
}

/// A number in the source: a literal, or a parameter name in a number's place; optionally a
/// percentage (`25%`, `p%`).
struct QuantitySyntax: Sendable, Equatable {
  enum Value: Sendable, Equatable {
    case literal(Double)
    case parameter(String)
    /// A malformed literal, already reported.
    case invalid
  }

  var value: Value
  var isPercent: Bool
  var range: SourceRange

  var parameterName: String? {
    if case .parameter(let name) = value { return name }
    return nil
  }
}

/// A set expression as written.
struct SetExpressionSyntax: Sendable, Equatable {
  enum Operator: Sendable, Equatable { case union, difference, intersection }

  struct Operation: Sendable, Equatable {
    var op: Operator
    var operand: SetExpressionSyntax
  }

  /// `I` or `K..L` inside `items`.
  struct ItemSyntax: Sendable, Equatable {
    var first: QuantitySyntax
    var last: QuantitySyntax?
    var range: SourceRange
  }

  indirect enum Kind: Sendable, Equatable {
    case all
    case wrong
    /// `wrong NAME`: the items whose answer under the named convention is not the truth.
    case wrongUnder(NameSyntax)
    case named(String)
    case sample(QuantitySyntax, of: SetExpressionSyntax)
    case items([ItemSyntax])
    /// `first op operand op operand …`, evaluated left to right.
    case chain(SetExpressionSyntax, [Operation])
  }

  var kind: Kind
  var range: SourceRange
}

struct ConventionSyntax: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case weak(QuantitySyntax)
    case shift(QuantitySyntax)
    case constant(QuantitySyntax)
    case scramble
  }

  /// nil: the world's taboo convention; else a named extra one.
  var name: NameSyntax?
  var kind: Kind
  var range: SourceRange
}

struct WorldSyntax: Sendable, Equatable {
  var kind: WorldWord
  var kindRange: SourceRange
  var arguments: [QuantitySyntax]
  var items: QuantitySyntax?
  var convention: ConventionSyntax?
  /// `convention NAME KIND …`, in file order.
  var conventions: [ConventionSyntax] = []
  var password: SourceRange?
  var length: QuantitySyntax?
  var vocab: QuantitySyntax?
  var classes: QuantitySyntax?
  /// Where each option's statement is, by name (`items`, `length`, …).
  var optionRanges: [String: SourceRange] = [:]
  var range: SourceRange
}

struct LetSyntax: Sendable, Equatable {
  var name: NameSyntax
  var value: QuantitySyntax
  var range: SourceRange
}

struct SweepSyntax: Sendable, Equatable {
  var name: NameSyntax
  var values: [QuantitySyntax]
  var range: SourceRange
}

struct SeedsSyntax: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case count(QuantitySyntax)
    case range(QuantitySyntax, QuantitySyntax)
  }

  var kind: Kind
  var range: SourceRange
}

struct SetSyntax: Sendable, Equatable {
  var name: NameSyntax
  var expression: SetExpressionSyntax?
  var range: SourceRange
}

struct ModelSyntax: Sendable, Equatable {
  var cell: CellKind
  var hidden: QuantitySyntax?
  var embedding: QuantitySyntax?
  /// The transformer's `layers`, `heads` and `ff`.
  var layers: QuantitySyntax?
  var heads: QuantitySyntax?
  var feedForward: QuantitySyntax?
  /// Each option's statement name, for diagnostics about the option.
  var optionRanges: [String: SourceRange] = [:]
  var range: SourceRange
}

/// The settings of `train { … }`, also the overrides of a phase.
struct TrainSettingsSyntax: Sendable, Equatable {
  enum Batch: Sendable, Equatable {
    case all(SourceRange)
    case size(QuantitySyntax)
  }

  var optimizer: (OptimizerKind, SourceRange)?
  var batch: Batch?
  /// Numeric settings by word (`lr`, `clip`, …; see `TrainingSettings.numeric`).
  var numbers: [String: QuantitySyntax] = [:]
  var keepOptimizer: SourceRange?
  /// Where each setting's statement is, by name (`lr`, `momentum`, …).
  var statementRanges: [String: SourceRange] = [:]

  var isEmpty: Bool {
    optimizer == nil && batch == nil && numbers.isEmpty && keepOptimizer == nil
  }

  /// The place of the first setting given, for warnings about all of them.
  var firstRange: SourceRange? {
    statementRanges.values.min { $0.start < $1.start }
  }

  static func == (a: TrainSettingsSyntax, b: TrainSettingsSyntax) -> Bool {
    a.optimizer?.0 == b.optimizer?.0 && a.optimizer?.1 == b.optimizer?.1
      && a.batch == b.batch && a.numbers == b.numbers && a.keepOptimizer == b.keepOptimizer
      && a.statementRanges == b.statementRanges
  }
}

struct ContextSyntax: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case reset
    case stream(QuantitySyntax)
  }

  var kind: Kind
  var range: SourceRange
}

struct ProbeSyntax: Sendable, Equatable {
  var every: QuantitySyntax
  var sets: [NameSyntax]
  /// `{ latent }`.
  var latent: SourceRange?
  var range: SourceRange
}

struct CriterionSyntax: Sendable, Equatable {
  var fraction: QuantitySyntax
  var probes: QuantitySyntax
  var range: SourceRange
}

struct PhaseLengthSyntax: Sendable, Equatable {
  enum Kind: Sendable, Equatable {
    case fixed(QuantitySyntax, LengthUnit)
    case random(QuantitySyntax, QuantitySyntax, LengthUnit)
    case untilCriterion(maxSteps: QuantitySyntax)
  }

  var kind: Kind
  var unitRange: SourceRange
  var range: SourceRange
}

struct StreamSyntax: Sendable, Equatable {
  var target: TargetKind
  var targetRange: SourceRange
  var set: NameSyntax
  var password: SourceRange?
  /// `with noise P`.
  var noise: QuantitySyntax?
  var range: SourceRange
}

/// `perturb like PHASE [per tensor]`.
struct MatchedKickSyntax: Sendable, Equatable {
  var phase: NameSyntax
  var perTensor: SourceRange?
  var range: SourceRange
}

struct PhaseSyntax: Sendable, Equatable {
  var name: NameSyntax
  var length: PhaseLengthSyntax?
  var streams: [StreamSyntax] = []
  var overrides = TrainSettingsSyntax()
  var frozen: SourceRange?
  var perturb: QuantitySyntax?
  /// `perturb like PHASE [per tensor]`: the phase named, and where `per tensor` was written.
  var perturbLike: MatchedKickSyntax?
  /// `phase NAME from PHASE …`: the phase it branches from.
  var from: NameSyntax?
  /// A statement of the block had an error (so "trains nothing" would be a consequence).
  var hasBrokenStatements = false
  /// The `phase` directive through its length (where "phase trains nothing" points).
  var headRange: SourceRange
  var range: SourceRange
}

struct RepeatSyntax: Sendable, Equatable {
  var count: QuantitySyntax?
  var phases: [PhaseSyntax]
  /// A statement of the block had an error.
  var hasBrokenStatements = false
  var range: SourceRange
}

enum ScheduleItemSyntax: Sendable, Equatable {
  case phase(PhaseSyntax)
  case repeated(RepeatSyntax)
}

/// Everything one file said.
struct FileSyntax: Sendable, Equatable {
  var scenarioName: NameSyntax?
  var world: WorldSyntax?
  var lets: [LetSyntax] = []
  var sweeps: [SweepSyntax] = []
  var seeds: SeedsSyntax?
  var sets: [SetSyntax] = []
  var model: ModelSyntax?
  var train: TrainSettingsSyntax?
  var trainRange: SourceRange?
  var context: ContextSyntax?
  var probe: ProbeSyntax?
  var criterion: CriterionSyntax?
  var schedule: [ScheduleItemSyntax] = []
  /// Whether the file has any statement at all (an empty or comment-only file has none).
  var hasStatements = false
  /// Every top-level directive name written, even where the statement had an error (so that a
  /// misspelt `world` argument does not also report a missing world).
  var directivesSeen: Set<String> = []

  var phases: [PhaseSyntax] {
    schedule.flatMap { item -> [PhaseSyntax] in
      switch item {
      case .phase(let phase): return [phase]
      case .repeated(let block): return block.phases
      }
    }
  }
}
