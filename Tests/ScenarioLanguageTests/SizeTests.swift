// Static set sizes, the memory estimate and the step and example accounting of `explain`.

import Foundation
import ScenarioLanguage
import Specification
import Testing

struct SizeTests {
  func resolvedSpec(_ text: String) throws -> RunSpec { try resolved(text) }

  func resolved(_ text: String) throws -> RunSpec {
    let result = ScenarioChecker.check(text: text)
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    return scenario.resolved(at: scenario.sweepPoints[0])
  }

  func sizes(_ sets: String, world: String = "world runsum 5 6 { items 100; convention weak 0.5 }") throws
    -> [String: SetSizeBounds]
  {
    let names = sets.split(separator: "\n").compactMap { $0.split(separator: " ").dropFirst().first }.joined(
      separator: ", ")
    let run = try resolved(
      "\(world)\n\(sets)\nmodel gru 4\nprobe every 1 steps on \(names)\nphase p for 1 steps { truth on all }")
    return Dictionary(uniqueKeysWithValues: run.staticSetSizes.map { ($0.name, $0.size) })
  }

  @Test func setAlgebraKnowsWhatItCan() throws {
    let s = try sizes(
      """
      set test = sample 25% of all
      set train = all - test
      set both = test + train
      set none = test & wrong
      set few = items 0, 3..5, 4
      set pick = sample 3 of train
      set rest = train - pick
      set odd = sample 10% of wrong
      set mix = test + few
      """)
    #expect(s["all"] == SetSizeBounds(exactly: 100))
    #expect(s["wrong"] == SetSizeBounds(fewest: 0, most: 100))
    #expect(s["test"] == SetSizeBounds(exactly: 25))
    #expect(s["train"] == SetSizeBounds(exactly: 75))
    #expect(s["both"] == SetSizeBounds(exactly: 100))
    #expect(s["none"] == SetSizeBounds(fewest: 0, most: 25))
    #expect(s["few"] == SetSizeBounds(exactly: 4))
    #expect(s["pick"] == SetSizeBounds(exactly: 3))
    #expect(s["rest"] == SetSizeBounds(exactly: 72))
    #expect(s["odd"] == SetSizeBounds(fewest: 0, most: 10))
    #expect(s["mix"] == SetSizeBounds(fewest: 25, most: 29))
  }

  @Test func wrongIsExactForRuleConventions() throws {
    #expect(
      try sizes("set a = wrong", world: "world modsum 7 { convention shift 2 }")["wrong"]
        == SetSizeBounds(exactly: 49))
    #expect(
      try sizes("set a = wrong", world: "world lookup 30 { convention scramble }")["wrong"]
        == SetSizeBounds(exactly: 30))
    #expect(
      try sizes("set a = wrong", world: "world modsum 7 { convention constant 3 }")["wrong"]
        == SetSizeBounds(exactly: 42))
  }

  @Test func sampleSizesRoundHalfAwayFromZero() {
    #expect(SetExpression.sampleSize(0.5, of: 49) == 25)
    #expect(SetExpression.sampleSize(0.25, of: 384) == 96)
    #expect(SetExpression.sampleSize(0.1, of: 4) == 0)
  }

  @Test func memoryEstimateCountsParametersAndActivations() {
    let estimate = MemoryEstimate(
      shape: NetworkShape(cell: .gru, vocabulary: 5 + 2, inputSize: 32, hidden: 64, classes: 5),
      sequenceLength: 6, batch: 576, items: 384)
    // (5+2)·32 + 3·64·(32+64) + 2·3·64 + 5·64 + 5
    #expect(estimate.parameterCount == 224 + 18_432 + 384 + 320 + 5)
    #expect(estimate.parameterBytes == Double(estimate.parameterCount) * 16)
    #expect(estimate.timeSteps == 7)
    // per position: 2E + 4GH + 4H + 3C = 64 + 768 + 256 + 15
    #expect(estimate.activationBytes == 576 * 7 * 1103 * 4)
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
    let result = ScenarioChecker.check(
      text: """
        world runsum 5 6 { convention weak 0.25 }
        model lstm 8192
        probe every 10 steps on all
        phase p for 10 steps { truth on all }
        """)
    let diagnostic = result.diagnostics.first { $0.code == .memoryLimit }
    #expect(
      diagnostic?.message.contains("GiB of memory, above the limit of 4 GiB") == true, "\(result.diagnostics)"
    )
  }

  @Test func accountingOfTheCanonicalScenario() throws {
    let scenario = try TestFiles.shipped("weak-sample-unlocking.taboo")
    let run = scenario.resolved(at: scenario.sweepPoints[0])
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
