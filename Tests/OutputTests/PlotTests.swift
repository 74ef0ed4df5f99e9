// The SVG writer, the chart layer and the figures: every document parses as XML, numbers are
// finite and compact, names with XML's special characters survive, and each figure has its
// axes, labels and phase markers.

import Foundation
import Records
import Analysis
import Output
import RecordFixtures
import Specification
import Store
import Testing

#if canImport(FoundationXML)
  import FoundationXML
#endif

/// An SVG document read back with Foundation's XML parser: every element in document order.
struct ParsedSVG {
  struct Element {
    var name: String
    var attributes: [String: String]
    var text: String
  }

  var elements: [Element] = []

  /// Parses `svg`; records an issue (and returns what was read) if it is not well-formed XML.
  init(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) {
    let delegate = Collector()
    let parser = XMLParser(data: Data(svg.utf8))
    parser.delegate = delegate
    let ok = parser.parse()
    #expect(
      ok, "not well-formed XML: \(parser.parserError.map { "\($0)" } ?? "?")",
      sourceLocation: sourceLocation)
    elements = delegate.elements
  }

  func all(_ name: String) -> [Element] { elements.filter { $0.name == name } }

  /// The text of every `<text>` element (halo copies included).
  var texts: [String] { all("text").map(\.text) }

  func withClass(_ name: String) -> [Element] {
    elements.filter { ($0.attributes["class"] ?? "").split(separator: " ").contains { $0 == name } }
  }

  /// Every number in a geometric attribute (path data, coordinates, transforms).
  var numbers: [String] {
    let geometric: Set<String> = [
      "x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r", "width", "height", "d", "transform",
      "viewBox", "font-size", "stroke-width", "opacity",
    ]
    let numeric = Set("0123456789.-+eE")
    var out: [String] = []
    for element in elements {
      for (name, value) in element.attributes where geometric.contains(name) {
        out += value.split { !numeric.contains($0) }.map(String.init).filter {
          $0.contains(where: \.isNumber)
        }
      }
    }
    return out
  }

  final class Collector: NSObject, XMLParserDelegate {
    var elements: [Element] = []
    var open: [Int] = []
    func parser(
      _ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
      qualifiedName: String?, attributes: [String: String] = [:]
    ) {
      elements.append(Element(name: name, attributes: attributes, text: ""))
      open.append(elements.count - 1)
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) {
      if let index = open.last { elements[index].text += string }
    }
    func parser(
      _ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?
    ) {
      open.removeLast()
    }
  }
}

/// Checks that every number of a parsed document is a finite decimal.
func expectFiniteNumbers(_ svg: ParsedSVG, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(!svg.numbers.isEmpty, sourceLocation: sourceLocation)
  for token in svg.numbers {
    #expect(
      Double(token)?.isFinite == true, "not a finite number: '\(token)'",
      sourceLocation: sourceLocation)
  }
  let raw = svg.elements.flatMap { $0.attributes.values }.joined(separator: " ").lowercased()
  #expect(!raw.contains("nan") && !raw.contains("inf"), sourceLocation: sourceLocation)
}

// MARK: Building runs and metrics

/// A run of fixed-length phases with probes every `every` steps of `sets`, with and without
/// password; acc_truth follows `truth(phase, offset, seed)`.
func plotRun(
  seed: UInt64, parameters: [ParameterValue] = [], phases: [(String, Int?, Int)],
  sets: [String], every: Int = 5,
  truth: (Int, Int, UInt64) -> Double = { phase, offset, seed in
    min(1, 0.2 + Double(offset) / 100 + Double(seed) / 100 + Double(phase) / 10)
  }
) -> RunRecord {
  var records: [PhaseRecord] = []
  var probes: [ProbeRecord] = []
  var start = 0
  for (index, (name, repeatIndex, length)) in phases.enumerated() {
    records.append(
      PhaseRecord(
        index: index, name: name, repeatIndex: repeatIndex, startStep: start,
        endStep: start + length,
        startExamples: start * 10, endExamples: (start + length) * 10, streams: [], frozen: false,
        criterionStep: nil))
    var offsets = Array(stride(from: 0, to: length, by: every))
    offsets.append(length)
    for offset in offsets {
      for set in sets {
        for password in [false, true] {
          let value = truth(index, offset, seed)
          probes.append(
            ProbeRecord(
              phaseIndex: index, step: start + offset, examples: (start + offset) * 10, set: set,
              password: password, accTruth: password ? 1 : value, accTaboo: 1 - value,
              pTruth: value, pTaboo: 1 - value, target: nil, accTarget: nil, loss: nil))
        }
      }
    }
    start += length
  }
  return RunRecord(
    key: RunKey(parameters: parameters, seed: seed), status: .complete, steps: start,
    examples: start * 10, wallSeconds: 0, divergedStep: nil, phases: records, probes: probes)
}

