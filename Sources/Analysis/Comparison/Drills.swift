// The drills and weight kicks of a run, as the language-model comparison reads them
// (llm-case.md: pretrain, lock, drill, plus the controls). Which phase is a lock, a drill or a
// kick is recorded with the phase (`PhaseFacts.role`, decided once from the specification:
// `PhaseRole`); here only what is measured of them:
//
// - k: the total size, in that run, of the drill's sets (a sweep of a parameter that sizes the
//   drilled set is a sweep of k).
// - Measured set: the untrained probed set without password of that phase whose items the lock
//   trained on `taboo` without password (the locked items not drilled, `rest` in the shipped
//   scenarios), the largest if several; failing that, the largest untrained set without
//   password. Its `gap_recovered` is the phase's unlocking.

import Records
import Specification

/// One drill or perturbation after a lock, as the comparison reads it.
public struct DrillObservation: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    case taboo, truth, random
    case randomAnswer = "random-answer"
    /// A frozen phase with a weight perturbation.
    case perturb
    /// Towards one of the world's named extra conventions.
    case convention

    init(_ target: TargetKind) {
      switch target {
      case .taboo: self = .taboo
      case .truth: self = .truth
      case .random: self = .random
      case .randomAnswer: self = .randomAnswer
      case .convention: self = .convention
      }
    }
  }

  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  /// The phase's name with its repetition (`drill #2` inside `repeat`): drills are told apart
  /// by it, and pooled under it across runs and sweep points.
  public var label: String
  /// The phase it starts from: its parent (the lock, or an earlier phase it branches from).
  public var parent: String?
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
  /// Of the k drilled items, how many the drill trains towards an answer other than the truth's
  /// (weak samples: all k, for a taboo drill on `wrong` items), and how many get an answer other
  /// than the one they were last trained on (none, for a taboo drill after a taboo lock). nil for
  /// a perturbation and in records without these counts.
  public var notTruth: Int?
  public var changing: Int?

  /// One line saying which drill this is: its target, its size, its branch and what it changes.
  public var summary: String { Self.summary(of: [self]) }

  /// The same line for the runs of one drill (one label), over all their sizes k: the counts
  /// are said when they hold in every run (`every drilled answer differs from the truth`), or
  /// given as such when the drill has one run.
  public static func summary(of drills: [DrillObservation]) -> String {
    let first = drills[0]
    let ks = Set(drills.compactMap(\.k)).sorted()
    var parts: [String] = []
    switch first.kind {
    case .perturb:
      parts.append(first.sigma.map { "perturb σ = \(formatNumber($0))" } ?? "a kick matched to a phase's displacement")
    default:
      let sizes = ks.isEmpty ? "?" : ks.map(String.init).joined(separator: ", ")
      parts.append("\(first.kind.rawValue) on k = \(sizes) items without password")
    }
    if let parent = first.parent { parts.append("from `\(parent)`") }
    guard first.kind != .perturb else { return "`\(first.label)`: " + parts.joined(separator: "; ") }
    func counts(_ count: (DrillObservation) -> Int?, all: String, none: String, some: String) {
      let known = drills.compactMap { d in d.k.flatMap { k in count(d).map { (k, $0) } } }
      guard known.count == drills.count else { return }
      if known.allSatisfy({ $0.1 == $0.0 }) {
        parts.append(all)
      } else if known.allSatisfy({ $0.1 == 0 }) {
        parts.append(none)
      } else if drills.count == 1 {
        parts.append("\(known[0].1) of \(known[0].0) \(some)")
      }
    }
    // Whether a drilled answer differs from the truth says something only of a taboo drill.
    if first.kind == .taboo {
      counts(\.notTruth, all: "every drilled answer differs from the truth",
             none: "no drilled answer differs from the truth", some: "drilled answers differ from the truth")
    }
    counts(\.changing, all: "every drilled answer changes", none: "no drilled answer changes",
           some: "drilled answers change")
    return "`\(first.label)`: " + parts.joined(separator: "; ")
  }
}

public enum Drills {
  /// The drills and perturbations of `run` (with probes), given its transfer records.
  public static func find(_ run: RunRecord, transfers: [TransferMetric]) -> [DrillObservation] {
    func size(_ set: String) -> Int? { run.sets.last { $0.name == set }?.size }
    var result: [DrillObservation] = []
    for phase in run.phases {
      // The lock it follows: its nearest lock ancestor (a branch's, from the phase it starts `from`).
      guard phase.facts.role == .drill || phase.facts.role == .perturbation,
        let lock = run.ancestors(of: phase).first(where: { $0.facts.role == .lock })
      else { continue }
      let kind: DrillObservation.Kind
      var k: Int? = nil
      if phase.facts.role == .perturbation {
        kind = .perturb
      } else {
        guard let target = phase.streams.first?.target else { continue }
        kind = DrillObservation.Kind(target)
        let names = Array(Set(phase.streams.map(\.set)))
        let sizes = names.compactMap(size)
        k = sizes.count == names.count ? sizes.reduce(0, +) : nil
      }
      let measured = measuredTransfer(run, phase: phase, lock: lock, transfers: transfers, size: size)
      func total(_ count: (StreamRecord) -> Int?) -> Int? {
        guard kind != .perturb else { return nil }
        let counts = phase.streams.map(count)
        return counts.contains { $0 == nil } ? nil : counts.reduce(0) { $0 + $1! }
      }
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
          key: run.key, phaseIndex: phase.index, phase: phase.name,
          label: phase.name + (phase.repeatIndex.map { " #\($0)" } ?? ""),
          parent: phase.parent.flatMap(run.phase)?.name, kind: kind, k: k,
          sigma: phase.facts.perturb, lockPhase: lock.name, measuredSet: measured?.set,
          gapRecovered: measured?.gapRecovered, drilledTabooEnd: tabooEnd,
          notTruth: total(\.notTruth), changing: total(\.changing)))
    }
    return result
  }

  /// The transfer record of the measured set (see the file comment).
  static func measuredTransfer(
    _ run: RunRecord, phase: PhaseRecord, lock: PhaseRecord, transfers: [TransferMetric],
    size: (String) -> Int?
  ) -> TransferMetric? {
    let candidates = transfers.filter { $0.phaseIndex == phase.index && !$0.password }
    let locked = Set(run.probes.filter { $0.phaseIndex == lock.index && !$0.password && $0.target == .taboo }
      .map(\.set))
    let preferred = candidates.filter { locked.contains($0.set) }
    let pool = preferred.isEmpty ? candidates : preferred
    var best: TransferMetric? = nil
    for candidate in pool where best == nil || (size(candidate.set) ?? -1) > (size(best!.set) ?? -1) {
      best = candidate
    }
    return best
  }
}
