// Unlocking against the lock/unlock cycles before the drill's lock (E6 of docs/design.md §8.2):
// weak-sample drills' gap_recovered by prior cycles, median and quartiles over runs, with the
// arm whose single lock is as long as the cycles' locks together beside the count it matches;
// and how long each of those locks took to lock.

import Foundation
import Analysis
import Records

extension Figures {
  /// The weak-sample drills of `drills` with a gap_recovered, grouped by prior cycles (locks − 1):
  /// a panel of gap_recovered, and one of the drill's lock's latency (its switches to the taboo
  /// without password in `switches`) when it has any. The length-matched arm (`Explanations.
  /// lengthMatched`) of each count of two or more locks is drawn apart, at that count. Nil when
  /// every such drill follows as many locks.
  public static func cycles(
    _ drills: [DrillObservation], switches: [SwitchMetric], scenario: String
  ) -> FigureFile? {
    let weak = drills.filter { $0.isWeakSample && $0.gapRecovered != nil }
    let counts = Set(weak.map(\.locks)).sorted()
    guard counts.count > 1, let most = counts.last else { return nil }
    // Each count of several locks with the single-lock drills length-matched to it.
    var arms: [(locks: Int, drills: [DrillObservation])] = []
    for locks in counts where locks > 1 {
      let matched = Explanations.lengthMatched(weak, to: weak.filter { $0.locks == locks })
      if !matched.isEmpty { arms.append((locks, matched)) }
    }
    let matched = Set(arms.flatMap(\.drills))
    let groups = counts.map { locks in (locks, weak.filter { $0.locks == locks && !matched.contains($0) }) }
      .filter { !$0.1.isEmpty }
    let cycleColor = Chart.color(0), armColor = Chart.color(1)
    let xAxis = Chart.Axis(
      "prior lock/unlock cycles before the drill's lock", domain: -0.5...(Double(most - 1) + 0.5),
      ticks: (0..<most).map(Double.init))

    /// Median and quartiles of `value` for every group and arm, drawn on `chart`; the arms as
    /// open squares just right of their count.
    func draw(_ chart: inout Chart, _ value: ([DrillObservation]) -> [Double], dots: Bool) {
      var medians: [Chart.Point] = []
      var seeds: [Chart.Point] = []
      for (locks, group) in groups {
        let values = value(group)
        guard let stats = PlotQuartiles(values) else { continue }
        let x = Double(locks - 1)
        medians.append(Chart.Point(x, stats.median))
        chart.errorBars.append(Chart.ErrorBar(x: x, low: stats.q25, high: stats.q75, color: cycleColor))
        if dots { seeds += values.map { Chart.Point(x - 0.12, $0) } }
      }
      chart.lines.append(Chart.Line(medians, color: cycleColor, width: 2))
      chart.points.append(Chart.Points(medians, color: cycleColor, radius: 3.8))
      chart.points.append(Chart.Points(seeds, color: cycleColor, radius: 2.2, opacity: 0.4))
      for (locks, arm) in arms {
        let values = value(arm)
        guard let stats = PlotQuartiles(values) else { continue }
        let x = Double(locks - 1) + 0.18
        chart.errorBars.append(Chart.ErrorBar(x: x, low: stats.q25, high: stats.q75, color: armColor))
        chart.points.append(Chart.Points([Chart.Point(x, stats.median)], color: armColor, shape: .square, radius: 3.8))
        if dots {
          chart.points.append(
            Chart.Points(values.map { Chart.Point(x + 0.12, $0) }, color: armColor, radius: 2.2, opacity: 0.4))
        }
      }
    }

    let gaps = { (group: [DrillObservation]) in group.compactMap(\.gapRecovered) }
    let allGaps = gaps(weak)
    var unlocking = Chart(
      title: "unlocking",
      x: xAxis,
      y: Chart.Axis(
        "gap recovered (share of locked gap)",
        domain: ChartTicks.niceDomain(min(0, allGaps.min()!), max(0.1, allGaps.max()!), count: 5), tickCount: 5))
    unlocking.references = [Chart.Reference(y: 0, label: "locked"), Chart.Reference(y: 1, label: "as with password")]
    draw(&unlocking, gaps, dots: true)
    var panels = [unlocking]

    let latency = { (group: [DrillObservation]) in
      Explanations.lockSwitches(group, switches).map { Double($0.latencySteps) }
    }
    let latencies = latency(weak)
    let censored = Explanations.lockSwitches(weak, switches).contains(where: \.censored)
    if let longest = latencies.max() {
      var relock = Chart(
        title: "the drill's lock: latency to the taboo",
        x: xAxis, y: Chart.Axis("latency (steps)", domain: ChartTicks.niceDomain(0, max(1, longest), count: 5),
                                tickCount: 5))
      draw(&relock, latency, dots: false)
      panels.append(relock)
    }

    var legend = [
      Chart.LegendEntry("weak-sample drills: median, quartiles", color: cycleColor, style: .pointWithBar),
      Chart.LegendEntry("one run", color: "#555555", style: .point(.circle)),
    ]
    var notes = [
      "Weak-sample drills (taboo drills whose every drilled answer differs from the truth), grouped by the lock "
        + "phases among their ancestors before their own lock; gap_recovered of the measured set at the drill's "
        + "end."
    ]
    for (locks, arm) in arms {
      let steps = PlotQuartiles(arm.map { Double($0.lockSteps) })!.median
      legend.append(
        Chart.LegendEntry(
          "after one lock as long as \(locks) locks together (\(String(format: "%.0f", steps)) steps)", color: armColor,
          style: .point(.square)))
    }
    if !arms.isEmpty {
      notes.append(
        "Squares: the length-matched arm, drills after a single lock whose steps are within "
          + "\(String(format: "%.0f", Explanations.lengthTolerance * 100))% of the cycles' locks together, "
          + "drawn at the count it matches and left out of the drills after one lock.")
    }
    if panels.count > 1 {
      notes.append(
        "Latency: steps from the lock's start until acc_taboo without password meets the criterion, each lock "
          + "once" + (censored ? "; a lock that never met it counts at its length (a lower bound)." : "."))
    }
    let varying = varyingParameters(weak.map(\.key))
    if !varying.isEmpty { notes.append("Pooled over the swept parameters: \(varying.joined(separator: ", ")).") }
    let runs = Set(weak.map(\.key)).count
    let grid = ChartGrid(
      title: "Unlocking after lock/unlock cycles",
      subtitle: "\(scenario) · \(runs) run\(runs == 1 ? "" : "s") · median and quartiles over runs",
      panels: panels, columns: panels.count, panelWidth: 440, panelHeight: 320, legend: legend, notes: notes)
    return FigureFile(
      name: "cycles.svg", svg: grid.document(),
      summary: "gap_recovered of weak-sample drills against prior lock/unlock cycles")
  }
}
