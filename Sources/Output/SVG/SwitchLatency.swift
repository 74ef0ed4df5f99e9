// (b) Switch latency against reversal index for `repeat`ed phases: median and quartiles over
// seeds, every seed a dot, censored seeds open triangles.

import Foundation
import Analysis
import Records
import Specification

extension Figures {
  /// Latency against reversal index for the switches of `repeat`ed phases: a panel per phase
  /// name (and sweep point), a colour per reversed stream. Nil when no switch is repeated.
  /// With two or more reversals, an ordering-only reference on errors per reversal
  /// (`references`, A4) is drawn as an arrow: the direction of the animals' learning-set curve.
  public static func switchLatency(
    _ switches: [SwitchMetric], scenario: String, references: [AnimalReference] = AnimalReferences.all
  ) -> FigureFile? {
    let repeated = switches.filter { $0.repeatIndex != nil && $0.unit == .steps }
      .sorted { ($0.phaseIndex, $0.set) < ($1.phaseIndex, $1.set) }
    guard !repeated.isEmpty else { return nil }
    let sorted = repeated.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let varying = varyingParameters(sorted.map(\.key))
    let points = groupedByPoint(sorted) { $0.key }
    var phaseNames: [String] = []
    var series: [SeriesKey] = []
    for metric in repeated {
      if !phaseNames.contains(metric.phase) { phaseNames.append(metric.phase) }
      let key = SeriesKey(set: metric.set, password: metric.password)
      if !series.contains(key) { series.append(key) }
    }
    let showPassword = Set(series.map(\.password)).count > 1
    let maxRepeat = repeated.compactMap(\.repeatIndex).max() ?? 1
    let maxLatency = repeated.map { Double($0.latencySteps) }.max() ?? 1
    let yDomain = ChartTicks.niceDomain(0, max(1, maxLatency), count: 5)
    var panels: [Chart] = []
    var seedCounts: [Int] = []
    var anyCensored = false
    let directions = maxRepeat >= 2 ? references.filter { $0.orderingOnly && $0.measure == .errorsSlope } : []
    for (_, metrics) in points {
      seedCounts.append(Set(metrics.map(\.key.seed)).count)
      for phase in phaseNames {
        let title = points.count > 1 ? "\(phase) · \(displayPoint(metrics[0].key, varying))" : phase
        var chart = Chart(
          title: title,
          x: Chart.Axis(
            "reversal index (repeat)", domain: 0.5...(Double(maxRepeat) + 0.5),
            ticks: maxRepeat <= 12
              ? (1...maxRepeat).map(Double.init)
              : ChartTicks.nice(1, Double(maxRepeat), count: 6).filter { $0 >= 1 }),
          y: Chart.Axis("latency (steps)", domain: yDomain, tickCount: 5))
        let inPhase = metrics.filter { $0.phase == phase }
        let present = series.filter { key in inPhase.contains { key.matches($0) } }
        for (slot, key) in present.enumerated() {
          let color = Chart.color(series.firstIndex(of: key) ?? 0)
          let shift = (Double(slot) - Double(present.count - 1) / 2) * 0.2
          var medians: [Chart.Point] = []
          var seeds: [Chart.Point] = []
          var censored: [Chart.Point] = []
          for index in 1...maxRepeat {
            let values = inPhase.filter { key.matches($0) && $0.repeatIndex == index }
            guard let stats = PlotQuartiles(values.map { Double($0.latencySteps) }) else {
              medians.append(Chart.Point(.nan, .nan))
              continue
            }
            let x = Double(index) + shift
            medians.append(Chart.Point(x, stats.median))
            chart.errorBars.append(
              Chart.ErrorBar(x: x, low: stats.q25, high: stats.q75, color: color))
            for value in values {
              // Seeds just right of their median, spread a little so equal values stay visible.
              let jitter = Double(value.key.seed % 5) / 5 * 0.05
              let point = Chart.Point(x + 0.05 + jitter, Double(value.latencySteps))
              if value.censored {
                censored.append(point)
                anyCensored = true
              } else {
                seeds.append(point)
              }
            }
          }
          chart.lines.append(Chart.Line(medians, color: color, width: 2))
          chart.points.append(Chart.Points(medians, color: color, radius: 3.6))
          chart.points.append(Chart.Points(seeds, color: color, radius: 2.2, opacity: 0.5))
          chart.points.append(
            Chart.Points(censored, color: color, shape: .openTriangle, radius: 3.2))
        }
        for r in directions {
          chart.arrows.append(
            Chart.Arrow(from: (0.6, 0.92), to: (0.92, 0.68), label: "\(r.id): falls", color: referenceColor))
        }
        panels.append(chart)
      }
    }
    var legend = series.enumerated().map { index, key in
      Chart.LegendEntry(
        "set \(key.set)\(showPassword ? (key.password ? " with password" : " without password") : ""): median, quartiles",
        color: Chart.color(index), style: .pointWithBar)
    }
    legend.append(Chart.LegendEntry("one seed", color: "#555555", style: .point(.circle)))
    if anyCensored {
      legend.append(
        Chart.LegendEntry("censored seed", color: "#555555", style: .point(.openTriangle)))
    }
    var notes = [
      "Latency: optimizer steps from the phase start to the first of the criterion's consecutive "
        + "probes agreeing with the new target; one colour per reversed stream."
    ]
    if anyCensored {
      notes.append(
        "Censored: the criterion was never reached; drawn at the phase length, so a median or "
          + "quartile at that height is a lower bound.")
    }
    let columns = min(4, phaseNames.count)
    if !directions.isEmpty {
      legend.append(directionLegend(directions[0]))
      let width = Double(columns) * (columns == 1 ? 560 : 300) + 16
      notes += wrapNote(
        "Arrow: the direction of the animals' learning-set curve, errors per reversal falling across "
          + "reversals; a direction, not a value (latency and errors fall together when reversals get easier).",
        width: width)
      notes += referenceNotes(directions, width: width)
    }
    notes += fixedParametersNote(sorted.map(\.key), varying: varying)
    let grid = ChartGrid(
      title: "Switch latency across reversals",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · phases inside repeat",
      panels: panels, columns: columns, panelWidth: columns == 1 ? 560 : 300, panelHeight: 290,
      legend: legend, notes: notes)
    return FigureFile(
      name: "latency.svg", svg: grid.document(),
      summary: "switch latency against reversal index")
  }
}
