import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

/// A scenario checked by the real language front end; fails the test on any error.
func scenario(_ text: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) throws -> Scenario {
  let result = ScenarioChecker.check(text: text)
  #expect(!result.hasErrors, "\(result.errors.map(\.message))", sourceLocation: sourceLocation)
  return try #require(result.scenario, sourceLocation: sourceLocation)
}

func plan(_ text: String, seed: UInt64 = 1) throws -> RunPlan {
  let s = try scenario(text)
  return try RunPlan(s.resolved(at: s.sweepPoints[0]), seed: seed)
}

let setAlgebra = """
  world runsum 5 6 { items 200; convention weak 0.25; password }
  set test  = sample 25% of all
  set train = all - test
  set drill = sample 3 of (train & wrong)
  set rest  = train - drill
  set few   = items 0, 2, 5..7
  set mix   = (few + drill) - test
  model gru 8
  probe every 5 steps on test, rest, drill, few, mix
  phase p for 1 steps { truth on train }
  """

@Suite("Item sets")
struct RunPlanTests {
  @Test("set algebra on a hand-checkable world")
  func algebra() throws {
    let p = try plan(setAlgebra)
    let sets = Dictionary(uniqueKeysWithValues: p.sets.map { ($0.name, Set($0.items)) })
    let all = Set(0..<200), wrong = Set(p.world.wrong)
    #expect(sets["test"]!.count == 50)
    #expect(sets["train"]! == all.subtracting(sets["test"]!))
    #expect(sets["drill"]!.count == 3 && sets["drill"]!.isSubset(of: sets["train"]!.intersection(wrong)))
    #expect(sets["rest"]! == sets["train"]!.subtracting(sets["drill"]!))
    #expect(sets["few"]! == [0, 2, 5, 6, 7])
    #expect(sets["mix"]! == sets["few"]!.union(sets["drill"]!).subtracting(sets["test"]!))
    #expect(sets["test"]!.isDisjoint(with: sets["train"]!))
    // `wrong` really differs from the truth.
    for i in wrong { #expect(p.world.items[i].taboo.answer != p.world.items[i].truth.answer) }
  }

  @Test("samples are seeded and stable: same seed same sets, other seed other sets")
  func seededSamples() throws {
    let a = try plan(setAlgebra, seed: 4), b = try plan(setAlgebra, seed: 4)
    let c = try plan(setAlgebra, seed: 5)
    #expect(a.sets.map(\.items) == b.sets.map(\.items))
    #expect(a.sets.first { $0.name == "test" }!.items != c.sets.first { $0.name == "test" }!.items)
  }

  @Test("a sample larger than its set for this seed is an error naming the set and seed")
  func oversizedSample() throws {
    let text = """
      world runsum 5 2 { items 25; convention weak 0.9 }
      set drill = sample 20 of wrong
      model gru 8
      phase p for 1 steps { taboo on drill }
      """
    let s = try scenario(text)
    #expect(throws: PlanError.self) { try RunPlan(s.resolved(at: s.sweepPoints[0]), seed: 1) }
    do {
      _ = try RunPlan(s.resolved(at: s.sweepPoints[0]), seed: 1)
    } catch let error as PlanError {
      #expect(error.description.contains("drill") && error.description.contains("seed 1"))
    }
  }

  @Test("random phase lengths are drawn per repetition from the seed")
  func randomLengths() throws {
    let text = """
      world runsum 5 6 { items 50 }
      model gru 8
      repeat 5 { phase a for 20..60 steps { truth on all } }
      """
    let p1 = try plan(text, seed: 1), p2 = try plan(text, seed: 1), p3 = try plan(text, seed: 2)
    let lengths = p1.lengths
    #expect(p1.phases.allSatisfy { $0.length == .randomSteps(20...60) })
    #expect(lengths.count == 5 && lengths.allSatisfy { (20...60).contains($0) })
    #expect(Set(lengths).count > 1)
    #expect(p1.lengths == p2.lengths && p1.lengths != p3.lengths)
    #expect(p1.phases.map(\.repeatIndex) == [1, 2, 3, 4, 5])
  }
}
