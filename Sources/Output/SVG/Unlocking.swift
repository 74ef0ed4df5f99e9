// (c) gap_recovered against each swept parameter: median and quartiles, seeds as dots.

import Foundation
import Analysis
import Records
import Specification

extension Figures {
  /// `gap_recovered` (sets without password) against each swept parameter: one figure per
  /// parameter, a panel per phase that has a defined value (only `phases`, by index, when
  /// given: the drills), a colour per set. Empty when the batch sweeps nothing or no
  /// `gap_recovered` is defined.
  public static func unlocking(
    _ transfers: [TransferMetric], scenario: String, phases only: Set<Int>? = nil
  ) -> [FigureFile] {
    let defined = transfers.filter {
      !$0.password && $0.gapRecovered?.isFinite == true && only?.contains($0.phaseIndex) ?? true
    }
    let parameters = varyingParameters(transfers.map(\.key))
    guard !defined.isEmpty, !parameters.isEmpty else { return [] }
    var phases: [(index: Int, name: String)] = []
    var sets: [String] = []
    for metric in defined.sorted(by: { $0.phaseIndex < $1.phaseIndex }) {
      if !phases.contains(where: { $0.index == metric.phaseIndex }) {
        phases.append((metric.phaseIndex, metric.phase))
      }
      if !sets.contains(metric.set) { sets.append(metric.set) }
    }
    let seedCounts = groupedByPoint(defined) { $0.key }.map { Set($0.values.map(\.key.seed)).count }
    var names = FigureFileNames()
    var files: [FigureFile] = []
    var anyOutside = false
    for parameter in parameters {
      let value = { (metric: TransferMetric) in
        metric.key.parameters.first { $0.name == parameter }?.value
      }
      let values = Set(defined.compactMap(value)).sorted()
      guard !values.isEmpty else { continue }
      let others = parameters.filter { $0 != parameter }
      let axis = parameterAxis(parameter, values: values)
      var panels: [Chart] = []
      for phase in phases {
        let inPhase = defined.filter { $0.phaseIndex == phase.index }
        let present = sets.filter { set in inPhase.contains { $0.set == set } }
        // Statistics first: the panel's y range holds 0, 1, every quartile, and the seeds
        // within a margin of those; seeds farther out are drawn at the edge, open.
        var groups: [(set: String, x: Double, values: [Double], stats: PlotQuartiles)] = []
        for (slot, set) in present.enumerated() {
          let shift = Double(slot) - Double(present.count - 1) / 2
          for v in values {
            let gaps = inPhase.filter { $0.set == set && value($0) == v }.compactMap(\.gapRecovered)
            guard let stats = PlotQuartiles(gaps) else { continue }
            let x = axis.log ? v * pow(2, shift * 0.1) : v + shift * axisSpan(values) * 0.02
            groups.append((set, x, gaps, stats))
          }
        }
        let quartileLow = min(0, groups.map(\.stats.q25).min() ?? 0)
        let quartileHigh = max(1, groups.map(\.stats.q75).max() ?? 1)
        let margin = max(0.5, (quartileHigh - quartileLow) * 0.5)
        let seedValues = groups.flatMap(\.values)
        let low = max(seedValues.min() ?? 0, quartileLow - margin)
        let high = min(seedValues.max() ?? 1, quartileHigh + margin)
        let domain = ChartTicks.niceDomain(min(low, quartileLow), max(high, quartileHigh), count: 5)
        var chart = Chart(
          title: "\(phase.name) (phase \(phase.index + 1))", x: axis,
          y: Chart.Axis("gap recovered (share of locked gap)", domain: domain, tickCount: 5))
        chart.references = [
          Chart.Reference(y: 0, label: "locked"), Chart.Reference(y: 1, label: "as with password"),
        ]
        for set in present {
          let color = Chart.color(sets.firstIndex(of: set) ?? 0)
          var medians: [Chart.Point] = []
          var seeds: [Chart.Point] = []
          var outside: [Chart.Point] = []
          for group in groups where group.set == set {
            medians.append(Chart.Point(group.x, group.stats.median))
            chart.errorBars.append(
              Chart.ErrorBar(x: group.x, low: group.stats.q25, high: group.stats.q75, color: color))
            for gap in group.values {
              if domain.contains(gap) {
                seeds.append(Chart.Point(group.x, gap))
              } else {
                outside.append(
                  Chart.Point(group.x, min(max(gap, domain.lowerBound), domain.upperBound)))
                anyOutside = true
              }
            }
          }
          chart.lines.append(Chart.Line(medians, color: color, width: 2))
          chart.points.append(Chart.Points(medians, color: color, radius: 3.6))
          chart.points.append(Chart.Points(seeds, color: color, radius: 2.4, opacity: 0.45))
          chart.points.append(Chart.Points(outside, color: color, shape: .openCircle, radius: 3))
        }
        if !present.isEmpty { panels.append(chart) }
      }
      var legend = sets.enumerated().map { index, set in
        Chart.LegendEntry(
          "set \(set): median, quartiles", color: Chart.color(index), style: .pointWithBar)
      }
      legend.append(Chart.LegendEntry("one seed", color: "#555555", style: .point(.circle)))
      if anyOutside {
        legend.append(
          Chart.LegendEntry(
            "seed beyond the axis (at its edge)", color: "#555555", style: .point(.openCircle)))
      }
      var notes = [
        "gap_recovered = (after − locked) / (strong − locked), sets without password: acc_truth at the phase end "
          + "against its start, as a share of the gap to acc_truth with the password.",
        "0: still locked; 1: as good as with the password. Undefined (left out) when strong − locked < 0.05.",
      ]
      if !others.isEmpty {
        notes.append("Pooled over the other swept parameters: \(others.joined(separator: ", ")).")
      }
      notes += fixedParametersNote(transfers.map(\.key), varying: parameters)
      let columns = min(3, panels.count)
      let grid = ChartGrid(
        title: "Unlocking against \(parameter)",
        subtitle: "\(scenario) · \(seedsText(seedCounts)) · "
          + (only == nil ? "phases with a defined gap_recovered" : "drill phases"),
        panels: panels, columns: columns, panelWidth: columns == 1 ? 560 : 360, panelHeight: 300,
        legend: legend, notes: notes)
      files.append(
        FigureFile(
          name: names.unique("unlocking-\(FigureFileNames.slug(parameter))") + ".svg",
          svg: grid.document(), summary: "gap_recovered against \(parameter)"))
    }
    return files
  }
}
