// Weight-space geometry (docs/design.md §6.10): the arithmetic on hand-made vectors, then
// through the real language front end and trainer against the weights `execute` returns.

import Foundation
import Networks
import Records
import Simulation
import Specification
import Testing

@Suite("Weight-space geometry")
struct GeometryTests {
  /// The trainer tests' small world and model.
  static let small = TrainerTests.small

  /// A lock after a first phase, a phase after it and a branch from it.
  static let branched = small + """
    phase a for 10 steps { truth on train }
    phase lock for 8 steps { taboo on train }
    phase c for 5 steps { truth on train }
    phase d from lock for 6 steps { truth on train with password }
    """

  static func norm(_ a: [Float], _ b: [Float]) -> Double {
    a.indices.reduce(0.0) { $0 + pow(Double(a[$1]) - Double(b[$1]), 2) }.squareRoot()
  }

  /// −⟨w − w₀, w₀ − w_p⟩ / ‖w₀ − w_p‖², as the record defines it.
  static func undone(_ w: [Float], _ w0: [Float], _ wp: [Float]) -> Double {
    let dot = w.indices.reduce(0.0) {
      $0 + (Double(w[$1]) - Double(w0[$1])) * (Double(w0[$1]) - Double(wp[$1]))
    }
    return -dot / pow(norm(w0, wp), 2)
  }

