// How many runs the batch in a database was planned to have, so that reading commands can say
// when it is not finished ("6 of 10 planned runs"). `taboo run` records it before it trains: the
// runs of its sweep points × seeds (its shard's, with `--shard`); `taboo merge` adds its inputs'.

import Foundation

extension Store {
  /// The planned number of runs, if a `taboo run` recorded one.
  public func plannedRuns() throws -> Int? {
    try locked {
      try db.scalarText("SELECT value FROM meta WHERE key = 'runs_planned'").flatMap { Int($0) }
    }
  }

  /// Records `count` as the planned number of runs.
  public func setPlannedRuns(_ count: Int) throws {
    try locked {
      let statement = try db.prepare(
        "INSERT INTO meta (key, value) VALUES ('runs_planned', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value")
      try statement.bind(String(count), at: 1)
      try statement.run()
    }
  }

  /// One line when the database holds fewer runs than planned (or none), else nil.
  public func completenessNote() throws -> String? {
    let present = try runCount()
    if present == 0 { return "the database \(path) holds no runs yet (run the scenario with taboo run)" }
    guard let planned = try plannedRuns(), present < planned else { return nil }
    return "the batch is not finished: \(present) of \(planned) planned runs are in \(path) "
      + "(run the same taboo run command to resume)"
  }
}
