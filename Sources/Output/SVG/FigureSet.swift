// Every figure of a batch (docs/design.md §7.3), in one list that `taboo plot` writes as files
// and `taboo report` inlines: a new figure is one more entry here.

import Analysis
import Records

/// The figures that apply to a batch, and a reason for each kind left out.
public struct FigureSet: Sendable {
  public var figures: [FigureFile]
  /// `latency: no switch inside a repeated phase (…)`: one line per kind not drawn.
  public var skipped: [String]

  public init(figures: [FigureFile], skipped: [String]) {
    self.figures = figures
    self.skipped = skipped
  }
}

extension Figures {
  /// The figures of a batch: `runs` with their probes (in sweep order), `analysis` of the same
  /// runs.
  public static func all(_ runs: [RunRecord], analysis: BatchAnalysis, scenario: String) -> FigureSet {
    var set = FigureSet(figures: learningCurves(runs, scenario: scenario), skipped: [])
    if let latency = switchLatency(analysis.runs.flatMap(\.switches), scenario: scenario) {
      set.figures.append(latency)
    } else {
      set.skipped.append("latency: no switch inside a repeated phase (the scenario has no `repeat`)")
    }
    if let aligned = switchAligned(analysis.runs.flatMap(\.aligned), scenario: scenario) {
      set.figures.append(aligned)
    }
    if let byIndex = reversalIndex(analysis.runs.flatMap(\.reversalSeries), scenario: scenario) {
      set.figures.append(byIndex)
    }
    // Unlocking is read on the drills (as `taboo compare` finds them) when there are any.
    let drillObservations = analysis.runs.flatMap(\.drills)
    let drills = Set(drillObservations.map(\.phaseIndex))
    let unlocking = unlocking(
      analysis.runs.flatMap(\.transfers), scenario: scenario, phases: drills.isEmpty ? nil : drills)
    if unlocking.isEmpty {
      set.skipped.append(
        varyingParameters(runs.map(\.key)).isEmpty
          ? "unlocking: the batch sweeps no parameter"
          : "unlocking: no phase has a defined gap_recovered")
    }
    set.figures += unlocking
    if let geometry = geometry(runs, scenario: scenario) {
      set.figures.append(geometry)
    } else {
      set.skipped.append("geometry: no run has geometry records (stored before schema version 4)")
    }
    if let latent = latent(runs, scenario: scenario) {
      set.figures.append(latent)
    } else {
      set.skipped.append("latent: no probe has a latent truth score (the scenario probes without `{ latent }`)")
    }
    if let displacement = unlockingDisplacement(drillObservations, scenario: scenario) {
      set.figures.append(displacement)
    } else {
      set.skipped.append("unlocking-displacement: no drill after a lock has both a displacement and a gap_recovered")
    }
    if let cycles = cycles(drillObservations, switches: analysis.runs.flatMap(\.switches), scenario: scenario) {
      set.figures.append(cycles)
    } else {
      set.skipped.append("cycles: no weak-sample drills after different numbers of lock/unlock cycles")
    }
    return set
  }
}
