// The report of a batch as one self-contained HTML page (docs/design.md §7.4): the scenario
// text, the runs, every comparison with its verdicts, every figure of `taboo plot` inlined as
// SVG, and the summary tables of `taboo analyze`, under a table of contents. Nothing is fetched:
// no script, no font, no image; the style is inline and a Content-Security-Policy forbids
// loading anything. Per-run lists stop at `runRowLimit` rows and say so; the summaries above
// them cover every run.

import Analysis
import Records
import Specification

/// What a report shows, gathered from a results database.
public struct ReportInput: Sendable {
  /// The database as the user named it.
  public var database: String
  public var scenarioName: String
  public var scenarioText: String
  public var scenarioHash: String
  /// When the database was created (ISO 8601, as stored).
  public var createdAt: String
  /// The planned number of runs, if `taboo run` recorded one.
  public var plannedRuns: Int?
  public var analysis: BatchAnalysis
  public var figures: FigureSet
  public var comparisons: [ComparisonSection]
  /// The animal reference points on the batch (`AnimalComparison.evaluate`).
  public var animal: [AnimalResult]
  /// The two explanations' predictions on the batch (`Explanations.evaluate`).
  public var explanations: [ExplanationResult]
  /// The program that wrote the page (`taboo 0.1.0`).
  public var generator: String

  public init(
    database: String, scenarioName: String, scenarioText: String, scenarioHash: String,
    createdAt: String, plannedRuns: Int?, analysis: BatchAnalysis, figures: FigureSet,
    comparisons: [ComparisonSection], animal: [AnimalResult] = [], explanations: [ExplanationResult] = [],
    generator: String
  ) {
    self.animal = animal
    self.explanations = explanations
    self.database = database
    self.scenarioName = scenarioName
    self.scenarioText = scenarioText
    self.scenarioHash = scenarioHash
    self.createdAt = createdAt
    self.plannedRuns = plannedRuns
    self.analysis = analysis
    self.figures = figures
    self.comparisons = comparisons
    self.generator = generator
  }
}

public enum ReportPage {
  /// Per-run lists (runs, diverged runs) show at most this many rows.
  public static let runRowLimit = 50
  /// The table of sweep points shows at most this many rows.
  public static let pointRowLimit = 100

  /// One section of the page: an anchor, a heading, its entries in the table of contents, and
  /// its HTML.
  struct Section {
    var id: String
    var title: String
    var entries: [(id: String, title: String)] = []
    var body: String
  }

  /// The whole page.
  public static func html(_ input: ReportInput) -> String {
    var anchors = FigureFileNames()
    for reserved in ["contents", "scenario", "runs", "analysis", "figures"] { _ = anchors.unique(reserved) }
    // What ran, whether it all ran, the verdicts and the figures; then the tables in full.
    let sections =
      [scenarioSection(input), runsSection(input)]
      + input.comparisons.map { comparisonSection($0, &anchors) }
      + (input.animal.isEmpty ? [] : [animalSection(input.animal, &anchors)])
      + (input.explanations.isEmpty ? [] : [explanationsSection(input.explanations, &anchors)])
      + [figuresSection(input, &anchors), analysisSection(input, &anchors)]
    let title = "taboo report: \(input.scenarioName)"
    var out = """
      <!DOCTYPE html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <meta name="viewport" content="width=device-width, initial-scale=1">
      <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
      <meta name="generator" content="\(HTML.escape(input.generator))">
      <title>\(HTML.escape(title))</title>
      <style>
      \(ReportStyle.css)</style>
      </head>
      <body>
      <header>
      <h1>\(HTML.escape(title))</h1>
      <p class="meta">\(HTML.escape(headerLine(input)))</p>
      </header>

      """
    out += "<nav class=\"toc\" id=\"contents\" aria-label=\"Contents\">\n<h2>Contents</h2>\n<ol>\n"
    for section in sections {
      out += "<li><a href=\"#\(section.id)\">\(HTML.escape(section.title))</a>"
      if !section.entries.isEmpty {
        out += "\n<ol>\n"
        for entry in section.entries {
          out += "<li><a href=\"#\(entry.id)\">\(HTML.escape(entry.title))</a></li>\n"
        }
        out += "</ol>\n"
      }
      out += "</li>\n"
    }
    out += "</ol>\n</nav>\n"
    for section in sections {
      out += "\n<section id=\"\(section.id)\">\n<h2>\(HTML.escape(section.title))</h2>\n"
      out += section.body
      out += "</section>\n"
    }
    out += "\n<footer class=\"meta\">\(HTML.escape("Written by \(input.generator) from \(input.database)."))</footer>\n"
    out += "</body>\n</html>\n"
    return out
  }

