// A transformer run end to end through the trainer, in both contexts: it completes, and the
// memory estimate bounds what it allocated without overstating it grossly.

import Foundation
import Records
import ScenarioLanguage
import Simulation
import Specification
import Testing

@Suite("Transformer runs")
struct TransformerRunTests {
  static let contexts = ["", "context stream 3\n"]

  @Test("a transformer run completes; the estimate bounds its buffers", arguments: contexts)
  func run(context: String) throws {
    let text = """
      world runsum 3 4 { items 60; convention weak 0.25; password }
      set test = sample 20% of all
      set train = all - test
      model transformer 8 { layers 2; heads 2; ff 16 }
      \(context)train { batch 8 }
      probe every 5 steps on test, train
      phase learn for 10 steps { truth on train }
      """
    let result = ScenarioChecker.check(text: text, model: StaticModel())
    let scenario = try #require(result.scenario, "\(result.diagnostics)")
    let spec = scenario.resolved(at: scenario.sweepPoints[0])
    #expect(spec.model.transformer == TransformerSizes(layers: 2, heads: 2, feedForward: 16, width: 8))
    let plan = try RunPlan(spec, seed: 1)
    // The position embedding covers the longest pass: an example (start token + 4), or a window
    // of three examples each with its answer token.
    #expect(plan.networkShape.positions == (context.isEmpty ? 5 : 3 * 6))
    let outcome = try Trainer(plan: plan, key: RunKey(parameters: [], seed: 1)).execute()
    #expect(outcome.record.status == .complete)
    let estimate = MemoryEstimate(spec: spec)
    #expect(estimate.parameterCount == plan.networkShape.parameterCount)
    let bound = estimate.activationBytes + estimate.parameterBytes + estimate.snapshotBytes
    #expect(Double(outcome.allocatedBytes) <= bound, "allocated \(outcome.allocatedBytes), estimated \(estimate.summary)")
    #expect(Double(outcome.allocatedBytes) >= bound / 4, "allocated \(outcome.allocatedBytes), estimated \(estimate.summary)")
  }

  @Test("the estimate grows with the square of the window for a transformer, linearly for a GRU")
  func quadratic() {
    func activations(_ shape: NetworkShape, window: Int) -> Double {
      MemoryEstimate(shape: shape, sequenceLength: 4, batch: 64, items: 100, window: window).activationBytes
    }
    let transformer = NetworkShape(
      transformer: TransformerSizes(width: 64), vocabulary: 12, inputSize: 64, hidden: 64, classes: 5,
      positions: 6 * 400)
    let gru = NetworkShape(cell: .gru, vocabulary: 12, inputSize: 64, hidden: 64, classes: 5)
    #expect(activations(transformer, window: 400) > 3 * activations(transformer, window: 200))
    #expect(activations(gru, window: 400) < 2.1 * activations(gru, window: 200))
  }
}
