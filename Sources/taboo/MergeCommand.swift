// `taboo merge A.sqlite B.sqlite … --into C.sqlite`: combine the shard databases of one batch.

import Foundation
import Analysis
import Output
import Store

struct MergeCommand: Command {
  let spec = CommandSpec(
    name: "merge",
    summary: "Combine the shard databases of one batch into one database.",
    positionals: PositionalSpec(name: "DB", minimum: 1, maximum: nil, help: "Shard databases (taboo run --shard I/N --db …)."),
    options: [
      OptionSpec(name: "into", value: "PATH", help: "The combined database (created, or added to if it holds the same batch).", required: true),
      OptionSpec(name: "partial", value: nil, help: "Merge shards that hold fewer runs than their taboo run planned (refused otherwise)."),
    ],
    discussion: """
      Shards must come from the same scenario text; a database of another batch is refused before
      anything is written. A run found in several shards is kept once if its results agree.
      Merging again is harmless: runs already in the output are skipped. A merge is all or
      nothing: after a refusal or a conflict there is no new output, and an existing one is as it
      was. A shard with fewer runs than planned (a job still running, failed or cancelled) is
      refused, one line each, unless --partial is given; resume it with the same taboo run.

      EXIT CODES:
        0   merged
        1   an input or the output was refused, damaged or in conflict (nothing was merged)
        64  the command line is wrong
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    guard let output = arguments.value("into") else {
      console.usageError(UsageError("taboo merge needs --into PATH for the combined database",
                                    help: "taboo merge shard1.sqlite shard2.sqlite --into all.sqlite"))
      return .usage
    }
    if !arguments.flag("partial") {
      let incomplete = arguments.positionals.map(StatusCommand.entry).filter {
        $0.problem == nil && !$0.complete
      }
      if !incomplete.isEmpty {
        for entry in incomplete {
          console.error("error: incomplete shard: \(entry.path): \(entry.done ?? 0) of \(entry.planned ?? 0) planned runs")
        }
        console.error("help: finish them (run the same taboo run command, or resubmit the array task), "
          + "or merge what there is with --partial; nothing was merged")
        return .failure
      }
    }
    do {
      let report = try Store.merge(inputs: arguments.positionals, into: output, waiting: {
        console.error("taboo: database locked by another process; waiting… (\(output))")
      })
      for input in report.inputs {
        console.error("  \(input.path): \(input.added) runs added"
          + (input.skipped > 0 ? ", \(input.skipped) already present" : ""))
      }
      console.out("merged: \(output) (\(report.total) runs; \(report.added) added)")
      return .success
    } catch {
      console.error("error: \(error)")
      return .failure
    }
  }
}
