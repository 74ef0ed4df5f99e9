// The truth in the hidden state against the truth answered (docs/design.md §6.9, E1 of §8.2): at
// each phase's end, the latent truth score and acc_truth of a probed set without password,
// median and quartiles over runs, against the phase's position in the run; lock phases shaded.

import Foundation
import Analysis
import Records
import Specification

extension Figures {
  /// Sets of fewer items are left out: half their items are scored, so their latent accuracy is
  /// a share of one or two items.
  static let fewestLatentItems = 10
  /// Panels with more phases than this name only each phase name's first start (a phase's slot
  /// is then narrower than its upright label).
  static let mostNamedPhases = 48

  /// A panel per sweep point and probed set with latent truth scores (switch groups' parts and
  /// sets under `fewestLatentItems` left out), from each run's last probe of the set without
  /// password in every phase: latent truth beside acc_truth. Nil when no probe has a latent
  /// truth score.
  public static func latent(_ runs: [RunRecord], scenario: String) -> FigureFile? {
    let runs = runs.sorted { RunKey.sweepOrder($0.key, $1.key) }
    var sets: [String] = []
    for run in runs {
      for probe in run.probes where !probe.password && !sets.contains(probe.set) && !SwitchGroup.isPart(probe.set)
        && Drills.latentTruth(probe) != nil && (run.sets.last { $0.name == probe.set }?.size ?? Int.max) >= fewestLatentItems
      {
        sets.append(probe.set)
      }
    }
    guard !sets.isEmpty else { return nil }
    let varying = varyingParameters(runs.map(\.key))
    let points = groupedByPoint(runs) { $0.key }
    let latentColor = Chart.color(2), behaviourColor = withoutPassword
    let lockFill = "#fbe6d9"
    var panels: [Chart] = []
    var seedCounts: [Int] = []
    var crowded = false
    var anyLock = false
    for (_, pointRuns) in points {
      seedCounts.append(Set(pointRuns.map(\.key.seed)).count)
      let phases = pointRuns.max { $0.phases.count < $1.phases.count }?.phases ?? []
      let count = max(1, phases.count)
      let crowdedPanel = phases.count > Self.mostNamedPhases
      crowded = crowded || crowdedPanel
      for set in sets {
        // Each run's last probe of the set without password, by phase, where it has a latent truth.
        let ends = pointRuns.map { run in
          Dictionary(
            run.probes.filter { $0.set == set && !$0.password && Drills.latentTruth($0) != nil }.map { ($0.phaseIndex, $0) },
            uniquingKeysWith: { _, last in last })
        }
        guard ends.contains(where: { !$0.isEmpty }) else { continue }
        var chart = Chart(
          title: (points.count > 1 ? displayPoint(pointRuns[0].key, varying) + " · " : "") + "set \u{201C}\(set)\u{201D}",
          x: Chart.Axis(
            "phase (position in the run)", domain: 0.5...(Double(count) + 0.5),
            ticks: count <= 12
              ? (1...count).map(Double.init) : ChartTicks.nice(1, Double(count), count: 6).filter { $0 >= 1 }),
          y: Chart.Axis("truth accuracy (share of items)", domain: 0...1, ticks: [0, 0.25, 0.5, 0.75, 1]))
        // Phase i (from 0) spans i + 0.5 … i + 1.5, its start marked and named as in the learning
        // curves; in long runs only each name's first start.
        var marked = Set<String>()
        for phase in phases {
          let start = Double(phase.index) + 0.5
          if phase.facts.role == .lock {
            chart.spans.append(Chart.Span(from: start, to: start + 1, fill: lockFill))
            anyLock = true
          }
          if crowdedPanel {
            if marked.insert(phase.name).inserted { chart.markers.append(Chart.Marker(x: start, label: phase.name)) }
            continue
          }
          let label = phase.repeatIndex.map { "\(phase.name) #\($0)" } ?? phase.name
          chart.markers.append(Chart.Marker(x: start, label: label))
        }
        func draw(_ value: (ProbeRecord) -> Double, color: String, shift: Double, shape: Chart.Shape, dash: String?) {
          var medians: [Chart.Point] = []
          for index in 0..<count {
            guard let stats = PlotQuartiles(ends.compactMap { $0[index].map(value) }) else {
              medians.append(Chart.Point(.nan, .nan))
              continue
            }
            let x = Double(index + 1) + shift
            medians.append(Chart.Point(x, stats.median))
            chart.errorBars.append(Chart.ErrorBar(x: x, low: stats.q25, high: stats.q75, color: color))
          }
          chart.lines.append(Chart.Line(medians, color: color, width: 1.4, dash: dash))
          chart.points.append(Chart.Points(medians, color: color, shape: shape, radius: 3.4))
        }
        draw({ Drills.latentTruth($0)! }, color: latentColor, shift: -0.12, shape: .circle, dash: nil)
        draw(\.accTruth, color: behaviourColor, shift: 0.12, shape: .square, dash: tabooDash)
        panels.append(chart)
      }
    }
    guard !panels.isEmpty else { return nil }
    for index in panels.indices.dropLast() { panels[index].showsXLabel = false }
    let width = 900.0
    let strip = panels.map { $0.markerLabelHeight(width: width) }.max() ?? 0
    let legend = [
      Chart.LegendEntry("latent truth (median, quartiles)", color: latentColor, style: .pointWithBar),
      Chart.LegendEntry("acc_truth (dashed, squares)", color: behaviourColor, style: .pointWithBar),
    ]
    var notes = [
      "At each phase's last probe of the set without password: latent truth, the share of the set's scored "
        + "items whose truth a linear readout of the hidden state at the answer position gets right (the "
        + "readout fitted on the other half of the items, docs/design.md §6.9); acc_truth, the share the "
        + "network answers with the truth.",
      "Latent above acc_truth: the truth is still in the hidden state but not answered, as a lock should leave "
        + "it. Phases in run order (a branch follows the phases before it in the scenario, not its parent)."
        + (anyLock ? " Shaded: lock phases." : ""),
      "Sets of fewer than \(fewestLatentItems) items are left out (their scored half holds a few items).",
    ]
    if crowded {
      notes.append("With more than \(Self.mostNamedPhases) phases only the first phase of each name is marked.")
    }
    notes += fixedParametersNote(runs.map(\.key), varying: varying)
    let grid = ChartGrid(
      title: "Latent against behavioural truth at phase ends",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · median and quartiles over runs, no password",
      panels: panels, columns: 1, panelWidth: width, panelHeight: 250 + strip, legend: legend, notes: notes)
    return FigureFile(
      name: "latent.svg", svg: grid.document(),
      summary: "latent truth against acc_truth at each phase's end")
  }
}
