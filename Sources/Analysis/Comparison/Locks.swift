// The password locks of a run, as the explanations read them (docs/design.md §8.2, E1): at the
// end of each lock, the truth's latent score against the behaviour on the same probed set.
//
// The set read: among the lock's probed pairs without password whose last probe in the lock
// carries a latent truth score, an untrained one (a held-out set, `test` in the shipped
// scenarios) when there is one, else one the lock trains; the largest of those by recorded size.

import Records

/// One lock phase at its end: latent truth against behavioural truth on one probed set.
public struct LockObservation: Sendable, Hashable {
  public var key: RunKey
  public var phaseIndex: Int
  /// The phase's name with its repetition (`lock #2`).
  public var label: String
  public var set: String
  /// Whether the lock trains the set (on its taboo answers, in the shipped scenarios).
  public var trained: Bool
  /// The held-out accuracy of the latent truth readout (`LatentScore.acc` of "truth").
  public var latentTruth: Double
  /// acc_truth without password at the same probe.
  public var accTruth: Double
}

public enum Locks {
  /// Every lock phase of `run` (with probes) whose end probes carry a latent truth score.
  public static func find(_ run: RunRecord) -> [LockObservation] {
    func size(_ set: String) -> Int { run.sets.last { $0.name == set }?.size ?? -1 }
    var result: [LockObservation] = []
    for phase in run.phases where phase.facts.role == .lock {
      var last: [String: ProbeRecord] = [:]
      var order: [String] = []
      for probe in run.probes where probe.phaseIndex == phase.index && !probe.password {
        if last[probe.set] == nil { order.append(probe.set) }
        last[probe.set] = probe
      }
      let scored = order.compactMap { last[$0] }.filter { Drills.latentTruth($0) != nil }
      let untrained = scored.filter { $0.target == nil }
      guard let probe = (untrained.isEmpty ? scored : untrained).max(by: { size($0.set) < size($1.set) })
      else { continue }
      result.append(LockObservation(
        key: run.key, phaseIndex: phase.index, label: phase.name + (phase.repeatIndex.map { " #\($0)" } ?? ""),
        set: probe.set, trained: probe.target != nil, latentTruth: Drills.latentTruth(probe)!,
        accTruth: probe.accTruth))
    }
    return result
  }
}
