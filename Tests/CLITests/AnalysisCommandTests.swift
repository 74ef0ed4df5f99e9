// `taboo analyze`, `taboo export` and `taboo compare` end to end, on small real batches made
// with `taboo run` (shortened through --set), and their one-line failures.

import Foundation
import Records
import Store
import Analysis
import Output
import Specification
import Testing

/// unlocking-controls.taboo (k = 1, 2, 4, 16, 64; taboo, random and truth drills; a kick),
/// shortened to a few seconds.
let shortControls = [
  "run", Taboo.scenario("unlocking-controls.taboo"), "--set", "pretrain_steps=40", "--set", "lock_steps=20",
  "--set", "drill_epochs=4", "--seeds", "1..1",
]

@Suite("taboo analyze, export, compare, end to end", .serialized)
struct AnalysisCommandTests {
  static let claimIDs = ["U1", "U2", "U3", "U4", "U5", "U6", "D1"]

  /// The verdict line of each claim in `taboo compare`'s output.
  func verdicts(_ output: String) -> [String: String] {
    var result: [String: String] = [:]
    var current: String? = nil
    for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
      if let id = Self.claimIDs.first(where: { line.hasPrefix("\($0)  ") }) { current = id }
      if let id = current, line.hasPrefix("    verdict:   ") {
        result[id] = String(line.dropFirst("    verdict:   ".count))
        current = nil
      }
    }
    return result
  }

  @Test("the canonical batch: analyze prints the tables, compare says what it cannot test")
  func canonical() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("canon.sqlite")
    let run = try Taboo.run(shortCanonical + ["--seeds", "1..2", "--db", db])
    #expect(run.status == 0, "\(run.stderr)")

    let analyze = try Taboo.run(["analyze", db])
    #expect(analyze.status == 0, "\(analyze.stderr)")
    #expect(analyze.stdout.contains("'weak sample unlocking'"))
    #expect(analyze.stdout.contains("Switches") && analyze.stdout.contains("Transfer and unlocking"))
    #expect(analyze.stdout.contains("truth→taboo"))
    #expect(analyze.stdout.split(separator: "\n").allSatisfy { $0.count <= 100 }, "\(analyze.stdout)")

    let compare = try Taboo.run(["compare", db])
    #expect(compare.status == 0, "\(compare.stderr)")
    let v = verdicts(compare.stdout)
    #expect(Set(v.keys) == Set(Self.claimIDs), "\(compare.stdout)")
    // No sweep, no kick, no truth drill in this scenario.
    #expect(v["U2"]?.hasPrefix("not tested by this batch: needs taboo drills of several sizes k") == true)
    #expect(v["U3"]?.hasPrefix("not tested by this batch: needs a taboo drill of k ≥ 32") == true)
    #expect(v["U4"]?.hasPrefix("not tested by this batch: needs a frozen phase with `perturb σ`") == true)
    #expect(v["D1"]?.hasPrefix("not tested by this batch: needs a phase `truth on`") == true)
    #expect(compare.stdout.contains("https://www.alignmentforum.org/posts/bfm5Fm9pJYAthFSZT"))
    #expect(compare.stdout.contains("https://arxiv.org/abs/2405.19550"))
    // The explanations last: every prediction, each favouring an account or saying what would test it.
    let lines = compare.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let explanations = try #require(lines.firstIndex { $0 == "Explanations: 'weak sample unlocking', 2 runs" })
    #expect(lines[..<explanations].contains { $0.hasPrefix("Animal summary: ") })
    let part = lines[explanations...]
    #expect((1...8).allSatisfy { id in part.contains { $0.hasPrefix("E\(id)  ") } }, "\(part)")
    #expect(part.filter { $0.hasPrefix("    favours:   ") }.count == 8)
    #expect(part.contains { $0.hasPrefix("Explanations summary: E1 ") })
    #expect(part.allSatisfy { $0.count <= 100 }, "\(part.filter { $0.count > 100 })")
  }

  @Test("the controls batch: every claim gets a verdict; export writes the five files")
  func controls() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("controls.sqlite")
    let run = try Taboo.run(shortControls + ["--db", db])
    #expect(run.status == 0, "\(run.stderr)")

    let compare = try Taboo.run(["compare", db])
    #expect(compare.status == 0, "\(compare.stderr)")
    let v = verdicts(compare.stdout)
    #expect(Set(v.keys) == Set(Self.claimIDs), "\(compare.stdout)")
    // The batch holds every phase the claims need: none may say that a phase is missing.
    for id in ["U1", "U2", "U3", "U4", "U5", "D1"] {
      let verdict = v[id] ?? ""
      #expect(verdict == "reproduced" || verdict == "not reproduced" || verdict.contains("undefined"),
              "\(id): \(verdict)")
    }

    let out = dir.path("export")
    let export = try Taboo.run(["export", db, "--out", out])
    #expect(export.status == 0, "\(export.stderr)")
    let store = try Store.open(existing: db)
    let probeCount = try store.probeCount()
    for name in ["runs", "probes", "switches", "transfer", "summary"] {
      let text = try String(contentsOfFile: "\(out)/\(name).csv", encoding: .utf8)
      let lines = text.components(separatedBy: "\r\n").filter { !$0.isEmpty }
      let header = lines.first ?? ""
      if name == "summary" {
        #expect(header.hasPrefix("k,drill_epochs,lock_steps,pretrain_steps,metric,"), "\(header)")
      } else {
        #expect(header.hasPrefix("run,seed,k,drill_epochs,lock_steps,pretrain_steps,"), "\(header)")
      }
      if name == "runs" { #expect(lines.count == 6) }
      if name == "probes" { #expect(lines.count == probeCount + 1) }
    }
    // Python's csv module, where there is one, reads the same table.
    if let python = ["/usr/bin/python3", "/usr/local/bin/python3"].first(where: FileManager.default.isExecutableFile) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = ["-c", """
        import csv, sys
        rows = list(csv.DictReader(open(sys.argv[1], newline="")))
        assert len(rows) > 0 and all(r["password"] in ("true", "false") for r in rows)
        print(len(rows))
        """, "\(out)/transfer.csv"]
      let pipe = Pipe()
      process.standardOutput = pipe
      try process.run()
      process.waitUntilExit()
      #expect(process.terminationStatus == 0)
    }
  }

  @Test("a missing database, a file that is not one, an unwritable --out: one line, exit 1")
  func failures() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let text = dir.path("notes.txt")
    try "not a database\n".write(toFile: text, atomically: true, encoding: .utf8)
    for command in ["analyze", "compare"] {
      let missing = try Taboo.run([command, dir.path("none.sqlite")])
      #expect(missing.status == 1 && missing.stderr.contains("no results database"), "\(missing.stderr)")
      #expect(missing.stderr.split(separator: "\n").count == 1)
      let wrong = try Taboo.run([command, text])
      #expect(wrong.status == 1 && wrong.stderr.contains("not a taboo results database"), "\(wrong.stderr)")
      #expect(wrong.stderr.split(separator: "\n").count == 1)
    }
    let db = dir.path("c.sqlite")
    try Taboo.run(shortCanonical + ["--seeds", "1..1", "--db", db])
    let unwritable = try Taboo.run(["export", db, "--out", text + "/sub"])
    #expect(unwritable.status == 1 && unwritable.stderr.hasPrefix("error: cannot write"), "\(unwritable.stderr)")
    #expect(unwritable.stderr.split(separator: "\n").count == 1)
    let noOut = try Taboo.run(["export", db])
    #expect(noOut.status == 64 && noOut.stderr.contains("--out"))
  }
}

