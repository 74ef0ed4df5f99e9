// The weights' geometry at each phase's end (docs/design.md §6.10): per sweep point, the share of
// the parent phase's displacement the phase undid, and its distances from its own start and from
// its parent's start, against the phase's position in the run; median and quartiles over runs.

import Foundation
import Records
import Specification

extension Figures {
  /// Two panels per sweep point, from each run's last geometry record of every phase: `undone`,
  /// and ‖w − w₀‖ beside ‖w − w_p‖, against the phase's position in the run (phases tinted
  /// alternately and named as in the learning curves). Nil when no run has geometry (runs
  /// stored before schema version 4).
  public static func geometry(_ runs: [RunRecord], scenario: String) -> FigureFile? {
    let runs = runs.filter { !$0.geometry.isEmpty }.sorted { RunKey.sweepOrder($0.key, $1.key) }
    guard !runs.isEmpty else { return nil }
    let varying = varyingParameters(runs.map(\.key))
    let points = groupedByPoint(runs) { $0.key }
    let undoneColor = Chart.color(2), ownColor = Chart.color(0), parentColor = Chart.color(1)
    let parentDash = "7 4"
    var panels: [Chart] = []
    var seedCounts: [Int] = []
    var crowded = false
    for (_, pointRuns) in points {
      seedCounts.append(Set(pointRuns.map(\.key.seed)).count)
      // Each run's last record of every phase: where the phase left the weights.
      let ends = pointRuns.map { run in
        Dictionary(run.geometry.map { ($0.phaseIndex, $0) }, uniquingKeysWith: { _, last in last })
      }
      let phases = pointRuns.max { $0.phases.count < $1.phases.count }?.phases ?? []
      let count = max(phases.count, (ends.flatMap(\.keys).max() ?? 0) + 1)
      let xAxis = Chart.Axis(
        "phase (position in the run)", domain: 0.5...(Double(count) + 0.5),
        ticks: count <= 12
          ? (1...count).map(Double.init) : ChartTicks.nice(1, Double(count), count: 6).filter { $0 >= 1 })
      func stats(_ value: (GeometryRecord) -> Double?) -> [(x: Double, stats: PlotQuartiles)] {
        (0..<count).compactMap { index in
          PlotQuartiles(ends.compactMap { $0[index].flatMap(value) }).map { (Double(index + 1), $0) }
        }
      }
      let undone = stats(\.undone)
      let own = stats { $0.fromPhaseStart }
      let parent = stats(\.fromParentStart)
      // Phase slots: phase i (from 0) spans i + 0.5 … i + 1.5, its start marked and named; in
      // long runs only each name's first start.
      let crowdedPanel = phases.count > Self.mostMarkedPhases
      crowded = crowded || crowdedPanel
      func chart(_ title: String, _ y: Chart.Axis) -> Chart {
        var chart = Chart(
          title: (points.count > 1 ? displayPoint(pointRuns[0].key, varying) + " · " : "") + title, x: xAxis, y: y)
        var marked = Set<String>()
        for phase in phases {
          let start = Double(phase.index) + 0.5
          if crowdedPanel {
            if marked.insert(phase.name).inserted { chart.markers.append(Chart.Marker(x: start, label: phase.name)) }
            continue
          }
          if phase.index % 2 == 1 { chart.spans.append(Chart.Span(from: start, to: start + 1)) }
          chart.markers.append(Chart.Marker(x: start, label: PhaseSpec.displayName(phase.name, phase.repeatIndex)))
        }
        return chart
      }
      func draw(
        _ series: [(x: Double, stats: PlotQuartiles)], on chart: inout Chart, color: String, shift: Double = 0,
        dash: String? = nil, shape: Chart.Shape = .circle
      ) {
        let medians = series.map { Chart.Point($0.x + shift, $0.stats.median) }
        for point in series {
          chart.errorBars.append(
            Chart.ErrorBar(x: point.x + shift, low: point.stats.q25, high: point.stats.q75, color: color))
        }
        chart.lines.append(Chart.Line(medians, color: color, width: 1.4, dash: dash))
        chart.points.append(Chart.Points(medians, color: color, shape: shape, radius: 3.4))
      }

      // Room above 1 for the reference's label.
      let undoneDomain = ChartTicks.niceDomain(
        min(0, undone.map(\.stats.q25).min() ?? 0), max(1.1, undone.map(\.stats.q75).max() ?? 1), count: 5)
      var left = chart(
        "undone at the phase end", Chart.Axis("share of the parent's displacement", domain: undoneDomain, tickCount: 5))
      left.references = [
        Chart.Reference(y: 0, label: "nothing undone"), Chart.Reference(y: 1, label: "back at the parent's start"),
      ]
      draw(undone, on: &left, color: undoneColor)
      let highest = (own + parent).map(\.stats.q75).max() ?? 1
      var right = chart(
        "distances at the phase end",
        Chart.Axis(
          "Euclidean distance in weight space", domain: ChartTicks.niceDomain(0, max(highest, 1e-9), count: 5),
          tickCount: 5))
      draw(own, on: &right, color: ownColor, shift: -0.12)
      draw(parent, on: &right, color: parentColor, shift: 0.12, dash: parentDash, shape: .square)
      panels += [left, right]
    }
    let panelWidth = 450.0
    let strip = panels.map { $0.markerLabelHeight(width: panelWidth) }.max() ?? 0
    let legend = [
      Chart.LegendEntry("undone (median, quartiles)", color: undoneColor, style: .pointWithBar),
      Chart.LegendEntry("‖w − w₀‖: from the phase's start", color: ownColor, style: .pointWithBar),
      Chart.LegendEntry(
        "‖w − w_p‖: from the parent's start (dashed, squares)", color: parentColor, style: .pointWithBar),
    ]
    var notes = [
      "At each phase's last probe: w the weights, w₀ the weights at the phase's start, w_p those at its parent's "
        + "start (the parent: the phase it branches from, else the phase before it; the first phase has none).",
      "undone = −⟨w − w₀, w₀ − w_p⟩ / ‖w₀ − w_p‖²: 1 when the phase went back to where its parent started, 0 "
        + "when it moved only across the parent's change. A kick at a phase's start counts in its move.",
      "Dashed vertical lines: phase starts" + (crowded ? "." : "; shaded: every other phase."),
    ]
    if crowded {
      notes.append("With more than \(Self.mostMarkedPhases) phases only the first phase of each name is marked.")
    }
    notes += fixedParametersNote(runs.map(\.key), varying: varying)
    let grid = ChartGrid(
      title: "Weight-space geometry at phase ends",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · median and quartiles over runs",
      panels: panels, columns: 2, panelWidth: panelWidth, panelHeight: 280 + strip, legend: legend, notes: notes)
    return FigureFile(
      name: "geometry.svg", svg: grid.document(),
      summary: "share of the parent's displacement undone and distances in weight space at each phase's end")
  }
}
