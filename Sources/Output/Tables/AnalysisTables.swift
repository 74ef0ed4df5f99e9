// The summary tables of a batch (docs/design.md §7.3) as values: per sweep point, switches
// (steps), switches in frozen stream phases (trials), lane reversals, learning sets, transfer
// and unlocking. Built once from the analysis; `taboo analyze` prints them in fixed-width
// columns (`text`), `taboo report` writes them as HTML tables. Cells are the formatted values
// (medians with quartiles in brackets), the same in both.

import Foundation
import Analysis
import Records
import Specification

/// One table: a title, columns, rows of cells, and notes said after the rows.
public struct AnalysisTable: Sendable, Hashable {
  public struct Column: Sendable, Hashable {
    public var name: String
    /// Its width in fixed-width text; longer cells are cut there with `…`.
    public var textWidth: Int
    /// Right-aligned in fixed-width text.
    public var rightAligned: Bool

    init(_ name: String, _ textWidth: Int, rightAligned: Bool = false) {
      self.name = name
      self.textWidth = textWidth
      self.rightAligned = rightAligned
    }
  }

  public var title: String
  /// Empty for a table that is one sentence (its title), e.g. "Switches: none (…)".
  public var columns: [Column]
  public var rows: [[String]]
  /// Rows left out, and where they are.
  public var notes: [String] = []
}

/// Every summary table of a batch, per sweep point, with the lines that introduce them.
public struct AnalysisTables: Sendable {
  /// The tables of one sweep point.
  public struct Point: Sendable {
    /// The sweep point's varying parameters (`k=2`), or "all runs".
    public var title: String
    public var runs: Int
    public var tables: [AnalysisTable]
  }

  /// `'name': 10 runs (10 complete)`.
  public var headline: String
  public var runCount: Int
  /// The criterion the runs recorded, if any.
  public var criterion: String?
  /// The parameters every run shares (fixed by `--set`, or a sweep run at one point).
  public var fixed: String?
  public var points: [Point]

  /// Phases repeated more often show their first repetitions and the last in the switch tables.
  public static let shownRepeats = 3