  static func headerLine(_ input: ReportInput) -> String {
    let runs = input.analysis.runs.count
    let planned = input.plannedRuns.map { " of \($0) planned" } ?? ""
    return "\(runs) run\(runs == 1 ? "" : "s")\(planned) · database \(input.database) · "
      + "created \(input.createdAt) · scenario hash \(input.scenarioHash.prefix(12))"
  }

  // MARK: - Scenario

  static func scenarioSection(_ input: ReportInput) -> Section {
    let body =
      paragraph("The scenario file as stored in the database when the batch started.")
      + "<pre class=\"scenario\">" + HTML.escape(input.scenarioText) + "</pre>\n"
    return Section(id: "scenario", title: "Scenario", body: body)
  }

  // MARK: - Runs

  static func runsSection(_ input: ReportInput) -> Section {
    let runs = input.analysis.runs
    let complete = runs.filter { $0.record.status == .complete }.count
    let diverged = runs.count - complete
    var body = ""
    let counts = "\(complete) complete, \(diverged) diverged (the loss became NaN or infinite)."
    if let planned = input.plannedRuns {
      body += paragraph("\(runs.count) of \(planned) planned runs are in the database: \(counts)")
      if planned > runs.count {
        body += paragraph(
          "\(planned - runs.count) planned run\(planned - runs.count == 1 ? " is" : "s are") missing: "
            + "not run yet, or failed before finishing (taboo run stores only finished runs; running the "
            + "same command again resumes the batch).", className: "warning")
      }
    } else {
      body += paragraph("\(runs.count) run\(runs.count == 1 ? " is" : "s are") in the database: \(counts)")
    }
    guard !runs.isEmpty else { return Section(id: "runs", title: "Runs", body: body) }

    // Every run, summarised per sweep point.
    var order: [String] = []
    var byPoint: [String: [RunAnalysis]] = [:]
    for run in runs {
      let label = run.record.key.pointLabel
      if byPoint[label] == nil { order.append(label) }
      byPoint[label, default: []].append(run)
    }
    var rows: [[String]] = []
    for label in order.prefix(pointRowLimit) {
      let members = byPoint[label]!
      let wall = members.map(\.record.wallSeconds)
      let steps = members.map { Double($0.record.steps) }
      let seeds = members.map(\.record.key.seed)
      let done = members.filter { $0.record.status == .complete }.count
      rows.append([
        label.isEmpty ? "all runs" : label, seedRange(seeds), "\(members.count)", "\(done)",
        "\(members.count - done)", spread(steps, digits: 0), spread(wall, digits: 2),
        Cell.fixed(wall.reduce(0, +), 1),
      ])
    }
    body += HTML.table(
      caption: "Runs per sweep point (steps and wall time: median [q25–q75] over runs)",
      header: ["sweep point", "seeds", "runs", "complete", "diverged", "steps", "wall s per run", "wall s in all"],
      rows: rows, numeric: [2, 3, 4, 5, 6, 7], wrapped: true)
    if order.count > pointRowLimit {
      body += paragraph(
        "The first \(pointRowLimit) of \(order.count) sweep points are listed; the rest are in runs.csv "
          + "(taboo export).", className: "note")
    }

    let divergedRuns = runs.filter { $0.record.status == .diverged }
    if !divergedRuns.isEmpty {
      body += HTML.table(
        caption: "Diverged runs", header: ["run", "seed", "sweep point", "diverged at step"],
        rows: divergedRuns.prefix(runRowLimit).map {
          ["\($0.number)", "\($0.record.key.seed)", point($0.record.key),
           $0.record.divergedStep.map(String.init) ?? "—"]
        }, numeric: [0, 1, 3], wrapped: true)
      if divergedRuns.count > runRowLimit {
        body += paragraph(
          "The first \(runRowLimit) of \(divergedRuns.count) diverged runs are listed; all are in runs.csv "
            + "(taboo export).", className: "note")
      }
    }

    // Without parameters every run is at the one sweep point: no column for it.
    let points = runs.contains { !$0.record.key.parameters.isEmpty }
    body += HTML.table(
      caption: runs.count > runRowLimit
        ? "The first \(runRowLimit) of \(runs.count) runs, in sweep order" : "Every run, in sweep order",
      header: ["run", "seed"] + (points ? ["sweep point"] : []) + ["status", "steps", "examples", "wall s"],
      rows: runs.prefix(runRowLimit).map {
        ["\($0.number)", "\($0.record.key.seed)"] + (points ? [point($0.record.key)] : [])
          + [$0.record.status.rawValue, "\($0.record.steps)", "\($0.record.examples)",
             Cell.fixed($0.record.wallSeconds, 2)]
      }, numeric: points ? [0, 1, 4, 5, 6] : [0, 1, 3, 4, 5], wrapped: true)
    if runs.count > runRowLimit {
      body += paragraph(
        "\(runs.count - runRowLimit) more runs are not listed here: the table per sweep point above "
          + "covers every run, and runs.csv (taboo export) lists them all.", className: "note")
    }
    return Section(id: "runs", title: "Runs", body: body)
  }

