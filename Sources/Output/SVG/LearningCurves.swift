// (a) Learning curves per probed set: acc_truth (solid, median and quartile band over seeds) and
// acc_taboo (dashed, median) against optimizer step, without password (blue) and with it
// (vermillion); phases tinted alternately, boundaries marked and named.

import Foundation
import Analysis
import Records
import Specification

extension Figures {

  /// Panels with more phases than this mark only each phase name's first start.
  static let mostMarkedPhases = 24

  /// One figure per probed set, a panel per sweep point. `runs` must carry their probes. The
  /// pairs that probe only a set's switching items (`SET:old→new`, one phase each) get none.
  public static func learningCurves(_ runs: [RunRecord], scenario: String) -> [FigureFile] {
    let runs = runs.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let varying = varyingParameters(runs.map(\.key))
    let points = groupedByPoint(runs) { $0.key }
    var sets: [String] = []
    for run in runs {
      for probe in run.probes where !sets.contains(probe.set) && !SwitchGroup.isPart(probe.set) {
        sets.append(probe.set)
      }
    }
    var names = FigureFileNames()
    var files: [FigureFile] = []
    for set in sets {
      var panels: [Chart] = []
      var passwords: Set<Bool> = []
      var seedCounts: [Int] = []
      var aligned = false
      var crowded = false
      for (_, pointRuns) in points {
        let timeline = PlotTimeline(pointRuns)
        aligned = aligned || !timeline.fixed
        seedCounts.append(pointRuns.count)
        var chart = Chart(
          title: points.count > 1 ? displayPoint(pointRuns[0].key, varying) : nil,
          x: Chart.Axis(
            timeline.fixed ? "optimizer step" : "optimizer step (phases aligned at their starts)",
            domain: 0...max(1, timeline.total)),
          y: Chart.Axis("accuracy (share of items)", domain: 0...1, ticks: [0, 0.25, 0.5, 0.75, 1]))
        // Long `repeat`s: mark only where each phase name first starts; the repeats follow it.
        let crowdedPanel = timeline.phases.count > Self.mostMarkedPhases
        crowded = crowded || crowdedPanel
        var marked = Set<String>()
        for (index, phase) in timeline.phases.enumerated() {
          if crowdedPanel {
            if marked.insert(phase.name).inserted {
              chart.markers.append(Chart.Marker(x: phase.offset, label: phase.name))
            }
            continue
          }
          if index % 2 == 1 {
            chart.spans.append(Chart.Span(from: phase.offset, to: phase.offset + phase.length))
          }
          chart.markers.append(Chart.Marker(x: phase.offset, label: phase.label))
        }
        // With password first, so the curves without it (the measure of interest) lie on top.
        for password in [true, false] {
          let curve = timeline.curve(pointRuns, set: set, password: password)
          guard !curve.x.isEmpty else { continue }
          passwords.insert(password)
          let color = password ? withPassword : withoutPassword
          chart.bands.append(
            Chart.Band(
              x: curve.x, low: curve.truth.map(\.q25), high: curve.truth.map(\.q75),
              color: color, opacity: 0.18))
          chart.lines.append(
            Chart.Line(
              zip(curve.x, curve.taboo).map { Chart.Point($0, $1.median) }, color: color,
              width: 1.6, dash: tabooDash))
          chart.lines.append(
            Chart.Line(
              zip(curve.x, curve.truth).map { Chart.Point($0, $1.median) }, color: color,
              width: 2.2))
        }
        panels.append(chart)
      }
      guard !passwords.isEmpty else { continue }
      for index in panels.indices.dropLast() { panels[index].showsXLabel = false }
      var legend: [Chart.LegendEntry] = []
      for password in [false, true] where passwords.contains(password) {
        let color = password ? withPassword : withoutPassword
        let suffix =
          passwords.count > 1 ? (password ? ", with password" : ", without password") : ""
        legend.append(
          Chart.LegendEntry(
            "acc_truth\(suffix) (median, quartile band)", color: color, style: .lineWithBand))
        legend.append(
          Chart.LegendEntry(
            "acc_taboo\(suffix) (median)", color: color, style: .line(dash: tabooDash)))
      }
      let width = 900.0
      let strip = panels.map { $0.markerLabelHeight(width: width) }.max() ?? 0
      var notes =
        [
          "acc_truth: share of the set's items answered with the truth; acc_taboo: with the taboo answer "
            + "(they overlap where the taboo answer is the truth).",
          "Dashed vertical lines: phase starts" + (crowded ? "." : "; shaded: every other phase."),
        ] + fixedParametersNote(runs.map(\.key), varying: varying)
      if crowded {
        notes.append(
          "With more than \(Self.mostMarkedPhases) phases only the first phase of each name is marked "
            + "(its repetitions follow it); phases counted in trials take no steps.")
      }
      if aligned {
        notes.append(
          "Phase lengths differ between seeds: each phase is drawn from its own start, as long as its "
            + "longest run; statistics at a step use the seeds still in the phase.")
      }
      let grid = ChartGrid(
        title: "Learning curves: set \u{201C}\(set)\u{201D}",
        subtitle: "\(scenario) · \(seedsText(seedCounts)) · median over seeds",
        panels: panels, columns: 1, panelWidth: width, panelHeight: 260 + strip, legend: legend,
        notes: notes)
      files.append(
        FigureFile(
          name: names.unique("curves-\(FigureFileNames.slug(set))") + ".svg", svg: grid.document(),
          summary: "learning curves of set '\(set)'"))
    }
    return files
  }
}

