// `taboo export`: a batch as tidy CSV (docs/design.md §7), five files with the columns listed there
// (`switches.csv` with four more at the end, for latencies in trials), `reversal-index.csv` (every
// reversal by its index, §6.8), `conventions.csv` for the named extra conventions, `latent.csv` for
// latent probes (§6.9), `geometry.csv` for the weights' geometry at every probe moment (§6.10),
// and `trials.csv` for the trials of frozen phases in `context stream` mode (header only when
// there are none); the run key's parameters (sweep values and `--set` values, in key order) after `run`
// and `seed`. `run` numbers runs 1, 2, … in sweep order (`RunKey.sweepOrder`): the same batch
// always gets the same numbers. Probes are written as the runs are read, one run at a time.

import Foundation
import Analysis
import Records
import Specification

public enum ExportError: Error, Sendable, Hashable, CustomStringConvertible {
  case unwritable(path: String, reason: String)

  public var description: String {
    switch self {
    case .unwritable(let path, let reason): return "cannot write '\(path)': \(reason)"
    }
  }
}

public enum Export {
  public static let runsColumns = ["status", "steps", "wall_seconds", "diverged_step"]
  public static let probesColumns = [
    "phase_index", "phase", "repeat", "step", "examples", "set", "password", "acc_truth", "acc_taboo",
    "p_truth", "p_taboo", "loss",
  ]
  public static let switchesColumns = [
    "phase_index", "phase", "repeat", "set", "password", "old_target", "new_target", "latency_steps",
    "latency_examples", "censored", "latency50_steps", "latency80_steps", "perseveration_steps",
    "old_answer_errors", "other_errors",
    // Frozen phases in `context stream` count trials; their `…_steps` columns are then empty.
    "latency_trials", "latency50_trials", "latency80_trials", "perseveration_trials",
    // … and their errors are means over lanes (the two counts above are then empty).
    "old_answer_errors_per_lane", "other_errors_per_lane",
    // How many items switch (their answer changes; empty for records without it).
    "items",
  ]
  public static let transferColumns = [
    "phase_index", "phase", "set", "password", "truth_start", "truth_end", "truth_peak", "truth_strong",
    "gap_recovered", "half_change_step", "parent_index",
  ]
  /// `conventions.csv`: each probe's measures for each named extra convention of the world
  /// (header only when it has none), one row per (probe, convention).
  public static let conventionsColumns = [
    "phase_index", "phase", "repeat", "step", "examples", "set", "password", "convention", "acc", "p",
  ]
  /// `latent.csv`: `probe … { latent }`'s held-out readout accuracy, one row per (probe without
  /// password, answer); header only without latent probes.
  public static let latentColumns = [
    "phase_index", "phase", "repeat", "step", "examples", "set", "answer", "latent_acc", "behaviour_acc",
  ]
  /// `geometry.csv`: the weights' geometry at each probe moment (docs/design.md §6.10), one row
  /// per (phase, step); header only for runs stored before schema version 4.
  public static let geometryColumns = [
    "phase_index", "phase", "repeat", "step", "examples", "from_phase_start", "from_parent_start",
    "parent_displacement", "undone",
  ]
  /// `trials.csv`: every trial of frozen phases in `context stream` mode (docs/design.md §5).
  public static let trialsColumns = [
    "phase_index", "phase", "repeat", "trial", "lane", "set", "password", "item", "target", "answer",
    "target_answer", "old_answer", "truth_answer", "taboo_answer", "correct",
  ]
  /// `reversal-index.csv`: every reversal by its index among the run's reversals of one unit
  /// (docs/design.md §6.8): in trials (frozen stream phases) and in steps (phases inside `repeat`).
  public static let reversalIndexColumns = [
    "unit", "reversal", "block", "phase_index", "phase", "repeat", "set", "errors", "one_trial_share",
    "trial2_shown", "trial2_correct", "trial2_accuracy",
  ]
  public static let summaryColumns = [
    "metric", "phase", "set", "password", "n", "median", "q25", "q75", "mean", "ci_low", "ci_high",
  ]

  /// The header of a per-run file: `run`, `seed`, the parameters, then `columns`.
  public static func header(_ columns: [String], parameters: [String]) -> [String] {
    ["run", "seed"] + parameters + columns
  }

  /// The files written and their data rows.
  public struct Report: Sendable {
    public var directory: String
    public var files: [(name: String, rows: Int)]
    public var analysis: BatchAnalysis
  }

