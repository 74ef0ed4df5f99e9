// `context stream W`: truncated backpropagation against finite differences across a window
// boundary, frozen trials that leave the weights alone, and the trainer's trial records.

import Networks
import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

@Suite("Stream context")
struct StreamTests {
  static let world = """
    world modsum 5 { convention shift 1 }
    set A = sample 50% of wrong
    set B = wrong - A

    """

  /// A small stream-mode plan: GRU (or `cell`) of 6 units, 2 lanes, windows of 2 examples.
  func smallPlan(cell: String = "gru") throws -> RunPlan {
    try plan(Self.world + """
      context stream 2
      model \(cell) 6 { embedding 4 }
      train { optimizer adam; lr 0.01; batch 2 }
      probe every 5 steps on A, B
      phase p for 1 steps { taboo on A; truth on B }
      """)
  }

  static let examples: [Example] = [
    // Window 1: example e of lane l at index e·2 + l.
    Example(item: 3, password: false, target: .taboo), Example(item: 7, password: false, target: .truth),
    Example(item: 11, password: false, target: .truth), Example(item: 2, password: false, target: .taboo),
    // Window 2.
    Example(item: 5, password: false, target: .taboo), Example(item: 19, password: false, target: .truth),
    Example(item: 0, password: false, target: .truth), Example(item: 24, password: false, target: .taboo),
  ]

