// A batch: every sweep point of a checked scenario times every seed, each with its run key, and
// the deterministic slice of it that one shard runs. `--set NAME=VALUE` is parsed here, once,
// for every command that takes it (`run`, `explain`). docs/design.md §7.

import Records
import ScenarioLanguage
import Specification

/// A `--set NAME=VALUE` that cannot be used, with a hint.
public struct SettingError: Error, Sendable, Equatable {
  public var message: String
  public var help: String?
}

public enum ParameterSettings {
  /// Parses `NAME=VALUE` pairs against the scenario's parameter names (its `let`s, swept or
  /// not), refusing malformed pairs, unknown names (with a did-you-mean), non-numbers and
  /// repeats.
  public static func parse(_ pairs: [String], parameters: [String]) throws(SettingError) -> [String: Double] {
    var result: [String: Double] = [:]
    for pair in pairs {
      guard let equals = pair.firstIndex(of: "="), equals != pair.startIndex else {
        throw SettingError(message: "'--set \(pair)' is not NAME=VALUE", help: "write e.g. '--set k=4'")
      }
      let name = String(pair[..<equals])
      let text = String(pair[pair.index(after: equals)...])
      guard parameters.contains(name) else {
        let known =
          parameters.isEmpty
          ? "the scenario has no parameters" : "its parameters are \(parameters.joined(separator: ", "))"
        throw SettingError(
          message: "'\(name)' is not a parameter of this scenario",
          help: Suggestions.didYouMean(name, among: parameters) ?? known)
      }
      guard let value = Double(text), value.isFinite else {
        throw SettingError(
          message: "'--set \(pair)': '\(text)' is not a number", help: "write e.g. '--set \(name)=4'")
      }
      guard result[name] == nil else {
        throw SettingError(message: "'\(name)' is set twice", help: "give each parameter once")
      }
      result[name] = value
    }
    return result
  }
}

/// Every run of a batch, in sweep order (points in file order, then seeds).
public struct BatchPlan: Sendable {
  public var jobs: [BatchJob]
  /// Runs in the whole batch (before sharding).
  public var total: Int

  /// - Parameters:
  ///   - scenario: checked with `overrides` applied (a `--set` sweep parameter is no longer
  ///     swept).
  ///   - seeds: instead of the scenario's `seeds`.
  ///   - overrides: the `--set` values. Those that change a run are part of every run key, so that
  ///     results of different settings never pass for each other: a parameter the file sweeps
  ///     (fixed to one of its points), or a `let` set to another value than the file's. A `--set`
  ///     to the file's own value changes nothing and maps to the same runs.
  ///   - unset: the scenario checked without `overrides` (the file's own values).
  ///   - shard: (I, N): only the runs whose position is I−1 modulo N.
  public init(
    scenario: Scenario, seeds: [UInt64]? = nil, overrides: [String: Double] = [:], unset: Scenario? = nil,
    shard: (Int, Int)? = nil
  ) {
    let swept = Set(scenario.sweeps.map(\.name))
    let sweptInFile = Set((unset ?? scenario).sweeps.map(\.name))
    var own: [String: Double] = [:]
    for parameter in (unset ?? scenario).parameters { own[parameter.name] = parameter.value }
    let fixed = overrides.filter { name, value in
      !swept.contains(name) && (sweptInFile.contains(name) || unset == nil || own[name] != value)
    }.sorted { $0.key < $1.key }.map { ParameterValue(name: $0.key, value: $0.value) }
    var jobs: [BatchJob] = []
    for point in scenario.sweepPoints {
      let spec = scenario.resolved(at: point)
      let parameters = point.assignments.map { ParameterValue(name: $0.name, value: $0.value) } + fixed
      for seed in seeds ?? scenario.seeds {
        jobs.append(BatchJob(key: RunKey(parameters: parameters, seed: seed), spec: spec))
      }
    }
    total = jobs.count
    if let (index, count) = shard {
      jobs = jobs.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
    self.jobs = jobs
  }
}
