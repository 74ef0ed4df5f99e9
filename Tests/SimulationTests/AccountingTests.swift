// What `taboo explain` and `taboo check` predict of a run (its optimizer steps, examples and
// trials per phase; the memory it needs) against what the run did, for every shipped scenario
// in the reduced form the CLI tests run. The prediction and the trainer share their rules
// (`ScheduleAccounting.stepsPerEpoch`, `RunSpec.laneSources`); this shows they agree.

import Foundation
import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

@Suite("Schedule accounting and memory against real runs")
struct AccountingTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  /// The shipped scenarios with the `--set` values of the reduced CLI runs.
  static let cases: [(file: String, settings: [String: Double])] = [
    ("weak-sample-unlocking.taboo", ["pretrain_steps": 40, "lock_steps": 20, "drill_epochs": 10]),
    ("unlocking-controls.taboo",
     ["pretrain_steps": 30, "lock_steps": 10, "drill_epochs": 5, "k": 4]),
    ("serial-reversal.taboo", ["cap": 12]),
    ("two-items.taboo", ["learn_cap": 12, "cap": 6]),
    ("in-context-reversal.taboo", ["reversals": 3, "blocks": 2]),
    ("weight-space-reversal.taboo", ["cap": 5]),
    ("explanations.taboo",
     ["pretrain_steps": 30, "lock_steps": 10, "long_lock_steps": 50, "unlock_steps": 10, "drill_epochs": 5]),
    ("networks/transformer-in-context-reversal.taboo", ["reversals": 3, "blocks": 2]),
    ("networks/transformer-unlocking-controls.taboo",
     ["pretrain_steps": 30, "lock_steps": 10, "drill_epochs": 5, "k": 2]),
  ]

  @Test("predicted steps, examples and trials are what each phase did; the estimate bounds the buffers",
        arguments: cases)
  func predictions(file: String, settings: [String: Double]) throws {
    let text = try String(
      contentsOf: Self.repository.appendingPathComponent("scenarios").appendingPathComponent(file), encoding: .utf8)
    let result = ScenarioChecker.check(text: text, name: file, overrides: settings, model: StaticModel())
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    let spec = scenario.resolved(at: scenario.sweepPoints[0])
    let plan = try RunPlan(spec, seed: 1)
    let outcome = try Trainer(plan: plan, key: RunKey(parameters: [], seed: 1)).execute()
    let record = outcome.record
    #expect(record.status == .complete)
    var known = ["all": plan.world.items.count, "wrong": plan.world.wrong.count]
    for set in plan.sets { known[set.name] = set.items.count }
    let accounting = ScheduleAccounting(spec, knownSizes: known)
    #expect(record.phases.count == accounting.phases.count)
    for (phase, counts) in zip(record.phases, accounting.phases) {
      let steps = phase.endStep - phase.startStep
      let examples = phase.endExamples - phase.startExamples
      let shown = phase.trials * phase.lanes
      let name = "\(file) phase \(phase.index) '\(phase.name)'"
      if phase.trials > 0 {
        #expect(counts.examples.fewest <= shown && shown <= counts.examples.most, "\(name): \(shown) trials × lanes, predicted \(counts.examples)")
        continue
      }
      if phase.frozen {
        #expect(examples == 0, "\(name)")
        continue
      }
      if case .untilCriterion = spec.phases[phase.index].length {
        #expect(steps >= 1 && steps <= counts.steps.most, "\(name): \(steps) steps, predicted \(counts.steps)")
      } else if spec.phases[phase.index].length.isVariable {
        #expect(counts.steps.fewest <= steps && steps <= counts.steps.most, "\(name): \(steps) steps, predicted \(counts.steps)")
        #expect(counts.examples.fewest <= examples && examples <= counts.examples.most, "\(name): \(examples) examples, predicted \(counts.examples)")
      } else {
        #expect(counts.steps == SetSizeBounds(exactly: steps), "\(name): \(steps) steps, predicted \(counts.steps)")
        #expect(counts.examples == SetSizeBounds(exactly: examples), "\(name): \(examples) examples, predicted \(counts.examples)")
      }
    }
    let estimate = MemoryEstimate(spec: spec)
    #expect(estimate.parameterCount == plan.networkShape.parameterCount)
    #expect(
      Double(outcome.allocatedBytes) <= estimate.activationBytes + estimate.parameterBytes + estimate.snapshotBytes,
      "\(file): allocated \(outcome.allocatedBytes) bytes, estimated \(estimate.summary)")
  }
}
