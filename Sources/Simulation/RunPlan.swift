// One run, fully determined: the run specification plus what its seed decides — the world
// drawn, every set evaluated to item indices, every random phase length drawn. The trainer
// executes it. Problems that only a seed can reveal (a `sample` larger than its set, an empty
// set) are errors naming the set and the seed.

import Randomness
import Specification

/// A run that cannot be built for this seed.
public struct PlanError: Error, CustomStringConvertible, Sendable {
  public var description: String
}

public struct RunPlan: Sendable {
  public var spec: RunSpec
  public var seed: UInt64
  public var world: World
  /// Every named set in definition order, as sorted item indices.
  public var sets: [(name: String, items: [Int])]
  /// Each phase's length in its unit (random ranges drawn; `until criterion`: the step cap).
  public var lengths: [Int]

  public var phases: [PhaseSpec] { spec.phases }
  /// `context stream W`: the window W in examples; nil for `context reset`.
  public var window: Int? { spec.context.window }
  public var networkShape: NetworkShape { spec.networkShape }

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

  public init(_ spec: RunSpec, seed: UInt64) throws(PlanError) {
    let world = spec.world.generate(seed: seed)
    var sets: [(name: String, items: [Int])] = []
    var named: [String: [Int]] = ["all": Array(world.items.indices), "wrong": world.wrong]
    for definition in spec.sets {
      var random = SeededGenerator(seed: seed, stream: "set \(definition.name)")
      let items = try evaluate(
        definition.expression, named: named, world: world, random: &random, set: definition.name, seed: seed)
      sets.append((definition.name, items))
      named[definition.name] = items
    }
    var draws = SeededGenerator(seed: seed, stream: "lengths")
    var lengths: [Int] = []
    for phase in spec.phases {
      switch phase.length {
      case .steps(let n), .epochs(let n), .trials(let n), .untilCriterion(let n): lengths.append(n)
      case .randomSteps(let r), .randomEpochs(let r), .randomTrials(let r): lengths.append(draws.nextInt(in: r))
      }
      for stream in phase.streams where (named[stream.set] ?? []).isEmpty {
        throw PlanError(
          description: "phase '\(phase.displayName)' trains on set '\(stream.set)', which is empty for seed \(seed)")
      }
    }
    self.spec = spec
    self.seed = seed
    self.world = world
    self.sets = sets
    self.lengths = lengths
  }
}

/// A set expression's items, sorted.
private func evaluate(
  _ expression: SetExpression, named: [String: [Int]], world: World, random: inout SeededGenerator,
  set: String, seed: UInt64
) throws(PlanError) -> [Int] {
  func recurse(_ e: SetExpression) throws(PlanError) -> [Int] {
    try evaluate(e, named: named, world: world, random: &random, set: set, seed: seed)
  }
  switch expression {
  case .all: return Array(world.items.indices)
  case .wrong: return world.wrong
  case .wrongUnder(let name): return world.wrong(under: name)
  case .named(let name):
    guard let items = named[name] else {
      throw PlanError(description: "set '\(set)' uses '\(name)' before it is defined")
    }
    return items
  case .sample(let count, let operand):
    return try draw(count, from: try recurse(operand))
  case .sampleFraction(let fraction, let operand):
    let pool = try recurse(operand)
    return try draw(SetExpression.sampleSize(fraction, of: pool.count), from: pool)
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