  /// Writes the CSV files of `store` (docs/design.md §7.2) into `directory` (created if missing).
  public static func write(_ store: some RunSource, to directory: String) throws -> Report {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw ExportError.unwritable(path: directory, reason: "cannot create the directory")
    }
    guard FileManager.default.isWritableFile(atPath: directory) else {
      throw ExportError.unwritable(path: directory, reason: "the directory is not writable")
    }
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    // The parameter columns must be known before the first probe row: read the keys first.
    let keys = try store.runs().map(\.key)
    var names: [String] = []
    for key in keys { for p in key.parameters where !names.contains(p.name) { names.append(p.name) } }

    let probes = try CSVWriter(path: path("probes.csv"), columns: header(probesColumns, parameters: names))
    let trials = try CSVWriter(path: path("trials.csv"), columns: header(trialsColumns, parameters: names))
    let conventions = try CSVWriter(
      path: path("conventions.csv"), columns: header(conventionsColumns, parameters: names))
    let latent = try CSVWriter(path: path("latent.csv"), columns: header(latentColumns, parameters: names))
    let geometry = try CSVWriter(path: path("geometry.csv"), columns: header(geometryColumns, parameters: names))
    let analysis = try BatchAnalysis.analyze(store) { run, number in
      let prefix = keyFields(run.key, number: number, names: names)
      let labels = Dictionary(uniqueKeysWithValues: run.phases.map { ($0.index, $0) })
      for probe in run.probes {
        let phase = labels[probe.phaseIndex]
        try probes.write(prefix + [
          .integer(probe.phaseIndex), .string(phase?.name), .integer(phase?.repeatIndex),
          .integer(probe.step), .integer(probe.examples), .string(probe.set), .bool(probe.password),
          .number(probe.accTruth), .number(probe.accTaboo), .number(probe.pTruth), .number(probe.pTaboo),
          .number(probe.loss),
        ])
        for score in probe.conventions {
          try conventions.write(prefix + [
            .integer(probe.phaseIndex), .string(phase?.name), .integer(phase?.repeatIndex),
            .integer(probe.step), .integer(probe.examples), .string(probe.set), .bool(probe.password),
            .string(score.name), .number(score.acc), .number(score.p),
          ])
        }
        for score in probe.latent {
          // The behavioural accuracy beside it: the share of the set's answers that are this answer.
          let behaviour: Double? =
            switch score.answer {
            case "truth": probe.accTruth
            case "taboo": probe.accTaboo
            default: probe.conventions.first { $0.name == score.answer }?.acc
            }
          try latent.write(prefix + [
            .integer(probe.phaseIndex), .string(phase?.name), .integer(phase?.repeatIndex),
            .integer(probe.step), .integer(probe.examples), .string(probe.set), .string(score.answer),
            .number(score.acc), .number(behaviour),
          ])
        }
      }
      for point in run.geometry {
        let phase = labels[point.phaseIndex]
        try geometry.write(prefix + [
          .integer(point.phaseIndex), .string(phase?.name), .integer(phase?.repeatIndex), .integer(point.step),
          .integer(point.examples), .number(point.fromPhaseStart), .number(point.fromParentStart),
          .number(point.parentDisplacement), .number(point.undone),
        ])
      }
      for trial in run.trials {
        let phase = labels[trial.phaseIndex]
        let stream = phase.flatMap { $0.streams.indices.contains(trial.stream) ? $0.streams[trial.stream] : nil }
        try trials.write(prefix + [
          .integer(trial.phaseIndex), .string(phase?.name), .integer(phase?.repeatIndex),
          .integer(trial.trial), .integer(trial.lane), .string(stream?.set), .bool(stream?.password),
          .integer(trial.item), .string(stream?.target.rawValue), .integer(trial.answer),
          .integer(trial.targetAnswer), .integer(trial.oldAnswer), .integer(trial.truthAnswer),
          .integer(trial.tabooAnswer), .bool(trial.correct),
        ])
      }
    }
    try probes.close()
    try trials.close()
    try conventions.close()
    try latent.close()
    try geometry.close()
    let written = try write(analysis, to: directory, parameters: names)
    return Report(directory: directory,
                  files: written + [("probes.csv", probes.rows), ("trials.csv", trials.rows),
                                    ("conventions.csv", conventions.rows), ("latent.csv", latent.rows),
                                    ("geometry.csv", geometry.rows)],
                  analysis: analysis)
      .sortedFiles()
  }

  /// Writes `runs.csv`, `switches.csv`, `transfer.csv`, `reversal-index.csv` and `summary.csv` of
  /// an analysis.
  @discardableResult
  public static func write(_ analysis: BatchAnalysis, to directory: String, parameters names: [String])
    throws -> [(name: String, rows: Int)]
  {
    func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
    let runs = try CSVWriter(path: path("runs.csv"), columns: header(runsColumns, parameters: names))
    let switches = try CSVWriter(path: path("switches.csv"), columns: header(switchesColumns, parameters: names))
    let transfer = try CSVWriter(path: path("transfer.csv"), columns: header(transferColumns, parameters: names))
    let byIndex = try CSVWriter(
      path: path("reversal-index.csv"), columns: header(reversalIndexColumns, parameters: names))
    for run in analysis.runs {
      let record = run.record
      let prefix = keyFields(record.key, number: run.number, names: names)
      try runs.write(prefix + [
        .string(record.status.rawValue), .integer(record.steps), .number(record.wallSeconds),
        .integer(record.divergedStep),
      ])
      for s in run.switches {
        let steps = s.unit == .steps, trials = s.unit == .trials
        try switches.write(prefix + [
          .integer(s.phaseIndex), .string(s.phase), .integer(s.repeatIndex), .string(s.set), .bool(s.password),
          .string(s.oldTarget.rawValue), .string(s.newTarget.rawValue), .integer(steps ? s.latencySteps : nil),
          .integer(s.latencyExamples), .bool(s.censored), .integer(steps ? s.latency50Steps : nil),
          .integer(steps ? s.latency80Steps : nil), .integer(steps ? s.perseverationSteps : nil),
          .integer(steps ? s.oldAnswerErrors.map { Int($0.rounded()) } : nil),
          .integer(steps ? s.otherErrors.map { Int($0.rounded()) } : nil),
          .integer(trials ? s.latencySteps : nil), .integer(trials ? s.latency50Steps : nil),
          .integer(trials ? s.latency80Steps : nil), .integer(trials ? s.perseverationSteps : nil),
          .number(trials ? s.oldAnswerErrors : nil), .number(trials ? s.otherErrors : nil),
          .integer(s.items),
        ])
      }
      for t in run.transfers {
        try transfer.write(prefix + [
          .integer(t.phaseIndex), .string(t.phase), .string(t.set), .bool(t.password), .number(t.truthStart),
          .number(t.truthEnd), .number(t.truthPeak), .number(t.truthStrong), .number(t.gapRecovered),
          .integer(t.halfChangeStep), .integer(t.parentIndex),
        ])
      }
      for series in run.reversalSeries {
        let trials = series.unit == .trials
        for p in series.points {
          try byIndex.write(prefix + [
            .string(series.unit.rawValue), .integer(p.reversal),
            .integer(ReversalSeries.block(p.reversal, of: series.points.count)), .integer(p.phaseIndex),
            .string(p.phase), .integer(p.repeatIndex), .string(p.sets), .number(p.errors),
            .number(p.oneTrialShare), .integer(trials ? p.trial2Shown : nil),
            .integer(trials ? p.trial2Correct : nil), .number(p.trial2Accuracy),
          ])
        }
      }
    }
    let summary = try CSVWriter(path: path("summary.csv"), columns: names + summaryColumns)
    for row in analysis.summary {
      let a = row.aggregate
      try summary.write(parameterFields(row.parameters, names: names) + [
        .string(row.metric), .string(row.phase), .string(row.set), .bool(row.password), .integer(a.n),
        .number(a.median), .number(a.q25), .number(a.q75), .number(a.mean), .number(a.ciLow), .number(a.ciHigh),
      ])
    }
    for writer in [runs, switches, transfer, byIndex, summary] { try writer.close() }
    return [("runs.csv", runs.rows), ("switches.csv", switches.rows), ("transfer.csv", transfer.rows),
            ("reversal-index.csv", byIndex.rows), ("summary.csv", summary.rows)]
  }

  static func keyFields(_ key: RunKey, number: Int, names: [String]) -> [CSVField] {
    [.integer(number), .integer(key.seed)] + parameterFields(key.parameters, names: names)
  }

  static func parameterFields(_ parameters: [ParameterValue], names: [String]) -> [CSVField] {
    names.map { name in .number(parameters.first { $0.name == name }?.value) }
  }
}

extension Export.Report {
  /// Files in docs/design.md §7 order.
  func sortedFiles() -> Self {
    let order = [
      "runs.csv", "probes.csv", "trials.csv", "conventions.csv", "geometry.csv", "latent.csv", "switches.csv",
      "transfer.csv", "reversal-index.csv", "summary.csv",
    ]
    var copy = self
    copy.files.sort { (order.firstIndex(of: $0.name) ?? 9) < (order.firstIndex(of: $1.name) ?? 9) }
    return copy
  }
}
