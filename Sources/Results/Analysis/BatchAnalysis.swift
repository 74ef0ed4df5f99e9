// The analysis of a whole batch: every run's switches, transfer records, learning-set series and
// drill observations (for the language-model comparison), and the summary over seeds. Reads a
// store one run at a time, so probes never all sit in memory; `eachRun` sees every run with its
// probes (the CSV export writes `probes.csv` from it).

import Records

/// Everything derived from one run.
public struct RunAnalysis: Sendable {
  /// The run without its probes and trials.
  public var record: RunRecord
  /// 1-based position in sweep order: the `run` column of the CSV files.
  public var number: Int
  public var switches: [SwitchMetric]
  public var transfers: [TransferMetric]
  public var learningSets: [LearningSetMetric]
  public var drills: [DrillObservation]
  /// Frozen stream phases: every lane's reversal, and the accuracy around each switch.
  public var reversals: [ReversalMetric]
  public var aligned: [AlignedSwitch]

  /// Analyses one run (with its probes) under the run's scenario facts.
  public init(_ run: RunRecord, number: Int, facts: RunFacts = RunFacts()) {
    switches = Switches.compute(run, criterion: facts.criterion)
      + Trials.switches(run, criterion: facts.criterion)
    reversals = Trials.reversals(run, criterion: facts.criterion)
    aligned = Trials.aligned(run)
    transfers = Transfer.compute(run)
    learningSets = LearningSet.compute(switches)
    drills = Drills.find(run, transfers: transfers, perturbations: facts.perturbations)
    var record = run
    record.probes = []
    record.trials = []
    self.record = record
    self.number = number
  }
}

public struct BatchAnalysis: Sendable {
  public var scenarioName: String
  /// The scenario's swept parameters (empty when the text cannot be read).
  public var sweptNames: [String]
  /// The parameter columns of the CSV files: every name in the runs' keys, first-seen order.
  public var parameterNames: [String]
  public var runs: [RunAnalysis]
  public var summary: [SummaryRow]

  /// Analyses runs given in sweep order.
  public init(scenarioName: String, scenarioText: String?, runs: [RunRecord]) {
    var builder = Builder(scenarioText: scenarioText)
    for run in runs { builder.add(run) }
    self = builder.finish(scenarioName: scenarioName)
  }

  /// Analyses every run of `store`; `eachRun` sees each run with its probes and its number.
  public static func analyze(
    _ store: Store, eachRun: (RunRecord, Int) throws -> Void = { _, _ in }
  ) throws -> BatchAnalysis {
    var builder = Builder(scenarioText: store.meta.scenarioText)
    try store.forEachRun { run in
      builder.add(run)
      try eachRun(run, builder.runs.count)
    }
    return builder.finish(scenarioName: store.meta.scenarioName)
  }

  /// Accumulates runs; caches the scenario facts per run key.
  struct Builder {
    let facts: ScenarioFacts
    var cache: [String: RunFacts] = [:]
    var runs: [RunAnalysis] = []

    init(scenarioText: String?) { facts = ScenarioFacts(text: scenarioText) }

    mutating func add(_ run: RunRecord) {
      let label = run.key.pointLabel
      let runFacts = cache[label] ?? facts.run(run.key)
      cache[label] = runFacts
      runs.append(RunAnalysis(run, number: runs.count + 1, facts: runFacts))
    }

    func finish(scenarioName: String) -> BatchAnalysis {
      var names: [String] = []
      for run in runs {
        for parameter in run.record.key.parameters where !names.contains(parameter.name) {
          names.append(parameter.name)
        }
      }
      return BatchAnalysis(scenarioName: scenarioName, sweptNames: facts.sweptNames,
                           parameterNames: names, runs: runs, summary: Summary.rows(runs))
    }
  }

  private init(scenarioName: String, sweptNames: [String], parameterNames: [String],
               runs: [RunAnalysis], summary: [SummaryRow]) {
    self.scenarioName = scenarioName
    self.sweptNames = sweptNames
    self.parameterNames = parameterNames
    self.runs = runs
    self.summary = summary
  }
}