  static func close(_ a: Double?, _ b: Double, relative: Double = 1e-12) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= relative * max(1, abs(b))
  }

  @Test("hand-worked vectors: halfway back, all the way back, not moved, no parent")
  func arithmetic() {
    func record(_ w: [Float], _ w0: [Float], _ wp: [Float]?) -> GeometryRecord {
      WeightGeometry.record(phaseIndex: 1, step: 7, examples: 70, weights: w, phaseStart: w0, parentStart: wp)
    }
    let half = record([1, 1], [2, 0], [0, 0])
    #expect(Self.close(half.fromPhaseStart, 2.0.squareRoot()) && Self.close(half.fromParentStart, 2.0.squareRoot()))
    #expect(half.parentDisplacement == 2 && half.undone == 0.5)
    #expect(half.phaseIndex == 1 && half.step == 7 && half.examples == 70)
    let back = record([0, 0], [2, 0], [0, 0])
    #expect(back.undone == 1 && back.fromParentStart == 0 && back.fromPhaseStart == 2)
    let still = record([2, 0], [2, 0], [0, 0])
    #expect(still.fromPhaseStart == 0 && still.fromParentStart == 2 && still.parentDisplacement == 2)
    #expect(still.undone == 0 && still.undone!.sign == .plus)
    // Further along the parent's change: negative; across it: none undone.
    #expect(record([3, 0], [2, 0], [0, 0]).undone == -0.5)
    #expect(record([2, 5], [2, 0], [0, 0]).undone == 0)
    let first = record([3, 4], [0, 0], nil)
    #expect(first.fromPhaseStart == 5 && first.fromParentStart == nil)
    #expect(first.parentDisplacement == nil && first.undone == nil)
    // A parent that did not move leaves undone undefined.
    let flat = record([1, 0], [2, 0], [2, 0])
    #expect(flat.parentDisplacement == 0 && flat.undone == nil && flat.fromParentStart == 1)
  }

  @Test("at every probe; against the phase's start and its parent's, a branch's parent being the lock")
  func throughTheTrainer() throws {
    let p = try plan(Self.branched)
    let (record, after) = try execute(Self.branched)
    #expect(record.status == .complete)
    let initial = Array(Network(shape: p.networkShape, seed: p.seed).parameters)
    // One record per probe moment, in (phase, step) order.
    var moments: [[Int]] = []
    for probe in record.probes where moments.last != [probe.phaseIndex, probe.step] {
      moments.append([probe.phaseIndex, probe.step])
    }
    #expect(record.geometry.map { [$0.phaseIndex, $0.step] } == moments)
    #expect(record.geometry.map(\.step) == [0, 4, 8, 10, 10, 14, 18, 18, 22, 23, 23, 27, 29])
    let inPhase = { (phase: Int) in record.geometry.filter { $0.phaseIndex == phase } }

    // The first phase has no parent; it ends where its weights went from the initial ones.
    #expect(inPhase(0).allSatisfy { $0.fromParentStart == nil && $0.parentDisplacement == nil && $0.undone == nil })
    #expect(inPhase(0).first?.fromPhaseStart == 0)
    #expect(Self.close(inPhase(0).last?.fromPhaseStart, Self.norm(after[0], initial)))

    // Each later phase (w₀, w_p): lock (a's end, the initial weights), c and d (lock's end, lock's
    // start = a's end).
    let frames: [(phase: Int, w0: [Float], wp: [Float])] = [
      (1, after[0], initial), (2, after[1], after[0]), (3, after[1], after[0]),
    ]
    for (phase, w0, wp) in frames {
      let first = try #require(inPhase(phase).first), last = try #require(inPhase(phase).last)
      let parent = Self.norm(w0, wp)
      #expect(first.fromPhaseStart == 0 && first.undone == 0, "phase \(phase)")
      #expect(first.fromParentStart == first.parentDisplacement, "phase \(phase)")
      #expect(Self.close(first.parentDisplacement, parent), "phase \(phase)")
      #expect(inPhase(phase).allSatisfy { Self.close($0.parentDisplacement, parent) }, "phase \(phase)")
      #expect(Self.close(last.fromPhaseStart, Self.norm(after[phase], w0)), "phase \(phase)")
      #expect(Self.close(last.fromParentStart, Self.norm(after[phase], wp)), "phase \(phase)")
      #expect(Self.close(last.undone, Self.undone(after[phase], w0, wp)), "phase \(phase)")
      #expect(last.fromPhaseStart > 0, "phase \(phase)")
    }
    // Examples follow the run's counter, as the probes'.
    #expect(record.geometry.last?.examples == record.examples)
  }

  @Test("a kick comes after the phase-start record: it shows from the second record on")
  func kickTiming() throws {
    let text = Self.small + """
      phase a for 8 steps { truth on train }
      phase kick for 4 steps { frozen; perturb 0.05 }
      phase after for 4 steps { taboo on train }
      """
    let (record, after) = try execute(text)
    let kick = record.geometry.filter { $0.phaseIndex == 1 }
    #expect(kick.map(\.step) == [8, 12])
    #expect(kick[0].fromPhaseStart == 0)
    let kickNorm = try #require(record.phases[1].facts.kickNorm)
    // Frozen: the kick is the whole move (up to the Float rounding of adding it).
    #expect(Self.close(kick[1].fromPhaseStart, kickNorm, relative: 1e-5))
    #expect(Self.close(kick[1].fromPhaseStart, Self.norm(after[1], after[0])))
    // The next phase's parent displacement is the kick.
    let next = try #require(record.geometry.first { $0.phaseIndex == 2 })
    #expect(Self.close(next.parentDisplacement, Self.norm(after[1], after[0])))
  }

  @Test("stream mode: a frozen phase counted in trials has one record per step, after its kick")
  func trialsPhase() throws {
    let text = """
      world modsum 5 { convention shift 1 }
      set A = sample 50% of wrong
      set B = wrong - A
      context stream 4
      model gru 16 { embedding 8 }
      train { optimizer adam; lr 0.01; batch 8 }
      probe every 2 steps on A, B
      phase learn for 6 steps { truth on all }
      phase trials for 12 trials { frozen; perturb 0.05; taboo on A; truth on B }
      phase more for 2 steps { truth on all }
      """
    let (record, after) = try execute(text)
    #expect(record.status == .complete)
    let keys = record.geometry.map { [$0.phaseIndex, $0.step] }
    #expect(Set(keys).count == keys.count)
    let trials = record.geometry.filter { $0.phaseIndex == 1 }
    #expect(trials.count == 1 && trials[0].step == 6)
    #expect(Self.close(trials[0].fromPhaseStart, Self.norm(after[1], after[0])) && trials[0].fromPhaseStart > 0)
  }

  @Test("the same seed gives the same geometry; another seed another")
  func determinism() throws {
    let a = try execute(Self.branched, seed: 3).record.geometry
    let b = try execute(Self.branched, seed: 3).record.geometry
    let c = try execute(Self.branched, seed: 4).record.geometry
    #expect(a == b)
    #expect(a != c)
  }

  @Test("the start weights held at once: the running phase's and the parents still needed")
  func startsHeld() throws {
    #expect(PhaseStarts.mostHeld(try plan(Self.small + "phase a for 1 steps { truth on train }").phases) == 1)
    #expect(PhaseStarts.mostHeld(try plan(Self.branched).phases) == 2)
    // Two phases branching from one each keep its start until the last of them.
    let fan = Self.small + """
      phase a for 2 steps { truth on train }
      phase b for 2 steps { taboo on train }
      phase c for 2 steps { truth on train }
      phase d from a for 2 steps { truth on train }
      phase e from b for 2 steps { truth on train }
      """
    // During c: its start, b's (its parent, and e's) and a's (d's parent).
    #expect(PhaseStarts.mostHeld(try plan(fan).phases) == 3)
  }
}