let awkwardName = "a<b & \"c\" 'd'"

@Suite("SVG writer and charts")
struct PlotTests {
  @Test(
    "numbers are written compactly",
    arguments: [
      (0.0, "0"), (12.0, "12"), (0.5, "0.5"), (-3.25, "-3.25"), (1.0 / 3, "0.33"), (1e-9, "0"),
      (-0.004, "0"), (123_456.789, "123456.79"), (-0.05, "-0.05"), (2.999, "3"), (Double.nan, "0"),
      (Double.infinity, "0"),
    ])
  func numbers(value: Double, expected: String) {
    #expect(SVG.number(value) == expected)
  }

  @Test("text and attributes are escaped, and the document parses back to the same text")
  func escaping() {
    #expect(SVG.escape(awkwardName) == "a&lt;b &amp; &quot;c&quot; &apos;d&apos;")
    let svg = SVG.document(
      width: 100, height: 50, title: awkwardName,
      children: [
        SVG.text(awkwardName, x: 1, y: 2).with("data-name", awkwardName),
        SVG.text("bell \u{7} gone", x: 1, y: 2),
      ])
    let parsed = ParsedSVG(svg)
    #expect(parsed.all("title").first?.text == awkwardName)
    #expect(parsed.texts.first == awkwardName)
    #expect(parsed.all("text").first?.attributes["data-name"] == awkwardName)
    #expect(parsed.texts.last == "bell  gone")
  }

  @Test("paths break at non-finite points instead of writing them")
  func pathBreaks() {
    let data = PathData(polyline: [
      (0, 0), (1, 1), (.nan, 2), (3, 3), (4, .infinity), (5, 5), (6, 6),
    ])
    #expect(data.d == "M0 0L1 1M3 3M5 5L6 6")
  }

