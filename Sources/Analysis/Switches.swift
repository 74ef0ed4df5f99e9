// Switches, latencies, perseveration and errors (docs/design.md §6), from one run's phases and probes.
//
// Which items switch at a phase boundary: those whose answer the phase changes, as the trainer
// found them item by item (`PhaseFacts.switches`: grouped by set, each group probed on exactly
// its items). Items whose answer does not change (a `taboo on all` over items whose weak answer
// is the truth) are no switch.
//
// Records written before switches were found item by item are read from their streams instead:
//   - every stream of the phase that is a reversal (`StreamRecord.isReversal`: it was last
//     trained, with the same password state, on one target and now on another);
//   - for a stream whose items were last trained on a mixture of targets (`mixed`, e.g.
//     `taboo on all` after `taboo on B; truth on A`), every probed set the phase trains under
//     that stream (its probe carries the stream's target) and whose own last target — followed
//     through the probes of earlier unfrozen phases — is known and different: here A.
//
// Agreement with a target at a probe: `acc_target` where the probe is trained on it, else
// `acc_truth` / `acc_taboo`; a `random` target is measured only where it is trained.
// A run of K probes must lie inside the phase: a run cut short by the phase's end does not count
// (as in the trainer's `until criterion`). The criterion is the one recorded with the phase.
// Frozen phases in `context stream` are measured by
// their trials instead (`Trials`).

import Records
import Specification

public enum Switches {
  /// Every switch of `run`, in phase order, then stream order.
  public static func compute(_ run: RunRecord) -> [SwitchMetric] {
    // What each pair was last trained on at the end of each phase; a phase starts from its
    // parent's (a branch from the phase it starts `from`).
    var targetsAfter: [Int: [PairKey: TargetKind]] = [:]
    var result: [SwitchMetric] = []
    let byPhase = Dictionary(grouping: run.probes, by: \.phaseIndex)
    for phase in run.phases {
      var lastTarget = phase.parent.flatMap { targetsAfter[$0] } ?? [:]
      defer { targetsAfter[phase.index] = lastTarget }
      let probes = byPhase[phase.index] ?? []
      if phase.trials > 0 {
        // Frozen stream phases are measured trial by trial (`Trials`); their streams were shown.
        for stream in phase.streams {
          lastTarget[PairKey(set: stream.set, password: stream.password)] = stream.target
        }
        continue
      }
      if let groups = phase.facts.switches {
        // Found item by item by the trainer: each group is measured on exactly its items.
        for group in groups {
          let series = probes.filter { $0.set == group.probeSet && $0.password == group.password }
          guard !series.isEmpty else { continue }
          result.append(
            measure(run: run, phase: phase, pair: PairKey(set: group.set, password: group.password),
                    old: group.old, new: group.new, series: series, criterion: phase.facts.criterion,
                    items: group.items))
        }
        updateLastTargets()
        continue
      }
      var candidates: [(pair: PairKey, old: TargetKind, new: TargetKind)] = []
      let streamPairs = Set(phase.streams.map { PairKey(set: $0.set, password: $0.password) })
      for stream in phase.streams {
        let pair = PairKey(set: stream.set, password: stream.password)
        if stream.isReversal, case .target(let old)? = stream.previousTarget {
          if !candidates.contains(where: { $0.pair == pair }) {
            candidates.append((pair, old, stream.target))
          }
        } else if stream.previousTarget == .mixed {
          for probe in probes where probe.password == stream.password && probe.target == stream.target {
            let part = PairKey(set: probe.set, password: probe.password)
            guard !streamPairs.contains(part), !candidates.contains(where: { $0.pair == part }),
              let old = lastTarget[part], old != stream.target
            else { continue }
            candidates.append((part, old, stream.target))
          }
        }
      }
      for candidate in candidates {
        let series = probes.filter { $0.set == candidate.pair.set && $0.password == candidate.pair.password }
        guard !series.isEmpty else { continue }
        result.append(
          measure(run: run, phase: phase, pair: candidate.pair, old: candidate.old, new: candidate.new,
                  series: series, criterion: phase.facts.criterion))
      }
      updateLastTargets()

      func updateLastTargets() {
        guard !phase.frozen else { return }
        for stream in phase.streams {
          lastTarget[PairKey(set: stream.set, password: stream.password)] = stream.target
        }
        for probe in probes {
          if let target = probe.target { lastTarget[PairKey(set: probe.set, password: probe.password)] = target }
        }
      }
    }
    return result
  }

