// `taboo analyze DB`: the summary tables of a batch, per sweep point — switches (latency median
// [q25–q75] and censored runs), learning sets, transfer and unlocking — in 100 columns (built
// in Output's `AnalysisTables`, which `taboo report` writes as HTML). Also what the reading
// commands share: opening a results database with one clear line on failure.

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

  /// What `taboo analyze` prints: the summary tables (Output's `AnalysisTables`) as text.
  static func report(_ analysis: BatchAnalysis) -> String {
    AnalysisTables(analysis).text
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