  public init(_ analysis: BatchAnalysis) {
    let runs = analysis.runs
    let complete = runs.filter { $0.record.status == .complete }.count
    runCount = runs.count
    headline = "'\(analysis.scenarioName)': \(runs.count) run\(runs.count == 1 ? "" : "s")"
      + " (\(complete) complete\(runs.count > complete ? ", \(runs.count - complete) diverged" : ""))"
    // The criterion as the runs recorded it.
    var criteria: [Criterion] = []
    for run in runs {
      for phase in run.record.phases where !criteria.contains(phase.facts.criterion) {
        criteria.append(phase.facts.criterion)
      }
    }
    func percent(_ c: Criterion) -> String { formatNumber((c.fraction * 1e8).rounded() / 1e6) }
    if criteria.count == 1 {
      criterion = "\(percent(criteria[0]))% agreement over \(criteria[0].probes) probes"
    } else if criteria.count > 1 {
      criterion = criteria.map { "\(percent($0))% over \($0.probes)" }.joined(separator: ", ")
        + " probes (set per sweep point)"
    }
    points = []
    guard !runs.isEmpty else { return }
    let fixedNames = analysis.parameterNames.filter { name in
      Set(runs.map { run in run.record.key.parameters.first { $0.name == name }?.value }).count == 1
    }
    if !fixedNames.isEmpty, let first = runs.first {
      fixed = first.record.key.parameters.filter { fixedNames.contains($0.name) }
        .map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: ", ")
    }
    var order: [String] = []
    var byPoint: [String: [RunAnalysis]] = [:]
    for run in runs {
      let label = run.record.key.pointLabel
      if byPoint[label] == nil { order.append(label) }
      byPoint[label, default: []].append(run)
    }
    var rowsByPoint: [String: [SummaryRow]] = [:]
    for row in analysis.summary {
      rowsByPoint[RunKey(parameters: row.parameters, seed: 0).pointLabel, default: []].append(row)
    }
    for label in order {
      let pointRuns = byPoint[label]!
      let rows = rowsByPoint[label] ?? []
      let shown = pointRuns[0].record.key.parameters.filter { !fixedNames.contains($0.name) }
      let title = shown.isEmpty
        ? "all runs" : shown.map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: ", ")
      let tables = [
        Self.switchTable(rows, pointRuns), Self.switchTable(rows, pointRuns, unit: .trials),
        Self.reversalTable(pointRuns), Self.learningTable(rows, pointRuns), Self.transferTable(rows),
      ].compactMap { $0 }
      points.append(Point(title: title, runs: pointRuns.count, tables: tables))
    }
  }

  /// Summary rows of one metric by (phase, set, password).
  private static func index(_ rows: [SummaryRow], _ metric: String) -> [String: SummaryRow] {
    Dictionary(
      rows.filter { $0.metric == metric }.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
  }

  private static func key(_ row: SummaryRow) -> String { "\(row.phase)\u{0}\(row.set)\u{0}\(row.password)" }

  /// The switches counted in `unit`, one row per phase, set and password. Phases repeated more
  /// than `shownRepeats` times show their first repetitions and the last (summary.csv has all).
  static func switchTable(
    _ rows: [SummaryRow], _ runs: [RunAnalysis], unit: SwitchUnit = .steps
  ) -> AnalysisTable? {
    let u = unit.rawValue
    let latency = rows.filter { $0.metric == "latency_\(u)" }
    guard !latency.isEmpty else {
      return unit == .steps && !runs.contains(where: { $0.record.phases.contains { $0.trials > 0 } })
        ? AnalysisTable(
          title: "Switches: none (no stream reverses what its items last learned)", columns: [], rows: [])
        : nil
    }
    let censored = index(rows, "censored"), l50 = index(rows, "latency50_\(u)")
    let l80 = index(rows, "latency80_\(u)"), persev = index(rows, "perseveration_\(u)")
    var directions: [String: String] = [:]
    var repetition: [String: (phase: String, index: Int)] = [:]  // by phase label
    var lastRepeat: [String: Int] = [:]  // by phase name
    for run in runs {
      let labels = Summary.phaseLabels(run.record.phases)
      for s in run.switches where s.unit == unit {
        let label = labels[s.phaseIndex] ?? s.phase
        directions["\(label)\u{0}\(s.set)\u{0}\(s.password)"] = "\(s.oldTarget)→\(s.newTarget)"
        if let r = s.repeatIndex {
          repetition[label] = (s.phase, r)
          lastRepeat[s.phase] = max(lastRepeat[s.phase] ?? 0, r)
        }
      }
    }
    var table = AnalysisTable(
      title: unit == .steps
        ? "Switches (steps from the switch; median [q25–q75])"
        : "Switches in frozen stream phases (trials from the switch; median [q25–q75] over runs)",
      columns: [
        .init("phase", unit == .steps ? 16 : 20), .init("set", 8), .init("pw", 3), .init("old→new", 12),
        .init("n", 3, rightAligned: true), .init("latency", 19), .init("cens", 5), .init("lat50", 6),
        .init("lat80", 6), .init("persev", 6),
      ], rows: [])
    var hidden: [String: Int] = [:]
    var hiddenOrder: [String] = []
    for row in latency {
      if let r = repetition[row.phase], r.index > shownRepeats, r.index < lastRepeat[r.phase]! {
        if hidden[r.phase] == nil { hiddenOrder.append(r.phase) }
        hidden[r.phase, default: 0] += 1
        continue
      }
      let k = key(row)
      let cens = censored[k].map { Int(($0.aggregate.mean ?? 0) * Double($0.aggregate.n) + 0.5) } ?? 0
      table.rows.append([
        row.phase, row.set, row.password ? "yes" : "no", directions[k] ?? "", "\(row.aggregate.n)",
        Cell.spread(row.aggregate), "\(cens)", Cell.number(l50[k]?.aggregate.median),
        Cell.number(l80[k]?.aggregate.median), Cell.number(persev[k]?.aggregate.median),
      ])
    }
    for base in hiddenOrder {
      table.notes.append(
        "… \(hidden[base]!) rows of '\(base)' #\(shownRepeats + 1) to #\(lastRepeat[base]! - 1): "
          + "see summary.csv (taboo export)")
    }
    return table
  }

  /// Frozen stream phases, per lane: trials to criterion, errors, one-trial reversals, pooled
  /// over the repetitions of each phase and the runs.
  static func reversalTable(_ runs: [RunAnalysis]) -> AnalysisTable? {
    let all = runs.flatMap(\.reversals)
    guard !all.isEmpty else { return nil }
    var order: [String] = []
    var groups: [String: [ReversalMetric]] = [:]
    for r in all {
      if groups[r.phase] == nil { order.append(r.phase) }
      groups[r.phase, default: []].append(r)
    }
    var table = AnalysisTable(
      title: "Reversals in frozen stream phases (per lane: one lane is one stream; pooled over runs and repetitions)",
      columns: [
        .init("phase", 16), .init("sets", 6), .init("reversals", 9), .init("lanes", 6),
        .init("trials to criterion", 27), .init("errors per lane", 15), .init("one-trial", 9),
      ], rows: [])
    for phase in order {
      let members = groups[phase]!
      let lanes = members.flatMap { r in r.lanes.map { ($0, r.trials) } }
      let trials = lanes.map { Double($0.0.trialsToCriterion ?? $0.1) }
      let errors = lanes.map { Double($0.0.errors) }
      let oneTrial = lanes.filter { $0.0.oneTrial }.count
      let censored = lanes.filter { $0.0.trialsToCriterion == nil }.count
      func spread(_ v: [Double]) -> String {
        "\(Cell.number(Statistics.median(v))) [\(Cell.number(Statistics.quantile(v, 0.25)))–"
          + "\(Cell.number(Statistics.quantile(v, 0.75)))]"
      }
      table.rows.append([
        phase, members[0].sets, "\(members.count)", "\(lanes.count)",
        spread(trials) + (censored > 0 ? " (\(censored) cens)" : ""), spread(errors),
        "\(Cell.fixed(100 * Double(oneTrial) / Double(max(lanes.count, 1)), 0))%",
      ])
    }
    return table
  }

  static func learningTable(_ rows: [SummaryRow], _ runs: [RunAnalysis]) -> AnalysisTable? {
    let ratio = rows.filter { $0.metric == "learning_set_ratio" }
    let decay = index(rows, "learning_set_decay")
    let series = runs.flatMap(\.learningSets)
    guard !series.isEmpty else { return nil }
    var keys: [String] = []
    var byKey: [String: (String, String, Bool)] = [:]
    for l in series {
      let k = "\(l.phase)\u{0}\(l.set)\u{0}\(l.password)"
      if byKey[k] == nil {
        keys.append(k)
        byKey[k] = (l.phase, l.set, l.password)
      }
    }
    let ratioByKey = Dictionary(ratio.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    var table = AnalysisTable(
      title: "Learning set (latency against reversal index in repeated phases)",
      columns: [
        .init("phase", 16), .init("set", 8), .init("pw", 3), .init("reversals", 9),
        .init("last/first", 19), .init("decay λ/reversal", 19), .init("censored", 12),
      ], rows: [])
    for k in keys {
      let (phase, set, password) = byKey[k]!
      let members = series.filter { $0.phase == phase && $0.set == set && $0.password == password }
      let count = members.map(\.reversals.count).max() ?? 0
      let censoredPoints = members.map { $0.censored.filter { $0 }.count }.reduce(0, +)
      let points = members.map(\.censored.count).reduce(0, +)
      table.rows.append([
        phase, set, password ? "yes" : "no", "\(count)",
        ratioByKey[k].map { Cell.spread($0.aggregate) } ?? "—",
        decay[k].map { Cell.spread($0.aggregate) } ?? "—", "\(censoredPoints) of \(points)",
      ])
    }
    return table
  }

  static func transferTable(_ rows: [SummaryRow]) -> AnalysisTable? {
    let start = rows.filter { $0.metric == "truth_start" }
    guard !start.isEmpty else { return nil }
    let end = index(rows, "truth_end"), peak = index(rows, "truth_peak")
    let strong = index(rows, "truth_strong")
    let gap = index(rows, "gap_recovered"), half = index(rows, "half_change_step")
    var table = AnalysisTable(
      title: "Transfer and unlocking (sets the phase does not train; acc_truth medians)",
      columns: [
        .init("phase", 16), .init("set", 8), .init("pw", 3), .init("n", 3), .init("start", 5),
        .init("end", 5), .init("peak", 5), .init("strong", 6), .init("gap_recovered", 22),
        .init("half", 6),
      ], rows: [])
    for row in start {
      let k = key(row)
      let g = gap[k].map {
        Cell.spread($0.aggregate, digits: 2) + ($0.aggregate.n < row.aggregate.n ? " n=\($0.aggregate.n)" : "")
      }
      table.rows.append([
        row.phase, row.set, row.password ? "yes" : "no", "\(row.aggregate.n)",
        Cell.fraction(row.aggregate.median), Cell.fraction(end[k]?.aggregate.median),
        Cell.fraction(peak[k]?.aggregate.median), Cell.fraction(strong[k]?.aggregate.median),
        g ?? (row.password ? "" : "undefined"), Cell.number(half[k]?.aggregate.median),
      ])
    }
    return table
  }
}

/// How a value reads in a table cell.
public enum Cell {
  /// `median [q25–q75]`, whole numbers where the values are whole.
  public static func spread(_ aggregate: Aggregate) -> String {
    "\(number(aggregate.median)) [\(number(aggregate.q25))–\(number(aggregate.q75))]"
  }

  public static func spread(_ aggregate: Aggregate, digits: Int) -> String {
    "\(fixed(aggregate.median, digits)) [\(fixed(aggregate.q25, digits))–\(fixed(aggregate.q75, digits))]"
  }

  /// A count or step: whole when whole, else two decimals below 10 and one above; `—` for none.
  public static func number(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "—" }
    if value == value.rounded() { return String(Int(value)) }
    return abs(value) < 10 ? fixed(value, 2) : fixed(value, 1)
  }

  /// A share in [0, 1], two decimals; `—` for none.
  public static func fraction(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "—" }
    return fixed(value, 2)
  }

  /// `digits` decimals, a true minus sign.
  public static func fixed(_ value: Double, _ digits: Int) -> String {
    let text = String(format: "%.\(digits)f", value)
    return text.hasPrefix("-") ? "−" + text.dropFirst() : text
  }
}
