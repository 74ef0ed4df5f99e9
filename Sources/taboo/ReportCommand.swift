// `taboo report DB --out DIR`: the batch as one self-contained HTML page, DIR/index.html
// (docs/design.md §7.4) — the scenario, the runs, the summary tables, the comparisons and every
// figure. The database is opened read-only; the page is written beside DIR first and moved into
// it whole, so a failed report leaves an earlier one as it was.

import Foundation
import Records
import Analysis
import Output
import Store

struct ReportCommand: Command {
  let spec = CommandSpec(
    name: "report",
    summary: "Write a batch's report: one HTML page with its tables, verdicts and figures.",
    positionals: PositionalSpec(name: "DB", minimum: 1, maximum: 1, help: "A results database (taboo run)."),
    options: [
      OptionSpec(
        name: "out", value: "DIR",
        help: "The directory for index.html (created if missing; other files in it are left alone).",
        required: true)
    ],
    discussion: """
      Writes DIR/index.html, one page that needs nothing else: no script, no font and no image is
      fetched (figures are inline SVG, the style is inline), so it opens offline, prints (a print
      style keeps tables and figures whole) and can be sent as an attachment. It holds the
      scenario text, the runs (done of planned, diverged, missing; per sweep point, and the first
      \(ReportPage.runRowLimit) runs one by one), the language-model comparison of `taboo compare` with its verdicts,
      every figure of `taboo plot` with a caption, and the tables of `taboo analyze`. Prints the
      path of the page.

      EXIT CODES:
        0   written (also for a database without runs: the page says so)
        1   the database is missing, damaged or not a taboo database, or DIR cannot be written
        64  the command line is wrong
      """)

  /// The program named in the page.
  let generator: String

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    guard let out = arguments.value("out") else {
      console.usageError(
        UsageError("taboo report needs --out DIR for the page", help: "taboo report runs/batch.sqlite --out report"))
      return .usage
    }
    let path = arguments.positionals[0]
    guard let store = ResultsInput.open(path, console) else { return .failure }
    let analysis: BatchAnalysis
    var runs: [RunRecord] = []
    let planned: Int?
    do {
      analysis = try BatchAnalysis.analyze(store) { run, _ in runs.append(run) }
      planned = try store.plannedRuns()
    } catch let error as StoreError {
      console.error("error: \(error)")
      return .failure
    } catch {
      console.error("error: cannot read \(path): \(error)")
      return .failure
    }
    let meta = store.meta
    let page = ReportPage.html(
      ReportInput(
        database: path, scenarioName: meta.scenarioName, scenarioText: meta.scenarioText,
        scenarioHash: meta.scenarioHash, createdAt: meta.createdAt, plannedRuns: planned,
        analysis: analysis,
        figures: runs.isEmpty
          ? FigureSet(figures: [], skipped: []) : Figures.all(runs, analysis: analysis, scenario: meta.scenarioName),
        comparisons: ComparisonSection.all(analysis),
        animal: analysis.runs.isEmpty ? [] : AnimalComparison.evaluate(analysis.runs),
        explanations: analysis.runs.isEmpty ? [] : Explanations.evaluate(analysis.runs), generator: generator))
    runs = []

    let name = "index.html"
    let staged: StagedDirectory
    do { staged = try StagedDirectory(for: out) } catch {
      console.error("error: \(error)")
      return .failure
    }
    do {
      try Data(page.utf8).write(to: URL(fileURLWithPath: staged.path(name)))
    } catch {
      staged.discard()
      console.error("error: cannot write \(staged.finalPath(name)): \(StagedDirectory.reason(error))")
      return .failure
    }
    do { try staged.commit([name]) } catch {
      console.error("error: \(error)")
      return .failure
    }
    console.out(staged.finalPath(name))
    return .success
  }
}
