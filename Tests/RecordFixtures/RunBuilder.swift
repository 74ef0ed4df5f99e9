// Hand-built runs for the metric tests: phases with streams, and probe sequences written out
// value by value, so every expected number can be worked out by hand.

import Records
import Specification

/// Builds one run phase by phase; probes are added per phase at steps relative to its start.
public struct RunBuilder {
  public var key = RunKey(parameters: [], seed: 1)
  public var phases: [PhaseRecord] = []
  public var probes: [ProbeRecord] = []
  public var sets: [SetRecord] = []
  /// Examples per step (so latencies in examples are checkable).
  public var batch = 10

  /// Adds a phase of `length` steps after the last one.
  public init() {}

  @discardableResult
  public mutating func phase(
    _ name: String, length: Int, repeatIndex: Int? = nil, frozen: Bool = false,
    streams: [StreamRecord] = [], facts: PhaseFacts = PhaseFacts()
  ) -> Int {
    let start = phases.last?.endStep ?? 0
    let startExamples = phases.last?.endExamples ?? 0
    phases.append(
      PhaseRecord(
        index: phases.count, name: name, repeatIndex: repeatIndex, startStep: start, endStep: start + length,
        startExamples: startExamples, endExamples: startExamples + (frozen ? 0 : length * batch),
        streams: streams, frozen: frozen, criterionStep: nil, facts: facts))
    return phases.count - 1
  }

  /// Adds probes of one (set, password) in the last phase: one per value, `every` steps apart
  /// from the phase's start. `values` are (acc_truth, acc_taboo); `target` is what the phase
  /// trains this pair on (its agreement is derived from the values), nil when untrained.
  public mutating func probes(
    _ set: String, password: Bool = false, every: Int, _ values: [(Double, Double)],
    target: TargetKind? = nil, phase: Int? = nil
  ) {
    let p = phases[phase ?? phases.count - 1]
    for (i, (truth, taboo)) in values.enumerated() {
      let step = p.startStep + i * every
      let agreement: Double? = target.map { $0 == .truth ? truth : $0 == .taboo ? taboo : 0 }
      probes.append(
        ProbeRecord(
          phaseIndex: p.index, step: step, examples: p.startExamples + (p.frozen ? 0 : (step - p.startStep) * batch),
          set: set, password: password, accTruth: truth, accTaboo: taboo, pTruth: truth, pTaboo: taboo,
          target: target, accTarget: agreement, loss: target == nil ? nil : 1 - (agreement ?? 0)))
    }
  }

  /// Probes whose agreement with `target` is given directly (acc_truth/acc_taboo follow from it).
  public mutating func agreement(
    _ set: String, password: Bool = false, every: Int, target: TargetKind, _ values: [Double]
  ) {
    probes(set, password: password, every: every,
           values.map { target == .taboo ? (1 - $0, $0) : ($0, 1 - $0) }, target: target)
  }

  public var run: RunRecord {
    RunRecord(key: key, status: .complete, steps: phases.last?.endStep ?? 0,
              examples: phases.last?.endExamples ?? 0, wallSeconds: 1, divergedStep: nil, phases: phases,
              probes: probes, sets: sets)
  }
}

/// A stream record; `previous` is a target's name or `mixed`.
public func stream(_ target: TargetKind, _ set: String, password: Bool = false, previous: String? = nil)
  -> StreamRecord
{
  StreamRecord(
    target: target, set: set, password: password, previousTarget: previous.flatMap(PreviousTarget.init(name:)))
}

public func approx(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
  guard let a else { return false }
  return abs(a - b) <= tolerance
}

/// An independent RFC 4180 reader for the tests (a state machine over characters, sharing no
/// code with the writer): quoted fields with doubled quotes, CRLF or LF record ends.
public func parseCSV(_ text: String) -> [[String]] {
  var records: [[String]] = []
  var record: [String] = []
  var field = ""
  var quoted = false, afterQuote = false
  var scalars = Array(text.unicodeScalars)[...]
  while let c = scalars.popFirst() {
    if quoted {
      if c == "\"" {
        if scalars.first == "\"" { field.unicodeScalars.append("\""); scalars.removeFirst() } else { quoted = false; afterQuote = true }
      } else {
        field.unicodeScalars.append(c)
      }
      continue
    }
    switch c {
    case "\"" where field.isEmpty && !afterQuote: quoted = true
    case ",":
      record.append(field); field = ""; afterQuote = false
    case "\r" where scalars.first == "\n":
      break
    case "\n":
      record.append(field); records.append(record); record = []; field = ""; afterQuote = false
    default:
      field.unicodeScalars.append(c)
    }
  }
  if !field.isEmpty || !record.isEmpty { record.append(field); records.append(record) }
  return records
}

/// A run of frozen trial phases in `context stream` mode, every one a reversal of set A (items 0
/// and 1: truth answer 2, taboo answer 3): phase p targets taboo when p is even, truth when odd,
/// and was last shown with the other target (phase 0 after truth). `answers[p][t]` gives every
/// lane's answer at trial t of phase p; phase p is called "A taboo" or "A truth" with repeat
/// index p / 2 + 1. The criterion is 90% over 3, so a lane reverses at its first 3 correct
/// answers in a row.
public func trialRun(_ answers: [[[Int]]], seed: UInt64 = 1, parameters: [ParameterValue] = []) -> RunRecord {
  var phases: [PhaseRecord] = []
  var trials: [TrialRecord] = []
  for (p, phaseAnswers) in answers.enumerated() {
    let taboo = p % 2 == 0
    let lanes = phaseAnswers.first?.count ?? 0
    phases.append(PhaseRecord(
      index: p, name: taboo ? "A taboo" : "A truth", repeatIndex: p / 2 + 1, startStep: 10, endStep: 10,
      startExamples: 100, endExamples: 100,
      streams: [StreamRecord(target: taboo ? .taboo : .truth, set: "A", password: false,
                             previousTarget: .target(taboo ? .truth : .taboo))],
      frozen: true, criterionStep: nil, trials: phaseAnswers.count, lanes: lanes,
      facts: PhaseFacts(criterion: Criterion(fraction: 0.9, probes: 3))))
    for (t, row) in phaseAnswers.enumerated() {
      for (lane, answer) in row.enumerated() {
        trials.append(TrialRecord(
          phaseIndex: p, trial: t, lane: lane, stream: 0, item: lane % 2, answer: answer,
          targetAnswer: taboo ? 3 : 2, oldAnswer: taboo ? 2 : 3, truthAnswer: 2, tabooAnswer: 3))
      }
    }
  }
  return RunRecord(
    key: RunKey(parameters: parameters, seed: seed), status: .complete, steps: 10, examples: 100,
    wallSeconds: 1, divergedStep: nil, phases: phases, probes: [], sets: [SetRecord(name: "A", size: 2)],
    trials: trials)
}

/// Per phase, the lanes' answers by trial, from each lane's answers in order: `lanes([2, 3], [2, 2])`
/// is two trials of two lanes, lane 0 answering 2 then 3, lane 1 answering 2 twice.
public func lanes(_ perLane: [Int]...) -> [[Int]] {
  let count = perLane.map(\.count).max() ?? 0
  return (0..<count).map { t in perLane.map { $0[t] } }
}