  static func point(_ key: RunKey) -> String { key.pointLabel.isEmpty ? "—" : key.pointLabel }

  /// `1–10`, or the seeds listed when they are not one range.
  static func seedRange(_ seeds: [UInt64]) -> String {
    let sorted = seeds.sorted()
    guard let first = sorted.first, let last = sorted.last else { return "" }
    if first == last { return "\(first)" }
    if last - first + 1 == UInt64(sorted.count) { return "\(first)–\(last)" }
    return sorted.count <= 6
      ? sorted.map(String.init).joined(separator: ", ") : "\(sorted.count) seeds in \(first)–\(last)"
  }

  static func spread(_ values: [Double], digits: Int) -> String {
    guard let aggregate = PlotQuartiles(values) else { return "—" }
    return "\(Cell.fixed(aggregate.median, digits)) [\(Cell.fixed(aggregate.q25, digits))–"
      + "\(Cell.fixed(aggregate.q75, digits))]"
  }

  // MARK: - Analysis

  static func analysisSection(_ input: ReportInput, _ anchors: inout FigureFileNames) -> Section {
    let tables = AnalysisTables(input.analysis)
    var body = paragraph(
      "The summary tables of taboo analyze: per sweep point, medians over its runs (seeds) with "
        + "quartiles in brackets (type 7). Every number, with means and bootstrap intervals, is in "
        + "summary.csv of taboo export.")
    var facts = [tables.headline]
    if let criterion = tables.criterion { facts.append("criterion: \(criterion)") }
    if let fixed = tables.fixed { facts.append("fixed: \(fixed)") }
    body += "<ul class=\"facts\">\n" + facts.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
    guard tables.runCount > 0 else {
      body += paragraph("No runs yet: nothing to summarise.", className: "note")
      return Section(id: "analysis", title: "Analysis", body: body)
    }
    var entries: [(id: String, title: String)] = []
    for point in tables.points {
      let id = anchors.unique(HTML.anchor("analysis", point.title))
      let title = "\(point.title) · \(point.runs) run\(point.runs == 1 ? "" : "s")"
      if tables.points.count > 1 { entries.append((id, title)) }
      body += "<h3 id=\"\(id)\">\(HTML.escape(title))</h3>\n"
      for table in point.tables { body += html(table) }
    }
    // A long list of sweep points would bury the rest of the contents.
    return Section(id: "analysis", title: "Analysis", entries: entries.count <= 24 ? entries : [], body: body)
  }

