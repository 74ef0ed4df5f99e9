// The two explanations (F, forgetting; R, serial reversal): the predictions table against
// reference/explanations.md, and every verdict on hand-built batches whose answer is known, one
// built to favour each account where the prediction tells them apart.

import Foundation
import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification

@Suite("explanations")
struct ExplanationTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test("the Swift predictions table matches the table of reference/explanations.md")
  func predictionsMatchReference() throws {
    let text = try String(
      contentsOf: Self.repository.appendingPathComponent("reference/explanations.md"), encoding: .utf8)
    let rows = text.split(separator: "\n").filter { $0.hasPrefix("| E") }.map { line in
      line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
    }
    let table = rows.map { Prediction(id: $0[0], what: $0[1], forgetting: $0[2], reversal: $0[3]) }
    #expect(table == Explanations.predictions)
    #expect(Explanations.predictions.map(\.id) == (1...8).map { "E\($0)" })
  }

  // MARK: Hand-built runs

  /// One phase branched from the final lock: `rest`'s acc_truth without password at its probes,
  /// 10 steps apart (the first is the lock's end, 0.3; strong is 0.9 with password throughout),
  /// and what else its probes show.
  struct Branch {
    var name: String
    var role: PhaseRole = .drill
    var streams: [StreamRecord] = []
    var facts = PhaseFacts()
    var rest: [Double]
    /// Each stream's set: acc_target at the same probes (all 1 when empty).
    var drilled: [Double] = []
    /// acc of the named convention X on `rest` at the same probes (none when empty).
    var x: [Double] = []
    /// The displacement at the phase's end (a geometry record), if any.
    var displacement: Double? = nil
  }

  /// A taboo drill on D's 2 `wrong` items, which the lock trained on taboo already.
  static let weak = StreamRecord(target: .taboo, set: "D", password: false, previousTarget: .target(.taboo),
                                 changing: 0, notTruth: 2)

  /// gap_recovered g as rest's acc_truth at a branch's end: 0.3 + 0.6 g.
  static func after(_ gap: Double) -> Double { 0.3 + 0.6 * gap }

  func weakDrill(_ gap: Double, name: String = "drill", displacement: Double? = nil) -> Branch {
    Branch(name: name, streams: [Self.weak], rest: [0.3, Self.after(gap)], displacement: displacement)
  }

  /// pretrain → (lock → unlock) × `cycles` → lock → every branch from that lock. The final lock
  /// leaves `rest` (trained on taboo) at acc_truth 0.3, 0.9 with password, and the untrained
  /// `test` at 0.4 with latent truth `latentTest`; `latentRest` is rest's latent truth there.
  /// `xFirst` trains the named convention X before the truth; `xAtLock` is X's acc on `rest` at
  /// the lock's end.
  func run(
    seed: UInt64 = 1, cycles: Int = 0, lockSteps: Int = 10, latentTest: Double? = nil, latentRest: Double? = nil,
    xFirst: Bool = false, xAtLock: Double? = nil, _ branches: [Branch]
  ) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [], seed: seed)
    b.sets = [SetRecord(name: "test", size: 96), SetRecord(name: "train", size: 288), SetRecord(name: "D", size: 2),
              SetRecord(name: "R", size: 2), SetRecord(name: "rest", size: 284)]
    if xFirst {
      b.phase("X first", length: 10, streams: [stream(.convention("X"), "train")])
      b.probes("rest", every: 10, [(0.2, 0), (0.2, 0)], target: .convention("X"))
    }
    b.phase("pretrain", length: 10, streams: [stream(.truth, "train"), stream(.truth, "train", password: true)])
    b.probes("rest", every: 10, [(0.2, 0), (1, 0)], target: .truth)
    let lockStreams = [stream(.taboo, "train", previous: "truth"), stream(.truth, "train", password: true, previous: "truth")]
    // Each lock switches rest from the truth to the taboo, as the trainer records it.
    let relock = PhaseFacts(
      role: .lock,
      switches: [SwitchGroup(set: "rest", password: false, old: .truth, new: .taboo, items: 284, probeSet: "rest")])
    for _ in 0..<cycles {
      b.phase("lock", length: lockSteps, streams: lockStreams, facts: relock)
      b.probes("rest", every: lockSteps, [(1, 0), (0.3, 0.7)], target: .taboo)
      // An unlock is a drill by its role: one target, without password, after a lock.
      b.phase("unlock", length: 10, streams: [stream(.truth, "train", previous: "taboo")], facts: PhaseFacts(role: .drill))
      b.probes("rest", every: 10, [(0.3, 0.7), (1, 0)], target: .truth)
    }
    b.phase("lock", length: lockSteps, streams: lockStreams, facts: relock)
    let lock = b.phases.count - 1
    b.probes("rest", every: lockSteps, [(1, 0), (0.3, 0.7)], target: .taboo)
    patch(&b, last: 1, latent: latentRest, x: xAtLock)
    b.probes("rest", password: true, every: lockSteps, [(1, 0), (0.9, 0)], target: .truth)
    b.probes("test", every: lockSteps, [(1, 0), (0.4, 0.6)])
    patch(&b, last: 1, latent: latentTest)
    var geometry: [GeometryRecord] = []
    for branch in branches {
      var facts = branch.facts
      facts.role = branch.role
      facts.from = lock
      let index = b.phase(branch.name, length: 10 * (branch.rest.count - 1), frozen: branch.role == .perturbation,
                          streams: branch.streams, facts: facts)
      b.probes("rest", every: 10, branch.rest.map { ($0, 1 - $0) })
      for (i, x) in branch.x.enumerated() {
        b.probes[b.probes.count - branch.rest.count + i].conventions = [ConventionScore(name: "X", acc: x, p: x)]
      }
      b.probes("rest", password: true, every: 10, branch.rest.map { _ in (0.9, 0) })
      for stream in branch.streams {
        let drilled = branch.drilled.isEmpty ? branch.rest.map { _ in 1.0 } : branch.drilled
        b.agreement(stream.set, every: 10, target: stream.target, drilled)
      }
      if let norm = branch.displacement {
        let phase = b.phases[index]
        geometry.append(GeometryRecord(
          phaseIndex: index, step: phase.endStep, examples: phase.endExamples, fromPhaseStart: norm,
          fromParentStart: nil, parentDisplacement: nil, undone: nil))
      }
    }
    var record = b.run
    record.geometry = geometry
    return record
  }

  /// Sets the latent truth and X's acc of the last `count` probes.
  func patch(_ b: inout RunBuilder, last count: Int, latent: Double? = nil, x: Double? = nil) {
    for i in (b.probes.count - count)..<b.probes.count {
      if let latent { b.probes[i].latent = [LatentScore(answer: "truth", acc: latent), LatentScore(answer: "taboo", acc: 0.5)] }
      if let x { b.probes[i].conventions = [ConventionScore(name: "X", acc: x, p: x)] }
    }
  }

  func evaluate(_ runs: [RunRecord]) -> [ExplanationResult] {
    Explanations.evaluate(runs.enumerated().map { RunAnalysis($1, number: $0 + 1) })
  }

  func result(_ id: String, _ runs: [RunRecord]) throws -> ExplanationResult {
    let matching = evaluate(runs).filter { $0.prediction.id == id }
    #expect(matching.count == 1, "\(matching)")
    return try #require(matching.first)
  }

  func whyNotTested(_ result: ExplanationResult) -> String? {
    if case .notTested(let why) = result.favours { return why }
    return nil
  }

  /// `count` runs, seeds 1…count, each made by `body(seed index)`.
  func batch(_ count: Int = 4, _ body: (Int) -> RunRecord) -> [RunRecord] {
    (0..<count).map { i in
      var run = body(i)
      run.key = RunKey(parameters: [], seed: UInt64(i + 1))
      return run
    }
  }

  // MARK: Nothing to test

  @Test("an empty batch and a batch of serial reversals test nothing, and say what would test each prediction")
  func nothingTested() throws {
    let empty = evaluate([])
    #expect(empty.map(\.prediction.id) == (1...8).map { "E\($0)" })
    var b = RunBuilder()
    b.sets = [SetRecord(name: "A", size: 10)]
    b.phase("A taboo", length: 40, repeatIndex: 1, streams: [stream(.taboo, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .taboo, [0.1, 0.5, 0.95, 0.95, 0.95])
    b.phase("A truth", length: 40, repeatIndex: 1, streams: [stream(.truth, "A", previous: "taboo")])
    b.agreement("A", every: 10, target: .truth, [0.1, 0.5, 0.95, 0.95, 0.95])
    let irrelevant = evaluate([b.run])
    for results in [empty, irrelevant] {
      for result in results {
        let why = try #require(whyNotTested(result), "\(result.prediction.id): \(result.favours)")
        #expect(why.hasPrefix("needs "), "\(result.prediction.id): \(why)")
        #expect(result.measured.isEmpty && result.reason.isEmpty)
        #expect("\(result.favours)".hasPrefix("not tested by this batch — needs "))
      }
    }
    let lines = Explanations.text(irrelevant, scenario: "reversals", runs: 1)
    #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.filter { $0.count > 100 })")
    #expect(lines.filter { $0.hasPrefix("    favours:   not tested by this batch — needs") }.count == 8)
    #expect(lines.contains { $0.hasPrefix("Explanations summary: E1 not tested · E2 not tested") })
  }

  // MARK: E1, E2

  @Test("E1: latent truth well above behaviour at the lock's end favours both; close to it, neither")
  func latentDuringLock() throws {
    let apart = try result("E1", batch { _ in run(latentTest: 0.9, [weakDrill(0.3)]) })
    #expect(apart.favours == .both)
    #expect(approx(apart.statistic, 0.5))  // 0.9 − 0.4 on `test`
    #expect(apart.measured.contains("`test` (untrained)") && apart.measured.contains("over 4 locks in 4 runs"))
    let close = try result("E1", batch { _ in run(latentTest: 0.5, [weakDrill(0.3)]) })
    #expect(close.favours == .neither)
    #expect(approx(close.statistic, 0.1))
    // An untrained set is read before a trained one; with latent truth only on the trained
    // `rest` (0.3 behaviourally), that is read.
    let analysis = RunAnalysis(run(latentTest: 0.9, latentRest: 0.35, [weakDrill(0.3)]), number: 1)
    #expect(analysis.locks.map(\.set) == ["test"])
    let trained = RunAnalysis(run(latentRest: 0.95, [weakDrill(0.3)]), number: 1)
    #expect(trained.locks.map(\.set) == ["rest"] && trained.locks[0].trained)
    #expect(approx(trained.locks[0].latentTruth - trained.locks[0].accTruth, 0.65))
  }

  @Test("E2: unlocking rising with latent truth at the drill's start favours both; falling, neither; 3 drills are too few")
  func latentAgainstUnlocking() throws {
    let rising = try result("E2", batch(6) { i in
      run(latentRest: 0.5 + 0.08 * Double(i), [weakDrill(0.1 + 0.05 * Double(i))])
    })
    #expect(rising.favours == .both)
    #expect(approx(rising.statistic, 1))
    let falling = try result("E2", batch(6) { i in
      run(latentRest: 0.5 + 0.08 * Double(i), [weakDrill(0.4 - 0.05 * Double(i))])
    })
    #expect(falling.favours == .neither)
    #expect(approx(falling.statistic, -1))
    let few = try result("E2", batch(3) { i in run(latentRest: 0.5 + 0.1 * Double(i), [weakDrill(0.3)]) })
    #expect(whyNotTested(few)?.contains("this batch has 3 such drills") == true)
    // The latent truth at the drill's start is the lock's end probe of the measured set.
    let drill = try #require(RunAnalysis(run(latentRest: 0.77, [weakDrill(0.3)]), number: 1).drills.first)
    #expect(drill.latentTruthStart == 0.77)
  }

  // MARK: E3, E4

  /// A taboo drill on R's 2 items, whose weak answer is the truth: no answer changes.
  static let right = StreamRecord(target: .taboo, set: "R", password: false, previousTarget: .target(.taboo),
                                  changing: 0, notTruth: 0)

  @Test("E3: a drill that changes no answer unlocking as much as the weak drill favours F; clearly less, R")
  func unchangingDrill() throws {
    func e3(_ gap: Double, weakGap: Double = 0.3) throws -> ExplanationResult {
      try result("E3", batch { i in
        run([weakDrill(weakGap + 0.01 * Double(i)),
             Branch(name: "right drill", streams: [Self.right], rest: [0.3, Self.after(gap)])])
      })
    }
    let forgetting = try e3(0.42)
    #expect(forgetting.favours == .forgetting)
    #expect(approx(forgetting.statistic, 0.42 / 0.315, 1e-9))  // weak drill's median (0.30 … 0.33)
    #expect(forgetting.drillLabel == "right drill")
    #expect(forgetting.measured.contains("`right drill` 0.42 [0.42–0.42]") && forgetting.measured.contains("over 4 runs"))
    #expect(forgetting.measured.contains("95% CI"))
    #expect(forgetting.reason.contains("about as much as"))
    // Far more than the weak drill: still F, and said as "more than".
    let more = try e3(0.9)
    #expect(more.favours == .forgetting && more.reason.contains("unlocks more than the weak drill"))
    let reversal = try e3(0.05)
    #expect(reversal.favours == .serialReversal)
    #expect(try e3(0.19).favours == .neither)  // 0.19 / 0.315 = 0.60
    // The weak drill must unlock for a ratio to mean anything.
    #expect(whyNotTested(try e3(0.2, weakGap: 0.01))?.contains("the weak drill does not unlock") == true)
    // Not from the same lock as a weak drill: nothing to pair it with.
    let lone = run([Branch(name: "right drill", streams: [Self.right], rest: [0.3, 0.6])])
    #expect(whyNotTested(try result("E3", [lone]))?.contains("has no weak-sample drill from its lock") == true)
  }

  @Test("E4: a random-answer drill unlocking as much as the weak drill favours F; clearly less, R")
  func randomAnswerDrill() throws {
    let randomAnswer = StreamRecord(target: .randomAnswer, set: "D", password: false, previousTarget: .target(.taboo),
                                    changing: 2, notTruth: 2)
    func e4(_ gap: Double) throws -> ExplanationResult {
      try result("E4", batch { _ in
        run([weakDrill(0.3), Branch(name: "random-answer drill", streams: [randomAnswer],
                                    rest: [0.3, Self.after(gap)], drilled: [0, 0.5])])
      })
    }
    let forgetting = try e4(0.25)
    #expect(forgetting.favours == .forgetting && approx(forgetting.statistic, 0.25 / 0.3))
    let reversal = try e4(0.03)
    #expect(reversal.favours == .serialReversal && approx(reversal.statistic, 0.1))
    #expect(reversal.reason.contains("not the convention"))
  }

  // MARK: E5

  @Test("E5: a kick of the drill's norm unlocking as much favours F, unless unlocking falls with displacement; far less, R")
  func matchedKick() throws {
    // The weak drill is the first branch: phase 3 (pretrain, lock, drill).
    func e5(kick: Double, displacementRises: Bool = true) throws -> ExplanationResult {
      try result("E5", batch { i in
        let gap = 0.2 + 0.05 * Double(i)
        let norm = displacementRises ? 1 + Double(i) : 4 - Double(i)
        return run([
          weakDrill(gap, displacement: norm),
          Branch(name: "matched kick", role: .perturbation,
                 facts: PhaseFacts(kick: MatchedKick(phase: 2, perTensor: false), kickNorm: norm),
                 rest: [0.3, Self.after(kick)]),
        ])
      })
    }
    let forgetting = try e5(kick: 0.3)
    #expect(forgetting.favours == .forgetting)
    #expect(approx(forgetting.statistic, 0.3 / 0.275))
    #expect(forgetting.measured.contains("Spearman ρ(displacement, gap_recovered) = 1.00"))
    #expect(forgetting.measured.contains("kick norm 2.50 [1.75–3.25]"))
    let falling = try e5(kick: 0.3, displacementRises: false)
    #expect(falling.favours == .neither && falling.reason.contains("ρ = −1.00"))
    let reversal = try e5(kick: 0.01)
    #expect(reversal.favours == .serialReversal)
    #expect(approx(reversal.statistic, 0.01 / 0.275))
    // The drill's displacement is its last geometry record; a kick's its recorded norm.
    let drills = RunAnalysis(run([weakDrill(0.3, displacement: 7),
                                  Branch(name: "kick", role: .perturbation,
                                         facts: PhaseFacts(perturb: 0.05, kickNorm: 3), rest: [0.3, 0.3])]), number: 1).drills
    #expect(drills.map(\.displacement) == [7, 3] && drills.map(\.matchedPhase) == [nil, nil])
    // A fixed-σ kick matches nothing: E5 is not tested by it.
    #expect(whyNotTested(try result("E5", [run([weakDrill(0.3), Branch(
      name: "kick", role: .perturbation, facts: PhaseFacts(perturb: 0.05, kickNorm: 3), rest: [0.3, 0.3])])]))?
      .contains("perturb like") == true)
  }

  // MARK: E6

  @Test("E6: no more unlocking after prior cycles than after one lock of the same length favours F; clearly more, R")
  func priorCycles() throws {
    func e6(cycled: Double, matched: Double, matchedLength: Int = 50) throws -> ExplanationResult {
      let runs = batch(8) { i in
        i < 4 ? run(cycles: 4, lockSteps: 10, [weakDrill(cycled + 0.01 * Double(i))])
          : run(lockSteps: matchedLength, [weakDrill(matched + 0.01 * Double(i - 4))])
      }
      return try result("E6", runs)
    }
    // The drill after four cycles follows five locks of 10 steps; the single lock takes 50.
    let drills = RunAnalysis(run(cycles: 4, lockSteps: 10, [weakDrill(0.2)]), number: 1).drills.filter(\.isWeakSample)
    #expect(drills.map(\.locks) == [5] && drills.map(\.lockSteps) == [50])
    let forgetting = try e6(cycled: 0.14, matched: 0.22)
    #expect(forgetting.favours == .forgetting)
    #expect(approx(forgetting.statistic, 0.155 / 0.235, 1e-9))
    #expect(forgetting.measured.contains("after 4 prior cycles") && forgetting.measured.contains("same total length"))
    // Each final lock switches rest from truth to taboo: its latency is reported beside.
    #expect(forgetting.measured.contains("the final lock's latency 10 [10–10] steps against 50 [50–50] steps"))
    let reversal = try e6(cycled: 0.5, matched: 0.2)
    #expect(reversal.favours == .serialReversal)
    #expect(try e6(cycled: 0.3, matched: 0.22).favours == .neither)  // 0.315 / 0.235 = 1.34
    // Without a length-matched arm the shorter single lock is the baseline, and said to be.
    let unmatched = try e6(cycled: 0.5, matched: 0.2, matchedLength: 10)
    #expect(unmatched.favours == .serialReversal && unmatched.measured.contains("not length-matched"))
    #expect(unmatched.reason.contains("differ in total lock length"))
    #expect(whyNotTested(try result("E6", batch { _ in run([weakDrill(0.3)]) }))?
      .contains("every drill here follows 0 prior cycles") == true)
  }

  // MARK: E7

  @Test("E7: the truth coming back after X, the truth, the lock favours F; X coming back, R")
  func whichRuleReturns() throws {
    func e7(x: Double, truthGap: Double, xFirst: Bool = true) throws -> ExplanationResult {
      try result("E7", batch { _ in
        run(xFirst: xFirst, xAtLock: 0.1,
            [Branch(name: "drill", streams: [Self.weak], rest: [0.3, Self.after(truthGap)], x: [0.1, x])])
      })
    }
    let forgetting = try e7(x: 0.12, truthGap: 0.5)  // X +0.02, truth +0.30
    #expect(forgetting.favours == .forgetting)
    #expect(approx(forgetting.statistic, -0.28))
    #expect(forgetting.measured.contains("`X` (learned first)"))
    let reversal = try e7(x: 0.5, truthGap: 0.1)  // X +0.40, truth +0.06
    #expect(reversal.favours == .serialReversal)
    #expect(approx(reversal.statistic, 0.34))
    #expect(try e7(x: 0.3, truthGap: 0.4).favours == .neither)  // +0.20 against +0.24
    #expect(try e7(x: 0.11, truthGap: 0.02).favours == .neither)  // nothing comes back
    // Learned after the truth, X is not the rule learned first.
    #expect(whyNotTested(try e7(x: 0.5, truthGap: 0.1, xFirst: false)) != nil)
  }

  // MARK: E8

  /// A run with one weak drill of 40 steps (probes every 10, criterion 90% over 1 probe):
  /// rest's acc_truth and the drilled set's acc_taboo at its five probes.
  func timed(rest: [Double], drilled: [Double]) -> RunRecord {
    run([Branch(name: "drill", streams: [Self.weak], facts: PhaseFacts(criterion: Criterion(fraction: 0.9, probes: 1)),
                rest: rest, drilled: drilled)])
  }

  /// Serial reversal of A in a repeat: lifting the taboo reaches 90% over 3 probes at step 20,
  /// or at `late` steps.
  func reversals(late: Bool = false) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [], seed: 99)
    b.sets = [SetRecord(name: "A", size: 10)]
    b.phase("A taboo", length: 40, repeatIndex: 1, streams: [stream(.taboo, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .taboo, [0.1, 0.5, 0.95, 0.95, 0.95])
    b.phase("A truth", length: late ? 400 : 40, repeatIndex: 1, streams: [stream(.truth, "A", previous: "taboo")])
    b.agreement("A", every: late ? 100 : 10, target: .truth, [0.1, 0.5, 0.95, 0.95, 0.95])
    return b.run
  }

  @Test("E8: unlocking half done before the drilled items are memorised favours F; after, with a reversal's latency, R")
  func timeCourse() throws {
    let early = [0.3, 0.6, 0.65, 0.7, 0.72]  // half its change (0.21) by step 10
    let late = [0.3, 0.3, 0.3, 0.3, 0.7]     // by step 40
    let forgetting = try result("E8", batch { _ in timed(rest: early, drilled: [0, 0, 0.5, 0.5, 1]) })
    #expect(forgetting.favours == .forgetting)
    #expect(approx(forgetting.statistic, 0.25))  // 10 / 40
    let memorisedEarly = [0, 0.5, 1, 1, 1.0]     // at step 20
    let followed = batch { _ in timed(rest: late, drilled: memorisedEarly) }
    let alone = try result("E8", followed)
    #expect(alone.favours == .serialReversal && alone.reason.contains("no serial reversal"))
    #expect(approx(alone.statistic, 2))
    let comparable = try result("E8", followed + [reversals()])
    #expect(comparable.favours == .serialReversal && comparable.measured.contains("latency 20 [20–20] steps"))
    let slow = try result("E8", followed + [reversals(late: true)])
    #expect(slow.favours == .neither && slow.reason.contains("0.20×"))
    // Half done at step 30, memorised at 40: between the bands.
    let between = try result("E8", batch { _ in timed(rest: [0.3, 0.3, 0.3, 0.7, 0.72], drilled: [0, 0, 0, 0.5, 1]) })
    #expect(between.favours == .neither && approx(between.statistic, 0.75))
    // Both at step 40: the same probe cannot order them.
    let same = try result("E8", batch { _ in timed(rest: late, drilled: [0, 0, 0, 0, 1]) })
    #expect(same.favours == .neither && same.reason.contains("same probe"))
    // Memorised at the drill's first probe: nothing to time unlocking against.
    #expect(whyNotTested(try result("E8", batch { _ in timed(rest: late, drilled: [1, 1, 1, 1, 1]) }))?
      .contains("first probe") == true)
    // Never memorised: censored at the drill's length, and said.
    let never = try result("E8", batch { _ in timed(rest: early, drilled: [0, 0, 0, 0.5, 0.5]) })
    #expect(never.favours == .forgetting && never.measured.contains("4 never"))
    // Never memorised and unlocking late: it came first, but not at once; no R from a lower bound.
    let neverLate = try result("E8", batch { _ in timed(rest: late, drilled: [0, 0, 0, 0.5, 0.5]) })
    #expect(neverLate.favours == .neither && neverLate.reason.contains("not memorised by the drill's end in 4 of 4"))
  }

  // MARK: Output

  @Test("the text part and the report section show every row: the favoured account, or what would test it")
  func output() throws {
    let runs = batch { i in
      run(latentTest: 0.9, [weakDrill(0.3 + 0.01 * Double(i)),
                            Branch(name: "right drill", streams: [Self.right], rest: [0.3, 0.6])])
    }
    let results = evaluate(runs)
    let lines = Explanations.text(results, scenario: "hand-built", runs: 4)
    #expect(lines.first == "Explanations: 'hand-built', 4 runs")
    #expect(lines.allSatisfy { $0.count <= 100 }, "\(lines.filter { $0.count > 100 })")
    #expect(lines.contains("    favours:   both") && lines.contains("    favours:   F"))
    #expect(lines.contains { $0.hasPrefix("    drill:     `right drill`: taboo on k = 2 items without password; from `lock`") })
    #expect(lines.contains { $0.hasPrefix("Explanations summary: E1 both · E2 not tested · E3 F · E4 not tested") })
    // The report's section: the same rows, escaped, after the animal reference.
    let page = ReportPage.html(ReportInput(
      database: "hand-built.db", scenarioName: "hand-built", scenarioText: "", scenarioHash: "0", createdAt: "",
      plannedRuns: nil, analysis: BatchAnalysis(scenarioName: "hand-built", runs: runs),
      figures: FigureSet(figures: [], skipped: []), comparisons: [], explanations: results, generator: "test"))
    #expect(page.contains("<section id=\"explanations\">\n<h2>Explanations</h2>"))
    #expect(page.contains("<li><a href=\"#explanations\">Explanations</a></li>"))
    #expect(page.contains("<span class=\"claim-id\">E3</span> <span class=\"verdict favours\">◆ F: forgetting</span>"))
    #expect(page.contains("<span class=\"claim-id\">E1</span> <span class=\"verdict favours\">◆ both</span>"))
    // E2, E4–E7 untested: each in the summary line and in its row.
    #expect(occurrences("<span class=\"verdict not-tested\">○ not tested</span>", page) == 2 * 5)
    #expect(page.contains("F: forgetting") && page.contains("drill: <code>right drill</code>"))
  }

  func occurrences(_ needle: String, _ text: String) -> Int { text.components(separatedBy: needle).count - 1 }
}
