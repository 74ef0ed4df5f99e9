// Trial-level metrics of frozen stream phases (docs/design.md §5, §6) on hand-built streams with a known
// switch: latency, threshold-free latencies, perseveration and errors in trials, per-lane
// reversals, the accuracy around the switch; and the store and CSV round trip of trials.

import Foundation
import Records
import Analysis
import Output
import RecordFixtures
import Specification
import Store
import Testing

@Suite("trials")
struct TrialTests {
  /// Two lanes, two frozen phases of trials: "A taboo" (6 trials) then "A truth" (6 trials),
  /// every trial on set A (items 0 and 1: truth answer 2, taboo answer 3). `answers[t]` gives both
  /// lanes' answers at trial t of the second phase; the first phase is answered perfectly.
  static func run(_ answers: [(Int, Int)]) -> RunRecord {
    let first = PhaseRecord(
      index: 0, name: "A taboo", repeatIndex: nil, startStep: 50, endStep: 50, startExamples: 800,
      endExamples: 800, streams: [StreamRecord(target: .taboo, set: "A", password: false, previousTarget: .target(.truth))],
      frozen: true, criterionStep: nil, trials: 6, lanes: 2)
    let second = PhaseRecord(
      index: 1, name: "A truth", repeatIndex: nil, startStep: 50, endStep: 50, startExamples: 800,
      endExamples: 800, streams: [StreamRecord(target: .truth, set: "A", password: false, previousTarget: .target(.taboo))],
      frozen: true, criterionStep: nil, trials: answers.count, lanes: 2)
    var trials: [TrialRecord] = []
    for t in 0..<6 {
      for lane in 0..<2 {
        trials.append(TrialRecord(phaseIndex: 0, trial: t, lane: lane, stream: 0, item: lane, answer: 3,
                                  targetAnswer: 3, oldAnswer: 2, truthAnswer: 2, tabooAnswer: 3))
      }
    }
    for (t, pair) in answers.enumerated() {
      for (lane, answer) in [pair.0, pair.1].enumerated() {
        trials.append(TrialRecord(phaseIndex: 1, trial: t, lane: lane, stream: 0, item: lane, answer: answer,
                                  targetAnswer: 2, oldAnswer: 3, truthAnswer: 2, tabooAnswer: 3))
      }
    }
    return RunRecord(
      key: RunKey(parameters: [], seed: 1), status: .complete, steps: 50, examples: 800, wallSeconds: 1,
      divergedStep: nil, phases: [first, second], probes: [], sets: [SetRecord(name: "A", size: 2)],
      trials: trials)
  }

  // Lane 0 errs once (the old answer), lane 1 twice (the old answer, then a third answer).
  static let switched = run([(3, 3), (2, 4), (2, 2), (2, 2), (2, 2), (2, 2)])

  @Test("latency, latency50/80 and perseveration in trials; errors per lane")
  func switchLatency() throws {
    let switches = Trials.switches(Self.switched)
    #expect(switches.count == 2)  // each phase reverses A
    let s = try #require(switches.last)
    #expect(s.unit == .trials && s.phaseIndex == 1 && s.oldTarget == .taboo && s.newTarget == .truth)
    // Agreement with the new target per trial: 0, 0.5, 1, 1, 1, 1 → 3 in a row ≥ 90% from trial 2.
    #expect(s.latencySteps == 2 && !s.censored && s.latencyExamples == 4)
    #expect(s.latency50Steps == 1 && s.latency80Steps == 2)
    // Agreement with the old target: 1, 0, 0, … → below 50% first at trial 1.
    #expect(s.perseverationSteps == 1)
    // Before trial 2: two old answers at trial 0, one other answer (4) at trial 1; per lane.
    #expect(s.oldAnswerErrors == 1 && s.otherErrors == 0.5)
    // The first phase's trials all agree with its target at once.
    #expect(switches[0].latencySteps == 0 && switches[0].perseverationSteps == 0)
  }

  @Test("never reached: censored at the phase's trials")
  func censored() throws {
    let s = try #require(Trials.switches(Self.run([(3, 3), (2, 3), (2, 3), (3, 2), (2, 3)])).last)
    #expect(s.censored && s.latencySteps == 5)
    #expect(s.latency50Steps == 1 && s.latency80Steps == nil)
    #expect(s.oldAnswerErrors == 3 && s.otherErrors == 0)  // 6 old answers over 2 lanes
  }

  @Test("per-lane reversals: trials to criterion, errors, one-trial reversals")
  func reversals() throws {
    let r = try #require(Trials.reversals(Self.switched).last)
    #expect(r.sets == "A" && r.trials == 6)
    #expect(r.lanes.map(\.trialsToCriterion) == [1, 2] && r.lanes.map(\.errors) == [1, 2])
    #expect(r.lanes.map(\.oneTrial) == [true, false])
    #expect(r.oneTrialShare == 0.5 && r.meanErrors == 1.5 && r.medianTrialsToCriterion == 1.5)
    let never = try #require(Trials.reversals(Self.run([(3, 3), (3, 2), (3, 2), (3, 2)])).last)
    #expect(never.lanes.map(\.trialsToCriterion) == [nil, 1] && never.lanes.map(\.errors) == [4, 1])
    #expect(never.censoredLanes == 1 && never.medianTrialsToCriterion == 2.5)  // (4 + 1) / 2
  }