/// Every printed parameter value is exact and distinct (the shortest form that reads back as the
/// same number), in the text report and in the CSV files.
@Suite("sweep labels")
struct SweepLabelTests {
  @Test("a sweep of rate = 0.001, 0.003 prints both values exactly, everywhere")
  func distinctLabels() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let file = try dir.file("rates.taboo", """
      world runsum 5 4 { items 60; convention weak 0.25 }
      let rate = 0.001
      sweep rate = 0.001, 0.003, 0.0001, 0.00011
      model gru 8
      train { lr rate }
      probe every 2 steps on all
      phase learn for 4 steps { truth on all }
      phase flip for 4 steps { taboo on all }
      """)
    let db = dir.path("r.sqlite")
    #expect(try Taboo.run(["run", file, "--db", db]).status == 0)
    let report = try Taboo.run(["analyze", db])
    #expect(report.status == 0, "\(report.stderr)")
    for value in ["0.001", "0.003", "0.0001", "0.00011"] {
      #expect(report.stdout.contains("rate=\(value) "), "\(value) missing in\n\(report.stdout)")
    }
    let out = dir.path("csv")
    #expect(try Taboo.run(["export", db, "--out", out]).status == 0)
    let runs = try String(contentsOfFile: out + "/runs.csv", encoding: .utf8)
    let rates = Set(runs.split(separator: "\r\n").dropFirst().map { $0.split(separator: ",")[2] })
    #expect(rates == ["0.001", "0.003", "0.0001", "0.00011"])
    let switches = try String(contentsOfFile: out + "/switches.csv", encoding: .utf8)
    let header = switches.split(separator: "\r\n")[0].split(separator: ",").map(String.init)
    let column = try #require(header.firstIndex(of: "old_answer_errors"))
    for row in switches.split(separator: "\r\n").dropFirst() {
      let field = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)[column]
      #expect(field.isEmpty || Int(field) != nil, "a count is an integer: '\(field)'")
    }
  }
}

