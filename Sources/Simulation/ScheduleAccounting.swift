// How many optimizer steps and examples a run takes, phase by phase, as far as the set sizes are
// known. A phase's examples are the union of its streams' (item, password, target) triples;
// `N epochs` are N passes over that union, each pass ⌈union / batch⌉ steps, the last batch of a
// pass possibly smaller; `N steps` take batches in the same order, pass after pass.
// In `context stream W` a step presents a window of W examples in each of `batch` lanes (all of
// them full: the order wraps into the next pass), so it takes batch·W examples, and a frozen
// phase of N trials presents N examples in each lane. These are the trainer's own rules: it calls
// `stepsPerEpoch` and `RunSpec.laneSources` too, and a test runs every shipped scenario and
// compares what this predicts with what each run did.

import ScenarioLanguage
import Specification

/// The step and example counts of one run.
public struct ScheduleAccounting: Sendable, Equatable {
  public struct PhaseCounts: Sendable, Equatable {
    /// Distinct training examples of the phase (the union of its streams).
    public var examplesPerEpoch: SetSizeBounds
    /// Optimizer steps (0 for a frozen phase).
    public var steps: SetSizeBounds
    /// Examples the optimizer sees (presented examples for a frozen phase).
    public var examples: SetSizeBounds
    /// The length can end early (`until criterion`) or is drawn per run (`for A..B`).
    public var isVariable: Bool
  }

  public var phases: [PhaseCounts]
  /// Optimizer steps over all phases (frozen phases excluded).
  public var totalSteps: SetSizeBounds
  /// Examples trained on over all phases (frozen phases excluded).
  public var totalExamples: SetSizeBounds

  /// - Parameter knownSizes: exact set sizes for one seed (from the simulator); without them,
  ///   the static bounds of `staticSetSizes` are used.
  public init(_ scenario: RunSpec, knownSizes: [String: Int]? = nil) {
    var analysis = SetSizeAnalysis(world: scenario.world)
    for set in scenario.sets {
      var value = analysis.value(of: set.expression)
      if let size = knownSizes?[set.name] { value.size = SetSizeBounds(exactly: size) }
      analysis.define(set.name, value)
    }
    var wrong = analysis.value(of: .wrong)
    if let size = knownSizes?["wrong"] { wrong.size = SetSizeBounds(exactly: size) }

    func value(of name: String) -> AbstractSet {
      name == "wrong" ? wrong : analysis.value(of: name == "all" ? .all : .named(name))
    }

    let window = scenario.context.window
    var phases: [PhaseCounts] = []
    var steps = (0, 0)
    var examples = (0, 0)
    let unions = scenario.phases.map { ScheduleAccounting.union($0.streams, value: value, analysis: analysis) }
    let laneSources = scenario.laneSources
    for (index, phase) in scenario.phases.enumerated() {
      let union = unions[index]
      let batch = phase.training.batch.size
      let counts: PhaseCounts
      if let window {
        let source = laneSources[index]
        let lanes = scenario.phases[source].training.batch.size.map { SetSizeBounds(exactly: $0) }
          ?? SetSizeBounds(fewest: max(unions[source].fewest, 1), most: max(unions[source].most, 1))
        counts = ScheduleAccounting.streamCounts(phase, union: union, lanes: lanes, window: window)
      } else {
        counts = ScheduleAccounting.counts(phase, union: union, batch: batch)
      }
      phases.append(counts)
      if !phase.frozen {
        steps = (saturatingAdd(steps.0, counts.steps.fewest), saturatingAdd(steps.1, counts.steps.most))
        examples = (
          saturatingAdd(examples.0, counts.examples.fewest), saturatingAdd(examples.1, counts.examples.most)
        )
      }
    }
    self.phases = phases
    totalSteps = SetSizeBounds(fewest: steps.0, most: steps.1)
    totalExamples = SetSizeBounds(fewest: examples.0, most: examples.1)
  }

  /// The union of a phase's streams as (item, password, target) triples. Truth and taboo
  /// triples coincide on items outside `wrong`, so those two may overlap.
  static func union(
    _ streams: [StreamSpec], value: (String) -> AbstractSet, analysis: SetSizeAnalysis
  ) -> SetSizeBounds {
    var groups: [StreamSpec: AbstractSet] = [:]
    for stream in streams {
      let key = StreamSpec(target: stream.target, set: "", password: stream.password)
      let set = value(stream.set)
      groups[key] = groups[key].map { analysis.union($0, set) } ?? set
    }
    var fewest = 0
    var most = 0
    for (_, set) in groups {
      fewest = saturatingAdd(fewest, set.size.fewest)
      most = saturatingAdd(most, set.size.most)
    }
    for password in [false, true] {
      guard let truth = groups[.init(target: .truth, set: "", password: password)],
        let taboo = groups[.init(target: .taboo, set: "", password: password)],
        !taboo.supersets.contains("wrong"), !truth.isDisjoint(from: taboo)
      else { continue }
      fewest -= min(truth.size.most, taboo.size.most)
    }
    return SetSizeBounds(fewest: fewest, most: most)
  }

