// `taboo report` end to end: the page of real batches (its tables are analyze's, its verdicts
// compare's, its figures plot's), escaping, the cap on per-run rows, the one-line failures and
// the atomic write; and scripts/browser-test.sh, which loads reports in headless Chromium.

import Analysis
import Foundation
import Output
import Store
import Testing

/// The text of every `<td>` of `html`, unescaped, in order.
func tableCells(_ html: String) -> [String] {
  var cells: [String] = []
  var rest = html[...]
  while let open = rest.range(of: "<td") {
    guard let start = rest[open.upperBound...].range(of: ">"),
      let end = rest[start.upperBound...].range(of: "</td>")
    else { break }
    cells.append(unescapeHTML(String(rest[start.upperBound..<end.lowerBound])))
    rest = rest[end.upperBound...]
  }
  return cells
}

func unescapeHTML(_ text: String) -> String {
  text.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
    .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'")
    .replacingOccurrences(of: "&amp;", with: "&")
}

/// How many times `needle` occurs in `text`.
func occurrences(_ needle: String, in text: String) -> Int {
  text.components(separatedBy: needle).count - 1
}

@Suite("taboo report, end to end", .serialized)
struct ReportTests {
  /// Runs `taboo report DB --out OUT` and reads the page.
  func report(_ db: String, _ out: String) throws -> (Taboo.Output, String) {
    let result = try Taboo.run(["report", db, "--out", out])
    let page = (try? String(contentsOfFile: out + "/index.html", encoding: .utf8)) ?? ""
    return (result, page)
  }

  @Test("a batch with a sweep and a repeat: analyze's tables, compare's verdicts, plot's figures, all escaped")
  func everything() throws {
    let dir = try TemporaryDirectory()
    let scenario = try dir.file("tiny.taboo", tinySweepScenario)
    let db = dir.path("t.sqlite")
    #expect(try Taboo.run(["run", scenario, "--db", db]).status == 0)
    let (result, page) = try report(db, dir.path("report"))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stdout == dir.path("report") + "/index.html\n")
    #expect(result.stderr.isEmpty, "\(result.stderr)")
    #expect(page.hasPrefix("<!DOCTYPE html>") && page.hasSuffix("</html>\n"))

    // Self-contained: nothing that loads anything, and a policy that forbids it.
    for loader in ["<script", "<link", "<img", "<iframe", "<object", "src=", "@import", "url("] {
      #expect(!page.contains(loader), "the page holds \(loader)")
    }
    #expect(page.contains("content=\"default-src 'none'; style-src 'unsafe-inline'\""))
    #expect(page.contains("@media print"))

    // Every string from the database escaped: the name, the scenario text.
    #expect(page.contains("<title>taboo report: tiny &lt;sweep&gt; &amp; repeat</title>"))
    #expect(!page.contains("<sweep>"))
    #expect(page.contains("set drill = sample k of (train &amp; wrong)"))
    #expect(page.contains("scenario &quot;tiny &lt;sweep&gt; &amp; repeat&quot;"))

    // The runs.
    #expect(page.contains("4 of 4 planned runs are in the database: 4 complete, 0 diverged"))
    #expect(page.contains("<caption>Every run, in sweep order</caption>"))

    // The tables are analyze's, cell for cell.
    let store = try Store.open(reading: db)
    let tables = AnalysisTables(try BatchAnalysis.analyze(store))
    #expect(tables.text + "\n" == (try Taboo.run(["analyze", db])).stdout)
    let cells = tableCells(page)
    var expected: [String] = []
    for point in tables.points {
      #expect(page.contains(">\(point.title) · \(point.runs) runs</h3>"), "\(point.title)")
      for table in point.tables where !table.columns.isEmpty {
        #expect(page.contains("<caption>\(HTML.escape(table.title))</caption>"), "\(table.title)")
        expected += table.rows.flatMap { $0 }
      }
    }
    #expect(tables.points.count == 2 && expected.count > 40)
    let start = try #require(cells.firstIndex(of: expected[0]))
    #expect(Array(cells[start..<min(cells.count, start + expected.count)]) == expected)