  @Test("truncated BPTT: the second window's gradient treats the carried state as a constant",
        arguments: ["elman", "gru", "lstm"])
  func truncatedGradient(cell: String) throws {
    let plan = try smallPlan(cell: cell)
    let network = Network(shape: plan.networkShape, seed: 7)
    #expect(plan.networkShape.vocabulary == plan.world.vocabulary + plan.world.classes)
    var lanes = StreamLanes(plan: plan, window: 2, maxLanes: 2)
    lanes.setLanes(2)
    let first = Self.examples[0..<4], second = Self.examples[4..<8]

    var scratch = network.zeroBuffer()
    _ = lanes.trainWindow(network, first, gradient: &scratch)
    let carried = lanes.state
    #expect(carried.hidden.contains { $0 != 0 }, "the first window leaves a state to carry")
    var gradient = network.zeroBuffer()
    _ = lanes.trainWindow(network, second, gradient: &gradient)

    // Truncated: perturb a weight, rerun only the second window from the same carried state.
    func truncatedLoss(_ parameters: [Float]) -> Double {
      var copy = StreamLanes(plan: plan, window: 2, maxLanes: 2)
      copy.setLanes(2)
      copy.state = carried
      return Double(copy.loss(Network(shape: plan.networkShape, parameters: parameters), second, perLane: 2))
    }
    // Untruncated: the perturbed weight also changes the carried state.
    func fullLoss(_ parameters: [Float]) -> Double {
      var copy = StreamLanes(plan: plan, window: 2, maxLanes: 2)
      copy.setLanes(2)
      let perturbed = Network(shape: plan.networkShape, parameters: parameters)
      var unused = perturbed.zeroBuffer()
      _ = copy.trainWindow(perturbed, first, gradient: &unused)
      return Double(copy.loss(perturbed, second, perLane: 2))
    }
    func difference(_ index: Int, _ loss: ([Float]) -> Double) -> Double {
      let h: Float = 2e-3
      var plus = Array(network.parameters), minus = plus
      plus[index] += h
      minus[index] -= h
      return (loss(plus) - loss(minus)) / Double(2 * h)
    }

    let layout = network.layout
    var checked = 0, recurrentDifferences = 0.0
    let indices = [layout.embedding, layout.inputWeights, layout.recurrentWeights, layout.inputBias,
                   layout.recurrentBias, layout.headWeights, layout.headBias]
      .flatMap { range in stride(from: range.lowerBound, to: range.upperBound, by: max(1, range.count / 6)) }
    for index in indices {
      let numeric = difference(index, truncatedLoss)
      let analytic = Double(gradient[index])
      #expect(abs(numeric - analytic) <= 2e-3 + 2e-2 * abs(numeric),
              "parameter \(index): finite difference \(numeric), backprop \(analytic)")
      checked += 1
      if layout.recurrentWeights.contains(index) {
        recurrentDifferences += abs(difference(index, fullLoss) - analytic)
      }
    }
    #expect(checked > 30)
    // The untruncated derivative differs: the truncation is real, not a coincidence.
    #expect(recurrentDifferences > 1e-3, "full BPTT and the truncated gradient agree: \(recurrentDifferences)")
  }

  @Test("a frozen phase leaves every weight bit-identical and records one trial per lane")
  func frozenTrials() throws {
    let text = Self.world + """
      context stream 4
      model gru 8 { embedding 4 }
      train { optimizer adam; lr 0.01; batch 3 }
      probe every 5 steps on A, B
      phase learn for 6 steps { truth on all }
      phase "A taboo" for 4 steps { taboo on A; truth on B }
      phase test for 7 trials { frozen; truth on A; taboo on B }
      phase again for 5 trials { frozen; taboo on A; truth on B }
      """
    let (record, parameters) = try execute(text)
    #expect(parameters[2] == parameters[1] && parameters[3] == parameters[1])
    #expect(parameters[1] != parameters[0])
    #expect(record.steps == 10 && record.examples == 10 * 4 * 3)
    #expect(record.phases.map(\.trials) == [0, 0, 7, 5] && record.phases.map(\.lanes) == [0, 0, 3, 3])
    #expect(record.trials.count == (7 + 5) * 3)
    #expect(record.phases[2].startStep == 10 && record.phases[2].endStep == 10)
    let test = record.trials.filter { $0.phaseIndex == 2 }
    #expect(test.map(\.trial) == (0..<7).flatMap { [$0, $0, $0] } && test.map(\.lane) == Array(repeating: [0, 1, 2], count: 7).flatMap { $0 })
    let p = try plan(text)
    for trial in record.trials {
      let item = p.world.items[trial.item]
      let phase = record.phases[trial.phaseIndex]
      let stream = phase.streams[trial.stream]
      #expect(p.items(of: stream.set).contains(trial.item))
      #expect(trial.targetAnswer == Int(item.targets(stream.target).answer))
      #expect(trial.truthAnswer == Int(item.truth.answer) && trial.tabooAnswer == Int(item.taboo.answer))
      #expect((0..<p.world.classes).contains(trial.answer))
      // Shown before with the previous phase's target: its answer is the old one.
      let previous = trial.phaseIndex == 2
        ? (p.items(of: "A").contains(trial.item) ? item.taboo : item.truth)
        : (p.items(of: "A").contains(trial.item) ? item.truth : item.taboo)
      #expect(trial.oldAnswer == Int(previous.answer))
    }
    // Both streams of the frozen phases reverse what the items were last shown with.
    #expect(record.phases[2].streams.allSatisfy(\.isReversal) && record.phases[3].streams.allSatisfy(\.isReversal))
    // Probes at the start and the end of each frozen phase, after a context of the recent examples.
    #expect(Set(record.probes.filter { $0.phaseIndex == 2 }.map(\.step)) == [10])
    #expect(record.probes.filter { $0.phaseIndex == 2 && $0.set == "A" }.count == 2)
  }

  @Test("random trial counts are drawn afresh at every repetition, within their range")
  func randomTrials() throws {
    let (record, _) = try execute(Self.world + """
      context stream 2
      model gru 8 { embedding 4 }
      train { optimizer adam; lr 0.01; batch 2 }
      probe every 5 steps on A, B
      phase learn for 3 steps { truth on all }
      repeat 6 {
        phase "A taboo" for 3..9 trials { frozen; taboo on A; truth on B }
        phase "B taboo" for 3..9 trials { frozen; taboo on B; truth on A }
      }
      """, seed: 4)
    let counts = record.phases.dropFirst().map(\.trials)
    #expect(counts.count == 12 && counts.allSatisfy { (3...9).contains($0) })
    #expect(Set(counts).count > 2, "\(counts)")
    #expect(record.trials.count == counts.reduce(0, +) * 2)
    #expect(record.steps == 3)
  }

  @Test("stream runs are deterministic and differ from context reset")
  func determinism() throws {
    let text = Self.world + """
      context stream 3
      model lstm 8 { embedding 4 }
      train { optimizer adam; lr 0.01; batch 2 }
      probe every 2 steps on A, B
      phase learn for 5 steps { truth on all }
      phase test for 6 trials { frozen; taboo on A; truth on B }
      """
    let a = try execute(text), b = try execute(text)
    #expect(a.parametersAfterPhase == b.parametersAfterPhase)
    #expect(a.record.trials == b.record.trials && a.record.probes == b.record.probes)
    let reset = try execute(text.replacingOccurrences(of: "context stream 3", with: "context reset")
      .replacingOccurrences(of: "for 6 trials", with: "for 2 steps"))
    #expect(reset.parametersAfterPhase[0].count < a.parametersAfterPhase[0].count,
            "stream mode adds one embedding row per answer class")
  }
}
