// In-context reversals by reversal index (frozen stream phases, counted in trials): the share of
// lanes with a one-trial reversal, the accuracy on the second trial after the switch, and the
// errors per lane; median and quartile band over runs, with the animal reference points of the
// same measures.

import Foundation
import Analysis
import Records
import Specification

extension Figures {
  /// Three panels per sweep point (one-trial share, trial-2 accuracy, errors per lane) against
  /// the reversal index of the runs' in-context reversals; nil without any.
  public static func reversalIndex(
    _ series: [ReversalSeries], scenario: String, references: [AnimalReference] = AnimalReferences.all
  ) -> FigureFile? {
    let inTrials = series.filter { $0.unit == .trials && !$0.points.isEmpty }
      .sorted { RunKey.sweepOrder($0.key, $1.key) }
    guard !inTrials.isEmpty else { return nil }
    let varying = varyingParameters(inTrials.map(\.key))
    let points = groupedByPoint(inTrials) { $0.key }
    let color = Chart.color(0)
    let maxReversal = inTrials.map(\.points.count).max() ?? 1
    let xAxis = Chart.Axis(
      "reversal index (in-context reversals, in order)", domain: 0.5...(Double(maxReversal) + 0.5),
      ticks: maxReversal <= 12
        ? (1...maxReversal).map(Double.init)
        : ChartTicks.nice(1, Double(maxReversal), count: 6).filter { $0 >= 1 })
    let maxErrors = inTrials.flatMap(\.points).compactMap(\.errors).max() ?? 1
    // Room above 1 for the labels of points at 1.
    func shareAxis(_ label: String) -> Chart.Axis {
      Chart.Axis(label, domain: 0...1.1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1])
    }
    var panels: [Chart] = []
    var drawn: [AnimalReference] = []
    var seedCounts: [Int] = []
    func note(_ reference: AnimalReference) { if !drawn.contains(reference) { drawn.append(reference) } }
    for (_, runs) in points {
      seedCounts.append(Set(runs.map(\.key.seed)).count)
      let prefix = points.count > 1 ? displayPoint(runs[0].key, varying) + " · " : ""
      let count = runs.map(\.points.count).max() ?? 1
      func panel(_ title: String, _ y: Chart.Axis, _ value: (ReversalPoint) -> Double?) -> Chart {
        var chart = Chart(title: prefix + title, x: xAxis, y: y)
        var xs: [Double] = [], low: [Double] = [], high: [Double] = [], medians: [Chart.Point] = []
        for index in 1...count {
          let values = runs.compactMap { run in run.points.first { $0.reversal == index }.flatMap(value) }
          guard let stats = PlotQuartiles(values) else { continue }
          xs.append(Double(index))
          low.append(stats.q25)
          high.append(stats.q75)
          medians.append(Chart.Point(Double(index), stats.median))
        }
        chart.bands.append(Chart.Band(x: xs, low: low, high: high, color: color))
        chart.lines.append(Chart.Line(medians, color: color, width: 2))
        chart.points.append(Chart.Points(medians, color: color, radius: 2.8))
        return chart
      }
      var oneTrial = panel("one-trial reversals", shareAxis("share of lanes")) {
        $0.oneTrialShare
      }
      if runs.contains(where: { $0.oneTrialShareLast != nil }) {
        // At the last reversal, side by side so that their labels stay apart.
        let last = references.filter { $0.measure == .oneTrialShareLast && $0.value != nil }
        for (slot, r) in last.enumerated() {
          let shift = (Double(slot) - Double(last.count - 1) / 2) * max(0.3, Double(maxReversal) * 0.04)
          oneTrial.referenceMarks.append(
            Chart.ReferenceMark(x: Double(count) + shift, y: r.value!, label: r.id, low: r.low, high: r.high,
                                color: referenceColor, labelSide: shift < 0 ? .end : .start))
          note(r)
        }
      }
      var second = panel(
        "trial-2 accuracy", shareAxis("share of lanes correct")
      ) { $0.trial2Accuracy }
      second.references.append(Chart.Reference(y: 0.5, label: nil))
      if count >= 2 {
        let half = count / 2
        for r in references {
          guard let value = r.value else { continue }
          let span: ClosedRange<Double>
          switch r.measure {
          case .trial2AccuracyFirstBlock where half >= 1: span = 1...Double(half)
          case .trial2AccuracySecondBlock: span = Double(half + 1)...Double(count)
          default: continue
          }
          guard runs.contains(where: { AnimalComparison.value(r.measure, $0) != nil }) else { continue }
          second.referenceMarks.append(
            Chart.ReferenceMark(x: (span.lowerBound + span.upperBound) / 2, y: value, label: r.id, span: span,
                                color: referenceColor))
          note(r)
        }
      }
      var errors = panel(
        "errors per reversal",
        Chart.Axis("wrong answers per lane", domain: ChartTicks.niceDomain(0, max(1, maxErrors), count: 5),
                   tickCount: 5)
      ) { $0.errors }
      if runs.contains(where: { $0.errorsSlope != nil }) {
        for r in references where r.measure == .errorsSlope && r.orderingOnly {
          errors.arrows.append(
            Chart.Arrow(from: (0.55, 0.9), to: (0.9, 0.62), label: "\(r.id): falls", color: referenceColor))
          note(r)
        }
      }
      panels += [oneTrial, second, errors]
    }
    let width = 3 * 330.0 + 16
    var legend = [
      Chart.LegendEntry("median over runs, quartile band", color: color, style: .lineWithBand)
    ]
    if drawn.contains(where: { !$0.orderingOnly }) { legend.append(referenceLegend) }
    if let direction = drawn.first(where: \.orderingOnly) { legend.append(directionLegend(direction)) }
    var notes = wrapNote(
      "Reversal index: the run's frozen stream phases with a reversed stream, in order. A one-trial reversal: "
        + "a lane reaching the criterion with at most one error. Trial 2: the first trial after the first "
        + "feedback, over all lanes, whatever item each shows. Errors: wrong answers before the lane's criterion.",
      width: width)
    notes += wrapNote(
      "Reference points: one-trial shares at the last reversal with their 95% interval; trial-2 accuracy pooled "
        + "over the first half of the reversals and the rest (dotted span). Values compare, counts of errors do not.",
      width: width)
    notes += referenceNotes(drawn, width: width)
    notes += fixedParametersNote(inTrials.map(\.key), varying: varying)
    let grid = ChartGrid(
      title: "In-context reversals by reversal index (frozen weights)",
      subtitle: "\(scenario) · \(seedsText(seedCounts))",
      panels: panels, columns: 3, panelWidth: 330, panelHeight: 270, legend: legend, notes: notes)
    return FigureFile(
      name: "reversal-index.svg", svg: grid.document(),
      summary: "one-trial reversals, trial-2 accuracy and errors by reversal index, with animal reference points")
  }
}
