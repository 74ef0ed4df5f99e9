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
//
// What the explanations (`Explanations`, docs/design.md §8.2) read besides, each from the
// records of that run: the measured set's time course (half-change step, the change of acc_truth
// and of each named convention's acc, the latent truth at the start), the phase's displacement,
// when the drilled items are memorised, and the locks before it.

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
  /// The index of the phase it starts from (`parent`'s).
  public var parentIndex: Int?
  /// The measured set's `half_change_step`: steps from the phase's start until acc_truth has moved
  /// half of its change (nil when it does not change, or without a measured set).
  public var halfChangeStep: Int?
  /// The measured set's acc_truth at the phase's end minus at its start (the parent's end probe).
  public var truthChange: Double?
  /// Per named convention of the world: its `acc` on the measured set at the end minus at the
  /// start, over the same two probes.
  public var conventionChange: [String: Double] = [:]
  /// The latent truth score (`LatentScore.acc` of "truth") of the measured set at the start: the
  /// parent's end probe, else the phase's first; nil when not measured.
  public var latentTruthStart: Double?
  /// The norm of the weight change the phase made: a perturbation's `kickNorm`, else the
  /// phase's last geometry record's `fromPhaseStart`; nil when not recorded.
  public var displacement: Double?
  /// For `perturb like PHASE`: the index of the phase whose displacement the kick matches.
  public var matchedPhase: Int?
  /// Steps from the phase's start to the first of K consecutive probes at which every drilled
  /// set (without password) has acc_target ≥ P, the phase's criterion: when the drilled items
  /// are memorised. The phase's length when never (`memorisedCensored`); nil for a perturbation
  /// and without probes of the drilled sets.
  public var memorisedStep: Int?
  public var memorisedCensored = false
  /// The index of the lock it follows (`lockPhase`'s).
  public var lockIndex = 0
  /// How many lock phases are among its ancestors (the lock it follows and every earlier one),
  /// and their steps in all.
  public var locks = 1
  public var lockSteps = 0

  /// A weak-sample drill: a taboo drill whose every drilled answer differs from the truth
  /// (`notTruth == k`; taken as it is in records without the count).
  public var isWeakSample: Bool { kind == .taboo && (notTruth == nil || notTruth == k) }

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
      var drill = DrillObservation(
        key: run.key, phaseIndex: phase.index, phase: phase.name,
        label: phase.name + (phase.repeatIndex.map { " #\($0)" } ?? ""),
        parent: phase.parent.flatMap(run.phase)?.name, kind: kind, k: k,
        sigma: phase.facts.perturb, lockPhase: lock.name, measuredSet: measured?.set,
        gapRecovered: measured?.gapRecovered, drilledTabooEnd: tabooEnd,
        notTruth: total(\.notTruth), changing: total(\.changing))
      drill.parentIndex = phase.parent
      drill.halfChangeStep = measured?.halfChangeStep
      drill.truthChange = measured.map { $0.truthEnd - $0.truthStart }
      if let set = measured?.set {
        let own = run.probes.filter { $0.phaseIndex == phase.index && $0.set == set && !$0.password }
        let before = phase.parent.flatMap(run.phase).flatMap { parent in
          run.probes.last {
            $0.phaseIndex == parent.index && $0.step == parent.endStep && $0.set == set && !$0.password
          }
        }
        if let start = before ?? own.first, let end = own.last {
          for score in end.conventions {
            if let first = start.conventions.first(where: { $0.name == score.name }) {
              drill.conventionChange[score.name] = score.acc - first.acc
            }
          }
        }
        drill.latentTruthStart = before.flatMap(latentTruth) ?? own.first.flatMap(latentTruth)
      }
      if kind == .perturb {
        drill.displacement = phase.facts.kickNorm
        drill.matchedPhase = phase.facts.kick?.phase
      } else {
        drill.displacement = run.geometry.last { $0.phaseIndex == phase.index }?.fromPhaseStart
        (drill.memorisedStep, drill.memorisedCensored) = memorised(run, phase: phase) ?? (nil, false)
      }
      let locks = run.ancestors(of: phase).filter { $0.facts.role == .lock }
      drill.lockIndex = lock.index
      drill.locks = locks.count
      drill.lockSteps = locks.reduce(0) { $0 + $1.endStep - $1.startStep }
      result.append(drill)
    }
    return result
  }

  /// The held-out accuracy of the latent truth readout at `probe`, if measured.
  package static func latentTruth(_ probe: ProbeRecord) -> Double? {
    probe.latent.first { $0.answer == TargetKind.truth.rawValue }?.acc
  }

  /// When `phase`'s drilled sets are memorised (see `DrillObservation.memorisedStep`), and
  /// whether that is censored at the phase's length; nil without probes of them.
  static func memorised(_ run: RunRecord, phase: PhaseRecord) -> (Int, Bool)? {
    let sets = Set(phase.streams.map(\.set))
    let probes = run.probes.filter {
      $0.phaseIndex == phase.index && !$0.password && sets.contains($0.set) && $0.accTarget != nil
    }
    // Every drilled set at each probe moment: the least of their agreements.
    let byStep = Dictionary(grouping: probes, by: \.step)
    let steps = byStep.keys.sorted().filter { Set(byStep[$0]!.map(\.set)) == sets }
    guard !steps.isEmpty else { return nil }
    let agreement = steps.map { step in byStep[step]!.compactMap(\.accTarget).min() }
    guard let reached = Switches.criterionIndex(agreement, phase.facts.criterion) else {
      return (phase.endStep - phase.startStep, true)
    }
    return (steps[reached] - phase.startStep, false)
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
