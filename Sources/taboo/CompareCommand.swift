// `taboo compare DB`: the language-model comparison (docs/design.md §8) — every claim of
// reference/llm-case.md with the value measured on the batch, the evidence and its source, and
// a verdict — then the animal reference points (§8.1) and the explanations (§8.2).

import Foundation
import Analysis
import Output
import Store

struct CompareCommand: Command {
  let spec = CommandSpec(
    name: "compare",
    summary: "Compare a batch with the language-model claims, the animal reference points and two explanations.",
    positionals: PositionalSpec(name: "DB", minimum: 1, maximum: 1, help: "A results database (taboo run)."),
    options: [],
    discussion: """
      Drills are recognised from the runs: a phase after a password lock (`taboo on SET` plus
      `truth on SET with password`) that trains a few items without password towards one
      target (taboo, truth or random); k is the drilled set's size. A frozen phase with
      `perturb` after a lock is the noise control. gap_recovered is read on the locked items the
      phase does not train, without password. Drills are told apart by their phase's name: a
      claim that several drills test (a `kick` and a `matched kick`) is evaluated on each.
      Taboo drills count as weak samples only when every drilled answer differs from the truth.
      The claims are in reference/llm-claims.csv.

      The animal reference points (reference/animal-reversal.csv) are set beside the same
      measure of the batch's serial reversals: one-trial reversals and trial-2 accuracy in
      frozen `context stream` phases, and the direction of errors per reversal across
      reversals (in context and in the weights); each is within, above or below the point,
      or its direction matches or not, or it is not measured by the batch.

      The explanations (reference/explanations.md) set two accounts of weak sample
      unlocking against each other, F (forgetting) and R (serial reversal): each prediction
      E1–E8 with its measured values and the account they favour (F, R, neither or both), or
      not tested by the batch, with what would test it.

      EXIT CODES:
        0   printed (whatever the verdicts)
        1   the database is missing, unreadable or not a taboo database
        64  the command line is wrong
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let path = arguments.positionals[0]
    guard let store = ResultsInput.open(path, console) else { return .failure }
    // No runs: nothing to compare (`ResultsInput` said so), not a claim left untested.
    if (try? store.runCount()) == 0 { return .success }
    let analysis: BatchAnalysis
    do { analysis = try BatchAnalysis.analyze(store) } catch {
      console.error("error: \(error)")
      return .failure
    }
    let results = Comparison.evaluate(analysis.runs)
    var lines = [
      "Language-model comparison: '\(analysis.scenarioName)', \(analysis.runs.count) runs",
      "Values are medians [q25–q75] over runs. Claims and sources: reference/llm-case.md.",
    ]
    for result in results {
      lines.append("")
      lines.append(contentsOf: wrap("\(result.claim.id)  ", result.claim.claim))
      if let drill = result.drill { lines.append(contentsOf: wrap("    drill:     ", drill)) }
      lines.append(contentsOf: wrap("    verdict:   ", "\(result.verdict)"))
      if !result.measured.isEmpty { lines.append(contentsOf: wrap("    measured:  ", result.measured)) }
      lines.append(contentsOf: wrap("    test:      ", result.claim.test))
      lines.append(contentsOf: wrap("    evidence:  ", "\"\(result.claim.evidence)\""))
      lines.append("    source:    \(result.claim.source)")
    }
    lines.append("")
    lines.append("Summary: " + zip(Comparison.names(results), results).map { name, result in
      "\(name) \(short(result.verdict))"
    }.joined(separator: " · "))
    lines.append("")
    lines += AnimalComparison.text(
      AnimalComparison.evaluate(analysis.runs), scenario: analysis.scenarioName, runs: analysis.runs.count)
    lines.append("")
    lines += Explanations.text(
      Explanations.evaluate(analysis.runs), scenario: analysis.scenarioName, runs: analysis.runs.count)
    console.out(lines.joined(separator: "\n"))
    return .success
  }

  private func short(_ verdict: Verdict) -> String {
    switch verdict {
    case .reproduced: return "reproduced"
    case .notReproduced: return "not reproduced"
    case .notTested: return "not tested"
    }
  }

  /// `prefix` then `text`'s words, wrapped at 100 columns under the end of `prefix`.
  private func wrap(_ prefix: String, _ text: String) -> [String] {
    AnimalComparison.wrap(prefix, text, width: 100)
  }
}
