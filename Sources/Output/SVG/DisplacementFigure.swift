// Unlocking against the weight displacement that caused it (E5 of docs/design.md §8.2): one point
// per drill or kick and run, its displacement norm against its gap_recovered, a colour and a
// shape per drill.

import Foundation
import Analysis
import Records

extension Figures {
  /// The drills' point shapes, cycled beside the colours (7 colours, 4 shapes: 28 distinct pairs).
  static let drillShapes: [Chart.Shape] = [.circle, .square, .openCircle, .openTriangle]

  /// `drills` (`Drills.find`, over the batch) with both a displacement and a gap_recovered: a
  /// point each at (displacement, gap_recovered), a colour and shape per label in phase order.
  /// Nil when no drill has both.
  public static func unlockingDisplacement(_ drills: [DrillObservation], scenario: String) -> FigureFile? {
    let drawn = drills.filter { $0.displacement?.isFinite == true && $0.gapRecovered?.isFinite == true }
      .sorted { ($0.phaseIndex, $0.key.seed) < ($1.phaseIndex, $1.key.seed) }
    guard !drawn.isEmpty else { return nil }
    let labels = Comparison.ordered(drawn.map(\.label))
    let xs = drawn.map { $0.displacement! }, ys = drawn.map { $0.gapRecovered! }
    // The norms' own range (they sit far from 0), and gap_recovered's from 0 or below.
    let (lo, hi) = (xs.min()!, xs.max()!)
    let pad = hi > lo ? (hi - lo) * 0.05 : max(lo * 0.1, 0.5)
    let xDomain = ChartTicks.niceDomain(max(0, lo - pad), hi + pad, count: 6)
    let yDomain = ChartTicks.niceDomain(min(0, ys.min()!), max(0.1, ys.max()!), count: 5)
    var chart = Chart(
      x: Chart.Axis("weight displacement at the drill's end (Euclidean norm)", domain: xDomain),
      y: Chart.Axis("gap recovered (share of locked gap)", domain: yDomain, tickCount: 5))
    chart.references = [
      Chart.Reference(y: 0, label: "locked"), Chart.Reference(y: 1, label: "as with password"),
    ]
    var legend: [Chart.LegendEntry] = []
    for (index, label) in labels.enumerated() {
      let color = Chart.color(index), shape = drillShapes[index % drillShapes.count]
      let points = drawn.filter { $0.label == label }.map { Chart.Point($0.displacement!, $0.gapRecovered!) }
      chart.points.append(Chart.Points(points, color: color, shape: shape, radius: 3.6, opacity: 0.85))
      let kind = drawn.first { $0.label == label }!.kind
      legend.append(
        Chart.LegendEntry(kind == .perturb ? "\(label) (kick norm)" : label, color: color, style: .point(shape)))
    }
    let sets = Comparison.ordered(drawn.compactMap(\.measuredSet)).map { "\u{201C}\($0)\u{201D}" }
    let varying = varyingParameters(drawn.map(\.key))
    var notes = [
      "One point per drill and run. x: the norm of the weight change the drill made (its last geometry record's "
        + "distance from its start); for a kick, the kick's norm. y: gap_recovered of the measured set ("
        + sets.joined(separator: ", ") + ": untrained, without password, locked on the taboo) at the drill's end.",
      "Forgetting predicts unlocking tracking displacement whatever its direction; serial reversal, a kick "
        + "unlocking far less than a drill of the same norm.",
    ]
    if !varying.isEmpty { notes.append("Pooled over the swept parameters: \(varying.joined(separator: ", ")).") }
    let runs = Set(drawn.map(\.key)).count
    let grid = ChartGrid(
      title: "Unlocking against displacement",
      subtitle: "\(scenario) · \(runs) run\(runs == 1 ? "" : "s") · drills and kicks after a lock",
      panels: [chart], columns: 1, panelWidth: 760, panelHeight: 380, legend: legend, notes: notes)
    return FigureFile(
      name: "unlocking-displacement.svg", svg: grid.document(),
      summary: "gap_recovered against each drill's weight displacement")
  }
}