  @Test(
    "nice ticks are 1, 2 or 5 times a power of ten, inside the range",
    arguments: [
      (0.0, 1.0, [0, 0.2, 0.4, 0.6, 0.8, 1]),
      (0.0, 460.0, [0, 100, 200, 300, 400]),
      (-0.7, 1.3, [-0.5, 0, 0.5, 1]),
      (3.0, 3.0, [3]),
    ])
  func ticks(lo: Double, hi: Double, expected: [Double]) {
    let ticks = ChartTicks.nice(lo, hi, count: 6)
    #expect(ticks.count == expected.count)
    for (a, b) in zip(ticks, expected) { #expect(abs(a - b) < 1e-9) }
  }

  @Test("tick labels use as many decimals as the finest tick needs")
  func tickLabels() {
    #expect(ChartTicks.labels([0, 0.25, 0.5, 0.75, 1]) == ["0", "0.25", "0.5", "0.75", "1"])
    #expect(ChartTicks.labels([0, 100, 200]) == ["0", "100", "200"])
    #expect(ChartTicks.niceDomain(0, 87, count: 5) == 0...100)
  }

  @Test("a chart has both axes, tick labels, axis labels, markers, and finite numbers")
  func chartAnatomy() {
    var chart = Chart(
      title: awkwardName, x: Chart.Axis("optimizer step", domain: 0...100),
      y: Chart.Axis("accuracy (share of items)", domain: 0...1))
    chart.lines = [
      Chart.Line([.init(0, 0), .init(50, .nan), .init(100, 2)], color: Chart.color(0))
    ]
    chart.bands = [
      Chart.Band(x: [0, 50, 100], low: [0, 0.1, .nan], high: [1, 0.9, 1], color: Chart.color(1))
    ]
    chart.markers = [
      Chart.Marker(x: 0, label: "pretrain"), Chart.Marker(x: 60, label: awkwardName),
    ]
    chart.errorBars = [Chart.ErrorBar(x: 20, low: 0.2, high: 0.4, color: Chart.color(2))]
    chart.points = [
      Chart.Points([.init(30, 0.5), .init(.nan, 1)], color: Chart.color(3), shape: .openTriangle)
    ]
    chart.references = [Chart.Reference(y: 1, label: "top")]
    let grid = ChartGrid(
      title: "figure", panels: [chart],
      legend: [Chart.LegendEntry(awkwardName, color: "#000", style: .lineWithBand)],
      notes: ["a note"])
    let parsed = ParsedSVG(grid.document())
    #expect(parsed.withClass("axis").count == 2)
    #expect(
      parsed.withClass("axis-label").map(\.text) == ["optimizer step", "accuracy (share of items)"])
    #expect(parsed.withClass("phase-marker").count == 2)
    #expect(Set(parsed.withClass("phase-label").map(\.text)) == ["pretrain", awkwardName])
    #expect(parsed.texts.contains("0.4") && parsed.texts.contains("100"))
    #expect(parsed.texts.filter { $0 == awkwardName }.count >= 3)  // title, marker, legend
    expectFiniteNumbers(parsed)
  }

  @Test("phase labels go upright when they do not fit between markers")
  func rotatedPhaseLabels() {
    var chart = Chart(x: Chart.Axis("step", domain: 0...100), y: Chart.Axis("y", domain: 0...1))
    chart.markers = (0..<10).map {
      Chart.Marker(x: Double($0) * 10, label: "a long phase name #\($0)")
    }
    #expect(chart.markerLabelHeight(width: 400) > 60)
    let parsed = ParsedSVG(
      SVG.document(
        width: 400, height: 300, title: "t", children: [chart.render(width: 400, height: 300)]))
    #expect(
      parsed.withClass("phase-label").allSatisfy {
        $0.attributes["transform"]?.hasPrefix("rotate(-90") == true
      })
  }
}

@Suite("figures")
struct FigureTests {
  let phases: [(String, Int?, Int)] = [
    ("pretrain", nil, 40), ("lock", nil, 20), ("drill", 1, 10), ("drill", 2, 10),
  ]

