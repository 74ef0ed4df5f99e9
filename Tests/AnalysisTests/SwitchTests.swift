// Switch latency, threshold-free latencies, perseveration and errors on hand-worked probe
// sequences (docs/design.md §6). Criterion 90% over 3 probes unless a test says otherwise.

import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification
import Store

@Suite("switches")
struct SwitchTests {
  /// learn (truth on A) for 100 steps, then `taboo on A` with the given agreement series,
  /// probes every 10 steps.
  func reversal(_ agreement: [Double], length: Int? = nil) -> SwitchMetric? {
    var b = RunBuilder()
    b.phase("learn", length: 100, streams: [stream(.truth, "A")])
    b.agreement("A", every: 50, target: .truth, [0.5, 1, 1])
    b.phase("reverse", length: length ?? (agreement.count - 1) * 10, streams: [stream(.taboo, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .taboo, agreement)
    let switches = Switches.compute(b.run)
    #expect(switches.count == 1)
    return switches.first
  }

  @Test("criterion met at the first probe: latency 0")
  func firstProbe() throws {
    let s = try #require(reversal([0.95, 0.96, 0.97, 0.99, 1]))
    #expect(s.latencySteps == 0 && s.latencyExamples == 0 && !s.censored)
    #expect(s.latency50Steps == 0 && s.latency80Steps == 0)
    #expect(s.oldTarget == .truth && s.newTarget == .taboo && s.phaseIndex == 1 && s.phase == "reverse")
    #expect(s.perseverationSteps == 0)  // acc_truth = 0.05 < 0.5 at once
    #expect(s.oldAnswerErrors == 0 && s.otherErrors == 0)  // no probe before the criterion probe
  }

  @Test("never reached: censored at the phase length")
  func censored() throws {
    let s = try #require(reversal([0.5, 0.6, 0.7, 0.8, 0.85], length: 45))
    #expect(s.censored)
    #expect(s.latencySteps == 45 && s.latencyExamples == 450)
    #expect(s.latency50Steps == 0 && s.latency80Steps == 30)
  }

  @Test("a run of K cut short by the phase's end does not count")
  func truncatedRun() throws {
    let s = try #require(reversal([0.5, 0.6, 0.95, 0.95]))
    #expect(s.censored && s.latencySteps == 30)
  }

  @Test("broken and regained: the run of K starts at the regained probe")
  func brokenAndRegained() throws {
    // 0.95, 0.95 then a break (0.5): the first run of three starts at the fifth probe (step 40).
    let s = try #require(reversal([0.2, 0.95, 0.95, 0.5, 0.92, 0.93, 0.97, 0.99]))
    #expect(!s.censored && s.latencySteps == 40 && s.latencyExamples == 400)
    #expect(s.latency50Steps == 10 && s.latency80Steps == 10)
  }

  @Test("the criterion is the one recorded with the phase: 100% over 2 probes")
  func otherCriterion() throws {
    var b = RunBuilder()
    b.phase("learn", length: 10, streams: [stream(.truth, "A")])
    b.agreement("A", every: 10, target: .truth, [1, 1])
    b.phase("reverse", length: 40, streams: [stream(.taboo, "A", previous: "truth")],
            facts: PhaseFacts(criterion: Criterion(fraction: 1, probes: 2)))
    b.agreement("A", every: 10, target: .taboo, [0.95, 0.99, 1, 1, 1])
    let s = try #require(Switches.compute(b.run).first)
    #expect(s.latencySteps == 20)
  }

  @Test("perseveration, old-answer and other errors, latency50 and latency80")
  func perseverationAndErrors() throws {
    var b = RunBuilder()
    b.phase("learn", length: 10, streams: [stream(.truth, "A")])
    b.probes("A", every: 10, [(1, 0), (1, 0)], target: .truth)
    b.phase("reverse", length: 25, streams: [stream(.taboo, "A", previous: "truth")])
    // (acc_truth, acc_taboo) every 5 steps; the taboo answers reach 90% three times from step 15.
    b.probes("A", every: 5, [(0.9, 0.05), (0.6, 0.2), (0.4, 0.55), (0.1, 0.9), (0.05, 0.95), (0, 1)], target: .taboo)
    let s = try #require(Switches.compute(b.run).first)
    #expect(s.latencySteps == 15 && !s.censored)
    #expect(s.latency50Steps == 10 && s.latency80Steps == 15)
    #expect(s.perseverationSteps == 10)  // acc_truth 0.4 < 0.5 first at step 10
    // Before the criterion probe: old = min(acc_truth, 1 − acc_taboo) = 0.9 + 0.6 + 0.4,
    // other = 1 − acc_taboo − acc_truth = 0.05 + 0.2 + 0.05.
    #expect(approx(s.oldAnswerErrors, 1.9) && approx(s.otherErrors, 0.3))
    // With the set's size recorded (10 items), the same errors in items.
    b.sets = [SetRecord(name: "A", size: 10)]
    let counted = try #require(Switches.compute(b.run).first)
    #expect(approx(counted.oldAnswerErrors, 19) && approx(counted.otherErrors, 3))
  }

  @Test("two reversals at one phase boundary: A enters a taboo, B leaves it")
  func twoReversals() throws {
    var b = RunBuilder()
    b.phase("learn", length: 10, streams: [stream(.truth, "A"), stream(.truth, "B")])
    b.agreement("A", every: 10, target: .truth, [1, 1])
    b.agreement("B", every: 10, target: .truth, [1, 1])
    b.phase("B taboo", length: 20, streams: [stream(.taboo, "B", previous: "truth"), stream(.truth, "A", previous: "truth")])
    b.agreement("B", every: 10, target: .taboo, [0, 0.95, 0.95])
    b.agreement("A", every: 10, target: .truth, [1, 1, 1])
    b.phase("A taboo", length: 50, streams: [stream(.taboo, "A", previous: "truth"), stream(.truth, "B", previous: "taboo")])
    b.agreement("A", every: 10, target: .taboo, [0, 0.3, 0.91, 0.92, 0.93, 0.94])
    b.agreement("B", every: 10, target: .truth, [0.05, 0.95, 0.95, 0.96, 0.97, 0.98])
    let switches = Switches.compute(b.run)
    // Phase 1: only B reverses (A stays on the truth); phase 2: both.
    #expect(switches.map(\.phaseIndex) == [1, 2, 2])
    let a = try #require(switches.first { $0.phaseIndex == 2 && $0.set == "A" })
    let bb = try #require(switches.first { $0.phaseIndex == 2 && $0.set == "B" })
    #expect(a.oldTarget == .truth && a.newTarget == .taboo && a.latencySteps == 20)
    #expect(bb.oldTarget == .taboo && bb.newTarget == .truth && bb.latencySteps == 10)
    #expect(bb.perseverationSteps == 10)  // acc_taboo = 0.95 at the switch, 0.05 ten steps on
  }

  @Test("a stream over mixed targets reverses only the probed sets whose target changes")
  func mixedStream() throws {
    var b = RunBuilder()
    b.phase("B taboo", length: 10, streams: [stream(.taboo, "B"), stream(.truth, "A")])
    b.agreement("A", every: 10, target: .truth, [1, 1])
    b.agreement("B", every: 10, target: .taboo, [1, 1])
    b.phase("all taboo", length: 40, streams: [stream(.taboo, "all", previous: "mixed")])
    b.agreement("all", every: 10, target: .taboo, [0.5, 0.7, 0.9, 0.95, 0.97])
    b.agreement("A", every: 10, target: .taboo, [0, 0.5, 0.9, 0.95, 0.97])
    b.agreement("B", every: 10, target: .taboo, [1, 1, 1, 1, 1])
    let switches = Switches.compute(b.run)
    #expect(switches.map(\.set) == ["A"])
    #expect(switches.first?.oldTarget == .truth && switches.first?.latencySteps == 20)
  }

  @Test("an old random target is not measured: no perseveration or error split")
  func randomOldTarget() throws {
    var b = RunBuilder()
    b.phase("random drill", length: 10, streams: [stream(.random, "D")])
    b.probes("D", every: 10, [(0, 0), (0, 0)], target: .random)
    b.phase("relock", length: 30, streams: [stream(.taboo, "D", previous: "random")])
    b.agreement("D", every: 10, target: .taboo, [0.2, 0.95, 0.95, 0.95])
    let s = try #require(Switches.compute(b.run).first)
    #expect(s.latencySteps == 10 && s.perseverationSteps == nil && s.oldAnswerErrors == nil && s.otherErrors == nil)
  }

  @Test("no switch where nothing reverses: first training, same target, a frozen phase")
  func noSwitch() {
    var b = RunBuilder()
    b.phase("learn", length: 10, streams: [stream(.truth, "A")])
    b.agreement("A", every: 10, target: .truth, [0.2, 1])
    b.phase("again", length: 10, streams: [stream(.truth, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .truth, [1, 1])
    b.phase("look", length: 10, frozen: true)
    b.probes("A", every: 10, [(1, 0), (1, 0)])
    #expect(Switches.compute(b.run).isEmpty)
  }
}
