// Branches (`from PHASE`), zero-count repeats, the answer-only random target and kicks matched
// to a phase's displacement (docs/design.md §4), through the real language front end and trainer.

import Analysis
import Foundation
import Networks
import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

@Suite("Branches and matched controls")
struct BranchTests {
  static let locked = """
    world runsum 5 4 { items 120; convention weak 0.25; password }
    set test = sample 25% of all
    set train = all - test
    set drill = sample 2 of (train & wrong)
    set rest = train - drill
    model gru 16 { embedding 8 }
    train { optimizer adam; lr 0.01; batch 30 }
    probe every 5 steps on test, rest, drill
    phase pretrain for 20 steps { truth on train; truth on train with password }
    phase lock for 20 steps { taboo on train; truth on train with password }

    """

  static func norm(_ a: [Float], _ b: [Float], _ range: Range<Int>? = nil) -> Double {
    (range ?? a.indices).reduce(0.0) { $0 + pow(Double(a[$1]) - Double(b[$1]), 2) }.squareRoot()
  }

  @Test("a branch starts from its parent's end: same weights, same targets, parent recorded")
  func branchStartsFromParent() throws {
    let text = Self.locked + """
      phase drill from lock for 10 steps { taboo on drill }
      phase "truth drill" from lock for 10 steps { truth on drill }
      phase after for 5 steps { truth on drill }
      """
    let (record, after) = try execute(text)
    let spec = try plan(text).spec
    #expect(spec.phases.map(\.from) == [nil, nil, 1, 1, nil])
    #expect(spec.phases.map(\.parent) == [nil, 0, 1, 1, 3])
    #expect(spec.phases.map(\.role) == [.other, .lock, .drill, .drill, .other])
    #expect(record.phases.map(\.parent) == [nil, 0, 1, 1, 3])
    // Both drills start from the lock's end probe: their phase-start probes equal the lock's last.
    let lockEnd = record.probes.filter { $0.phaseIndex == 1 && $0.step == record.phases[1].endStep }
    for branch in [2, 3] {
      let start = record.probes.filter { $0.phaseIndex == branch && $0.step == record.phases[branch].startStep }
      #expect(start.map(\.accTruth) == lockEnd.filter { p in start.contains { $0.set == p.set && $0.password == p.password } }.map(\.accTruth))
      // Both branches' drilled items were last trained on taboo, without password.
      #expect(record.phases[branch].streams[0].previousTarget == .target(.taboo))
    }
    // The truth drill moved away from the lock's weights, not from the drill's.
    #expect(Self.norm(after[3], after[1]) > 0)
    #expect(after[2] != after[3])
    // Transfer is measured against the parent: the truth drill's `rest` starts at the lock's end.
    let transfer = Transfer.compute(record)
    let lockRest = try #require(lockEnd.first { $0.set == "rest" && !$0.password })
    let truthRest = try #require(transfer.first { $0.phaseIndex == 3 && $0.set == "rest" && !$0.password })
    #expect(truthRest.truthStart == lockRest.accTruth)
    #expect(truthRest.parentIndex == 1)
    // The comparison finds both drills after the same lock.
    let drills = Drills.find(record, transfers: transfer)
    #expect(drills.map(\.phase) == ["drill", "truth drill"])
    #expect(drills.allSatisfy { $0.lockPhase == "lock" })
  }

  @Test("a branch equals the same phase run straight after its parent, bit for bit")
  func branchEqualsSequentialRun() throws {
    let branched = try execute(Self.locked + """
      phase other from lock for 10 steps { truth on drill }
      phase drill from lock for 10 steps { taboo on drill }
      """)
    let straight = try execute(Self.locked + """
      phase drill for 10 steps { taboo on drill }
      """)
    // The batch order differs (one generator for the run), so compare the starts: the drill's
    // start probes equal the lock's end, and a single-batch drill is identical.
    #expect(branched.parametersAfterPhase[1] == straight.parametersAfterPhase[1])
    let b = branched.record.probes.filter { $0.phaseIndex == 3 && $0.step == branched.record.phases[3].startStep }
    let s = straight.record.probes.filter { $0.phaseIndex == 2 && $0.step == straight.record.phases[2].startStep }
    #expect(b.map(\.accTruth) == s.map(\.accTruth))
    #expect(b.map(\.pTaboo) == s.map(\.pTaboo))
  }

