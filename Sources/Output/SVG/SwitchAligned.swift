// Choice accuracy around the switches between frozen stream phases (in context).

import Foundation
import Analysis
import Records
import Specification

extension Figures {
  /// Choice accuracy (share of lanes answering the current target) from `before` trials before to
  /// `after` trials after every switch between frozen stream phases: median and quartile band
  /// over runs and switches, a panel per sweep point, with the published trial-2 accuracies
  /// (`references` on a trial-2 measure) at trial offset 1 where a panel has it. Nil without trials.
  public static func switchAligned(
    _ aligned: [AlignedSwitch], scenario: String, before: Int = 10, after: Int = 20,
    references: [AnimalReference] = AnimalReferences.all
  ) -> FigureFile? {
    guard !aligned.isEmpty else { return nil }
    let sorted = aligned.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let varying = varyingParameters(sorted.map(\.key))
    let points = groupedByPoint(sorted) { $0.key }
    var panels: [Chart] = []
    var seedCounts: [Int] = []
    var switchCounts: [Int] = []
    let color = Chart.color(0)
    var drawn: [AnimalReference] = []
    let trial2 = references.filter {
      !$0.orderingOnly && ($0.measure == .trial2AccuracyFirstBlock || $0.measure == .trial2AccuracySecondBlock)
    }
    for (_, switches) in points {
      seedCounts.append(Set(switches.map(\.key.seed)).count)
      switchCounts.append(switches.count)
      var chart = Chart(
        title: points.count > 1 ? displayPoint(switches[0].key, varying) : nil,
        x: Chart.Axis("trials from the switch", domain: Double(-before)...Double(after),
                      ticks: stride(from: -before, through: after, by: 5).map(Double.init)),
        y: Chart.Axis("choice accuracy (share of lanes)", domain: 0...1, tickCount: 5))
      chart.markers.append(Chart.Marker(x: -0.5, label: "switch"))
      chart.references.append(Chart.Reference(y: 0.5, label: nil))
      var xs: [Double] = [], low: [Double] = [], high: [Double] = [], medians: [Chart.Point] = []
      for offset in -before...after {
        guard let stats = PlotQuartiles(switches.compactMap { $0.accuracy[offset] }) else { continue }
        xs.append(Double(offset))
        low.append(stats.q25)
        high.append(stats.q75)
        medians.append(Chart.Point(Double(offset), stats.median))
      }
      chart.bands.append(Chart.Band(x: xs, low: low, high: high, color: color))
      chart.lines.append(Chart.Line(medians, color: color, width: 2))
      chart.points.append(Chart.Points(medians, color: color, radius: 2.6))
      // Trial 2 is offset 1; the points sit either side of it so their labels stay apart.
      if after >= 1, medians.contains(where: { $0.x == 1 }) {
        for (slot, r) in trial2.enumerated() {
          let shift = (Double(slot) - Double(trial2.count - 1) / 2) * 0.5
          chart.referenceMarks.append(
            Chart.ReferenceMark(x: 1 + shift, y: r.value!, label: r.id, color: referenceColor,
                                labelSide: shift < 0 ? .end : .start))
          if !drawn.contains(r) { drawn.append(r) }
        }
      }
      panels.append(chart)
    }
    var legend = [
      Chart.LegendEntry("median over runs and switches, quartile band", color: color, style: .lineWithBand)
    ]
    if !drawn.isEmpty { legend.append(referenceLegend) }
    var notes = [
      "Trial 0 is the first trial after the switch; before it, the previous frozen phase's last trials.",
      "Accuracy: the share of lanes (independent streams) answering the trial's current target.",
      "One-trial reversals: a drop at trial 0, which nothing foretells, and full accuracy from trial 1.",
    ]
    let columns = min(2, panels.count)
    let width = Double(columns) * (columns == 1 ? 640 : 420) + 16
    if !drawn.isEmpty {
      notes += wrapNote(
        "Reference points at trial 2 (offset 1): the published accuracy on the second trial of a reversal, "
          + "early and late in a series; the curve pools every reversal (by block: reversal-index.svg).",
        width: width)
      notes += referenceNotes(drawn, width: width)
    }
    notes += fixedParametersNote(sorted.map(\.key), varying: varying)
    let grid = ChartGrid(
      title: "Choice accuracy around the switch (frozen weights, in context)",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · \(switchCounts.reduce(0, +)) switches",
      panels: panels, columns: columns, panelWidth: columns == 1 ? 640 : 420, panelHeight: 280,
      legend: legend, notes: notes)
    return FigureFile(
      name: "switch-aligned.svg", svg: grid.document(),
      summary: "choice accuracy around the switch, trial by trial")
  }
}
