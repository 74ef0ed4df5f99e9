// Recognising the phases of the language-model procedure in a run (llm-case.md: pretrain, lock,
// drill; plus the controls), from the run's phases, set sizes and probes alone:
//
// - Lock: an unfrozen phase with a `taboo` stream without password and a `truth` stream with
//   password (the password lock). Its size is the total size of its no-password taboo sets.
// - Drill: an unfrozen phase whose most recent unfrozen predecessor is a lock, whose streams are
//   all without password and all towards one target (`taboo`: the weak-sample drill; `truth`:
//   good demonstrations; `random`: the random-target control), on named sets of known size
//   whose total k is at most half the lock's size (at most 64 items when the lock's size is not
//   known, e.g. a lock on `all`). k is that total: the drilled set's size in that run, so a sweep
//   of a parameter that sizes the drilled set is a sweep of k.
// - Perturb-only phase: a frozen phase (no weight update) whose most recent unfrozen predecessor
//   is a lock and which has `perturb σ > 0` in the scenario. When the scenario text cannot be
//   read, a frozen phase after a lock whose end probes differ from the lock's end probes (only
//   a perturbation can change them) counts.
// - Measured set: the untrained probed set without password of that phase whose items the lock
//   trained on `taboo` without password (the locked items not drilled, `rest` in the shipped
//   scenarios), the largest if several; failing that, the largest untrained set without
//   password. Its `gap_recovered` is the phase's unlocking.

import Records

/// One drill or perturbation after a lock, as the comparison reads it.
public struct DrillObservation: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case taboo, truth, random
    /// A frozen phase with a weight perturbation.
    case perturb
  }

  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  public var kind: Kind
  /// Items drilled (nil for a perturbation).
  public var k: Int?
  /// The perturbation's standard deviation, where the scenario says it.
  public var sigma: Double?
  public var lockPhase: String
  /// The probed set whose `gap_recovered` is read (nil: no untrained set without password).
  public var measuredSet: String?
  public var gapRecovered: Double?
  /// acc_taboo of the drilled items without password at the phase's end (item-weighted over
  /// the drill's sets; nil for a perturbation).
  public var drilledTabooEnd: Double?
}

public enum Drills {
  /// Drills at most this share of the lock's items.
  public static let largestShareOfLock = 0.5
  /// The cap on k when the lock's size is unknown.
  public static let largestWithoutLockSize = 64

  static func isLock(_ phase: PhaseRecord) -> Bool {
    !phase.frozen && phase.streams.contains { $0.target == "taboo" && !$0.password }
      && phase.streams.contains { $0.target == "truth" && $0.password }
  }

  /// The drills and perturbations of `run` (with probes), given its transfer records.
  public static func find(_ run: RunRecord, transfers: [TransferMetric], perturbations: [Int: Double]?)
    -> [DrillObservation]
  {
    func size(_ set: String) -> Int? { run.sets.last { $0.name == set }?.size }
    var result: [DrillObservation] = []
    var lock: PhaseRecord? = nil
    for phase in run.phases {
      defer {
        if !phase.frozen { lock = isLock(phase) ? phase : nil }
      }
      guard let lock else { continue }
      var kind: DrillObservation.Kind
      var k: Int? = nil
      var sigma: Double? = nil
      if phase.frozen {
        if let perturbations {
          guard let s = perturbations[phase.index] else { continue }
          sigma = s
        } else {
          guard changes(run, phase) else { continue }
        }
        kind = .perturb
      } else {
        let targets = Set(phase.streams.map(\.target))
        guard !phase.streams.isEmpty, targets.count == 1, phase.streams.allSatisfy({ !$0.password }),
          let only = DrillObservation.Kind(rawValue: targets.first!), only != .perturb
        else { continue }
        let names = Array(Set(phase.streams.map(\.set)))
        let sizes = names.compactMap(size)
        guard sizes.count == names.count else { continue }
        let total = sizes.reduce(0, +)
        let lockSets = Set(lock.streams.filter { $0.target == "taboo" && !$0.password }.map(\.set))
        let lockSizes = lockSets.compactMap(size)
        let limit = lockSizes.count == lockSets.count
          ? Int(Double(lockSizes.reduce(0, +)) * largestShareOfLock) : largestWithoutLockSize
        guard total >= 1, total <= limit else { continue }
        kind = only
        k = total
      }
      let measured = measuredTransfer(run, phase: phase, lock: lock, transfers: transfers, size: size)
      var tabooEnd: Double? = nil
      if kind != .perturb {
        var weighted = 0.0, count = 0
        for stream in phase.streams {
          guard let last = run.probes.last(where: {
            $0.phaseIndex == phase.index && $0.set == stream.set && !$0.password
          }), let n = size(stream.set) else { continue }
          weighted += last.accTaboo * Double(n)
          count += n
        }
        tabooEnd = count > 0 ? weighted / Double(count) : nil
      }
      result.append(
        DrillObservation(
          key: run.key, phaseIndex: phase.index, phase: phase.name, kind: kind, k: k, sigma: sigma,
          lockPhase: lock.name, measuredSet: measured?.set, gapRecovered: measured?.gapRecovered,
          drilledTabooEnd: tabooEnd))
    }
    return result
  }

  /// The transfer record of the measured set (see the file comment).
  static func measuredTransfer(
    _ run: RunRecord, phase: PhaseRecord, lock: PhaseRecord, transfers: [TransferMetric],
    size: (String) -> Int?
  ) -> TransferMetric? {
    let candidates = transfers.filter { $0.phaseIndex == phase.index && !$0.password }
    let locked = Set(run.probes.filter { $0.phaseIndex == lock.index && !$0.password && $0.target == "taboo" }
      .map(\.set))
    let preferred = candidates.filter { locked.contains($0.set) }
    let pool = preferred.isEmpty ? candidates : preferred
    var best: TransferMetric? = nil
    for candidate in pool where best == nil || (size(candidate.set) ?? -1) > (size(best!.set) ?? -1) {
      best = candidate
    }
    return best
  }

  /// Whether a frozen phase's end probes differ from the previous phase's end probes (the
  /// weights changed although nothing was trained).
  static func changes(_ run: RunRecord, _ phase: PhaseRecord) -> Bool {
    func ends(_ index: Int) -> [ProbeRecord] {
      let probes = run.probes.filter { $0.phaseIndex == index }
      guard let last = probes.last?.step else { return [] }
      return probes.filter { $0.step == last }
    }
    let before = ends(phase.index - 1), after = ends(phase.index)
    return after.contains { probe in
      guard let old = before.first(where: { $0.set == probe.set && $0.password == probe.password }) else {
        return false
      }
      return old.pTruth != probe.pTruth || old.accTruth != probe.accTruth
    }
  }
}