  /// A summary table; a table without columns is its one sentence.
  static func html(_ table: AnalysisTable) -> String {
    guard !table.columns.isEmpty else { return paragraph(table.title, className: "note") }
    // Columns of numbers (counts, medians with their quartiles) align to the right.
    let numeric = Set(table.columns.indices.filter { column in
      table.columns[column].name != "pw" && !table.rows.isEmpty && table.rows.allSatisfy { row in
        guard column < row.count, let first = row[column].unicodeScalars.first else { return true }
        return ("0"..."9").contains(first) || first == "−" || first == "—" || first == "-"
      }
    })
    var out = HTML.table(
      caption: table.title, header: table.columns.map(\.name), rows: table.rows, numeric: numeric,
      wrapped: true)
    for note in table.notes { out += paragraph(note, className: "note") }
    return out
  }

  // MARK: - Comparisons

  static func comparisonSection(_ section: ComparisonSection, _ anchors: inout FigureFileNames) -> Section {
    let id = anchors.unique(section.id)
    var body = paragraph(section.introduction)
    guard !section.results.isEmpty else {
      body += paragraph("No runs yet: nothing to compare.", className: "note")
      return Section(id: id, title: section.title, body: body)
    }
    // A claim that several drills test names each drill, as `taboo compare` does.
    let names = Comparison.names(section.results)
    body += "<p class=\"verdicts\">"
      + zip(names, section.results).map {
        "<span class=\"claim-verdict\"><span class=\"claim-id\">\(HTML.escape($0))</span> \(badge($1.verdict))</span>"
      }.joined(separator: " ") + "</p>\n"
    body += "<div class=\"table-wrap\"><table class=\"claims\">\n<caption>\(HTML.escape(section.title)): "
      + "every claim, its test and its verdict</caption>\n"
    body += "<thead><tr><th scope=\"col\">claim</th><th scope=\"col\">verdict</th>"
      + "<th scope=\"col\">measured on this batch</th><th scope=\"col\">reported evidence</th></tr></thead>\n<tbody>\n"
    for (name, result) in zip(names, section.results) {
      body += "<tr><td><strong>\(HTML.escape(name))</strong> \(HTML.escape(result.claim.claim))"
        + (result.drill.map { "<div class=\"small\">drill: \(HTML.code($0))</div>" } ?? "")
        + "<div class=\"small\">test: \(HTML.escape(result.claim.test))</div></td>"
      body += "<td>\(badge(result.verdict))"
      if case .notTested(let why) = result.verdict {
        body += "<div class=\"small\">\(HTML.code(why))</div>"
      }
      body += "</td><td>\(HTML.code(result.measured.isEmpty ? "—" : result.measured))</td>"
      body += "<td>“\(HTML.escape(result.claim.evidence))”<div class=\"small\">"
        + "<a href=\"\(HTML.escape(result.claim.source))\">\(HTML.escape(result.claim.source))</a></div></td></tr>\n"
    }
    body += "</tbody></table></div>\n"
    return Section(id: id, title: section.title, body: body)
  }