    // The verdicts are compare's.
    let compare = try Taboo.run(["compare", db]).stdout
    let summary = try #require(compare.split(separator: "\n").last { $0.hasPrefix("Summary: ") })
    // Each entry is `U1 reproduced`, or `U4 (kick) not tested` where several drills test a claim.
    for entry in summary.dropFirst("Summary: ".count).components(separatedBy: " · ") {
      let word = try #require(["not reproduced", "not tested", "reproduced"].first { entry.hasSuffix(" " + $0) })
      let id = String(entry.dropLast(word.count + 1))
      let verdict = word.replacingOccurrences(of: " ", with: "-")
      #expect(
        page.contains("<strong>\(id)</strong>") && page.range(
          of: "<tr><td><strong>\(NSRegularExpression.escapedPattern(for: id))</strong>[^\n]*<span class=\"verdict \(verdict)\">",
          options: .regularExpression) != nil, "\(id): \(verdict)")
    }

    // The figures are plot's, each inline with its caption.
    let plot = try Taboo.run(["plot", db, "--out", dir.path("figures")])
    let names = plot.stdout.split(separator: "\n").map { URL(fileURLWithPath: String($0)).lastPathComponent }
    #expect(names.count >= 6 && names.contains("latency.svg") && names.contains("unlocking-k.svg"))
    #expect(occurrences("<svg ", in: page) == names.count)
    #expect(occurrences("<figcaption>", in: page) == names.count)
    for (index, name) in names.enumerated() {
      let svg = try String(contentsOfFile: dir.path("figures/\(name)"), encoding: .utf8)
      let body = try #require(svg.range(of: "<svg ")).lowerBound
      #expect(page.contains(svg[body...]), "\(name) is not inlined as plot draws it")
      #expect(page.range(of: "<figcaption>Figure \(index + 1): [^<]+\\. <span class=\"file\">\(name)</span>",
                         options: .regularExpression) != nil, "\(name)")
    }
    #expect(!page.contains("<?xml"))
    // The contents link to every section and figure.
    for anchor in ["#scenario", "#runs", "#analysis", "#language-model", "#explanations", "#figures", "#figure-latency"] {
      #expect(page.contains("<a href=\"\(anchor)\">"), "\(anchor)")
    }
  }

  @Test("phase names from the scenario are escaped in tables and figures alike")
  func escapedPhaseNames() throws {
    let dir = try TemporaryDirectory()
    let scenario = try dir.file("names.taboo", """
      scenario "<script>alert('x')</script>"
      world runsum 5 3 { items 40; convention weak 0.25; password }
      set test = sample 25% of all
      set train = all - test
      model gru 4
      probe every 5 steps on test, train
      phase "<b>learn</b> & \\"more\\"" for 10 steps { truth on train; truth on train with password }
      phase lock for 10 steps { taboo on train; truth on train with password }
      """)
    let db = dir.path("n.sqlite")
    let run = try Taboo.run(["run", scenario, "--db", db])
    #expect(run.status == 0, "\(run.stderr)")
    let (result, page) = try report(db, dir.path("out"))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(!page.contains("<script") && !page.contains("<b>"))
    #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
    #expect(page.contains("<td>&lt;b&gt;learn&lt;/b&gt; &amp; &quot;more&quot;</td>"))
    // In the inline figure, as the SVG writer escapes it.
    #expect(page.contains(">&lt;b&gt;learn&lt;/b&gt; &amp; &quot;more&quot;<"))
  }

  @Test("a batch of many runs: per-run rows stop at the cap and the page says so; diverged runs are listed")
  func manyRuns() throws {
    let dir = try TemporaryDirectory()
    let scenario = try dir.file("many.taboo", """
      scenario "many"
      world runsum 5 2 { items 20 }
      let rate = 0.01
      sweep rate = 0.01, 1e38
      seeds 30
      model gru 4
      train { optimizer sgd; lr rate }
      probe every 5 steps on all
      phase learn for 10 steps { truth on all }
      """)
    let db = dir.path("m.sqlite")
    let run = try Taboo.run(["run", scenario, "--db", db])
    #expect(run.status == 0, "\(run.stderr)")
    let (result, page) = try report(db, dir.path("out"))
    #expect(result.status == 0, "\(result.stderr)")
    let limit = ReportPage.runRowLimit
    #expect(limit == 50)
    #expect(page.contains("60 of 60 planned runs are in the database: 30 complete, 30 diverged"))
    #expect(page.contains("<caption>The first \(limit) of 60 runs, in sweep order</caption>"))
    #expect(page.contains("\(60 - limit) more runs are not listed here"))
    #expect(page.contains("<caption>Diverged runs</caption>"))
    #expect(occurrences(">diverged</td>", in: page) == limit - 30)  // sweep order: rate 0.01 first
    // One row per sweep point, each with its 30 seeds.
    #expect(page.contains("<td>rate=0.01</td><td>1–30</td><td class=\"num\">30</td>"))
    #expect(page.contains("<td>rate=1e+38</td>") || page.contains("<td>rate=1e38</td>"))
  }

  @Test("an unfinished batch: the page counts the missing runs")
  func unfinished() throws {
    let dir = try TemporaryDirectory()
    let db = dir.path("u.sqlite")
    let scenario = try dir.file("faults.taboo", faultScenario)
    #expect(try Taboo.run(["run", scenario, "--seeds", "1..2", "--db", db]).status == 0)
    do { try Store.open(existing: db).setPlannedRuns(5) }
    let (result, page) = try report(db, dir.path("out"))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("note: the batch is not finished: 2 of 5 planned runs"))
    #expect(page.contains("2 of 5 planned runs are in the database"))
    #expect(page.contains("3 planned runs are missing: not run yet, or failed before finishing"))
  }

  @Test("a database without runs: a page with the scenario that says so, exit 0")
  func empty() throws {
    let dir = try TemporaryDirectory()
    let db = dir.path("e.sqlite")
    _ = try Store.open(path: db, scenarioName: "empty <one>", scenarioText: "# nothing & more", version: "test")
    let (result, page) = try report(db, dir.path("out"))
    #expect(result.status == 0, "\(result.stderr)")
    #expect(result.stderr.contains("holds no runs yet"))
    #expect(page.contains("# nothing &amp; more") && page.contains("taboo report: empty &lt;one&gt;"))
    #expect(page.contains("No runs yet: nothing to summarise.") && page.contains("No figure applies"))
    #expect(!page.contains("<svg "))
  }

  @Test("a missing database, a file that is not one, a directory: one line each, exit 1, nothing written")
  func badDatabase() throws {
    let dir = try TemporaryDirectory()
    let text = try dir.file("notes.txt", "not a database\n")
    let cases: [(String, String)] = [
      (dir.path("none.sqlite"),
       "error: no results database at '\(dir.path("none.sqlite"))'; run a scenario first (taboo run FILE --db \(dir.path("none.sqlite"))).\n"),
      (text, "error: '\(text)' is not a taboo results database (they are written by taboo run).\n"),
      (dir.url.path, "error: '\(dir.url.path)' is a directory; give the path of a results database (*.sqlite).\n"),
    ]
    for (db, message) in cases {
      let (result, _) = try report(db, dir.path("out"))
      #expect(result.status == 1)
      #expect(result.stderr == message, "\(result.stderr)")
      #expect(result.stdout.isEmpty)
    }
    #expect(!FileManager.default.fileExists(atPath: dir.path("out")))
  }

  @Test("an unwritable --out: one line, exit 1; an earlier report and other files stay as they were")
  func unwritableOut() throws {
    let dir = try TemporaryDirectory()
    let db = dir.path("c.sqlite")
    let scenario = try dir.file("faults.taboo", faultScenario)
    #expect(try Taboo.run(["run", scenario, "--seeds", "1", "--db", db]).status == 0)

    let blocker = try dir.file("plain-file", "not a directory")
    let (underFile, _) = try report(db, blocker + "/report")
    #expect(underFile.status == 1)
    #expect(underFile.stderr.hasPrefix("error: cannot create the directory \(blocker)/report: "))
    #expect(underFile.stderr.split(separator: "\n").count == 1, "\(underFile.stderr)")
    let (onFile, _) = try report(db, blocker)
    #expect(onFile.stderr == "error: cannot create the directory \(blocker): a file of that name exists\n")

    // A report, then a second one into the same directory: index.html replaced, the rest kept.
    let out = dir.path("report")
    #expect(try report(db, out).0.status == 0)
    let other = try dir.file("report/notes.txt", "mine")
    #expect(try Taboo.run(["run", scenario, "--seeds", "1..2", "--db", db]).status == 0)
    let (again, page) = try report(db, out)
    #expect(again.status == 0 && page.contains("2 of 2 planned runs"))
    #expect(try String(contentsOfFile: other, encoding: .utf8) == "mine")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out).sorted() == ["index.html", "notes.txt"])
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).allSatisfy { !$0.hasPrefix(".report.") })

    // A directory the user may not write, in one that may be: refused, the earlier page unchanged.
    try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: dir.url.path)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: out)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: out) }
    let before = try snapshot(out)
    guard let refused = try tabooAsUnprivileged(["report", db, "--out", out]) else { return }
    #expect(refused.status == 1)
    // The reason as the system gives it (permission denied, or not permitted where /tmp protects
    // hard links).
    #expect(refused.stderr.hasPrefix("error: cannot write \(out)/index.html: "), "\(refused.stderr)")
    #expect(refused.stderr.split(separator: "\n").count == 1, "\(refused.stderr)")
    #expect(try snapshot(out) == before)
  }

  @Test("--help describes the page")
  func help() throws {
    let help = try Taboo.run(["report", "--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("USAGE: taboo report DB --out DIR"))
    #expect(help.stdout.contains("DIR/index.html") && help.stdout.contains("no script"))
    let usage = try Taboo.run(["report", "x.sqlite"])
    #expect(usage.status == 64 && usage.stderr.contains("'taboo report' needs --out DIR"))
    #expect(try Taboo.run(["--help"]).stdout.contains("  report "))
  }
}

/// scripts/browser-test.sh: reports of two tiny batches in headless Chromium (it installs
/// Debian's chromium when missing; about 30 s). Skipped, with its one line, only when chromium
/// cannot be installed (the script exits 3).
@Suite("taboo report in a real browser")
struct ReportBrowserTests {
  @Test("the pages load in headless Chromium without console errors, and every figure has a size")
  func chromium() throws {
    let script = Taboo.repositoryRoot.appendingPathComponent("scripts/browser-test.sh").path
    let r = try Taboo.run([], launcher: ["/bin/bash", script])
    if r.status == 3, let line = r.stdout.split(separator: "\n").first(where: { $0.contains("skipped:") }) {
      print(line)
      try Test.cancel(Comment(rawValue: String(line)))
    }
    #expect(r.status == 0, "\(r.stdout)\n\(r.stderr)")
    #expect(r.stdout.contains("browser-test") && r.stdout.contains("passed"), "\(r.stdout)")
    #expect(r.stdout.contains("sweep: loaded index.html") && r.stdout.contains("stream: loaded index.html"))
    #expect(r.stdout.contains("the checker fails a broken page"), "\(r.stdout)")
  }
}
