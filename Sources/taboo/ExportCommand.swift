// `taboo export DB --out DIR`: the batch as tidy CSV (docs/design.md §7): runs, probes, switches,
// transfer and summary. The database is opened read-only; the files are written beside DIR
// first and moved into it together, so a failed export leaves an earlier one as it was.

import Foundation
import Analysis
import Output
import Store

struct ExportCommand: Command {
  let spec = CommandSpec(
    name: "export",
    summary: "Write a batch as CSV: runs, probes, switches, transfer, summary.",
    positionals: PositionalSpec(name: "DB", minimum: 1, maximum: 1, help: "A results database (taboo run)."),
    options: [
      OptionSpec(name: "out", value: "DIR", help: "The directory for the CSV files (created if missing; files are replaced, all together).", required: true),
    ],
    discussion: """
      RFC 4180 with CRLF line ends and a header row; `run`, `seed` and one column per parameter of
      the run keys (swept values and --set values) come first; `password` is true or false; an
      undefined value is an empty field; numbers are in shortest round-trip form.

      EXIT CODES:
        0   written
        1   the database cannot be read or the directory cannot be written
        64  the command line is wrong
      """)

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    guard let directory = arguments.value("out") else {
      console.usageError(UsageError("taboo export needs --out DIR for the CSV files",
                                    help: "taboo export runs/batch.sqlite --out export/"))
      return .usage
    }
    let path = arguments.positionals[0]
    guard let store = ResultsInput.open(path, console) else { return .failure }
    do {
      let staged = try StagedDirectory(for: directory)
      let report: Export.Report
      do {
        report = try Export.write(store, to: staged.staging)
        try staged.commit(report.files.map(\.name))
      } catch ExportError.unwritable(let file, let reason) where file.hasPrefix(staged.staging) {
        staged.discard()
        let name = URL(fileURLWithPath: file).lastPathComponent
        throw ExportError.unwritable(path: staged.finalPath(name), reason: reason)
      } catch {
        staged.discard()
        throw error
      }
      for file in report.files {
        console.error("  \(file.name): \(file.rows) row\(file.rows == 1 ? "" : "s")")
      }
      console.out("exported: \(directory) (\(report.analysis.runs.count) runs)")
      return .success
    } catch let failure as StagedDirectory.Failure {
      // In export's own words (ExportError), as for a file that cannot be written.
      let reason = failure.kind == .create ? "cannot create the directory (\(failure.reason))" : failure.reason
      console.error("error: \(ExportError.unwritable(path: failure.path, reason: reason))")
      return .failure
    } catch {
      console.error("error: \(error)")
      return .failure
    }
  }
}
