// Transfer and unlocking (docs/design.md §6): what a phase does to each probed set it does not train.
//
// A (set, password) pair is untrained in a phase when none of its probes in that phase carries
// a target. Its acc_truth series over the phase (the state at the switch, then the phase's
// probes to its end probe) gives
// start, end, peak (the maximum) and the half-change step: steps from the phase's start to the
// first probe at which acc_truth has moved at least half of (end − start) in that direction
// (no interpolation between probes; nil when end = start).
//
// The state at the switch is the parent phase's end probe of the pair (the phase before it, or
// the phase a branch starts `from`; docs/design.md §4) where there is one, else the phase's own
// first probe. The two see the same weights (the trainer probes a
// phase's start before a `perturb` kick); databases written before it did so probed after the
// kick, and reading the previous end probe keeps the kick inside the phase that made it.
//
// Unlocking, on untrained pairs without password: locked = start; strong = acc_truth of the same
// set *with* password at the phase's start probe, or, when the run has no password probes at
// all, the set's highest no-password acc_truth in any ancestor phase; after = end;
// gap_recovered = (after − locked) / (strong − locked), nil when strong − locked < 0.05
// (compared with a 1e-9 tolerance, so 0.95 − 0.90 counts as 0.05).

import Records

public enum Transfer {
  /// The smallest gap (strong − locked) for which `gap_recovered` is defined.
  public static let minimumGap = 0.05

  /// One record per untrained probed pair per phase, in phase order, then probe order.
  public static func compute(_ run: RunRecord) -> [TransferMetric] {
    let byPhase = Dictionary(grouping: run.probes, by: \.phaseIndex)
    let hasPassword = run.probes.contains { $0.password }
    var result: [TransferMetric] = []
    for phase in run.phases {
      let probes = byPhase[phase.index] ?? []
      // The parent's end probe: the phase before it, or the phase a branch starts `from`.
      let parent = phase.parent.flatMap { run.phase($0) }
      let before = parent.map { parent in (byPhase[parent.index] ?? []).filter { $0.step == parent.endStep } } ?? []
      let ancestors = Set(run.ancestors(of: phase).map(\.index))
      var pairs: [PairKey] = []
      for probe in probes {
        let pair = PairKey(set: probe.set, password: probe.password)
        if !pairs.contains(pair) { pairs.append(pair) }
      }
      for pair in pairs {
        let own = probes.filter { $0.set == pair.set && $0.password == pair.password }
        guard own.allSatisfy({ $0.target == nil }) else { continue }
        let series = Array(before.filter { $0.set == pair.set && $0.password == pair.password }.suffix(1)) + own
        guard let first = series.first, let last = series.last else { continue }
        let start = first.accTruth, end = last.accTruth
        let peak = series.map(\.accTruth).max() ?? start
        let change = end - start
        var half: Int? = nil
        if abs(change) > 1e-12 {
          half = series.first { ($0.accTruth - start) * (change > 0 ? 1 : -1) >= abs(change) / 2 - 1e-12 }
            .map { $0.step - phase.startStep }
        }
        var strong: Double? = nil
        if !pair.password {
          if hasPassword {
            strong = (before + probes).first { $0.set == pair.set && $0.password }?.accTruth
          } else {
            strong = run.probes.filter { ancestors.contains($0.phaseIndex) && $0.set == pair.set && !$0.password }
              .map(\.accTruth).max()
          }
        }
        result.append(
          TransferMetric(
            key: run.key, phaseIndex: phase.index, phase: phase.name, set: pair.set,
            password: pair.password, truthStart: start, truthEnd: end, truthPeak: peak,
            truthStrong: strong, gapRecovered: strong.flatMap { gap(locked: start, strong: $0, after: end) },
            halfChangeStep: half, parentIndex: phase.parent))
      }
    }
    return result
  }

  /// (after − locked) / (strong − locked); nil when the gap is below `minimumGap`.
  public static func gap(locked: Double, strong: Double, after: Double) -> Double? {
    let gap = strong - locked
    guard gap >= minimumGap - 1e-9 else { return nil }
    return (after - locked) / gap
  }
}
