// Trial-level measurements of frozen phases in `context stream` mode (docs/design.md §5, §6): the same
// switch metrics as for probes, with trials for probes, plus per-lane reversals and the accuracy
// around each switch.
//
// A run's lanes are independent streams (subjects); trial t of a phase is every lane's t-th
// example. For a reversed stream of a frozen trial phase:
//   - the stream's series holds, for every trial at which some lane was shown one of its items,
//     the share of those lanes whose answer is the new target's (agreement with the new target)
//     and the share whose answer is the old target's;
//   - latency: the trial that starts the first run of K consecutive series points with
//     agreement ≥ P (the scenario's `criterion P% over K probes`), censored at the phase's trials;
//     latency50/80 and perseveration as for probes, in trials;
//   - old-answer and other errors: wrong answers of the stream's items before the criterion
//     trial (all of them when censored), per lane (summed over lanes, divided by the lanes).
// A reversal (per lane, the comparison with serially reversed animals): the lane's answers to
// every trial of a phase with a reversed stream; trials to criterion = the first trial of K
// consecutive correct answers; errors = wrong answers before it. A one-trial reversal reaches
// criterion with at most one error: the first trial after the switch, which no learner can know.

import Records
import Specification

/// One lane's reversal in one frozen phase.
public struct LaneReversal: Sendable, Hashable {
  public var lane: Int
  /// Trial index of the first of K consecutive correct answers; nil when never reached.
  public var trialsToCriterion: Int?
  /// Wrong answers before that trial (before the phase's end when never reached).
  public var errors: Int
  /// Reached with at most one error.
  public var oneTrial: Bool { trialsToCriterion != nil && errors <= 1 }
}

/// The lanes' reversals in one frozen trial phase with a reversed stream.
public struct ReversalMetric: Sendable, Hashable {
  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  public var repeatIndex: Int?
  /// The sets of the phase's reversed streams, joined by "+" (e.g. "A+B").
  public var sets: String
  public var password: Bool
  public var trials: Int
  public var lanes: [LaneReversal]

  /// Share of lanes whose reversal took at most one error.
  public var oneTrialShare: Double {
    lanes.isEmpty ? 0 : Double(lanes.filter(\.oneTrial).count) / Double(lanes.count)
  }
  /// Mean errors per lane.
  public var meanErrors: Double {
    lanes.isEmpty ? 0 : Double(lanes.map(\.errors).reduce(0, +)) / Double(lanes.count)
  }
  /// Median trials to criterion over lanes (censored lanes at the phase's trials).
  public var medianTrialsToCriterion: Double {
    Statistics.median(lanes.map { Double($0.trialsToCriterion ?? trials) }) ?? 0
  }
  public var censoredLanes: Int { lanes.filter { $0.trialsToCriterion == nil }.count }
}

/// Choice accuracy (agreement with each trial's target, over lanes) around one switch between two
/// consecutive frozen trial phases.
public struct AlignedSwitch: Sendable, Hashable {
  public var key: RunKey
  public var phaseIndex: Int
  public var phase: String
  /// Offset from the switch (trial 0 is the new phase's first) → share of lanes correct.
  public var accuracy: [Int: Double]
}

public enum Trials {
  /// The switches of `run`'s frozen trial phases, in phase order, then stream order.
  public static func switches(_ run: RunRecord) -> [SwitchMetric] {
    let byPhase = Dictionary(grouping: run.trials, by: \.phaseIndex)
    var result: [SwitchMetric] = []
    for phase in run.phases where phase.trials > 0 {
      let trials = byPhase[phase.index] ?? []
      let lanes = max(phase.lanes, 1)
      for (index, stream) in phase.streams.enumerated() where stream.isReversal {
        guard case .target(let old)? = stream.previousTarget else { continue }
        let mine = trials.filter { $0.stream == index }
        let byTrial = Dictionary(grouping: mine, by: \.trial)
        let points = byTrial.keys.sorted()
        guard !points.isEmpty else { continue }
        let agreeNew: [Double?] = points.map { t in share(byTrial[t]!) { $0.correct } }
        let agreeOld: [Double?] = points.map { t in
          let known = byTrial[t]!.filter { $0.oldAnswer != nil }
          return known.isEmpty ? nil : share(known) { $0.answer == $0.oldAnswer }
        }
        let reached = Switches.criterionIndex(agreeNew, phase.facts.criterion)
        let latency = reached.map { points[$0] } ?? phase.trials
        func first(_ values: [Double?], _ test: (Double) -> Bool) -> Int? {
          values.indices.first { values[$0].map(test) ?? false }.map { points[$0] }
        }
        let measured = agreeOld.allSatisfy { $0 != nil }
        let before = mine.filter { $0.trial < latency }
        let oldErrors = before.filter { !$0.correct && $0.answer == $0.oldAnswer }.count
        let otherErrors = before.filter { !$0.correct && $0.answer != $0.oldAnswer }.count
        result.append(SwitchMetric(
          key: run.key, phaseIndex: phase.index, phase: phase.name, repeatIndex: phase.repeatIndex,
          set: stream.set, password: stream.password, oldTarget: old, newTarget: stream.target,
          latencySteps: latency, latencyExamples: latency * lanes, censored: reached == nil,
          latency50Steps: first(agreeNew) { $0 >= 0.5 - 1e-12 },
          latency80Steps: first(agreeNew) { $0 >= 0.8 - 1e-12 },
          perseverationSteps: measured ? first(agreeOld) { $0 < 0.5 } : nil,
          oldAnswerErrors: measured ? Double(oldErrors) / Double(lanes) : nil,
          otherErrors: measured ? Double(otherErrors) / Double(lanes) : nil,
          unit: .trials))
      }
    }
    return result
  }

