// What the analysis needs from a batch's scenario text, per run: the criterion (P%, K) and
// which phases add weight noise (`perturb σ`). The text is checked once; each run's key (sweep
// values and `--set` values) is applied as overrides, which fixes every parameter, so the
// resolved schedule is exactly the one the run executed (phase indices match `PhaseRecord`).

import Records
import ScenarioLanguage

/// The `criterion P% over K probes` of a run.
public struct CriterionRule: Sendable, Hashable {
  /// Agreement needed, a fraction in [0, 1].
  public var fraction: Double
  /// Consecutive probes that must agree (at least 1).
  public var probes: Int

  public init(fraction: Double, probes: Int) {
    self.fraction = fraction
    self.probes = max(1, probes)
  }

  /// The language's default, used when a scenario cannot be read: 90% over 3 probes.
  public static let standard = CriterionRule(fraction: 0.9, probes: 3)
}

/// A batch's scenario, read for analysis. Without readable text every query falls back to the
/// defaults (standard criterion, no perturbation known).
public struct ScenarioFacts: Sendable {
  /// The checked scenario (nil when the text does not check).
  public let scenario: Scenario?
  /// The swept parameters' names, in scenario order.
  public var sweptNames: [String] { scenario?.sweeps.map(\.name) ?? [] }
  private let text: String

  public init(text: String?) {
    self.text = text ?? ""
    scenario = text.flatMap { ScenarioChecker.check(text: $0).scenario }
  }

  /// The run's scenario, every parameter fixed to the key's values; nil without a scenario.
  public func resolved(for key: RunKey) -> ResolvedScenario? {
    guard scenario != nil else { return nil }
    var overrides: [String: Double] = [:]
    for parameter in key.parameters { overrides[parameter.name] = parameter.value }
    guard let fixed = ScenarioChecker.check(text: text, overrides: overrides).scenario else {
      return nil
    }
    return fixed.resolved(at: SweepPoint(assignments: []))
  }

  /// Criterion and perturbations of one run, resolved once.
  public func run(_ key: RunKey) -> RunFacts {
    guard let resolved = resolved(for: key) else {
      return RunFacts(criterion: .standard, perturbations: nil)
    }
    var perturbations: [Int: Double] = [:]
    for phase in resolved.phases {
      if let sigma = phase.perturb, sigma > 0 { perturbations[phase.index] = sigma }
    }
    return RunFacts(
      criterion: CriterionRule(fraction: resolved.criterion.fraction, probes: resolved.criterion.probes),
      perturbations: perturbations)
  }
}

/// The scenario facts of one run.
public struct RunFacts: Sendable, Hashable {
  public var criterion: CriterionRule
  /// `perturb σ` by phase index; nil when the scenario could not be read (unknown, not none).
  public var perturbations: [Int: Double]?

  public init(criterion: CriterionRule = .standard, perturbations: [Int: Double]? = nil) {
    self.criterion = criterion
    self.perturbations = perturbations
  }
}
