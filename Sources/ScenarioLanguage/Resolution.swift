// From the symbolic scenario to the run specification of one sweep point: every number
// substituted, every default filled in (from `Defaults` and `WorldSpec`), `repeat` expanded into
// numbered phases, each phase's training settings merged once (`TrainingOverrides.applied`) and
// its role decided (`PhaseRole.assign`). docs/design.md §3.

import Specification

extension Scenario {
  /// This scenario at `point` (normally one of `sweepPoints`).
  public func resolved(at point: SweepPoint) -> RunSpec {
    let values = parameterValues(at: point)
    let training = self.training.resolved(values).applied(to: Defaults.training)
    var phases: [PhaseSpec] = []
    // The latest expanded index of each phase name outside repeat blocks, and in the current
    // repetition (what `from` and `perturb like` name; the validator made sure they exist).
    var outside: [String: Int] = [:]
    func append(_ phase: Scenario.Phase, repeatIndex: Int?, block: [String: Int]) -> Int {
      func index(_ reference: Scenario.PhaseReference?) -> Int? {
        reference.flatMap { $0.sameBlock ? block[$0.name] : outside[$0.name] }
      }
      var spec = phase.resolved(values, base: training, index: phases.count, repeatIndex: repeatIndex)
      spec.from = index(phase.from)
      if let kick = phase.kick, let matched = index(kick.phase) {
        spec.kick = MatchedKick(phase: matched, perTensor: kick.perTensor)
      }
      phases.append(spec)
      return spec.index
    }
    for item in schedule {
      switch item {
      case .phase(let phase):
        outside[phase.name] = append(phase, repeatIndex: nil, block: [:])
      case .repeated(let count, let inner):
        for repetition in 0..<max(0, wholeNumber(count.value(values))) {
          var block: [String: Int] = [:]
          for phase in inner {
            block[phase.name] = append(phase, repeatIndex: repetition + 1, block: block)
          }
        }
      }
    }
    return RunSpec(
      name: name, point: point, parameters: values, world: world.resolved(values),
      sets: sets.map { Specification.SetDefinition(name: $0.name, expression: $0.expression.resolved(values)) },
      model: model.resolved(values), training: training, context: context.resolved(values),
      probe: probe.map {
        ProbeSpec(everySteps: wholeNumber($0.everySteps.value(values)), sets: $0.sets, latent: $0.latent)
      },
      criterion: Specification.Criterion(
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
  func resolved(_ values: [String: Double]) -> WorldSpec {
    func resolved(_ convention: Scenario.World.Convention) -> Specification.Convention {
      switch convention {
      case .weak(let q): .weak(truthProbability: q.value(values))
      case .shift(let k): .shift(wholeNumber(k.value(values)))
      case .constant(let a): .constant(wholeNumber(a.value(values)))
      case .scramble: .scramble
      }
    }
    let convention = self.convention.map(resolved)
    let extras = conventions.map { Specification.NamedConvention(name: $0.name, convention: resolved($0.convention)) }
    func number(_ q: Quantity?) -> Int? { q.map { wholeNumber($0.value(values)) } }
    let kind: WorldKind
    switch self.kind {
    case .runsum(let base, let length):
      kind = .runsum(base: wholeNumber(base.value(values)), length: wholeNumber(length.value(values)))
    case .modsum(let base):
      kind = .modsum(base: wholeNumber(base.value(values)))
    case .lookup(let items):
      kind = .lookup(
        items: wholeNumber(items.value(values)), length: number(length) ?? Defaults.lookupLength,
        vocab: number(vocab) ?? Defaults.lookupVocabulary, classes: number(classes) ?? Defaults.lookupClasses)
    }
    return WorldSpec(
      kind: kind, items: number(items), convention: convention, conventions: extras, password: password)
  }
}

extension Scenario.SetExpression {
  func resolved(_ values: [String: Double]) -> Specification.SetExpression {
    switch self {
    case .all: return .all
    case .wrong: return .wrong
    case .wrongUnder(let name): return .wrongUnder(name)
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
  func resolved(_ values: [String: Double]) -> ModelSpec {
    let width = wholeNumber(hidden.value(values))
    let sizes = cell == .transformer
      ? TransformerSizes(
        layers: layers.map { wholeNumber($0.value(values)) } ?? TransformerSizes(width: width).layers,
        heads: heads.map { wholeNumber($0.value(values)) } ?? TransformerSizes(width: width).heads,
        feedForward: feedForward.map { wholeNumber($0.value(values)) }, width: width)
      : nil
    return ModelSpec(
      cell: cell, hidden: width, embedding: embedding.map { wholeNumber($0.value(values)) },
      transformer: sizes)
  }
}

extension Scenario.Batch {
  func resolved(_ values: [String: Double]) -> Specification.Batch {
    switch self {
    case .all: return .all
    case .size(let size): return .size(wholeNumber(size.value(values)))
    }
  }
}

extension Scenario.TrainingOverrides {
  func resolved(_ values: [String: Double]) -> Specification.TrainingOverrides {
    Specification.TrainingOverrides(
      optimizer: optimizer, batch: batch?.resolved(values), keepOptimizer: keepOptimizer,
      numbers: numbers.mapValues { $0.value(values) })
  }
}

extension Scenario.Context {
  func resolved(_ values: [String: Double]) -> ContextMode {
    switch self {
    case .reset: return .reset
    case .stream(let window): return .stream(window: wholeNumber(window.value(values)))
    }
  }
}

extension Scenario.Phase {
  func resolved(_ values: [String: Double], base: TrainingSettings, index: Int, repeatIndex: Int?) -> PhaseSpec {
    let overrides = self.overrides.resolved(values)
    let length: PhaseLength
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
    return PhaseSpec(
      index: index, name: name, repeatIndex: repeatIndex, length: length,
      streams: streams.map {
        StreamSpec(target: $0.target, set: $0.set, password: $0.password, noise: $0.noise?.value(values))
      },
      training: overrides.applied(to: base), overrides: overrides, frozen: frozen,
      perturb: perturb?.value(values))
  }
}