/// The phases of a sweep point's runs on one x axis. With identical phase steps in every run it
/// is the plain step axis; otherwise each phase starts where its longest run's predecessor ended
/// and a run's probes are placed by their step from their own phase start.
package struct PlotTimeline {
  package struct Phase {
    package var index: Int
    package var label: String
    /// The phase's name as written (without the repetition number).
    package var name: String
    package var offset: Double
    package var length: Double
  }

  package var phases: [Phase] = []
  package var total: Double = 0
  package var fixed: Bool

  package init(_ runs: [RunRecord]) {
    let reference = runs.max { $0.phases.count < $1.phases.count }?.phases ?? []
    var fixed = true
    var offset = 0.0
    for phase in reference {
      var length = 0
      for run in runs {
        guard let own = run.phases.first(where: { $0.index == phase.index }) else { continue }
        if own.startStep != phase.startStep || own.endStep != phase.endStep { fixed = false }
        length = max(length, own.endStep - own.startStep)
      }
      let start = fixed ? Double(phase.startStep) : offset
      let label = phase.repeatIndex.map { "\(phase.name) #\($0)" } ?? phase.name
      phases.append(Phase(index: phase.index, label: label, name: phase.name, offset: start,
                          length: Double(length)))
      offset = start + Double(length)
    }
    if fixed {
      // Same steps everywhere: keep each phase at its own start step (frozen phases take none).
      total = Double(reference.last?.endStep ?? 0)
    } else {
      // Recompute offsets cumulatively from the first phase that differed.
      var cursor = 0.0
      for index in phases.indices {
        phases[index].offset = cursor
        cursor += phases[index].length
      }
      total = cursor
    }
    self.fixed = fixed
  }

  package struct Curve {
    package var x: [Double] = []
    package var truth: [PlotQuartiles] = []
    package var taboo: [PlotQuartiles] = []
  }

  /// Median and quartiles over runs of acc_truth and acc_taboo of (set, password), at the union
  /// of the runs' probe offsets within each phase (at most ~1500 points); NaN between phases.
  package func curve(_ runs: [RunRecord], set: String, password: Bool) -> Curve {
    // Per run and phase: (offset, truth, taboo), by offset.
    var series: [[Int: [(offset: Double, truth: Double, taboo: Double)]]] = []
    var count = 0
    for run in runs {
      var byPhase: [Int: [(offset: Double, truth: Double, taboo: Double)]] = [:]
      let starts = Dictionary(
        run.phases.map { ($0.index, $0.startStep) }, uniquingKeysWith: { a, _ in a })
      for probe in run.probes where probe.set == set && probe.password == password {
        guard let start = starts[probe.phaseIndex] else { continue }
        byPhase[probe.phaseIndex, default: []].append(
          (Double(probe.step - start), probe.accTruth, probe.accTaboo))
        count += 1
      }
      for key in byPhase.keys { byPhase[key]?.sort { $0.offset < $1.offset } }
      series.append(byPhase)
    }
    var curve = Curve()
    guard count > 0 else { return curve }
    let budget = 1500.0
    for phase in phases {
      var grid = Set<Double>()
      for run in series { for sample in run[phase.index] ?? [] { grid.insert(sample.offset) } }
      var offsets = grid.sorted()
      guard !offsets.isEmpty else { continue }
      let share = total > 0 ? max(0.02, phase.length / total) : 1
      let limit = max(8, Int(budget * share))
      if offsets.count > limit {
        let stride = Double(offsets.count - 1) / Double(limit - 1)
        offsets = (0..<limit).map { offsets[Int((Double($0) * stride).rounded())] }
      }
      if !curve.x.isEmpty {
        curve.x.append(.nan)
        curve.truth.append(PlotQuartiles.nan)
        curve.taboo.append(PlotQuartiles.nan)
      }
      for offset in offsets {
        var truths: [Double] = []
        var taboos: [Double] = []
        for run in series {
          guard let samples = run[phase.index], let value = Self.interpolate(samples, at: offset)
          else { continue }
          truths.append(value.truth)
          taboos.append(value.taboo)
        }
        guard let truth = PlotQuartiles(truths), let taboo = PlotQuartiles(taboos) else { continue }
        curve.x.append(phase.offset + offset)
        curve.truth.append(truth)
        curve.taboo.append(taboo)
      }
    }
    return curve
  }

  /// Linear interpolation inside the run's probes; nil outside them (the run's phase ended).
  static func interpolate(
    _ samples: [(offset: Double, truth: Double, taboo: Double)], at offset: Double
  ) -> (truth: Double, taboo: Double)? {
    guard let first = samples.first, let last = samples.last,
      offset >= first.offset, offset <= last.offset
    else { return nil }
    // Binary search for the first sample at or after `offset`.
    var low = 0
    var high = samples.count - 1
    while low < high {
      let middle = (low + high) / 2
      if samples[middle].offset < offset { low = middle + 1 } else { high = middle }
    }
    let b = samples[low]
    if b.offset == offset || low == 0 { return (b.truth, b.taboo) }
    let a = samples[low - 1]
    let t = (offset - a.offset) / (b.offset - a.offset)
    return (a.truth + (b.truth - a.truth) * t, a.taboo + (b.taboo - a.taboo) * t)
  }
}

extension PlotQuartiles {
  /// A gap in a series.
  static let nan = PlotQuartiles(q25: .nan, median: .nan, q75: .nan)

  init(q25: Double, median: Double, q75: Double) {
    self.q25 = q25
    self.median = median
    self.q75 = q75
  }
}
