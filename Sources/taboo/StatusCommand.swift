// `taboo status DIR`: per database under DIR (or DIR/shards), runs done of runs planned, and
// whether it is damaged or unreadable; exit 0 when every one is complete. For the shards of a
// job array (`taboo slurm`) before `taboo merge`.

import Foundation
import Store

struct StatusCommand: Command {
  let spec = CommandSpec(
    name: "status",
    summary: "Say, per database in a directory (or its shards/), runs done of runs planned.",
    positionals: PositionalSpec(name: "DIR", minimum: 1, maximum: 1, help: "A directory of databases (e.g. taboo slurm's --out)."),
    options: [],
    discussion: """
      Every *.sqlite file in DIR and in DIR/shards is read (never written): one line each, with
      the runs it holds of the runs its `taboo run` planned, or why it cannot be read.

      EXIT CODES:
        0   every database is complete
        1   a database is incomplete, damaged or unreadable, or there is none
        64  the command line is wrong
      """)

  /// One database's state.
  struct Entry {
    var path: String
    var done: Int?
    var planned: Int?
    var problem: String?
    var complete: Bool { problem == nil && done != nil && (planned.map { done! >= $0 } ?? true) }

    var line: String {
      if let problem { return "\(path): damaged or unreadable: \(problem)" }
      let runs = "\(done ?? 0) of \(planned.map(String.init) ?? "?") runs"
      return "\(path): \(runs)" + (complete ? " (complete)" : " (incomplete)")
    }
  }

  /// The databases in `directory` and `directory/shards`, sorted by path (numbers in order).
  static func databases(in directory: String) -> [String] {
    var paths: [String] = []
    for dir in [directory, (directory as NSString).appendingPathComponent("shards")] {
      let names = (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? []
      paths += names.filter { $0.hasSuffix(".sqlite") }.map { (dir as NSString).appendingPathComponent($0) }
    }
    return paths.sorted { $0.compare($1, options: .numeric) == .orderedAscending }
  }

  static func entry(_ path: String) -> Entry {
    do {
      let store = try Store.open(reading: path)
      defer { store.close() }
      return Entry(path: path, done: try store.runCount(), planned: try store.plannedRuns())
    } catch {
      return Entry(path: path, problem: "\(error)")
    }
  }

  func run(_ arguments: ParsedArguments, _ console: Console) -> ExitCode {
    let directory = arguments.positionals[0]
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
      console.error("error: \(directory) is not a directory")
      return .failure
    }
    let paths = Self.databases(in: directory)
    guard !paths.isEmpty else {
      console.error("error: no *.sqlite database in \(directory) or \(directory)/shards")
      return .failure
    }
    let entries = paths.map(Self.entry)
    for entry in entries { console.out(entry.line) }
    let incomplete = entries.filter { !$0.complete }.count
    console.error(incomplete == 0
      ? "status: all \(entries.count) complete"
      : "status: \(incomplete) of \(entries.count) not complete")
    return incomplete == 0 ? .success : .failure
  }
}