  /// Every lane's reversal in each frozen trial phase that has a reversed stream.
  public static func reversals(_ run: RunRecord) -> [ReversalMetric] {
    let byPhase = Dictionary(grouping: run.trials, by: \.phaseIndex)
    var result: [ReversalMetric] = []
    for phase in run.phases where phase.trials > 0 {
      let reversed = phase.streams.filter(\.isReversal)
      guard !reversed.isEmpty else { continue }
      let byLane = Dictionary(grouping: byPhase[phase.index] ?? [], by: \.lane)
      let lanes = byLane.keys.sorted().map { lane -> LaneReversal in
        let answers = byLane[lane]!.sorted { $0.trial < $1.trial }
        let reached = Switches.criterionIndex(answers.map { $0.correct ? 1.0 : 0.0 }, phase.facts.criterion)
        let end = reached ?? answers.count
        return LaneReversal(
          lane: lane, trialsToCriterion: reached.map { answers[$0].trial },
          errors: answers[0..<end].filter { !$0.correct }.count)
      }
      var names: [String] = []
      for stream in reversed where !names.contains(stream.set) { names.append(stream.set) }
      result.append(ReversalMetric(
        key: run.key, phaseIndex: phase.index, phase: phase.name, repeatIndex: phase.repeatIndex,
        sets: names.joined(separator: "+"), password: reversed[0].password, trials: phase.trials,
        lanes: lanes))
    }
    return result
  }

  /// Accuracy from `before` trials before to `after` trials after every switch into a frozen
  /// trial phase with a reversed stream; trials before the switch come from the previous phase
  /// when it is a frozen trial phase too.
  public static func aligned(_ run: RunRecord, before: Int = 10, after: Int = 20) -> [AlignedSwitch] {
    // Share of lanes correct, by phase and trial.
    var correct: [Int: [Int: (right: Int, all: Int)]] = [:]
    for trial in run.trials {
      var count = correct[trial.phaseIndex, default: [:]][trial.trial, default: (0, 0)]
      count.all += 1
      if trial.correct { count.right += 1 }
      correct[trial.phaseIndex, default: [:]][trial.trial] = count
    }
    func accuracy(_ phase: Int, _ trial: Int) -> Double? {
      correct[phase]?[trial].map { Double($0.right) / Double($0.all) }
    }
    var result: [AlignedSwitch] = []
    for (position, phase) in run.phases.enumerated()
    where phase.trials > 0 && phase.streams.contains(where: \.isReversal) {
      var values: [Int: Double] = [:]
      for offset in 0..<min(after + 1, phase.trials) {
        values[offset] = accuracy(phase.index, offset)
      }
      if position > 0, run.phases[position - 1].trials > 0 {
        let previous = run.phases[position - 1]
        for offset in -before..<0 where previous.trials + offset >= 0 {
          values[offset] = accuracy(previous.index, previous.trials + offset)
        }
      }
      result.append(AlignedSwitch(key: run.key, phaseIndex: phase.index, phase: phase.name,
                                  accuracy: values))
    }
    return result
  }

  private static func share(_ rows: [TrialRecord], _ test: (TrialRecord) -> Bool) -> Double {
    Double(rows.filter(test).count) / Double(rows.count)
  }
}