  @Test("accuracy around the switch joins the previous phase's last trials")
  func aligned() throws {
    let aligned = Trials.aligned(Self.switched, before: 3, after: 4)
    #expect(aligned.count == 2)
    let second = try #require(aligned.last)
    #expect(second.accuracy == [-3: 1, -2: 1, -1: 1, 0: 0, 1: 0.5, 2: 1, 3: 1, 4: 1])
    #expect(aligned[0].accuracy.keys.min() == 0)  // nothing before the first frozen phase
  }

  @Test("probe-based switches skip trial phases; the summary names trial metrics")
  func summary() throws {
    #expect(Switches.compute(Self.switched).isEmpty)
    let analysis = BatchAnalysis(scenarioName: "t", runs: [Self.switched])
    let metrics = Set(analysis.summary.map(\.metric))
    #expect(metrics.isSuperset(of: ["latency_trials", "latency50_trials", "perseveration_trials",
                                    "reversal_trials_to_criterion", "reversal_errors", "one_trial_reversals"]))
    #expect(!metrics.contains("latency_steps"))
    let oneTrial = analysis.summary.filter { $0.metric == "one_trial_reversals" && $0.phase == "A truth" }
    #expect(oneTrial.map(\.aggregate.median) == [0.5])
  }

  @Test("trials survive the store, a merge and the CSV export")
  func roundTrip() throws {
    let directory = try TemporaryDirectory()
    let store = try Store.open(path: directory.file("t.sqlite"), scenarioName: "t", scenarioText: "t",
                               version: "test")
    try store.write(Self.switched)
    let back = try #require(try store.run(Self.switched.key))
    #expect(back.trials == Self.switched.trials && back.phases == Self.switched.phases)
    try Store.merge(inputs: [directory.file("t.sqlite")], into: directory.file("m.sqlite"))
    #expect(try Store.open(existing: directory.file("m.sqlite")).allRuns().first?.trials == Self.switched.trials)
    // Merging again is idempotent: identical trials are recognised.
    let again = try Store.merge(inputs: [directory.file("t.sqlite")], into: directory.file("m.sqlite"))
    #expect(again.skipped == 1 && again.added == 0)

    let report = try Export.write(store, to: directory.file("csv"))
    #expect(report.files.first { $0.name == "trials.csv" }?.rows == 24)
    let text = try String(contentsOfFile: directory.file("csv") + "/trials.csv", encoding: .utf8)
    let lines = text.split(separator: "\r\n")
    #expect(lines[1] == "1,1,0,A taboo,,0,0,A,false,0,taboo,3,3,2,2,3,true")
    #expect(lines[14] == "1,1,1,A truth,,0,1,A,false,1,truth,3,2,3,2,3,false")
    let switches = try String(contentsOfFile: directory.file("csv") + "/switches.csv", encoding: .utf8)
      .split(separator: "\r\n")
    // Counts in steps are empty for a trial phase; its errors are means per lane, then the
    // switching items, not counted for trial switches.
    #expect(switches[2].hasSuffix(",,,2,1,2,1,1,0.5,"), "\(switches[2])")
  }

  @Test("a version-1 database is upgraded on opening and keeps its runs")
  func upgrade() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("old.sqlite")
    var old = Self.switched
    old.trials = []
    old.phases = old.phases.map { var p = $0; p.trials = 0; p.lanes = 0; return p }
    try Store.open(path: path, scenarioName: "t", scenarioText: "t", version: "test").write(old)
    // Make it what schema version 1 wrote: no trials table, no trial columns.
    let downgrade = Process()
    downgrade.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    downgrade.arguments = ["python3", "-c", """
      import sqlite3, sys
      c = sqlite3.connect(sys.argv[1])
      c.executescript("DROP TABLE trials; ALTER TABLE phases DROP COLUMN trials; "
                      "ALTER TABLE phases DROP COLUMN lanes; ALTER TABLE phases DROP COLUMN facts; "
                      "ALTER TABLE probes DROP COLUMN conventions; ALTER TABLE probes DROP COLUMN latent; DROP TABLE geometry; "
                      "UPDATE meta SET value = '1' WHERE key = 'schema_version';")
      c.commit()
      """, path]
    try downgrade.run()
    downgrade.waitUntilExit()
    try #require(downgrade.terminationStatus == 0)
    let store = try Store.open(existing: path)
    #expect(store.meta.schemaVersion == Store.schemaVersion)
    // Version 1 recorded no phase facts: without a source for them the runs are refused, clearly.
    #expect(throws: StoreError.self) { try store.allRuns() }
    let facts = old.phases.map(\.facts)
    store.legacyFacts = { _ in facts }
    #expect(try store.allRuns() == [old])
    try store.write(RunRecord(key: RunKey(parameters: [], seed: 2), status: .complete, steps: 1, examples: 1,
                              wallSeconds: 1, divergedStep: nil, phases: Self.switched.phases, probes: [],
                              trials: Self.switched.trials))
    #expect(try store.allRuns().last?.trials.count == 24)
  }
}
