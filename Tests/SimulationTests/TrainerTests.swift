import Networks
import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

func execute(_ text: String, seed: UInt64 = 1) throws -> (record: RunRecord, parametersAfterPhase: [[Float]]) {
  let p = try plan(text, seed: seed)
  let result = try Trainer(plan: p, key: RunKey(parameters: [], seed: seed)).execute()
  return (result.record, result.parametersAfterPhase)
}

@Suite("Trainer")
struct TrainerTests {
  static let small = """
    world runsum 5 4 { items 120; convention weak 0.25; password }
    set test = sample 25% of all
    set train = all - test
    model gru 16 { embedding 8 }
    train { optimizer adam; lr 0.01; batch 30 }
    probe every 4 steps on test

    """

  @Test("probes at each phase start, every N steps into it, and at its end")
  func probeSchedule() throws {
    let (record, _) = try execute(Self.small + """
      phase a for 10 steps { truth on train }
      phase b for 3 steps { taboo on train }
      """)
    let steps = { (phase: Int) in Set(record.probes.filter { $0.phaseIndex == phase }.map(\.step)) }
    #expect(steps(0) == [0, 4, 8, 10])
    #expect(steps(1) == [10, 13])
    #expect(record.steps == 13 && record.examples == 13 * 30)
    // Each probe: test with and without password, plus the trained stream (train, no password).
    let first = record.probes.filter { $0.phaseIndex == 0 && $0.step == 0 }
    #expect(Set(first.map { "\($0.set)/\($0.password)" }) == ["test/false", "test/true", "train/false"])
    #expect(first.first { $0.set == "train" }?.target == .truth)
    #expect(first.first { $0.set == "test" }?.target == nil)
    #expect(record.phases.map(\.startStep) == [0, 10] && record.phases.map(\.endStep) == [10, 13])
    // Switches: phase a trains fresh items; phase b reverses truth to taboo.
    #expect(record.phases[0].streams[0].previousTarget == nil)
    #expect(record.phases[1].streams[0].previousTarget == .target(.truth) && record.phases[1].streams[0].isReversal)
    #expect(record.sets.map(\.name) == ["all", "wrong", "test", "train"])
    #expect(record.sets.map(\.size)[0] == 120 && record.sets.map(\.size)[2...] == [30, 90])
  }

  @Test("N epochs means N passes over the union of the streams")
  func epochs() throws {
    // Union: 90 train items without password + 90 with → 180 examples, batch 30: 6 steps/epoch.
    let (record, _) = try execute(Self.small + """
      phase a for 2 epochs { truth on train; truth on train with password }
      """)
    #expect(record.steps == 12 && record.examples == 360)
  }

  @Test("until criterion stops at the first probe completing K agreeing probes, or at the cap")
  func untilCriterion() throws {
    let (record, _) = try execute(Self.small + """
      criterion 80% over 2 probes
      phase learn until criterion max 2000 steps { truth on train }
      phase never until criterion max 12 steps { random on train }
      """)
    let learn = record.phases[0]
    let stop = try #require(learn.criterionStep)
    #expect(stop == learn.endStep && stop < 2000)
    let trained = record.probes.filter { $0.phaseIndex == 0 && $0.set == "train" }
    let last2 = trained.suffix(2)
    #expect(last2.allSatisfy { ($0.accTarget ?? 0) >= 0.8 })
    #expect(record.phases[1].criterionStep == nil && record.phases[1].endStep - record.phases[1].startStep == 12)
  }