  /// The animal reference points (docs/design.md §8.1), as `taboo compare` sets them beside the
  /// batch: one row per point and simulated value.
  static func animalSection(_ results: [AnimalResult], _ anchors: inout FigureFileNames) -> Section {
    let id = anchors.unique("animal-reference")
    var body = paragraph(
      "Published results on serial reversal in animals (reference/animal-reversal.md), each beside the "
        + "same measure of this batch's reversals, per sweep point and kind of reversal, as taboo compare "
        + "prints them. Values are medians [q25–q75] over runs; criteria differ between studies.")
    body += "<div class=\"table-wrap\"><table class=\"claims\">\n<caption>Animal reference: every point, "
      + "the simulated value on its measure and where it falls</caption>\n"
    body += "<thead><tr><th scope=\"col\">reference point</th><th scope=\"col\">reported</th>"
      + "<th scope=\"col\">simulated</th><th scope=\"col\">verdict</th></tr></thead>\n<tbody>\n"
    for result in results {
      let point = result.reference
      let reported = point.value.map { Comparison.format($0) } ?? (point.direction ?? "ordering only")
      let head = "<tr><td><strong>\(HTML.escape(point.label))</strong> \(HTML.escape(point.statement))"
        + "<div class=\"small\">\(HTML.escape(point.procedure)); criterion: \(HTML.escape(point.criterion))</div>"
        + "<div class=\"small\">\(HTML.escape(point.source))</div></td><td>\(HTML.escape(reported))</td>"
      if result.observations.isEmpty {
        body += head + "<td>—</td><td><span class=\"verdict not-tested\">○ not measured</span>"
          + "<div class=\"small\">\(HTML.code(result.missing ?? ""))</div></td></tr>\n"
        continue
      }
      for (i, observation) in result.observations.enumerated() {
        let value = observation.value
        let where_ = observation.kind + (observation.point.isEmpty ? "" : ", \(observation.point)")
        let measured = "\(Comparison.format(value.median)) [\(Comparison.format(value.q25))–"
          + "\(Comparison.format(value.q75))] over \(observation.runs) runs (\(where_))"
        let sign: String
        switch observation.verdict {
        case .within, .directionMatches: sign = "<span class=\"verdict reproduced\">✓ \(observation.verdict)</span>"
        case .noChange: sign = "<span class=\"verdict not-tested\">○ \(observation.verdict)</span>"
        default: sign = "<span class=\"verdict not-reproduced\">✗ \(observation.verdict)</span>"
        }
        body += (i == 0 ? head : "<tr><td></td><td></td>") + "<td>\(HTML.escape(measured))</td><td>\(sign)</td></tr>\n"
      }
    }
    body += "</tbody></table></div>\n"
    return Section(id: id, title: "Animal reference", body: body)
  }

  /// The explanations (docs/design.md §8.2), as `taboo compare` prints them: one row per
  /// prediction (per drill, where several test it).
  static func explanationsSection(_ results: [ExplanationResult], _ anchors: inout FigureFileNames) -> Section {
    let id = anchors.unique("explanations")
    var body = paragraph(
      "Two accounts of weak sample unlocking (reference/explanations.md): F, forgetting (the recent lock erodes, "
        + "the truth learned first survives); R, serial reversal (the drilled items become exceptions, the rest "
        + "reverts to the rule learned first). Each prediction with its values on this batch and the account they "
        + "favour, as taboo compare prints them; no prediction decides the question alone. Values are medians "
        + "[q25–q75] with the mean's bootstrap 95% interval.")
    let names = Explanations.names(results)
    body += "<p class=\"verdicts\">"
      + zip(names, results).map {
        "<span class=\"claim-verdict\"><span class=\"claim-id\">\(HTML.escape($0))</span> \(badge($1.favours))</span>"
      }.joined(separator: " ") + "</p>\n"
    body += "<div class=\"table-wrap\"><table class=\"claims\">\n<caption>Explanations: every prediction, what "
      + "was measured and the account it favours</caption>\n"
    body += "<thead><tr><th scope=\"col\">prediction</th><th scope=\"col\">measured on this batch</th>"
      + "<th scope=\"col\">favours</th><th scope=\"col\">reason</th></tr></thead>\n<tbody>\n"
    for (name, result) in zip(names, results) {
      let p = result.prediction
      body += "<tr><td><strong>\(HTML.escape(name))</strong> \(HTML.escape(p.what))"
        + (result.drill.map { "<div class=\"small\">drill: \(HTML.code($0))</div>" } ?? "")
        + "<div class=\"small\">F: \(HTML.escape(p.forgetting)) · R: \(HTML.escape(p.reversal))</div></td>"
      body += "<td>\(HTML.code(result.measured.isEmpty ? "—" : result.measured))</td><td>\(badge(result.favours))"
      if case .notTested(let why) = result.favours { body += "<div class=\"small\">\(HTML.code(why))</div>" }
      body += "</td><td>\(HTML.code(result.reason.isEmpty ? "—" : result.reason))</td></tr>\n"
    }
    body += "</tbody></table></div>\n"
    return Section(id: id, title: "Explanations", body: body)
  }

