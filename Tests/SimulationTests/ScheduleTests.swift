// The simulator's static model of a run, which `check` and `explain` use: the memory estimate
// and the step and example accounting, on hand-worked cases (`AccountingTests` compares them
// with real runs).

import Foundation
import ScenarioLanguage
import Simulation
import Specification
import Testing

struct ScheduleTests {
  func resolved(_ text: String) throws -> RunSpec {
    let result = ScenarioChecker.check(text: text, model: StaticModel())
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    return scenario.resolved(at: scenario.sweepPoints[0])
  }

  func resolvedSpec(_ text: String) throws -> RunSpec { try resolved(text) }

  @Test func memoryEstimateCountsParametersAndActivations() {
    let estimate = MemoryEstimate(
      shape: NetworkShape(cell: .gru, vocabulary: 5 + 2, inputSize: 32, hidden: 64, classes: 5),
      sequenceLength: 6, batch: 576, items: 384)
    // (5+2)·32 + 3·64·(32+64) + 2·3·64 + 5·64 + 5
    #expect(estimate.parameterCount == 224 + 18_432 + 384 + 320 + 5)
    #expect(estimate.parameterBytes == Double(estimate.parameterCount) * 16)
    #expect(estimate.timeSteps == 7)
    // per position: 2E + 4GH + 4H + 3C = 64 + 768 + 256 + 15, over 576 rows (more than a probe
    // chunk of 512) × 7 steps; per workspace 2·V·GH + 4GH = 2·7·192 + 768 (token projections)
    #expect(estimate.activationBytes == Double(576 * 7 * 1103 + 2 * 7 * 192 + 768) * 4)
    #expect(estimate.totalBytes < 20 * 1024 * 1024)
    // In stream mode the vocabulary holds the answer tokens too: the run's own network shape.
    let spec = try! resolvedSpec(
      "world modsum 7 { convention shift 1 }\nmodel lstm 8\ncontext stream 16\ntrain { batch 1 }\n"
        + "probe every 1 steps on all\nphase p for 1 steps { truth on all }")
    let stream = MemoryEstimate(shape: spec.networkShape, sequenceLength: 2, batch: 1, items: 49, window: 16)
    #expect(stream.timeSteps == 16 * 4)
    // V = 7 symbols + start + password + 7 answers = 16: embedding 16·8, the LSTM 4·8·(8+8) + 2·32,
    // the readout 7·8 + 7.
    #expect(stream.parameterCount == 16 * 8 + 512 + 64 + 56 + 7)
  }

  @Test func memoryLimitNamesBothNumbers() {
    let text = """
      world runsum 5 6 { convention weak 0.25 }
      model lstm 8192
      probe every 10 steps on all
      phase p for 10 steps { truth on all }
      """
    let result = ScenarioChecker.check(text: text, model: StaticModel())
    let diagnostic = result.diagnostics.first { $0.code == .memoryLimit }
    #expect(
      diagnostic?.message.contains("GiB of memory, above the limit of 4 GiB") == true, "\(result.diagnostics)"
    )
    #expect(result.scenario == nil)
    // The language alone does not model the simulator: without the model the file checks.
    #expect(ScenarioChecker.check(text: text).scenario != nil)
  }

  @Test func accountingOfTheCanonicalScenario() throws {
    let url = AccountingTests.repository.appendingPathComponent("scenarios/weak-sample-unlocking.taboo")
    let run = try resolved(try String(contentsOf: url, encoding: .utf8))
    let accounting = ScheduleAccounting(run)
    #expect(accounting.phases[0].examplesPerEpoch == SetSizeBounds(exactly: 576))
    #expect(accounting.phases[0].steps == SetSizeBounds(exactly: 1000))
    #expect(accounting.phases[0].examples == SetSizeBounds(exactly: 576_000))
    #expect(accounting.phases[2].steps == SetSizeBounds(exactly: 200))
    #expect(accounting.phases[2].examples == SetSizeBounds(fewest: 0, most: 400))
    #expect(accounting.totalSteps == SetSizeBounds(exactly: 1500))
    let exact = ScheduleAccounting(run, knownSizes: ["drill": 2, "wrong": 280])
    #expect(exact.phases[2].examples == SetSizeBounds(exactly: 400))
    #expect(exact.totalExamples == SetSizeBounds(exactly: 576_000 + 172_800 + 400))
  }

  @Test func stepsAndExamplesWithBatches() {
    #expect(ScheduleAccounting.stepsPerEpoch(union: 10, batch: 3) == 4)
    #expect(ScheduleAccounting.stepsPerEpoch(union: 10, batch: nil) == 1)
    #expect(ScheduleAccounting.stepsPerEpoch(union: 2, batch: 32) == 1)
    // 10 examples at batch 3: passes of 3+3+3+1; 6 steps = one pass (10) + 2 batches (6)
    #expect(ScheduleAccounting.examplesInSteps(6, union: 10, batch: 3) == 16)
    #expect(ScheduleAccounting.examplesInSteps(5, union: 10, batch: nil) == 50)
  }

  @Test func truthAndTabooOnTheSameItemsMayOverlap() throws {
    let run = try resolved(
      """
      world runsum 5 6 { items 100; convention weak 0.5; password }
      model gru 4
      probe every 1 steps on all
      phase p for 1 epochs { truth on all; taboo on all }
      phase q for 1 epochs { truth on all; taboo on wrong }
      phase r for 1 epochs { truth on all; truth on all with password; random on all }
      """)
    let accounting = ScheduleAccounting(run)
    #expect(accounting.phases[0].examplesPerEpoch == SetSizeBounds(fewest: 100, most: 200))
    #expect(accounting.phases[1].examplesPerEpoch == SetSizeBounds(fewest: 100, most: 200))
    #expect(accounting.phases[2].examplesPerEpoch == SetSizeBounds(exactly: 300))
  }
}