  @Test("a frozen phase leaves every weight bit-identical; perturb moves them, reproducibly")
  func frozenAndPerturb() throws {
    let text = Self.small + """
      phase a for 8 steps { truth on train }
      phase hold for 8 steps { truth on train; frozen }
      phase kick for 1 steps { truth on train; frozen; perturb 0.05 }
      """
    let (record, after) = try execute(text)
    #expect(after[0].map(\.bitPattern) == after[1].map(\.bitPattern))
    #expect(after[1] != after[2])
    #expect(record.phases[1].endExamples == record.phases[1].startExamples)
    let (_, again) = try execute(text)
    #expect(after[2].map(\.bitPattern) == again[2].map(\.bitPattern))
    // The kick phase's start probe sees the weights before the kick, its end probe after.
    let kick = record.probes.filter { $0.phaseIndex == 2 && $0.set == "test" && !$0.password }
    let hold = record.probes.filter { $0.phaseIndex == 1 && $0.set == "test" && !$0.password }
    #expect(kick.first?.pTruth == hold.last?.pTruth)
    #expect(kick.last?.pTruth != kick.first?.pTruth)
  }

  /// The optimizer clears the gradient as it updates (`Optimizer.update(_:clearing:)`), so each
  /// step moves the weights by its own gradient alone: with plain SGD and the full batch, the
  /// second step equals −lr times the gradient at the first step's weights, computed here by a
  /// direct pass. A gradient left over from the first step would add lr times that step's.
  @Test("each training step moves the weights by its own gradient alone")
  func gradientClearedBetweenSteps() throws {
    let p = try plan("""
      world modsum 5 { convention shift 1 }
      set train = sample 50% of all
      model gru 8 { embedding 4 }
      train { optimizer sgd; lr 0.5; batch all }
      probe every 10 steps on train
      phase a for 1 steps { truth on train }
      phase b for 1 steps { truth on train }
      """, seed: 2)
    let after = try Trainer(plan: p, key: RunKey(parameters: [], seed: 2)).execute().parametersAfterPhase
    try #require(!p.world.everyPosition, "modsum supervises the answer alone")
    let network = Network(shape: p.networkShape, parameters: after[0])
    let items = p.items(of: "train"), b = items.count, t = p.world.steps
    var tokens = [Int32](repeating: 0, count: t * b), targets = [Int32](repeating: 0, count: b)
    for (column, index) in items.enumerated() {
      tokens[column] = p.world.startToken
      for step in 1..<t { tokens[step * b + column] = p.world.items[index].tokens[step - 1] }
      targets[column] = p.world.items[index].truth.answer
    }
    let workspace = Workspace(shape: p.networkShape, capacity: b, maxSteps: t)
    tokens.withUnsafeBufferPointer { tokens in
      targets.withUnsafeBufferPointer { targets in
        _ = network.forward(.tokens(tokens), targets: targets, batch: b, steps: t,
                            supervision: .lastPosition, workspace: workspace)
      }
    }
    var gradient = network.zeroBuffer()
    network.backward(workspace: workspace, into: &gradient)
    let largest = gradient.map(abs).max() ?? 0
    #expect(largest > 1e-3, "the second step's gradient is too small to tell")
    var worst: Float = 0
    for i in gradient.indices { worst = max(worst, abs(after[1][i] - (after[0][i] - 0.5 * gradient[i]))) }
    #expect(worst <= 1e-5 * (1 + largest), "second step off by \(worst) (largest gradient \(largest))")
  }

  @Test("a NaN or infinite loss ends the run as diverged, with its step")
  func divergence() throws {
    // The language caps learning rates, so the plan is edited directly: lr 1e38 overflows.
    var p = try plan(Self.small + """
      phase a for 50 steps { truth on train; optimizer sgd }
      phase b for 5 steps { truth on train }
      """)
    p.spec.phases[0].training.learningRate = 1e38
    let record = try Trainer(plan: p, key: RunKey(parameters: [], seed: 1)).run()
    #expect(record.status == .diverged)
    let step = try #require(record.divergedStep)
    #expect(step > 0 && step < 50 && record.steps == step && record.phases.count == 1)
  }

  @Test("same seed, identical records; another seed differs")
  func deterministic() throws {
    let text = Self.small + "phase a for 6 steps { truth on train }\n"
    var a = try execute(text, seed: 3).record, b = try execute(text, seed: 3).record
    a.wallSeconds = 0
    b.wallSeconds = 0
    #expect(a == b)
    #expect(try execute(text, seed: 4).record.probes != a.probes)
  }
}
