// The analysis of a whole batch: every run's switches, transfer records, learning-set series,
// drill and lock observations (for the language-model comparison and the explanations), and
// the summary over seeds. Reads a store one run at a time, so probes never all sit in memory;
// `eachRun` sees every run with its probes (the CSV export writes `probes.csv` from it).

import Records

/// Everything derived from one run.
public struct RunAnalysis: Sendable {
  /// The run without its probes and trials.
  public var record: RunRecord
  /// The run's number: the `run` column of the CSV files (the store's id of the run, stable
  /// for the life of the database; else the 1-based position in sweep order).
  public var number: Int
  public var switches: [SwitchMetric]
  public var transfers: [TransferMetric]
  public var learningSets: [LearningSetMetric]
  public var drills: [DrillObservation]
  /// The password locks whose end probes carry a latent truth score (for the explanations).
  public var locks: [LockObservation]
  /// Frozen stream phases: every lane's reversal, and the accuracy around each switch.
  public var reversals: [ReversalMetric]
  public var aligned: [AlignedSwitch]
  /// The run's reversals by reversal index, in trials and in steps (`ReversalIndex`).
  public var reversalSeries: [ReversalSeries]

  /// Analyses one run (with its probes), from its records alone.
  public init(_ run: RunRecord, number: Int) {
    switches = Switches.compute(run) + Trials.switches(run)
    reversals = Trials.reversals(run)
    aligned = Trials.aligned(run)
    transfers = Transfer.compute(run)
    learningSets = LearningSet.compute(switches)
    drills = Drills.find(run, transfers: transfers)
    locks = Locks.find(run)
    reversalSeries = ReversalIndex.series(run, reversals: reversals, switches: switches)
    var record = run
    record.probes = []
    record.trials = []
    self.record = record
    self.number = number
  }
}

public struct BatchAnalysis: Sendable {
  public var scenarioName: String
  /// The parameter columns of the CSV files: every name in the runs' keys, first-seen order.
  public var parameterNames: [String]
  public var runs: [RunAnalysis]
  public var summary: [SummaryRow]

  /// Analyses runs given in sweep order.
  public init(scenarioName: String, runs: [RunRecord]) {
    var analyses: [RunAnalysis] = []
    for run in runs { analyses.append(RunAnalysis(run, number: analyses.count + 1)) }
    self.init(scenarioName: scenarioName, analyses: analyses)
  }

  /// Analyses every run of `source`; `eachRun` sees each run with its probes and its number.
  public static func analyze(
    _ source: some RunSource, eachRun: (RunRecord, Int) throws -> Void = { _, _ in }
  ) throws -> BatchAnalysis {
    var analyses: [RunAnalysis] = []
    let numbers = try source.runNumbers()
    try source.forEachRun { run in
      let number = numbers?[run.key] ?? analyses.count + 1
      analyses.append(RunAnalysis(run, number: number))
      try eachRun(run, number)
    }
    return BatchAnalysis(scenarioName: source.scenarioName, analyses: analyses)
  }

  private init(scenarioName: String, analyses: [RunAnalysis]) {
    var names: [String] = []
    for run in analyses {
      for parameter in run.record.key.parameters where !names.contains(parameter.name) {
        names.append(parameter.name)
      }
    }
    self.scenarioName = scenarioName
    self.parameterNames = names
    self.runs = analyses
    self.summary = Summary.rows(analyses)
  }
}
