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
      OptionSpec(name: "into", value: "PATH", help: "The combined database (created, or added to if it holds the same batch)."),
    ],
    discussion: """
      Shards must come from the same scenario text; a database of another batch is refused before
      anything is written. A run found in several shards is kept once if its results agree.
      Merging again is harmless: runs already in the output are skipped.
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    guard let output = arguments.value("into") else {
      console.usageError(UsageError("taboo merge needs --into PATH for the combined database",
                                    help: "taboo merge shard1.sqlite shard2.sqlite --into all.sqlite"))
      return .usage
    }
    do {
      let report = try Store.merge(inputs: arguments.positionals, into: output)
      for input in report.inputs {
        console.error("  \(input.path): \(input.added) runs added"
          + (input.skipped > 0 ? ", \(input.skipped) already present" : ""))
      }
      let total = try Store.open(existing: output).runCount()
      console.out("merged: \(output) (\(total) runs; \(report.added) added)")
      return .success
    } catch {
      console.error("error: \(error)")
      return .failure
    }
  }
}