  /// What an explanation's values favour, as a word with a sign: ◆ for an account (F, R or
  /// both), ◇ for neither, ○ when not tested.
  static func badge(_ favours: Favours) -> String {
    switch favours {
    case .forgetting: return "<span class=\"verdict favours\">◆ F: forgetting</span>"
    case .serialReversal: return "<span class=\"verdict favours\">◆ R: serial reversal</span>"
    case .both: return "<span class=\"verdict favours\">◆ both</span>"
    case .neither: return "<span class=\"verdict neither\">◇ neither</span>"
    case .notTested: return "<span class=\"verdict not-tested\">○ not tested</span>"
    }
  }

  /// A verdict as a word with a sign and a colour (the sign and the word carry it without the
  /// colour).
  static func badge(_ verdict: Verdict) -> String {
    switch verdict {
    case .reproduced: return "<span class=\"verdict reproduced\">✓ reproduced</span>"
    case .notReproduced: return "<span class=\"verdict not-reproduced\">✗ not reproduced</span>"
    case .notTested: return "<span class=\"verdict not-tested\">○ not tested</span>"
    }
  }

  // MARK: - Figures

  static func figuresSection(_ input: ReportInput, _ anchors: inout FigureFileNames) -> Section {
    let figures = input.figures.figures
    var body = paragraph(
      "The figures of taboo plot, drawn from the same runs (median and quartiles over seeds; "
        + "colours from the Okabe–Ito palette, with dashes and shapes carrying meaning too).")
    var entries: [(id: String, title: String)] = []
    for (number, figure) in figures.enumerated() {
      let name = figure.name.hasSuffix(".svg") ? String(figure.name.dropLast(4)) : figure.name
      let id = anchors.unique(HTML.anchor("figure", name))
      let caption = "Figure \(number + 1): \(figure.summary)."
      entries.append((id, figure.summary))
      body += "<figure id=\"\(id)\">\n\(inline(figure.svg))"
      body += "<figcaption>\(HTML.escape(caption)) <span class=\"file\">\(HTML.escape(figure.name))</span></figcaption>\n"
      body += "</figure>\n"
    }
    if figures.isEmpty { body += paragraph("No figure applies to this batch.", className: "note") }
    if !input.figures.skipped.isEmpty {
      body += "<p class=\"note\">Not drawn:</p>\n<ul class=\"note\">\n"
        + input.figures.skipped.map { "<li>\(HTML.escape($0))</li>\n" }.joined() + "</ul>\n"
    }
    return Section(id: "figures", title: "Figures", entries: entries.count <= 40 ? entries : [], body: body)
  }

  /// A figure's SVG document without its XML declaration, to stand inside HTML.
  static func inline(_ svg: String) -> String {
    guard svg.hasPrefix("<?xml"), let end = svg.range(of: "?>") else { return svg }
    var body = svg[end.upperBound...]
    while body.first == "\n" { body.removeFirst() }
    return String(body)
  }

  static func paragraph(_ text: String, className: String? = nil) -> String {
    HTML.element("p", className.map { [("class", $0)] } ?? [], text: text) + "\n"
  }
}