/// What the reading commands say of a batch that is not finished, or empty, and the `run` column.
@Suite("unfinished and empty batches; stable run numbers")
struct BatchStateTests {
  @Test("the run column keeps its numbers when runs are added that sort before them")
  func stableRunNumbers() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("s.sqlite")
    func export(_ name: String) throws -> [String: String] {
      #expect(try Taboo.run(["export", db, "--out", dir.path(name)]).status == 0)
      let rows = try String(contentsOfFile: dir.path(name) + "/runs.csv", encoding: .utf8).split(separator: "\r\n")
      let header = rows[0].split(separator: ",").map(String.init)
      let seed = header.firstIndex(of: "seed")!
      var numbers: [String: String] = [:]
      for row in rows.dropFirst() {
        let fields = row.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        numbers[fields[seed]] = fields[0]
      }
      return numbers
    }
    #expect(try Taboo.run(shortCanonical + ["--seeds", "5..6", "--db", db]).status == 0)
    let first = try export("a")
    #expect(try Taboo.run(shortCanonical + ["--seeds", "1..6", "--db", db]).status == 0)
    let second = try export("b")
    #expect(second.count == 6)
    #expect(first["5"] == second["5"] && first["6"] == second["6"], "\(first) vs \(second)")
    #expect(Set(second.values).count == 6)
  }

  @Test("analyze, compare, export and plot say in one line that a batch is not finished")
  func unfinished() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("u.sqlite")
    #expect(try Taboo.run(shortCanonical + ["--seeds", "1..2", "--db", db]).status == 0)
    #expect(try Store.open(existing: db).plannedRuns() == 2)
    // As if the batch of 5 runs had been interrupted after two.
    try Store.open(existing: db).setPlannedRuns(5)
    for command in [["analyze", db], ["compare", db], ["export", db, "--out", dir.path("csv")],
                    ["plot", db, "--out", dir.path("svg")]] {
      let r = try Taboo.run(command)
      #expect(r.status == 0, "\(command[0]): \(r.stderr)")
      let notes = r.stderr.split(separator: "\n").filter { $0.contains("not finished") }
      #expect(notes.count == 1 && notes[0].contains("2 of 5 planned runs"), "\(command[0]): \(r.stderr)")
    }
  }

  @Test("compare and plot on a database without runs say so, and exit 0 like analyze")
  func empty() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("e.sqlite")
    _ = try Store.open(path: db, scenarioName: "empty", scenarioText: "# nothing", version: "test")
    for command in [["analyze", db], ["compare", db], ["plot", db, "--out", dir.path("svg")]] {
      let r = try Taboo.run(command)
      #expect(r.status == 0, "\(command[0]): \(r.stderr)")
      #expect(r.stderr.contains("holds no runs yet"), "\(command[0]): \(r.stderr)")
      #expect(!r.stdout.contains("phase"), "\(command[0]): \(r.stdout)")
    }
  }

  @Test("a stream batch: compare sets the animal points beside it, plot and export carry the reversal index")
  func animalReference() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("stream.sqlite")
    let scenario = Taboo.repositoryRoot.appendingPathComponent("notebooks-export/smoke-stream.taboo").path
    let run = try Taboo.run(["run", scenario, "--db", db])
    #expect(run.status == 0, "\(run.stderr)")

    let compare = try Taboo.run(["compare", db])
    #expect(compare.status == 0, "\(compare.stderr)")
    let lines = compare.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let start = try #require(lines.firstIndex { $0.hasPrefix("Animal reference: 'notebook stream smoke test'") })
    #expect(lines[..<start].contains { $0.hasPrefix("Summary: U1") })  // after the language-model section
    let section = lines[start...]
    // Four frozen reversals per run (two sweep points, two seeds each): every point is measured,
    // in context at both sweep points; A4 and A6 in the weights too (the trained repeats).
    for id in ["A1", "A2", "A3", "A5"] {
      let block = section.drop { !$0.hasPrefix("\(id)  ") }.prefix { !$0.isEmpty }
      let simulated = block.filter { $0.hasPrefix("    simulated: cycles = ") }
      #expect(simulated.count == 2, "\(id): \(block)")
      #expect(simulated.allSatisfy { $0.contains("in context (trials)") && $0.contains("over 2 runs") })
      #expect(!block.contains { $0.contains("not measured") })
    }
    for id in ["A4", "A6"] {
      let block = section.drop { !$0.hasPrefix("\(id)  ") }.prefix { !$0.isEmpty }.joined(separator: " ")
      #expect(block.contains("in context (trials)") && block.contains("in the weights (steps)"), "\(block)")
    }
    #expect(section.contains { $0.hasPrefix("Animal summary: A1 ") })
    #expect(section.allSatisfy { $0.count <= 100 }, "\(section.filter { $0.count > 100 })")

    let plot = try Taboo.run(["plot", db, "--out", dir.path("figures")])
    #expect(plot.status == 0, "\(plot.stderr)")
    let figure = try String(contentsOfFile: dir.path("figures/reversal-index.svg"), encoding: .utf8)
    #expect(figure.contains("class=\"reference-point\"") && figure.contains(">A1<"))
    #expect(try String(contentsOfFile: dir.path("figures/latency.svg"), encoding: .utf8)
      .contains("class=\"reference-direction\""))

    let export = try Taboo.run(["export", db, "--out", dir.path("csv")])
    #expect(export.status == 0, "\(export.stderr)")
    let rows = try String(contentsOfFile: dir.path("csv/reversal-index.csv"), encoding: .utf8)
      .components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { $0.components(separatedBy: ",") }
    let unit = try #require(rows.first?.firstIndex(of: "unit"))
    // 4 runs × 4 frozen reversals in trials.
    #expect(rows.dropFirst().filter { $0[unit] == "trials" }.count == 16)
    #expect(rows.dropFirst().contains { $0[unit] == "steps" })
  }
}