  static func counts(_ phase: PhaseSpec, union: SetSizeBounds, batch: Int?) -> PhaseCounts {
    let length = phase.length.bounds
    var steps: SetSizeBounds
    var examples: SetSizeBounds
    switch phase.length.unit {
    case .steps:
      steps = SetSizeBounds(fewest: length.lowerBound, most: length.upperBound)
      examples = extremes(over: union) { u in
        (
          examplesInSteps(length.lowerBound, union: u, batch: batch),
          examplesInSteps(length.upperBound, union: u, batch: batch)
        )
      }
    case .epochs:
      steps = extremes(over: union) { u in
        let perEpoch = stepsPerEpoch(union: u, batch: batch)
        return (
          saturatingMultiply(length.lowerBound, perEpoch), saturatingMultiply(length.upperBound, perEpoch)
        )
      }
      examples = SetSizeBounds(
        fewest: saturatingMultiply(length.lowerBound, union.fewest),
        most: saturatingMultiply(length.upperBound, union.most))
    case .trials:
      steps = SetSizeBounds(exactly: 0)
      examples = SetSizeBounds(fewest: length.lowerBound, most: length.upperBound)
    }
    return finished(phase, union: union, steps: steps, examples: examples)
  }

  /// A phase in `context stream W` with `lanes` streams side by side.
  static func streamCounts(_ phase: PhaseSpec, union: SetSizeBounds, lanes: SetSizeBounds, window: Int)
    -> PhaseCounts
  {
    let length = phase.length.bounds
    var steps = SetSizeBounds(exactly: 0)
    var examples: SetSizeBounds
    switch phase.length.unit {
    case .steps:
      steps = SetSizeBounds(fewest: length.lowerBound, most: length.upperBound)
      examples = SetSizeBounds(
        fewest: saturatingMultiply(length.lowerBound, saturatingMultiply(lanes.fewest, window)),
        most: saturatingMultiply(length.upperBound, saturatingMultiply(lanes.most, window)))
    case .epochs:
      func perEpoch(_ u: Int, _ l: Int) -> Int { stepsPerEpoch(union: u, perStep: l * window) }
      steps = SetSizeBounds(
        fewest: saturatingMultiply(length.lowerBound, perEpoch(max(union.fewest, 1), lanes.most)),
        most: saturatingMultiply(length.upperBound, perEpoch(max(union.most, 1), lanes.fewest)))
      examples = SetSizeBounds(
        fewest: saturatingMultiply(steps.fewest, saturatingMultiply(lanes.fewest, window)),
        most: saturatingMultiply(steps.most, saturatingMultiply(lanes.most, window)))
    case .trials:
      examples = SetSizeBounds(
        fewest: saturatingMultiply(length.lowerBound, lanes.fewest),
        most: saturatingMultiply(length.upperBound, lanes.most))
    }
    return finished(phase, union: union, steps: steps, examples: examples)
  }

  /// The counts of a phase: no steps when frozen; variable when its length is drawn or ends early.
  private static func finished(
    _ phase: PhaseSpec, union: SetSizeBounds, steps: SetSizeBounds, examples: SetSizeBounds
  ) -> PhaseCounts {
    let variable: Bool
    switch phase.length {
    case .steps, .epochs, .trials: variable = false
    default: variable = true
    }
    return PhaseCounts(examplesPerEpoch: union, steps: phase.frozen ? SetSizeBounds(exactly: 0) : steps,
                       examples: examples, isVariable: variable)
  }

  /// The smallest and largest of `f` over union sizes in `bounds` (f is not monotone).
  private static func extremes(over bounds: SetSizeBounds, _ f: (Int) -> (Int, Int)) -> SetSizeBounds {
    var fewest = Int.max
    var most = 0
    let sizes: [Int] =
      bounds.most - bounds.fewest <= 2_000
      ? Array(bounds.fewest...bounds.most) : [bounds.fewest, bounds.most]
    for size in sizes {
      let (low, high) = f(size)
      fewest = min(fewest, low)
      most = max(most, high)
    }
    return SetSizeBounds(fewest: fewest, most: most)
  }

  /// ⌈union / batch⌉ (1 for an empty union, which a valid scenario never has).
  public static func stepsPerEpoch(union: Int, batch: Int?) -> Int {
    guard union > 0 else { return 1 }
    return stepsPerEpoch(union: union, perStep: min(batch ?? union, union))
  }

  /// ⌈union / perStep⌉, at least 1: the steps of one pass when each step takes `perStep`
  /// examples (a batch, or in stream mode a window in every lane). The trainer's rule.
  public static func stepsPerEpoch(union: Int, perStep: Int) -> Int {
    max(1, (union + perStep - 1) / max(perStep, 1))
  }

  /// Examples seen in `steps` steps: whole passes over the union, then full batches.
  public static func examplesInSteps(_ steps: Int, union: Int, batch: Int?) -> Int {
    guard union > 0 else { return 0 }
    let b = min(batch ?? union, union)
    let perEpoch = stepsPerEpoch(union: union, batch: batch)
    return saturatingAdd(saturatingMultiply(steps / perEpoch, union), saturatingMultiply(steps % perEpoch, b))
  }
}

func saturatingAdd(_ a: Int, _ b: Int) -> Int {
  let (sum, overflow) = a.addingReportingOverflow(b)
  return overflow ? Int.max : sum
}

func saturatingMultiply(_ a: Int, _ b: Int) -> Int {
  let (product, overflow) = a.multipliedReportingOverflow(by: b)
  return overflow ? Int.max : product
}

extension RunSpec {
  /// Stream mode's lanes rule (docs/design.md §5), for the trainer and the accounting alike: a
  /// phase runs `batch` lanes (`batch all`: as many as its union has examples), except that a
  /// frozen phase keeps the lanes of the phase before it. For each phase, the index of the phase
  /// whose batch and union set its lanes.
  public var laneSources: [Int] {
    var sources: [Int] = []
    for (index, phase) in phases.enumerated() {
      // A frozen phase keeps the lanes of the phase it starts from (its parent, docs/design.md §4).
      if phase.frozen, let parent = phase.parent, parent < index {
        sources.append(sources[parent])
      } else {
        sources.append(index)
      }
    }
    return sources
  }
}
