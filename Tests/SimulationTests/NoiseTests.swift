// Noisy streams (`with noise P`, docs/design.md §4.3): a presentation shows, with probability P,
// another answer than its target's. Through the real language front end and trainer.

import Records
import Simulation
import Specification
import Testing

@Suite("Noisy streams")
struct NoiseTests {
  static func scenario(noise: String, context: String = "") -> String {
    """
    world modsum 7 { convention shift 1 }
    \(context)
    model gru 24 { embedding 8 }
    train { optimizer adam; lr 0.02; batch all }
    probe every 20 steps on all
    phase learn for 300 steps { taboo on all\(noise) }

    """
  }

  func lastProbe(_ record: RunRecord) throws -> ProbeRecord {
    try #require(record.probes.last { $0.set == "all" && !$0.password })
  }

  @Test("noise 0% is the stream without noise, bit for bit")
  func zeroNoise() throws {
    let quiet = try execute(Self.scenario(noise: ""))
    let zero = try execute(Self.scenario(noise: " with noise 0%"))
    #expect(quiet.parametersAfterPhase == zero.parametersAfterPhase)
    #expect(quiet.record.probes == zero.record.probes)
  }

  @Test("the target is learnt through 20% noise and measured against the true target; at 100% it never is shown")
  func learntThroughNoise() throws {
    let clean = try lastProbe(try execute(Self.scenario(noise: "")).record)
    let noisy = try lastProbe(try execute(Self.scenario(noise: " with noise 20%")).record)
    let always = try lastProbe(try execute(Self.scenario(noise: " with noise 100%")).record)
    #expect(clean.accTarget! >= 0.95)
    // The majority answer is still the target: learnt, and agreement is with the true target.
    #expect(noisy.accTarget! >= 0.9 && noisy.accTarget == noisy.accTaboo)
    // Always another answer: the target is never shown, so it is not learnt.
    #expect(always.accTarget! <= 0.3)
  }

  @Test("noisy runs are deterministic, and the noise is the run's: another seed draws another")
  func deterministic() throws {
    let text = Self.scenario(noise: " with noise 30%")
    let a = try execute(text, seed: 3), b = try execute(text, seed: 3)
    #expect(a.parametersAfterPhase == b.parametersAfterPhase)
    #expect(try execute(text, seed: 4).parametersAfterPhase != a.parametersAfterPhase)
  }

  @Test("in stream mode the noisy answer is what the next example sees, and trials show it too")
  func streamMode() throws {
    let text = """
      world modsum 7 { convention shift 1 }
      context stream 4
      model gru 24 { embedding 8 }
      train { optimizer adam; lr 0.02; batch 8 }
      probe every 20 steps on all
      phase learn for 60 steps { taboo on all with noise 25% }
      phase test for 20 trials { frozen; taboo on all with noise 25% }

      """
    let quiet = try execute(text.replacingOccurrences(of: " with noise 25%", with: ""))
    let noisy = try execute(text)
    #expect(quiet.parametersAfterPhase[0] != noisy.parametersAfterPhase[0])
    // Trials record the true target's answer whatever was shown.
    let world = try plan(text).world
    for trial in noisy.record.trials {
      #expect(trial.targetAnswer == Int(world.items[trial.item].taboo.answer))
    }
    #expect(try execute(text).record.trials == noisy.record.trials)
  }
}