  /// Agreement of a probe's answers with `target`; nil where not measured.
  public static func agreement(_ probe: ProbeRecord, with target: TargetKind) -> Double? {
    if probe.target == target, let value = probe.accTarget { return value }
    switch target {
    case .truth: return probe.accTruth
    case .taboo: return probe.accTaboo
    case .random, .randomAnswer: return nil
    case .convention(let name): return probe.conventions.first { $0.name == name }?.acc
    }
  }

  /// Index of the first probe that starts K consecutive probes with agreement ≥ P, if any.
  public static func criterionIndex(_ agreement: [Double?], _ criterion: Criterion) -> Int? {
    let k = criterion.probes
    guard agreement.count >= k else { return nil }
    let met = agreement.map { ($0 ?? -1) >= criterion.fraction - 1e-12 }
    var streak = 0
    for (i, ok) in met.enumerated() {
      streak = ok ? streak + 1 : 0
      if streak == k { return i - k + 1 }
    }
    return nil
  }

  static func measure(
    run: RunRecord, phase: PhaseRecord, pair: PairKey, old: TargetKind, new: TargetKind,
    series: [ProbeRecord], criterion: Criterion, items: Int? = nil
  ) -> SwitchMetric {
    let newAgreement = series.map { agreement($0, with: new) }
    let oldAgreement = series.map { agreement($0, with: old) }
    let steps = series.map { $0.step - phase.startStep }
    let reached = criterionIndex(newAgreement, criterion)
    let latencySteps = reached.map { steps[$0] } ?? (phase.endStep - phase.startStep)
    let latencyExamples = reached.map { series[$0].examples - phase.startExamples }
      ?? (phase.endExamples - phase.startExamples)
    func firstStep(_ values: [Double?], _ test: (Double) -> Bool) -> Int? {
      values.indices.first { values[$0].map(test) ?? false }.map { steps[$0] }
    }
    let measured = oldAgreement.allSatisfy { $0 != nil }
    var oldErrors = 0.0, otherErrors = 0.0
    if measured {
      for i in 0..<(reached ?? series.count) {
        let agreeNew = newAgreement[i] ?? 0, agreeOld = oldAgreement[i]!
        oldErrors += min(agreeOld, max(0, 1 - agreeNew))
        otherErrors += max(0, 1 - agreeNew - agreeOld)
      }
    }
    // In items: the switching items, else the set's size where known (every run records its
    // sets, `all` and `wrong`).
    if let size = items ?? run.sets.first(where: { $0.name == pair.set })?.size {
      // Agreements are shares of `size` items, so these are whole numbers of (item, probe)
      // errors; rounding removes the floating-point residue (4477.999999999999 is 4478).
      oldErrors = (oldErrors * Double(size)).rounded()
      otherErrors = (otherErrors * Double(size)).rounded()
    }
    return SwitchMetric(
      key: run.key, phaseIndex: phase.index, phase: phase.name, repeatIndex: phase.repeatIndex,
      set: pair.set, password: pair.password, oldTarget: old, newTarget: new,
      latencySteps: latencySteps, latencyExamples: latencyExamples, censored: reached == nil,
      latency50Steps: firstStep(newAgreement) { $0 >= 0.5 - 1e-12 },
      latency80Steps: firstStep(newAgreement) { $0 >= 0.8 - 1e-12 },
      perseverationSteps: measured ? firstStep(oldAgreement) { $0 < 0.5 } : nil,
      oldAnswerErrors: measured ? oldErrors : nil, otherErrors: measured ? otherErrors : nil,
      items: items)
  }
}

/// A probed (set, password) pair.
struct PairKey: Hashable, Sendable {
  var set: String
  var password: Bool
}
