// From a scenario at one sweep point to one run's plan: the world drawn from the seed, the sets
// evaluated in file order (each `sample` from its own seeded stream), random phase lengths drawn.
// Problems that only a seed can reveal (a `sample` larger than its set, an empty set) are errors
// naming the set and the seed.

import Networks
import Randomness
import ScenarioLanguage

/// A run that cannot be built for this seed.
public struct PlanError: Error, CustomStringConvertible, Sendable {
  public var description: String
}

extension RunPlan {
  public init(_ scenario: ResolvedScenario, seed: UInt64) throws(PlanError) {
    let w = scenario.world
    let kind: WorldKind
    switch w.kind {
    case .runsum(let base, let length): kind = .runsum(modulus: base, length: length)
    case .modsum(let base): kind = .modsum(modulus: base)
    case .lookup(let items):
      kind = .lookup(count: items, length: w.sequenceLength, vocab: w.vocabulary, classes: w.classes)
    }
    let convention: Convention? = w.convention.map {
      switch $0 {
      case .weak(let q): .weak(q)
      case .shift(let k): .shift(k)
      case .constant(let a): .constant(a)
      case .scramble: .scramble
      }
    }
    var window: Int? = nil
    if case .stream(let w) = scenario.context { window = w }
    let world = WorldSpec(kind: kind, items: w.items, convention: convention, password: w.password)
      .generate(seed: seed)

    var sets: [(name: String, items: [Int])] = []
    var named: [String: [Int]] = ["all": Array(world.items.indices), "wrong": world.wrong]
    for definition in scenario.sets {
      var random = SeededGenerator(seed: seed, stream: "set \(definition.name)")
      let items = try evaluate(definition.expression, named: named, world: world,
                               random: &random, set: definition.name, seed: seed)
      sets.append((definition.name, items))
      named[definition.name] = items
    }

    var lengths = SeededGenerator(seed: seed, stream: "lengths")
    var phases: [PhasePlan] = []
    for phase in scenario.phases {
      let length: PhaseLength
      switch phase.length {
      case .steps(let n): length = .steps(n)
      case .epochs(let n): length = .epochs(n)
      case .randomSteps(let r): length = .steps(lengths.nextInt(in: r))
      case .randomEpochs(let r): length = .epochs(lengths.nextInt(in: r))
      case .untilCriterion(let cap): length = .untilCriterion(maxSteps: cap)
      case .trials(let n): length = .trials(n)
      case .randomTrials(let r): length = .trials(lengths.nextInt(in: r))
      }
      for stream in phase.streams where (named[stream.set] ?? []).isEmpty {
        throw PlanError(
          description: "phase '\(phase.displayName)' trains on set '\(stream.set)', which is empty for seed \(seed)")
      }
      let t = phase.training
      let settings = TrainingSettings(
        rule: t.optimizer == .adam ? .adam() : .sgd(momentum: Float(t.momentum)),
        learningRate: Float(t.learningRate),
        batch: { if case .size(let n) = t.batch { return n } else { return nil } }(),
        clip: t.clip.map(Float.init), keepOptimizer: t.keepOptimizer)
      phases.append(PhasePlan(
        name: phase.name, repeatIndex: phase.repeatIndex, length: length,
        streams: phase.streams.map {
          StreamPlan(target: TargetKind(rawValue: $0.target.rawValue)!, set: $0.set,
                     password: $0.withPassword)
        },
        settings: settings, frozen: phase.frozen, perturb: phase.perturb))
    }

    let cell: Networks.CellKind
    switch scenario.model.cell {
    case .elman: cell = .elman
    case .gru: cell = .gru
    case .lstm: cell = .lstm
    }
    self.init(
      seed: seed, world: world, sets: sets, cell: cell, hidden: scenario.model.hidden,
      embedding: scenario.model.embedding, probeEvery: max(1, scenario.probe?.everySteps ?? 10),
      probeSets: scenario.probe?.sets ?? [],
      criterion: Criterion(fraction: scenario.criterion.fraction, probes: scenario.criterion.probes),
      phases: phases, window: window)
  }
}

/// A set expression's items, sorted.
private func evaluate(
  _ expression: ResolvedScenario.SetExpression, named: [String: [Int]], world: World,
  random: inout SeededGenerator, set: String, seed: UInt64
) throws(PlanError) -> [Int] {
  func recurse(_ e: ResolvedScenario.SetExpression) throws(PlanError) -> [Int] {
    try evaluate(e, named: named, world: world, random: &random, set: set, seed: seed)
  }
  switch expression {
  case .all: return Array(world.items.indices)
  case .wrong: return world.wrong
  case .named(let name):
    guard let items = named[name] else {
      throw PlanError(description: "set '\(set)' uses '\(name)' before it is defined")
    }
    return items
  case .sample(let count, let operand):
    let pool = try recurse(operand)
    return try draw(count, from: pool)
  case .sampleFraction(let fraction, let operand):
    let pool = try recurse(operand)
    let count = Int((fraction * Double(pool.count)).rounded(.toNearestOrAwayFromZero))
    return try draw(count, from: pool)
  case .items(let ranges):
    var chosen = Set<Int>()
    for range in ranges {
      guard range.lowerBound >= 0, range.upperBound < world.items.count else {
        throw PlanError(description: "set '\(set)': items \(range) outside 0..\(world.items.count - 1)")
      }
      chosen.formUnion(range)
    }
    return chosen.sorted()
  case .union(let a, let b): return Set(try recurse(a)).union(try recurse(b)).sorted()
  case .difference(let a, let b): return Set(try recurse(a)).subtracting(try recurse(b)).sorted()
  case .intersection(let a, let b): return Set(try recurse(a)).intersection(try recurse(b)).sorted()
  }

  func draw(_ count: Int, from pool: [Int]) throws(PlanError) -> [Int] {
    guard count <= pool.count else {
      throw PlanError(description:
        "set '\(set)': cannot sample \(count) items from a set of \(pool.count) for seed \(seed)")
    }
    return random.sample(count, from: pool.count).map { pool[$0] }.sorted()
  }
}
