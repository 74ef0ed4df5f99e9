// Transfer (start, end, peak, half-change step) and unlocking `gap_recovered` on hand-worked
// probe sequences (docs/design.md §6).

import Foundation
import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification
import Store

@Suite("transfer and unlocking")
struct TransferTests {
  /// lock (trains `train`), then a drill of `D`; `test` is probed with and without password.
  func locked(_ testNoPassword: [Double], strong: Double, every: Int = 10) -> RunBuilder {
    var b = RunBuilder()
    b.phase("lock", length: 20, streams: [stream(.taboo, "train"), stream(.truth, "train", password: true)])
    b.probes("test", every: 10, [(0.9, 0), (0.5, 0), (testNoPassword[0], 0)])
    b.probes("test", password: true, every: 10, [(1, 0), (1, 0), (strong, 0)])
    b.phase("drill", length: (testNoPassword.count - 1) * every, streams: [stream(.taboo, "D", previous: "taboo")])
    b.probes("test", every: every, testNoPassword.map { ($0, 0) })
    b.probes("test", password: true, every: every, testNoPassword.map { _ in (strong, 0) })
    b.probes("D", every: every, testNoPassword.map { _ in (0, 1) }, target: .taboo)
    return b
  }

  @Test("start, end, peak, half-change step and gap_recovered")
  func basics() throws {
    let b = locked([0.2, 0.3, 0.6, 0.5], strong: 0.9)
    let t = try #require(Transfer.compute(b.run).first { $0.phaseIndex == 1 && $0.set == "test" && !$0.password })
    #expect(t.truthStart == 0.2 && t.truthEnd == 0.5 && t.truthPeak == 0.6)
    // Total change +0.3; half of it (0.35) is first reached at the third probe, 20 steps in.
    #expect(t.halfChangeStep == 20)
    #expect(t.truthStrong == 0.9)
    #expect(approx(t.gapRecovered, 0.3 / 0.7))
    // The trained set D has no transfer record; `test` with password has no gap.
    let drill = Transfer.compute(b.run).filter { $0.phaseIndex == 1 }
    #expect(drill.map(\.set) == ["test", "test"])
    #expect(drill.first { $0.password }?.gapRecovered == nil)
  }

  @Test("a decrease: half-change step on the way down, negative gap_recovered")
  func decrease() throws {
    let t = try #require(Transfer.compute(locked([0.6, 0.5, 0.3, 0.2], strong: 1).run)
      .first { $0.phaseIndex == 1 && !$0.password })
    #expect(t.halfChangeStep == 20 && t.truthPeak == 0.6)
    #expect(approx(t.gapRecovered, -0.4 / 0.4))
  }

  @Test("no change: no half-change step")
  func flat() throws {
    let t = try #require(Transfer.compute(locked([0.4, 0.4, 0.4], strong: 1).run)
      .first { $0.phaseIndex == 1 && !$0.password })
    #expect(t.halfChangeStep == nil && t.gapRecovered == 0)
  }

  @Test("gap_recovered is undefined when strong − locked < 0.05", arguments: [
    (0.50, 0.54, false), (0.90, 0.95, true), (0.80, 0.80, false), (0.90, 0.70, false),
  ])
  func undefinedGap(locked: Double, strong: Double, defined: Bool) throws {
    let t = try #require(Transfer.compute(self.locked([locked, 0.9], strong: strong).run)
      .first { $0.phaseIndex == 1 && !$0.password })
    #expect((t.gapRecovered != nil) == defined)
    #expect((Transfer.gap(locked: locked, strong: strong, after: 1) != nil) == defined)
  }

  @Test("a world without password: strong is the set's best earlier acc_truth")
  func noPassword() throws {
    var b = RunBuilder()
    b.phase("learn", length: 20, streams: [stream(.truth, "train")])
    b.probes("test", every: 10, [(0.2, 0), (0.8, 0), (0.7, 0)])
    b.phase("lock", length: 10, streams: [stream(.taboo, "train", previous: "truth")])
    b.probes("test", every: 10, [(0.7, 0), (0.3, 0)])
    b.phase("drill", length: 10, streams: [stream(.taboo, "D", previous: "taboo")])
    b.probes("test", every: 10, [(0.3, 0), (0.55, 0)])
    let t = try #require(Transfer.compute(b.run).first { $0.phaseIndex == 2 })
    #expect(t.truthStrong == 0.8)
    #expect(approx(t.gapRecovered, 0.25 / 0.5))
  }

  @Test("a perturbed phase starts from the state before its kick, even if its first probe came after")
  func perturbed() throws {
    var b = RunBuilder()
    b.phase("lock", length: 10, streams: [stream(.taboo, "train"), stream(.truth, "train", password: true)])
    b.probes("rest", every: 10, [(0.9, 0), (0.3, 0)])
    b.probes("rest", password: true, every: 10, [(1, 0), (0.9, 0)])
    b.phase("kick", length: 4, frozen: true)
    // As older databases recorded it: the first probe after the kick, 0.35 at once.
    b.probes("rest", every: 4, [(0.35, 0), (0.35, 0)])
    b.probes("rest", password: true, every: 4, [(0.85, 0), (0.85, 0)])
    let t = try #require(Transfer.compute(b.run).first { $0.phaseIndex == 1 && !$0.password })
    #expect(t.truthStart == 0.3 && t.truthEnd == 0.35 && t.truthStrong == 0.9)
    #expect(approx(t.gapRecovered, 0.05 / 0.6))
    #expect(t.halfChangeStep == 0)
  }
}

@Suite("learning set")
struct LearningSetTests {
  func series(_ latencies: [Int], censored: [Bool]? = nil) -> [SwitchMetric] {
    latencies.enumerated().map { i, latency in
      SwitchMetric(
        key: RunKey(parameters: [], seed: 1), phaseIndex: 1 + 2 * i, phase: "A taboo", repeatIndex: i + 1,
        set: "A", password: false, oldTarget: .truth, newTarget: .taboo, latencySteps: latency,
        latencyExamples: latency, censored: censored?[i] ?? false, latency50Steps: nil, latency80Steps: nil,
        perseverationSteps: nil, oldAnswerErrors: nil, otherErrors: nil)
    }
  }

  @Test("ratio last/first and the fitted decay rate of a hand-made series")
  func ratioAndDecay() throws {
    let l = try #require(LearningSet.compute(series([100, 30, 10])).first)
    #expect(l.reversals == [1, 2, 3] && l.latencySteps == [100, 30, 10])
    #expect(approx(l.ratio, 0.1))
    // Three equally spaced points: the least-squares slope is (y₃ − y₁) / 2, y = ln(latency + 1).
    #expect(approx(l.decayRate, (log(101.0) - log(11.0)) / 2))
    #expect(!l.anyCensored)
  }

  @Test("an exact exponential is recovered: latency + 1 = 64·2^(−r)")
  func exactExponential() throws {
    let l = try #require(LearningSet.compute(series([31, 15, 7, 3])).first)
    #expect(approx(l.decayRate, log(2.0), 1e-12))
  }

  @Test("first latency 0: no ratio; censored points are kept and flagged; one reversal: no series")
  func edges() throws {
    let zero = try #require(LearningSet.compute(series([0, 10])).first)
    #expect(zero.ratio == nil && zero.decayRate! < 0)
    let cens = try #require(LearningSet.compute(series([3000, 40], censored: [true, false])).first)
    #expect(cens.anyCensored && cens.censored == [true, false] && approx(cens.ratio, 40.0 / 3000))
    #expect(LearningSet.compute(series([50])).isEmpty)
  }
}
