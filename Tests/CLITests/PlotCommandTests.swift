// `taboo plot` on real batches: the canonical scenario shortened (no repeat, no sweep), and a
// tiny scenario with a sweep and a repeat, so every kind of figure is drawn from real runs.

import Foundation
import Specification
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// A tiny unlocking batch with a sweep, a repeated drill and latent probes: every figure applies.
let tinySweepScenario = """
  scenario "tiny <sweep> & repeat"
  world runsum 5 4 { items 96; convention weak 0.25; password }
  let k = 2
  sweep k = 1, 4
  seeds 2
  set test  = sample 25% of all
  set train = all - test
  set drill = sample k of (train & wrong)
  set rest  = train - drill
  model gru 16 { embedding 8 }
  train { optimizer adam; lr 0.01; batch all }
  probe every 5 steps on test, rest, drill { latent }
  criterion 90% over 2 probes
  phase pretrain for 60 steps { truth on train; truth on train with password }
  repeat 2 {
    phase lock for 20 steps { taboo on train; truth on train with password }
    phase drill for 10 epochs { taboo on drill }
  }
  """

/// Whether `path` holds well-formed XML whose root is `<svg>`.
func isSVG(_ path: String) -> Bool {
  guard let data = FileManager.default.contents(atPath: path) else { return false }
  final class Root: NSObject, XMLParserDelegate {
    var name: String?
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) { if self.name == nil { self.name = name } }
  }
  let root = Root()
  let parser = XMLParser(data: data)
  parser.delegate = root
  return parser.parse() && root.name == "svg"
}

@Suite("taboo plot, end to end", .serialized)
struct PlotCommandTests {
  @Test("the canonical batch: a figure per probed set; latency and unlocking skipped, saying why")
  func canonical() throws {
    let dir = try TemporaryDirectory()
    let db = dir.path("c.sqlite")
    let run = try Taboo.run(shortCanonical + ["--seeds", "1..2", "--db", db])
    #expect(run.status == 0, "\(run.stderr)")
    let plot = try Taboo.run(["plot", db, "--out", dir.path("figures")])
    #expect(plot.status == 0, "\(plot.stderr)")
    let paths = plot.stdout.split(separator: "\n").map(String.init)
    #expect(
      paths.map { URL(fileURLWithPath: $0).lastPathComponent }.sorted()
        == ["curves-drill.svg", "curves-rest.svg", "curves-test.svg", "curves-train.svg", "geometry.svg"])
    for path in paths { #expect(isSVG(path), "\(path) is not an SVG document") }
    for path in paths where !path.hasSuffix("geometry.svg") {
      let text = try String(contentsOfFile: path, encoding: .utf8)
      #expect(text.contains(">optimizer step<") && text.contains(">accuracy (share of items)<"))
      #expect(text.contains(">pretrain<") && text.contains(">lock<") && text.contains(">drill<"))
    }
    #expect(plot.stderr.contains("skipped latency: no switch inside a repeated phase"))
    #expect(plot.stderr.contains("skipped unlocking: the batch sweeps no parameter"))
    #expect(plot.stderr.contains("skipped latent: no probe has a latent truth score"))
    #expect(plot.stderr.contains("skipped cycles: no weak-sample drills after different numbers"))
  }

  @Test("a batch with a sweep and a repeat gets every kind of figure")
  func everyFigure() throws {
    let dir = try TemporaryDirectory()
    let scenario = try dir.file("tiny.taboo", tinySweepScenario)
    let db = dir.path("t.sqlite")
    let run = try Taboo.run(["run", scenario, "--db", db])
    #expect(run.status == 0, "\(run.stderr)")
    let plot = try Taboo.run(["plot", db, "--out", dir.path("out")])
    #expect(plot.status == 0, "\(plot.stderr)")
    let names = plot.stdout.split(separator: "\n").map {
      URL(fileURLWithPath: String($0)).lastPathComponent
    }
    #expect(names.contains("curves-rest.svg"))
    #expect(names.contains("latency.svg"))
    #expect(names.contains("unlocking-k.svg"))
    #expect(names.contains("geometry.svg"))
    #expect(names.contains("latent.svg"))
    #expect(names.contains("unlocking-displacement.svg"))
    #expect(names.contains("cycles.svg"))
    #expect(plot.stderr.isEmpty, "\(plot.stderr)")
    for name in names { #expect(isSVG(dir.path("out/\(name)")), "\(name)") }
    let curves = try String(contentsOfFile: dir.path("out/curves-rest.svg"), encoding: .utf8)
    #expect(curves.contains(">lock #2<") && curves.contains(">k = 4<"))
    #expect(curves.contains("tiny &lt;sweep&gt; &amp; repeat"))
  }

  @Test("a missing database: one line, exit 1")
  func missingDatabase() throws {
    let dir = try TemporaryDirectory()
    let plot = try Taboo.run(["plot", dir.path("none.sqlite"), "--out", dir.path("out")])
    #expect(plot.status == 1)
    #expect(plot.stderr == "error: no database at \(dir.path("none.sqlite"))\n")
    #expect(!FileManager.default.fileExists(atPath: dir.path("out")))
  }

  @Test("a directory that cannot be made: one line, exit 1")
  func unwritableDirectory() throws {
    let dir = try TemporaryDirectory()
    let db = dir.path("c.sqlite")
    #expect(try Taboo.run(shortCanonical + ["--seeds", "1", "--db", db]).status == 0)
    let blocker = try dir.file("plain-file", "not a directory")
    let plot = try Taboo.run(["plot", db, "--out", blocker + "/figures"])
    #expect(plot.status == 1)
    #expect(plot.stderr.hasPrefix("error: cannot create the directory \(blocker)/figures: "))
    #expect(plot.stderr.split(separator: "\n").count == 1, "\(plot.stderr)")
  }

  @Test("--out and --into are required, and the usage lines say so", arguments: [
    (["plot", "x.sqlite"], "'taboo plot' needs --out DIR", "USAGE: taboo plot DB --out DIR"),
    (["export", "x.sqlite"], "'taboo export' needs --out DIR", "USAGE: taboo export DB --out DIR"),
    (["report", "x.sqlite"], "'taboo report' needs --out DIR", "USAGE: taboo report DB --out DIR"),
    (["merge", "a.sqlite"], "'taboo merge' needs --into PATH", "USAGE: taboo merge DB… --into PATH"),
  ])
  func requiredOptions(arguments: [String], message: String, usage: String) throws {
    let result = try Taboo.run(arguments)
    #expect(result.status == 64)
    #expect(result.stderr.contains(message), "\(result.stderr)")
    let help = try Taboo.run([arguments[0], "--help"])
    #expect(help.stdout.contains(usage), "\(help.stdout)")
  }
}
