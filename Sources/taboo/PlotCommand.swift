// `taboo plot DB --out DIR`: the SVG figures of docs/design.md §7 — learning curves per probed set,
// switch latency against reversal index, unlocking against each swept parameter (the list is
// Output's `Figures.all`, which `taboo report` inlines too). The database is
// opened read-only; the figures are written beside DIR first and moved into it together, so a
// failed plot leaves earlier figures as they were.

import Foundation
import Records
import Analysis
import Output
import Store

struct PlotCommand: Command {
  let spec = CommandSpec(
    name: "plot",
    summary: "Draw a batch's figures as SVG files.",
    positionals: PositionalSpec(
      name: "DB", minimum: 1, maximum: 1, help: "The results database (taboo run --db …)."),
    options: [
      OptionSpec(
        name: "out", value: "DIR", help: "The directory for the figures (created if missing).", required: true)
    ],
    discussion: """
      Writes curves-SET.svg for every probed set (acc_truth and acc_taboo over optimizer steps,
      median and quartiles over seeds, phases marked), latency.svg when the scenario repeats
      phases (switch latency against reversal index), switch-aligned.svg when frozen phases in
      `context stream` recorded trials (choice accuracy from 10 trials before to 20 after each
      switch) and reversal-index.svg (one-trial reversals, trial-2 accuracy and errors per lane
      by reversal index), unlocking-PARAMETER.svg for every swept parameter (gap_recovered),
      geometry.svg (the weights' geometry at each phase's end), latent.svg when probes have
      `{ latent }` (latent truth against acc_truth at each phase's end),
      unlocking-displacement.svg (each drill's gap_recovered against its weight displacement)
      and cycles.svg (unlocking against prior lock/unlock cycles). Published animal results
      (reference/animal-reversal.csv) are drawn as labelled diamonds, or an arrow for a
      direction, only on a figure of their measure.
      Figures that do not apply to the batch are skipped, and the output says why. Prints the
      path of every file written.

      EXIT CODES:
        0    figures written
        1    the database cannot be read or the directory cannot be written
        64   the command line is wrong
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    guard let out = arguments.value("out") else {
      console.usageError(
        UsageError(
          "taboo plot needs --out DIR for the figures",
          help: "taboo plot runs/batch.sqlite --out figures"))
      return .usage
    }
    let path = arguments.positionals[0]
    guard FileManager.default.fileExists(atPath: path) else {
      console.error("error: no database at \(path)")
      return .failure
    }
    guard let store = ResultsInput.open(path, console) else { return .failure }
    let analysis: BatchAnalysis
    var runs: [RunRecord] = []
    do {
      analysis = try BatchAnalysis.analyze(store) { run, _ in runs.append(run) }
    } catch let error as StoreError {
      console.error("error: \(error)")
      return .failure
    } catch {
      console.error("error: cannot read \(path): \(error)")
      return .failure
    }
    if runs.isEmpty { return .success }  // nothing to draw; `ResultsInput` said so
    let staged: StagedDirectory
    do { staged = try StagedDirectory(for: out) } catch {
      console.error("error: \(error)")
      return .failure
    }

    let set = Figures.all(runs, analysis: analysis, scenario: store.meta.scenarioName)
    let figures = set.figures
    let skipped = set.skipped

    for figure in figures {
      do {
        try Data(figure.svg.utf8).write(to: URL(fileURLWithPath: staged.path(figure.name)))
      } catch {
        staged.discard()
        console.error(
          "error: cannot write \(staged.finalPath(figure.name)): \(StagedDirectory.reason(error))")
        return .failure
      }
    }
    do { try staged.commit(figures.map(\.name)) } catch {
      console.error("error: \(error)")
      return .failure
    }
    for figure in figures { console.out(staged.finalPath(figure.name)) }
    for reason in skipped { console.error("skipped \(reason)") }
    return .success
  }
}
