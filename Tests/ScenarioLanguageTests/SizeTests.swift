// Static set sizes: what the language alone can know of each set before a draw.

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
}