  @Test("branched runs are deterministic")
  func branchesAreDeterministic() throws {
    let text = Self.locked + """
      phase drill from lock for 10 steps { taboo on drill }
      phase kick from lock for 2 steps { frozen; perturb like drill per tensor }
      """
    let a = try execute(text, seed: 3), b = try execute(text, seed: 3)
    #expect(a.parametersAfterPhase == b.parametersAfterPhase)
    #expect(a.record.probes == b.record.probes)
  }

  @Test("perturb like matches the norm of the named phase's displacement, whole or per tensor")
  func matchedKick() throws {
    for perTensor in [false, true] {
      let text = Self.locked + """
        phase drill from lock for 10 steps { taboo on drill }
        phase kick from lock for 2 steps { frozen; perturb like drill\(perTensor ? " per tensor" : "") }
        """
      let (record, after) = try execute(text)
      let target = Self.norm(after[2], after[1])
      #expect(target > 0)
      #expect(abs(Self.norm(after[3], after[1]) - target) < 1e-3 * target)
      #expect(abs((record.phases[3].facts.kickNorm ?? 0) - target) < 1e-3 * target)
      #expect(record.phases[3].facts.role == .perturbation)
      if perTensor {
        let layout = try plan(text).networkShape
        for tensor in ParameterLayoutProbe.tensors(layout) {
          let want = Self.norm(after[2], after[1], tensor)
          #expect(abs(Self.norm(after[3], after[1], tensor) - want) <= 1e-3 * max(want, 1e-6))
        }
      }
      // The kick's direction is random: not the drill's own displacement.
      #expect(after[3] != after[2])
    }
  }

  @Test("repeat 0 runs nothing; a sweep of the count includes zero")
  func zeroRepeats() throws {
    let text = Self.locked + """
      let cycles = 1
      sweep cycles = 0, 2
      repeat cycles {
        phase relock for 5 steps { taboo on train; truth on train with password }
        phase truthful from relock for 5 steps { truth on train }
      }
      phase final for 5 steps { taboo on drill }
      """
    let s = try scenario(text)
    let counts = s.sweepPoints.map { s.resolved(at: $0).phases.count }
    #expect(counts == [3, 7])
    let zero = s.resolved(at: s.sweepPoints[0])
    #expect(zero.phases.map(\.name) == ["pretrain", "lock", "final"])
    let two = s.resolved(at: s.sweepPoints[1])
    // Inside the block `from relock` names the same repetition's relock.
    #expect(two.phases.map(\.from) == [nil, nil, nil, 2, nil, 4, nil])
    _ = try RunPlan(zero, seed: 1)
  }

  @Test("random-answer keeps the weak model's earlier positions and randomises the answer only")
  func randomAnswerTargets() throws {
    let p = try plan(Self.locked + "phase r for 1 steps { random-answer on drill }")
    for item in p.world.items {
      let target = item.targets(.randomAnswer)
      #expect(Array(target.positions.dropLast()) == Array(item.taboo.positions.dropLast()))
      #expect(target.answer == item.random.answer)
      #expect(target.answer != item.truth.answer && target.answer != item.taboo.answer)
    }
    #expect(TargetKind(word: "random-all") == .random)
    #expect(TargetKind(word: "random-answer") == .randomAnswer)
  }

  @Test("the memory estimate counts the branch checkpoints and the start weights the geometry keeps")
  func memoryCountsCheckpoints() throws {
    let plain = try plan(Self.locked + "phase drill for 10 steps { taboo on drill }").spec
    let branched = try plan(Self.locked + """
      phase drill from lock for 10 steps { taboo on drill }
      phase kick from lock for 1 steps { frozen; perturb like drill }
      """).spec
    let a = MemoryEstimate(spec: plain), b = MemoryEstimate(spec: branched)
    // Sequential: at most the running phase's start and its parent's. Branched: the lock's
    // checkpoint (weights, two moments), and the lock's start kept for both branches beside the
    // running phase's (which `perturb like drill` reads too).
    #expect(a.snapshotBytes == Double(2 * 4 * plain.networkShape.parameterCount))
    #expect(b.snapshotBytes == Double((3 + 2) * 4 * branched.networkShape.parameterCount))
  }
}

/// The tensor ranges of a network shape, as the trainer's per-tensor kick uses them.
enum ParameterLayoutProbe {
  static func tensors(_ shape: NetworkShape) -> [Range<Int>] {
    Networks.ParameterLayout(shape).tensors.map(\.range)
  }
}
