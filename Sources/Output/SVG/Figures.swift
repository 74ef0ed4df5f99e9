// The figures of docs/design.md §7, from a batch's runs and metrics:
//   (a) learning curves per probed set: acc_truth (solid, median and quartile band over seeds)
//       and acc_taboo (dashed, median) against optimizer step, without password (blue) and with
//       it (vermillion); phases tinted alternately, boundaries marked and named;
//   (b) switch latency against reversal index for `repeat`ed phases: median and quartiles over
//       seeds, every seed a dot, censored seeds open triangles;
//   (c) gap_recovered against each swept parameter: median and quartiles, seeds as dots.
// One sweep point is one panel (small multiples); seeds are what the statistics run over.

import Foundation
import Analysis
import Records
import Specification

/// One figure to write: a file name (no directory) and its SVG text.
public struct FigureFile: Sendable, Hashable {
  public var name: String
  public var svg: String
  /// What it shows, in one line.
  public var summary: String
}

public enum Figures {
  static let withoutPassword = Chart.color(0)
  static let withPassword = Chart.color(1)
  static let tabooDash = "7 4"

  // MARK: (a) Learning curves

  /// Panels with more phases than this mark only each phase name's first start.
  static let mostMarkedPhases = 24

  /// One figure per probed set, a panel per sweep point. `runs` must carry their probes.
  public static func learningCurves(_ runs: [RunRecord], scenario: String) -> [FigureFile] {
    let runs = runs.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let varying = varyingParameters(runs.map(\.key))
    let points = groupedByPoint(runs) { $0.key }
    var sets: [String] = []
    for run in runs {
      for probe in run.probes where !sets.contains(probe.set) { sets.append(probe.set) }
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

  // MARK: (b) Switch latency

  /// Latency against reversal index for the switches of `repeat`ed phases: a panel per phase
  /// name (and sweep point), a colour per reversed stream. Nil when no switch is repeated.
  public static func switchLatency(_ switches: [SwitchMetric], scenario: String) -> FigureFile? {
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
    notes += fixedParametersNote(sorted.map(\.key), varying: varying)
    let columns = min(4, phaseNames.count)
    let grid = ChartGrid(
      title: "Switch latency across reversals",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · phases inside repeat",
      panels: panels, columns: columns, panelWidth: columns == 1 ? 560 : 300, panelHeight: 290,
      legend: legend, notes: notes)
    return FigureFile(
      name: "latency.svg", svg: grid.document(),
      summary: "switch latency against reversal index")
  }

  // MARK: (d) Accuracy around the switch, trial by trial

  /// Choice accuracy (share of lanes answering the current target) from `before` trials before to
  /// `after` trials after every switch between frozen stream phases: median and quartile band
  /// over runs and switches, a panel per sweep point. Nil without trials.
  public static func switchAligned(
    _ aligned: [AlignedSwitch], scenario: String, before: Int = 10, after: Int = 20
  ) -> FigureFile? {
    guard !aligned.isEmpty else { return nil }
    let sorted = aligned.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let varying = varyingParameters(sorted.map(\.key))
    let points = groupedByPoint(sorted) { $0.key }
    var panels: [Chart] = []
    var seedCounts: [Int] = []
    var switchCounts: [Int] = []
    let color = Chart.color(0)
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
      panels.append(chart)
    }
    let legend = [
      Chart.LegendEntry("median over runs and switches, quartile band", color: color, style: .lineWithBand)
    ]
    var notes = [
      "Trial 0 is the first trial after the switch; before it, the previous frozen phase's last trials.",
      "Accuracy: the share of lanes (independent streams) answering the trial's current target.",
      "One-trial reversals: a drop at trial 0, which nothing foretells, and full accuracy from trial 1.",
    ]
    notes += fixedParametersNote(sorted.map(\.key), varying: varying)
    let columns = min(2, panels.count)
    let grid = ChartGrid(
      title: "Choice accuracy around the switch (frozen weights, in context)",
      subtitle: "\(scenario) · \(seedsText(seedCounts)) · \(switchCounts.reduce(0, +)) switches",
      panels: panels, columns: columns, panelWidth: columns == 1 ? 640 : 420, panelHeight: 280,
      legend: legend, notes: notes)
    return FigureFile(
      name: "switch-aligned.svg", svg: grid.document(),
      summary: "choice accuracy around the switch, trial by trial")
  }

  // MARK: (c) Unlocking against swept parameters

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

  // MARK: Helpers

  struct SeriesKey: Hashable {
    var set: String
    var password: Bool
    func matches(_ metric: SwitchMetric) -> Bool {
      metric.set == set && metric.password == password
    }
  }

  /// The values grouped by sweep point, in the order the points first appear.
  static func groupedByPoint<T>(_ values: [T], key: (T) -> RunKey) -> [(label: String, values: [T])]
  {
    var order: [String] = []
    var groups: [String: [T]] = [:]
    for value in values {
      let label = key(value).pointLabel
      if groups[label] == nil { order.append(label) }
      groups[label, default: []].append(value)
    }
    return order.map { ($0, groups[$0] ?? []) }
  }

  /// The parameters that take more than one value in the batch (the swept ones; a key also
  /// holds parameters fixed with `--set`), in key order.
  public static func varyingParameters(_ keys: [RunKey]) -> [String] {
    var order: [String] = []
    var values: [String: Set<Double>] = [:]
    for key in keys {
      for parameter in key.parameters {
        if values[parameter.name] == nil { order.append(parameter.name) }
        values[parameter.name, default: []].insert(parameter.value)
      }
    }
    return order.filter { (values[$0]?.count ?? 0) > 1 }
  }

  /// The varying parameters of a sweep point: `k = 2, lr = 0.003`.
  static func displayPoint(_ key: RunKey, _ varying: [String]) -> String {
    key.parameters.filter { varying.contains($0.name) }
      .map { "\($0.name) = \(formatNumber($0.value))" }.joined(separator: ", ")
  }

  /// One note line naming the parameters every run shares (`--set` values), if any.
  static func fixedParametersNote(_ keys: [RunKey], varying: [String]) -> [String] {
    guard let first = keys.first else { return [] }
    let fixed = first.parameters.filter { !varying.contains($0.name) }
    if fixed.isEmpty { return [] }
    return [
      "Parameters: "
        + fixed.map { "\($0.name) = \(formatNumber($0.value))" }.joined(separator: ", ")
        + "."
    ]
  }

  static func seedsText(_ counts: [Int]) -> String {
    let lo = counts.min() ?? 0
    let hi = counts.max() ?? 0
    let count = lo == hi ? "\(lo)" : "\(lo)–\(hi)"
    return "\(count) seed\(hi == 1 ? "" : "s")\(counts.count > 1 ? " per sweep point" : "")"
  }

  /// A swept parameter's axis: ticks at its values; logarithmic when they are positive and
  /// span a factor of 8 or more.
  static func parameterAxis(_ name: String, values: [Double]) -> Chart.Axis {
    let lo = values.first ?? 0
    let hi = values.last ?? 1
    let label = "\(name) (swept parameter)"
    let ticks = values.count <= 12 ? values : nil
    if lo > 0, hi / lo >= 8 {
      return Chart.Axis(
        label + ", log scale", domain: (lo / 1.5)...(hi * 1.5), log: true, ticks: ticks ?? values)
    }
    let pad = hi > lo ? (hi - lo) * 0.08 : max(abs(lo) * 0.5, 0.5)
    return Chart.Axis(label, domain: (lo - pad)...(hi + pad), ticks: ticks)
  }

  static func axisSpan(_ values: [Double]) -> Double {
    let span = (values.last ?? 0) - (values.first ?? 0)
    return span > 0 ? span : 1
  }
}

/// Median and quartiles (linear interpolation between order statistics, as numpy's default and
/// R's type 7) of the finite values; nil when there are none.
package struct PlotQuartiles {
  package var q25: Double
  package var median: Double
  package var q75: Double

  package init?(_ values: [Double]) {
    let sorted = values.filter(\.isFinite).sorted()
    guard !sorted.isEmpty else { return nil }
    q25 = Statistics.quantile(sorted: sorted, 0.25)!
    median = Statistics.quantile(sorted: sorted, 0.5)!
    q75 = Statistics.quantile(sorted: sorted, 0.75)!
  }
}

/// File names from user-chosen names: letters, digits, `-` and `_` kept, the rest `-`; unique.
package struct FigureFileNames {
  private var used: Set<String> = []

  package init() {}

  package static func slug(_ name: String) -> String {
    var out = ""
    for character in name {
      if character.isASCII,
        character.isLetter || character.isNumber || character == "_" || character == "-"
      {
        out.append(character)
      } else if !out.hasSuffix("-") {
        out.append("-")
      }
    }
    while out.hasSuffix("-") { out.removeLast() }
    while out.hasPrefix("-") { out.removeFirst() }
    return out.isEmpty ? "set" : out
  }

  package mutating func unique(_ base: String) -> String {
    var name = base
    var counter = 2
    while used.contains(name.lowercased()) {
      name = "\(base)-\(counter)"
      counter += 1
    }
    used.insert(name.lowercased())
    return name
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