  @Test("learning curves: one figure per set, phases marked and named with repeat numbers")
  func learningCurves() {
    let runs = (1...3).map { plotRun(seed: $0, phases: phases, sets: ["rest", awkwardName]) }
    let files = Figures.learningCurves(runs, scenario: "toy & <scenario>")
    #expect(files.map(\.name) == ["curves-rest.svg", "curves-a-b-c-d.svg"])
    for file in files {
      let parsed = ParsedSVG(file.svg)
      #expect(
        parsed.withClass("axis-label").map(\.text) == [
          "optimizer step", "accuracy (share of items)",
        ])
      #expect(
        parsed.withClass("phase-label").map(\.text) == ["pretrain", "lock", "drill #1", "drill #2"])
      #expect(parsed.withClass("phase-marker").count == 4)
      #expect(parsed.withClass("band").count == 2)  // with and without password
      #expect(parsed.withClass("series").count == 4)  // truth and taboo, each password state
      #expect(parsed.texts.contains { $0.contains("toy & <scenario>") })
      #expect(parsed.texts.contains("80"))  // the last step is on the axis
      expectFiniteNumbers(parsed)
    }
    #expect(
      ParsedSVG(files[1].svg).all("title").first?.text
        == "Learning curves: set \u{201C}\(awkwardName)\u{201D}")
  }

  @Test("learning curves: median and quartiles over seeds at each step")
  func curveStatistics() {
    let runs = (1...3).map { seed in
      plotRun(
        seed: seed, phases: [("only", nil, 10)], sets: ["s"],
        truth: { _, _, seed in Double(seed) / 10 })
    }
    let timeline = PlotTimeline(runs)
    #expect(timeline.fixed && timeline.total == 10)
    let curve = timeline.curve(runs, set: "s", password: false)
    #expect(curve.x == [0, 5, 10])
    #expect(
      curve.truth.allSatisfy {
        abs($0.median - 0.2) < 1e-12 && abs($0.q25 - 0.15) < 1e-12 && abs($0.q75 - 0.25) < 1e-12
      })
  }

  @Test("learning curves: phases of different lengths are aligned at their starts")
  func alignedPhases() {
    var short = plotRun(seed: 1, phases: [("learn", nil, 20), ("A taboo", 1, 10)], sets: ["A"])
    let long = plotRun(seed: 2, phases: [("learn", nil, 30), ("A taboo", 1, 20)], sets: ["A"])
    short.probes[0].accTruth = .nan  // a missing value is skipped, never drawn
    let timeline = PlotTimeline([short, long])
    #expect(!timeline.fixed)
    #expect(timeline.phases.map(\.offset) == [0, 30])
    #expect(timeline.total == 50)
    let curve = timeline.curve([short, long], set: "A", password: false)
    // Phase 2 starts at 30 on the aligned axis for both runs; the short run ends at offset 10.
    #expect(curve.x.contains(30) && curve.x.contains(50))
    let files = Figures.learningCurves([short, long], scenario: "s")
    let parsed = ParsedSVG(files[0].svg)
    #expect(
      parsed.withClass("axis-label").first?.text
        == "optimizer step (phases aligned at their starts)")
    expectFiniteNumbers(parsed)
  }

  @Test("learning curves: one panel per sweep point, titled with the swept values only")
  func sweepPanels() {
    let runs = [1.0, 4.0].flatMap { k in
      (1...2).map { seed in
        plotRun(
          seed: seed,
          parameters: [
            ParameterValue(name: "k", value: k), ParameterValue(name: "steps", value: 40),
          ],
          phases: phases, sets: ["rest"])
      }
    }
    let parsed = ParsedSVG(Figures.learningCurves(runs, scenario: "s")[0].svg)
    #expect(parsed.withClass("panel-title").map(\.text) == ["k = 1", "k = 4"])
    #expect(parsed.withClass("axis-label").filter { $0.text == "optimizer step" }.count == 1)
    #expect(parsed.withClass("note").contains { $0.text == "Parameters: steps = 40." })
  }

  func switchMetric(
    seed: UInt64, phase: String, index: Int, repeatIndex: Int?, set: String, latency: Int,
    censored: Bool = false
  )
    -> SwitchMetric
  {
    SwitchMetric(
      key: RunKey(parameters: [], seed: seed), phaseIndex: index, phase: phase,
      repeatIndex: repeatIndex,
      set: set, password: false, oldTarget: .truth, newTarget: .taboo, latencySteps: latency,
      latencyExamples: latency * 10, censored: censored, latency50Steps: nil, latency80Steps: nil,
      perseverationSteps: nil, oldAnswerErrors: nil, otherErrors: nil)
  }

  @Test("switch latency: a panel per repeated phase, censored seeds marked")
  func latency() throws {
    var metrics: [SwitchMetric] = []
    for seed in UInt64(1)...4 {
      metrics.append(
        switchMetric(seed: seed, phase: "learn", index: 0, repeatIndex: nil, set: "A", latency: 50))
      for r in 1...3 {
        metrics.append(
          switchMetric(
            seed: seed, phase: awkwardName, index: 2 * r - 1, repeatIndex: r, set: "A",
            latency: 100 / r + Int(seed), censored: seed == 4 && r == 1))
        metrics.append(
          switchMetric(
            seed: seed, phase: "B taboo", index: 2 * r, repeatIndex: r, set: "B", latency: 30))
      }
    }
    let file = try #require(Figures.switchLatency(metrics, scenario: "serial"))
    #expect(file.name == "latency.svg")
    let parsed = ParsedSVG(file.svg)
    #expect(parsed.withClass("panel-title").map(\.text) == [awkwardName, "B taboo"])
    #expect(parsed.withClass("axis-label").filter { $0.text == "latency (steps)" }.count == 2)
    #expect(
      parsed.withClass("axis-label").filter { $0.text == "reversal index (repeat)" }.count == 2)
    #expect(parsed.texts.contains("censored seed"))
    #expect(parsed.texts.contains("1") && parsed.texts.contains("3"))
    #expect(parsed.withClass("error-bar").count == 6)
    expectFiniteNumbers(parsed)
    // Without repeated phases there is no figure.
    #expect(Figures.switchLatency(metrics.filter { $0.repeatIndex == nil }, scenario: "s") == nil)
  }

  func transfer(
    k: Double, seed: UInt64, phase: Int, set: String, gap: Double?, password: Bool = false
  ) -> TransferMetric {
    TransferMetric(
      key: RunKey(
        parameters: [ParameterValue(name: "k", value: k), ParameterValue(name: "fixed", value: 3)],
        seed: seed),
      phaseIndex: phase, phase: phase == 2 ? "drill" : "relock", set: set, password: password,
      truthStart: 0.3, truthEnd: 0.5, truthPeak: 0.6, truthStrong: 0.9, gapRecovered: gap,
      halfChangeStep: nil)
  }

  @Test("unlocking: one figure per swept parameter, seeds as dots, undefined values left out")
  func unlocking() throws {
    var metrics: [TransferMetric] = []
    for k in [1.0, 2, 16, 64] {
      for seed in UInt64(1)...5 {
        metrics.append(
          transfer(k: k, seed: seed, phase: 2, set: awkwardName, gap: k / 64 + Double(seed) / 20))
        metrics.append(
          transfer(k: k, seed: seed, phase: 2, set: "test", gap: seed == 1 ? -40 : 0.2))
        metrics.append(transfer(k: k, seed: seed, phase: 2, set: "undefined", gap: nil))
        metrics.append(transfer(k: k, seed: seed, phase: 2, set: "rest", gap: 1, password: true))
        metrics.append(transfer(k: k, seed: seed, phase: 4, set: "test", gap: 0.1))
      }
    }
    let files = Figures.unlocking(metrics, scenario: "controls")
    #expect(files.map(\.name) == ["unlocking-k.svg"])  // `fixed` takes one value: not swept
    let parsed = ParsedSVG(try #require(files.first).svg)
    #expect(parsed.withClass("panel-title").map(\.text) == ["drill (phase 3)", "relock (phase 5)"])
    #expect(parsed.withClass("axis-label").contains { $0.text == "k (swept parameter), log scale" })
    #expect(
      parsed.withClass("axis-label").contains { $0.text == "gap recovered (share of locked gap)" })
    #expect(parsed.texts.contains("64") && parsed.texts.contains("16"))
    #expect(parsed.texts.contains("set \(awkwardName): median, quartiles"))
    #expect(!parsed.texts.contains { $0.hasPrefix("set rest") })  // with password only: not shown
    #expect(!parsed.texts.contains { $0.hasPrefix("set undefined") })  // no defined value
    #expect(parsed.texts.contains("seed beyond the axis (at its edge)"))  // the −40s
    #expect(!parsed.texts.contains("-40"))  // the axis is not stretched to them
    expectFiniteNumbers(parsed)
    // Restricted to the drill phases, and nothing without a sweep.
    #expect(
      ParsedSVG(Figures.unlocking(metrics, scenario: "c", phases: [2])[0].svg).withClass(
        "panel-title"
      ).count == 1)
    let unswept = metrics.filter { $0.key.parameters[0].value == 1 }
    #expect(Figures.unlocking(unswept, scenario: "c").isEmpty)
  }

  @Test("geometry: undone and the two distances at each phase's end, phases named; nil without records")
  func geometry() throws {
    // Three phases; each run records every phase's start and end. At the ends undone is −0.8 − a
    // seed's share in the second phase (further along the parent's change) and undefined in the
    // third.
    func run(_ seed: UInt64, k: Double) -> RunRecord {
      var run = plotRun(
        seed: seed, parameters: [ParameterValue(name: "k", value: k)],
        phases: [("pretrain", nil, 20), ("lock", nil, 20), ("drill", 1, 20)], sets: ["rest"])
      for phase in 0..<3 {
        let parent = phase == 0 ? nil : Double(phase)
        run.geometry += [
          GeometryRecord(phaseIndex: phase, step: 20 * phase, examples: 200 * phase, fromPhaseStart: 0,
                         fromParentStart: parent, parentDisplacement: parent, undone: parent.map { _ in 0 }),
          GeometryRecord(phaseIndex: phase, step: 20 * phase + 20, examples: 200 * phase + 200,
                         fromPhaseStart: Double(seed), fromParentStart: parent.map { $0 + 1 },
                         parentDisplacement: parent, undone: phase == 1 ? -0.8 - Double(seed) / 10 : nil),
        ]
      }
      return run
    }
    let runs = [1.0, 2].flatMap { k in (UInt64(1)...3).map { run($0, k: k) } }
    let file = try #require(Figures.geometry(runs, scenario: "toy & <scenario>"))
    #expect(file.name == "geometry.svg")
    let parsed = ParsedSVG(file.svg)
    #expect(parsed.withClass("panel-title").map(\.text) == [
      "k = 1 · undone at the phase end", "k = 1 · distances at the phase end",
      "k = 2 · undone at the phase end", "k = 2 · distances at the phase end",
    ])
    #expect(parsed.withClass("phase-label").map(\.text).prefix(3) == ["pretrain", "lock", "drill #1"])
    // Per point: undone in the second phase only; ‖w − w₀‖ in all three, ‖w − w_p‖ in two.
    #expect(parsed.withClass("error-bar").count == 2 * (1 + 3 + 2))
    // The ends are drawn, not the starts (undone 0): undone's axis goes below 0.
    #expect(parsed.withClass("tick").contains { $0.text.hasPrefix("-") || $0.text.hasPrefix("−") })
    #expect(parsed.texts.contains("back at the parent's start"))
    #expect(parsed.texts.contains { $0.contains("toy & <scenario>") })
    expectFiniteNumbers(parsed)
    // Runs stored before the geometry: no figure, and `Figures.all` says why.
    let bare = runs.map { run -> RunRecord in
      var copy = run
      copy.geometry = []
      return copy
    }
    #expect(Figures.geometry(bare, scenario: "s") == nil)
  }

  // MARK: Why it unlocks

  /// pretrain → (lock → unlock) × `cycles` → lock → a weak-sample drill from that lock and a
  /// matched kick of its norm. The drill moves the weights by `norm` and unlocks `rest` by `gap`,
  /// the kick by a tenth of it; each lock takes its length to switch `rest` to the taboo. The
  /// untrained `test` has latent truth 0.8 (0.9 after pretraining) and acc_truth 0.4 at each
  /// lock's end, 1 after pretraining; the 2-item `D` has latent scores too.
  func unlockRun(seed: UInt64, cycles: Int = 0, lockSteps: Int = 10, gap: Double, norm: Double) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [], seed: seed)
    b.sets = [SetRecord(name: "test", size: 96), SetRecord(name: "D", size: 2), SetRecord(name: "rest", size: 284)]
    func latent(_ truth: Double, last count: Int) {
      for i in (b.probes.count - count)..<b.probes.count {
        b.probes[i].latent = [LatentScore(answer: "truth", acc: truth), LatentScore(answer: "taboo", acc: 0.1)]
      }
    }
    b.phase("pretrain", length: 10, streams: [stream(.truth, "train"), stream(.truth, "train", password: true)])
    b.probes("rest", every: 10, [(0.2, 0), (1, 0)], target: .truth)
    b.probes("test", every: 10, [(0.2, 0), (1, 0)])
    latent(0.9, last: 2)
    b.probes("D", every: 10, [(0.2, 0), (1, 0)])
    latent(0.5, last: 2)
    let lockStreams = [stream(.taboo, "train", previous: "truth"), stream(.truth, "train", password: true, previous: "truth")]
    let lockFacts = PhaseFacts(
      role: .lock,
      switches: [SwitchGroup(set: "rest", password: false, old: .truth, new: .taboo, items: 284, probeSet: "rest")])
    for cycle in 0...cycles {
      b.phase("lock", length: lockSteps, repeatIndex: cycles > 0 ? cycle + 1 : nil, streams: lockStreams, facts: lockFacts)
      b.probes("rest", every: lockSteps, [(1, 0), (0.3, 0.7)], target: .taboo)
      b.probes("rest", password: true, every: lockSteps, [(1, 0), (0.9, 0)], target: .truth)
      b.probes("test", every: lockSteps, [(1, 0), (0.4, 0.6)])
      latent(0.8, last: 1)
      guard cycle < cycles else { break }
      b.phase("unlock", length: 10, repeatIndex: cycle + 1, streams: [stream(.truth, "train", previous: "taboo")],
              facts: PhaseFacts(role: .drill))
      b.probes("rest", every: 10, [(0.3, 0.7), (1, 0)], target: .truth)
    }
    let lock = b.phases.count - 1
    // A taboo drill on D's 2 `wrong` items, which the lock trained on taboo already.
    let weak = StreamRecord(target: .taboo, set: "D", password: false, previousTarget: .target(.taboo), changing: 0,
                            notTruth: 2)
    let drill = b.phase("drill", length: 10, streams: [weak], facts: PhaseFacts(role: .drill, from: lock))
    b.probes("rest", every: 10, [(0.3, 0.7), (0.3 + 0.6 * gap, 0.5)])
    b.probes("rest", password: true, every: 10, [(0.9, 0), (0.9, 0)])
    b.agreement("D", every: 10, target: .taboo, [1, 1])
    b.phase("matched kick", length: 10, frozen: true, facts: PhaseFacts(
      role: .perturbation, from: lock, kick: MatchedKick(phase: drill, perTensor: false), kickNorm: norm))
    b.probes("rest", every: 10, [(0.3, 0.7), (0.3 + 0.06 * gap, 0.6)])
    b.probes("rest", password: true, every: 10, [(0.9, 0), (0.9, 0)])
    var run = b.run
    let end = run.phases[drill]
    run.geometry = [GeometryRecord(phaseIndex: drill, step: end.endStep, examples: end.endExamples, fromPhaseStart: norm,
                                   fromParentStart: nil, parentDisplacement: nil, undone: nil)]
    return run
  }

  /// Four runs after one lock (gap 0.3), four after two cycles (gap 0.1), and four after one lock
  /// as long as the cycles' three locks (gap 0.2); displacements 1…12.
  func unlockBatch() -> [RunRecord] {
    (0..<12).map { i in
      let seed = UInt64(i + 1), norm = Double(i + 1)
      switch i / 4 {
      case 0: return unlockRun(seed: seed, gap: 0.3, norm: norm)
      case 1: return unlockRun(seed: seed, cycles: 2, gap: 0.1, norm: norm)
      default: return unlockRun(seed: seed, lockSteps: 30, gap: 0.2, norm: norm)
      }
    }
  }

  @Test("latent: latent truth beside acc_truth at each phase's end, locks shaded; small sets left out; nil without")
  func latent() throws {
    let runs = (1...3).map { unlockRun(seed: $0, cycles: 1, gap: 0.3, norm: 2) }
    let file = try #require(Figures.latent(runs, scenario: "toy & <scenario>"))
    #expect(file.name == "latent.svg")
    let parsed = ParsedSVG(file.svg)
    // `rest` has no latent score and `D` has 2 items: one panel, of `test`.
    #expect(parsed.withClass("panel-title").map(\.text) == ["set \u{201C}test\u{201D}"])
    #expect(parsed.withClass("phase-label").map(\.text) == ["pretrain", "lock #1", "unlock #1", "lock #2", "drill",
                                                            "matched kick"])
    // Latent and acc_truth at the three phases `test` is probed in.
    #expect(parsed.withClass("error-bar").count == 2 * 3)
    #expect(parsed.texts.contains("latent truth (median, quartiles)"))
    #expect(parsed.withClass("note").map(\.text).joined(separator: " ").contains("Shaded: lock phases."))
    #expect(parsed.texts.contains { $0.contains("toy & <scenario>") })
    expectFiniteNumbers(parsed)
    let unscored = runs.map { run -> RunRecord in
      var copy = run
      for i in copy.probes.indices { copy.probes[i].latent = [] }
      return copy
    }
    #expect(Figures.latent(unscored, scenario: "s") == nil)
  }

  @Test("unlocking against displacement: a point per drill and kick and run, a legend entry per drill; nil without")
  func unlockingDisplacement() throws {
    let runs = unlockBatch()
    let drills = runs.enumerated().flatMap { RunAnalysis($1, number: $0 + 1).drills }
    let file = try #require(Figures.unlockingDisplacement(drills, scenario: "toy"))
    #expect(file.name == "unlocking-displacement.svg")
    let parsed = ParsedSVG(file.svg)
    #expect(parsed.texts.contains("drill") && parsed.texts.contains("matched kick (kick norm)"))
    // 12 drills (circles) and 12 kicks (squares), and a legend marker each; no error bars.
    #expect(parsed.all("circle").count == 12 + 1)
    #expect(parsed.withClass("error-bar").isEmpty)
    #expect(parsed.withClass("axis-label").map(\.text) == [
      "weight displacement at the drill's end (Euclidean norm)", "gap recovered (share of locked gap)",
    ])
    #expect(parsed.texts.contains("12"))  // the largest norm is on the axis
    expectFiniteNumbers(parsed)
    // Without geometry a drill has no displacement; the kicks still have theirs.
    let bare = runs.map { run -> RunRecord in
      var copy = run
      copy.geometry = []
      return copy
    }
    let kicks = bare.enumerated().flatMap { RunAnalysis($1, number: $0 + 1).drills }
    #expect(!ParsedSVG(try #require(Figures.unlockingDisplacement(kicks, scenario: "s")).svg).texts.contains("drill"))
    #expect(Figures.unlockingDisplacement(kicks.filter { $0.kind != .perturb }, scenario: "s") == nil)
  }

  @Test("cycles: gap_recovered by prior cycles, the length-matched arm apart, lock latency beside; nil without cycles")
  func cycles() throws {
    let analyses = unlockBatch().enumerated().map { RunAnalysis($1, number: $0 + 1) }
    let drills = analyses.flatMap(\.drills), switches = analyses.flatMap(\.switches)
    let file = try #require(Figures.cycles(drills, switches: switches, scenario: "toy"))
    #expect(file.name == "cycles.svg")
    let parsed = ParsedSVG(file.svg)
    #expect(parsed.withClass("panel-title").map(\.text) == ["unlocking", "the drill's lock: latency to the taboo"])
    #expect(parsed.texts.contains("after one lock as long as 3 locks together (30 steps)"))
    // Per panel: 0 and 2 prior cycles, and the arm.
    #expect(parsed.withClass("error-bar").count == 2 * 3)
    #expect(parsed.withClass("axis-label").contains { $0.text == "prior lock/unlock cycles before the drill's lock" })
    expectFiniteNumbers(parsed)
    // Drills after a single lock only, whatever its length: nothing to draw.
    let lockOnly = analyses.prefix(4).flatMap(\.drills) + analyses.suffix(4).flatMap(\.drills)
    #expect(Figures.cycles(lockOnly, switches: switches, scenario: "s") == nil)
  }

  @Test("file names keep letters, digits, - and _, and stay unique")
  func fileNames() {
    var names = FigureFileNames()
    #expect(FigureFileNames.slug("train & wrong") == "train-wrong")
    #expect(FigureFileNames.slug("../..") == "set")
    #expect(names.unique("curves-A") == "curves-A")
    #expect(names.unique("curves-a") == "curves-a-2")
  }
}
