// `taboo analyze DB`: the summary tables of a batch, per sweep point — switches (latency median
// [q25–q75] and censored runs), learning sets, transfer and unlocking — in 100 columns.
// Also the pieces `export` and `compare` share: opening a results database with one clear line
// on failure, and fixed-width text columns.

import Foundation
import Records
import Analysis
import Output
import Store
import Specification

struct AnalyzeCommand: Command {
  let spec = CommandSpec(
    name: "analyze",
    summary: "Print a batch's summary tables: switch latencies, learning sets, unlocking.",
    positionals: PositionalSpec(name: "DB", minimum: 1, maximum: 1, help: "A results database (taboo run)."),
    options: [],
    discussion: """
      Values are medians over the runs (seeds) of a sweep point, with quartiles in brackets
      (type 7: linear interpolation). Latencies are in optimizer steps from the switch; a switch
      that never met the criterion is censored at the phase length ("cens" counts them). Every
      number is in summary.csv of `taboo export`, with means and bootstrap intervals.

      EXIT CODES:
        0   printed
        1   the database is missing, unreadable or not a taboo database
        64  the command line is wrong
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let path = arguments.positionals[0]
    guard let store = ResultsInput.open(path, console) else { return .failure }
    let analysis: BatchAnalysis
    do { analysis = try BatchAnalysis.analyze(store) } catch {
      console.error("error: \(error)")
      return .failure
    }
    console.out(Self.report(analysis))
    return .success
  }

  static func report(_ analysis: BatchAnalysis) -> String {
    var lines: [String] = []
    let runs = analysis.runs
    let complete = runs.filter { $0.record.status == .complete }.count
    lines.append("'\(analysis.scenarioName)': \(runs.count) run\(runs.count == 1 ? "" : "s")"
      + " (\(complete) complete\(runs.count > complete ? ", \(runs.count - complete) diverged" : ""))")
    // The criterion as the runs recorded it.
    var criteria: [Criterion] = []
    for run in runs {
      for phase in run.record.phases where !criteria.contains(phase.facts.criterion) {
        criteria.append(phase.facts.criterion)
      }
    }
    if criteria.count == 1 {
      lines.append("criterion: \(formatNumber((criteria[0].fraction * 1e8).rounded() / 1e6))% agreement over \(criteria[0].probes) probes")
    } else if criteria.count > 1 {
      lines.append("criterion: " + criteria.map { "\(formatNumber(($0.fraction * 1e8).rounded() / 1e6))% over \($0.probes)" }
        .joined(separator: ", ") + " probes (set per sweep point)")
    }
    guard !runs.isEmpty else {
      lines.append("no runs yet: nothing to summarise.")
      return lines.joined(separator: "\n")
    }
    // Parameters with one value in every run (fixed by --set, or a sweep run at one point) are
    // named once, here.
    let fixed = analysis.parameterNames.filter { name in
      Set(runs.map { run in run.record.key.parameters.first { $0.name == name }?.value }).count == 1
    }
    if !fixed.isEmpty, let first = runs.first {
      lines.append("fixed: " + first.record.key.parameters.filter { fixed.contains($0.name) }
        .map { "\($0.name)=\(formatNumber($0.value))" }.joined(separator: ", "))
    }
    var points: [String] = []
    for run in runs where !points.contains(run.record.key.pointLabel) { points.append(run.record.key.pointLabel) }
    for point in points {
      let pointRuns = runs.filter { $0.record.key.pointLabel == point }
      let rows = analysis.summary.filter { RunKey(parameters: $0.parameters, seed: 0).pointLabel == point }
      lines.append("")
      let shown = pointRuns[0].record.key.parameters.filter { !fixed.contains($0.name) }
      let title = shown.isEmpty ? "all runs" : shown.map { "\($0.name)=\(formatNumber($0.value))" }
        .joined(separator: ", ")
      lines.append(Table.rule("\(title) · \(pointRuns.count) run\(pointRuns.count == 1 ? "" : "s")"))
      lines.append(contentsOf: switchTable(rows, pointRuns))
      lines.append(contentsOf: switchTable(rows, pointRuns, unit: .trials))
      lines.append(contentsOf: reversalTable(pointRuns))
      lines.append(contentsOf: learningTable(rows, pointRuns))
      lines.append(contentsOf: transferTable(rows))
    }
    return lines.joined(separator: "\n")
  }

  /// Summary rows of one metric by (phase, set, password).
  private static func index(_ rows: [SummaryRow], _ metric: String) -> [String: SummaryRow] {
    Dictionary(rows.filter { $0.metric == metric }.map { ("\($0.phase)\u{0}\($0.set)\u{0}\($0.password)", $0) },
               uniquingKeysWith: { a, _ in a })
  }

  private static func key(_ row: SummaryRow) -> String { "\(row.phase)\u{0}\(row.set)\u{0}\(row.password)" }

  /// The switches counted in `unit`, one row per phase, set and password. Phases repeated more
  /// than `shownRepeats` times show their first repetitions and the last (summary.csv has all).
  static func switchTable(_ rows: [SummaryRow], _ runs: [RunAnalysis], unit: SwitchUnit = .steps,
                          shownRepeats: Int = 3) -> [String] {
    let u = unit.rawValue
    let latency = rows.filter { $0.metric == "latency_\(u)" }
    guard !latency.isEmpty else {
      return unit == .steps && !runs.contains(where: { $0.record.phases.contains { $0.trials > 0 } })
        ? ["Switches: none (no stream reverses what its items last learned)"] : []
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
    let widths = [unit == .steps ? 16 : 20, 8, 3, 12, 3, 19, 5, 6, 6, 6]
    var lines = [unit == .steps
      ? "Switches (steps from the switch; median [q25–q75])"
      : "Switches in frozen stream phases (trials from the switch; median [q25–q75] over runs)"]
    lines.append(Table.row(["phase", "set", "pw", "old→new", "n", "latency", "cens", "lat50", "lat80", "persev"],
                           widths, rightAligned: [4]))
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
      lines.append(Table.row([
        row.phase, row.set, row.password ? "yes" : "no", directions[k] ?? "", "\(row.aggregate.n)",
        Table.spread(row.aggregate), "\(cens)", Table.number(l50[k]?.aggregate.median),
        Table.number(l80[k]?.aggregate.median), Table.number(persev[k]?.aggregate.median),
      ], widths, rightAligned: [4]))
    }
    for base in hiddenOrder {
      lines.append("  … \(hidden[base]!) rows of '\(base)' #\(shownRepeats + 1) to #\(lastRepeat[base]! - 1): see summary.csv (taboo export)")
    }
    return lines
  }

  /// Frozen stream phases, per lane: trials to criterion, errors, one-trial reversals, pooled
  /// over the repetitions of each phase and the runs.
  static func reversalTable(_ runs: [RunAnalysis]) -> [String] {
    let all = runs.flatMap(\.reversals)
    guard !all.isEmpty else { return [] }
    var order: [String] = []
    var groups: [String: [ReversalMetric]] = [:]
    for r in all {
      if groups[r.phase] == nil { order.append(r.phase) }
      groups[r.phase, default: []].append(r)
    }
    let widths = [16, 6, 9, 6, 27, 15, 9]
    var lines = ["Reversals in frozen stream phases (per lane: one lane is one stream; pooled over runs and repetitions)"]
    lines.append(Table.row(["phase", "sets", "reversals", "lanes", "trials to criterion", "errors per lane",
                            "one-trial"], widths, rightAligned: []))
    for phase in order {
      let members = groups[phase]!
      let lanes = members.flatMap { r in r.lanes.map { ($0, r.trials) } }
      let trials = lanes.map { Double($0.0.trialsToCriterion ?? $0.1) }
      let errors = lanes.map { Double($0.0.errors) }
      let oneTrial = lanes.filter { $0.0.oneTrial }.count
      let censored = lanes.filter { $0.0.trialsToCriterion == nil }.count
      func spread(_ v: [Double]) -> String {
        "\(Table.number(Statistics.median(v))) [\(Table.number(Statistics.quantile(v, 0.25)))–"
          + "\(Table.number(Statistics.quantile(v, 0.75)))]"
      }
      lines.append(Table.row([
        phase, members[0].sets, "\(members.count)", "\(lanes.count)",
        spread(trials) + (censored > 0 ? " (\(censored) cens)" : ""), spread(errors),
        "\(Table.fixed(100 * Double(oneTrial) / Double(max(lanes.count, 1)), 0))%",
      ], widths, rightAligned: []))
    }
    return lines
  }

  static func learningTable(_ rows: [SummaryRow], _ runs: [RunAnalysis]) -> [String] {
    let ratio = rows.filter { $0.metric == "learning_set_ratio" }
    let decay = index(rows, "learning_set_decay")
    let series = runs.flatMap(\.learningSets)
    guard !series.isEmpty else { return [] }
    var keys: [String] = []
    var byKey: [String: (String, String, Bool)] = [:]
    for l in series {
      let k = "\(l.phase)\u{0}\(l.set)\u{0}\(l.password)"
      if byKey[k] == nil { keys.append(k); byKey[k] = (l.phase, l.set, l.password) }
    }
    let ratioByKey = Dictionary(ratio.map { (key($0), $0) }, uniquingKeysWith: { a, _ in a })
    let widths = [16, 8, 3, 9, 19, 19, 12]
    var lines = ["Learning set (latency against reversal index in repeated phases)"]
    lines.append(Table.row(["phase", "set", "pw", "reversals", "last/first", "decay λ/reversal", "censored"],
                           widths, rightAligned: []))
    for k in keys {
      let (phase, set, password) = byKey[k]!
      let members = series.filter { $0.phase == phase && $0.set == set && $0.password == password }
      let count = members.map(\.reversals.count).max() ?? 0
      let censoredPoints = members.map { $0.censored.filter { $0 }.count }.reduce(0, +)
      let points = members.map(\.censored.count).reduce(0, +)
      lines.append(Table.row([
        phase, set, password ? "yes" : "no", "\(count)", ratioByKey[k].map(Table.spread) ?? "—",
        decay[k].map(Table.spread) ?? "—", "\(censoredPoints) of \(points)",
      ], widths, rightAligned: []))
    }
    return lines
  }

  static func transferTable(_ rows: [SummaryRow]) -> [String] {
    let start = rows.filter { $0.metric == "truth_start" }
    guard !start.isEmpty else { return [] }
    let end = index(rows, "truth_end"), peak = index(rows, "truth_peak"), strong = index(rows, "truth_strong")
    let gap = index(rows, "gap_recovered"), half = index(rows, "half_change_step")
    let widths = [16, 8, 3, 3, 5, 5, 5, 6, 22, 6]
    var lines = ["Transfer and unlocking (sets the phase does not train; acc_truth medians)"]
    lines.append(Table.row(["phase", "set", "pw", "n", "start", "end", "peak", "strong", "gap_recovered", "half"],
                           widths, rightAligned: []))
    for row in start {
      let k = key(row)
      let g = gap[k].map { Table.spread($0.aggregate, digits: 2) + ($0.aggregate.n < row.aggregate.n ? " n=\($0.aggregate.n)" : "") }
      lines.append(Table.row([
        row.phase, row.set, row.password ? "yes" : "no", "\(row.aggregate.n)",
        Table.fraction(row.aggregate.median), Table.fraction(end[k]?.aggregate.median),
        Table.fraction(peak[k]?.aggregate.median), Table.fraction(strong[k]?.aggregate.median),
        g ?? (row.password ? "" : "undefined"), Table.number(half[k]?.aggregate.median),
      ], widths, rightAligned: []))
    }
    return lines
  }
}

/// Opening a results database for reading (read-only: nothing is written to it, an old schema is
/// read as it is), with one clear line when it cannot be.
enum ResultsInput {
  static func open(_ path: String, _ console: Console) -> Store? {
    do {
      let store = try Store.open(reading: path)
      LegacyRecords.prepare(store)
      // An unfinished batch must not pass for a finished one: say so, in one line, first.
      if let note = try store.completenessNote() { console.error("note: \(note)") }
      return store
    } catch StoreError.missing {
      console.error("error: no results database at '\(path)'; run a scenario first (taboo run FILE --db \(path)).")
    } catch StoreError.notADatabase, StoreError.notATabooDatabase {
      console.error("error: '\(path)' is not a taboo results database (they are written by taboo run).")
    } catch StoreError.isDirectory {
      console.error("error: '\(path)' is a directory; give the path of a results database (*.sqlite).")
    } catch {
      console.error("error: \(error)")
    }
    return nil
  }
}

/// Fixed-width text columns for terminal tables.
enum Table {
  /// Cells padded or cut (with …) to `widths`, one space apart; trailing spaces trimmed.
  static func row(_ cells: [String], _ widths: [Int], rightAligned: Set<Int>) -> String {
    var parts: [String] = []
    for (i, cell) in cells.enumerated() {
      let width = i < widths.count ? widths[i] : cell.count
      var text = cell.count > width ? String(cell.prefix(max(width - 1, 0))) + "…" : cell
      let pad = String(repeating: " ", count: width - text.count)
      text = rightAligned.contains(i) ? pad + text : text + pad
      parts.append(text)
    }
    var line = "  " + parts.joined(separator: " ")
    while line.last == " " { line.removeLast() }
    return line
  }

  /// `── title ───…` to 100 columns.
  static func rule(_ title: String) -> String {
    let head = "── \(title) "
    return head + String(repeating: "─", count: max(3, 100 - head.count))
  }

  /// `median [q25–q75]`, whole numbers where the values are whole.
  static func spread(_ aggregate: Aggregate) -> String {
    "\(number(aggregate.median)) [\(number(aggregate.q25))–\(number(aggregate.q75))]"
  }

  static func spread(_ row: SummaryRow) -> String { spread(row.aggregate) }

  static func spread(_ aggregate: Aggregate, digits: Int) -> String {
    "\(fixed(aggregate.median, digits)) [\(fixed(aggregate.q25, digits))–\(fixed(aggregate.q75, digits))]"
  }

  /// A count or step: whole when whole, else one decimal; `—` for none.
  static func number(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "—" }
    if value == value.rounded() { return String(Int(value)) }
    return abs(value) < 10 ? fixed(value, 2) : fixed(value, 1)
  }

  /// A share in [0, 1], two decimals.
  static func fraction(_ value: Double?) -> String {
    guard let value, value.isFinite else { return "—" }
    return fixed(value, 2)
  }

  static func fixed(_ value: Double, _ digits: Int) -> String {
    let text = String(format: "%.\(digits)f", value)
    return text.hasPrefix("-") ? "−" + text.dropFirst() : text
  }
}
