// A transformer in `context stream W` (docs/design.md §5.1): nothing beyond the window. Its trials
// and probes are one pass over the lane's last W − 1 examples, as shown, and then the example:
// the window a training step shows it. Checked against direct passes of the same tokens.

import Networks
import Records
import Simulation
import Specification
import Testing

@Suite("The transformer in stream mode")
struct TransformerStreamTests {
  func streamPlan(window: Int) throws -> RunPlan {
    try plan("""
      world modsum 5 { convention shift 1 }
      set A = sample 50% of all
      context stream \(window)
      model transformer 8 { layers 1; heads 2; ff 16 }
      train { optimizer adam; lr 0.01; batch 2 }
      probe every 5 steps on A
      phase p for 1 steps { taboo on A }
      """)
  }

  /// The last-position probabilities of one token sequence, by a direct pass.
  func probabilities(_ network: Network, _ tokens: [Int32], shape: NetworkShape, answerAt position: Int) -> [Float] {
    let workspace = Workspace(shape: shape, capacity: 1, maxSteps: tokens.count)
    let targets = [Int32](repeating: -1, count: tokens.count)
    tokens.withUnsafeBufferPointer { tokens in
      targets.withUnsafeBufferPointer { targets in
        _ = network.forward(
          .tokens(tokens), targets: targets, batch: 1, steps: tokens.count, supervision: .everyPosition,
          initialState: false, forBackward: false, workspace: workspace)
      }
    }
    return Array(workspace.probabilities(step: position, row: 0))
  }

  @Test("a trial sees the lane's last W − 1 examples as shown, then its example; not more")
  func trialsSeeTheWindow() throws {
    let window = 3
    let plan = try streamPlan(window: window)
    let shape = plan.networkShape
    let network = Network(shape: shape, seed: 11)
    var lanes = StreamLanes(plan: plan, window: window, maxLanes: 2)
    lanes.setLanes(2)
    let items = [3, 7, 11, 2, 5, 19, 0, 24, 13, 8]
    var shown: [[Int32]] = [[], []]  // each lane's tokens as shown so far
    let t = plan.world.steps
    var usedHistory = false
    for trial in 0..<(items.count / 2) {
      let examples = (0..<2).map { Example(item: items[2 * trial + $0], password: false, target: .taboo) }
      let answers = lanes.trial(network, examples[...])
      for lane in 0..<2 {
        let history = Array(shown[lane].suffix((window - 1) * (t + 1)))
        let own = lanes.exampleTokens(examples[lane], showing: nil)
        let expected = probabilities(network, history + own, shape: shape, answerAt: history.count + t - 1)
        #expect(answers[lane] == expected.indices.max { expected[$0] < expected[$1] || (expected[$0] == expected[$1] && $0 > $1) }!)
        let alone = probabilities(network, own, shape: shape, answerAt: t - 1)
        if !history.isEmpty && alone != expected { usedHistory = true }
        shown[lane] += lanes.exampleTokens(
          examples[lane], showing: plan.world.items[examples[lane].item].targets(.taboo))
      }
    }
    #expect(usedHistory, "the window's earlier examples changed no answer's probabilities")
    // The probes' prefix: lane 0's last W − 1 examples as shown.
    #expect(lanes.probePrefix() == Array(shown[0].suffix((window - 1) * (t + 1))))
  }

  @Test("a trained stream-mode transformer run is deterministic and its probes see the window")
  func run() throws {
    let text = """
      world modsum 5 { convention shift 1 }
      set A = sample 50% of all
      set B = all - A
      context stream 4
      model transformer 8 { layers 1; heads 2; ff 16 }
      train { optimizer adam; lr 0.01; batch 2 }
      probe every 5 steps on A, B
      phase learn for 20 steps { taboo on A; truth on B }
      phase test for 6 trials { frozen; taboo on A; truth on B }

      """
    let a = try execute(text), b = try execute(text)
    #expect(a.record.probes == b.record.probes && a.record.trials == b.record.trials)
    #expect(a.record.trials.count == 12)
  }
}
