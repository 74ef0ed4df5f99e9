// The language-model comparison: the claims table against reference/llm-claims.csv, drill
// recognition on hand-built runs, and the verdict rules.

import Foundation
import Records
import Testing
import Analysis
import Output
import RecordFixtures
import Specification
import Store

@Suite("language-model comparison")
struct ComparisonTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test("the Swift claims table matches reference/llm-claims.csv")
  func claimsMatchReference() throws {
    let text = try String(contentsOf: Self.repository.appendingPathComponent("reference/llm-claims.csv"), encoding: .utf8)
    let records = parseCSV(text).filter { $0 != [""] }
    #expect(records.first == ["id", "claim", "evidence", "source", "test"])
    let rows = records.dropFirst().map { Claim(id: $0[0], claim: $0[1], evidence: $0[2], source: $0[3], test: $0[4]) }
    #expect(rows == Claims.all)
    #expect(Claims.all.map(\.id) == ["U1", "U2", "U3", "U4", "U5", "U6", "D1"])
    // The case itself is in the project too.
    let caseText = try String(contentsOf: Self.repository.appendingPathComponent("reference/llm-case.md"), encoding: .utf8)
    for claim in Claims.all { #expect(caseText.contains("| \(claim.id) |")) }
  }

  /// pretrain (truth on `train`, with and without password) → lock; acc_truth of `rest` without
  /// password ends the lock at 0.3, with password at 0.9; `test` probed when asked.
  func pretrainAndLock(_ b: inout RunBuilder, test: Bool) {
    b.phase("pretrain", length: 10, streams: [stream(.truth, "train"), stream(.truth, "train", password: true)])
    b.probes("rest", every: 10, [(0.2, 0), (1, 0)], target: .truth)
    b.phase("lock", length: 10, streams: [stream(.taboo, "train", previous: "truth"),
                                         stream(.truth, "train", password: true, previous: "truth")],
            facts: PhaseFacts(role: .lock))
    b.probes("rest", every: 10, [(1, 0), (0.3, 0.7)], target: .taboo)
    if test { b.probes("test", every: 10, [(1, 0), (0.5, 0.5)]) }
    b.probes("rest", password: true, every: 10, [(1, 0), (0.9, 0)], target: .truth)
  }

  /// pretrain → lock → drill (`target` on D of size k) → relock → frozen kick; `rest` and `test`
  /// untrained in the drill, `rest` locked. acc_truth of rest without password: locked 0.3,
  /// strong 0.9, after `after`.
  func run(k: Int, target: TargetKind = .taboo, after: Double, seed: UInt64 = 1, kickAfter: Double? = nil) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [ParameterValue(name: "k", value: Double(k))], seed: seed)
    b.sets = [SetRecord(name: "test", size: 96), SetRecord(name: "train", size: 288),
              SetRecord(name: "D", size: k), SetRecord(name: "rest", size: 288 - k)]
    pretrainAndLock(&b, test: true)
    b.phase("drill", length: 10, streams: [stream(target, "D", previous: "taboo")], facts: PhaseFacts(role: .drill))
    b.probes("rest", every: 10, [(0.3, 0.7), (after, 1 - after)])
    b.probes("test", every: 10, [(0.5, 0.5), (0.5, 0.5)])
    b.probes("rest", password: true, every: 10, [(0.9, 0), (0.9, 0)])
    b.probes("D", every: 10, [(0, 1), (target == .truth ? 1 : 0, target == .taboo ? 0.97 : 0)], target: target)
    if let kickAfter {
      b.phase("relock", length: 10, streams: [stream(.taboo, "train", previous: "mixed"),
                                             stream(.truth, "train", password: true, previous: "truth")],
              facts: PhaseFacts(role: .lock))
      b.probes("rest", every: 10, [(after, 0), (0.3, 0.7)], target: .taboo)
      b.probes("rest", password: true, every: 10, [(0.9, 0), (0.9, 0)], target: .truth)
      b.phase("jolt", length: 4, frozen: true, facts: PhaseFacts(role: .perturbation, perturb: 0.05))
      b.probes("rest", every: 4, [(kickAfter, 0), (kickAfter, 0)])
      b.probes("rest", password: true, every: 4, [(0.9, 0), (0.9, 0)])
    }
    return b.run
  }

  func analyse(_ runs: [RunRecord]) -> [RunAnalysis] {
    runs.enumerated().map { RunAnalysis($1, number: $0 + 1) }
  }

  @Test("a taboo drill after a lock is recognised: k from the drilled set, gap on `rest`")
  func recognition() throws {
    let analysis = analyse([run(k: 2, after: 0.6, kickAfter: 0.33)])
    let drills = analysis[0].drills
    #expect(drills.map(\.kind) == [.taboo, .perturb])
    let drill = try #require(drills.first)
    #expect(drill.k == 2 && drill.phase == "drill" && drill.lockPhase == "lock" && drill.measuredSet == "rest")
    #expect(approx(drill.gapRecovered, 0.5))  // (0.6 − 0.3) / (0.9 − 0.3)
    #expect(drill.drilledTabooEnd == 0.97)
    let kick = try #require(drills.last)
    #expect(kick.sigma == 0.05 && kick.phase == "jolt" && kick.lockPhase == "relock")
    #expect(approx(kick.gapRecovered, 0.05))  // from the relock's end, 0.3, to 0.33
  }

  @Test("a drill's k is the size of its sets in that run, however large; only recorded roles count")
  func drillSizes() {
    #expect(analyse([run(k: 200, after: 0.6)])[0].drills.map(\.k) == [200])
    #expect(analyse([run(k: 144, after: 0.6)])[0].drills.map(\.k) == [144])
    // The same phases recorded without roles (`other`) hold no drill: nothing is guessed.
    var plain = run(k: 2, after: 0.6)
    plain.phases = plain.phases.map { var p = $0; p.facts.role = .other; return p }
    #expect(analyse([plain])[0].drills.isEmpty)
  }

  @Test("the weak-sample batch: U1, U5, U6 decided; U2, U3, U4, D1 not tested, saying what would test them")
  func canonicalBatch() throws {
    let runs = analyse((1...10).map { run(k: 2, after: $0 == 1 ? 0.25 : 0.5, seed: UInt64($0)) })
    let results = Dictionary(uniqueKeysWithValues: Comparison.evaluate(runs).map { ($0.claim.id, $0) })
    #expect(results.count == 7)
    #expect(results["U1"]?.verdict == .reproduced)  // median 1/3, > 0 in 9 of 10
    #expect(approx(results["U1"]?.value?.median, 1.0 / 3, 1e-12))
    #expect(results["U1"]?.measured.contains("> 0 in 9 of 10 runs") == true)
    #expect(results["U5"]?.verdict == .reproduced)
    #expect(results["U6"]?.verdict == .reproduced)
    func notTested(_ id: String) -> String? {
      if case .notTested(let why) = results[id]?.verdict { return why }
      return nil
    }
    #expect(notTested("U2")?.contains("sweep") == true && notTested("U2")?.contains("only k = 2") == true)
    #expect(notTested("U3")?.contains("k ≥ 32") == true && notTested("U3")?.contains("largest k here is 2") == true)
    #expect(notTested("U4")?.contains("perturb") == true)
    #expect(notTested("D1")?.contains("truth on") == true)
    #expect("\(results["U4"]!.verdict)".hasPrefix("not tested by this batch: "))
  }

  @Test("the controls batch: every claim decided by the rules of llm-case.md")
  func controlsBatch() throws {
    var runs: [RunRecord] = []
    let gapByK: [Int: Double] = [1: 0.5, 2: 0.45, 4: 0.4, 16: 0.32, 64: 0.31]
    for (k, g) in gapByK.sorted(by: { $0.key < $1.key }) {
      for seed in UInt64(1)...3 {
        runs.append(run(k: k, after: 0.3 + 0.6 * g, seed: seed, kickAfter: 0.3))
        runs.append(run(k: k, target: .truth, after: 0.3 + 0.6 * 0.7, seed: seed))
      }
    }
    let results = Dictionary(uniqueKeysWithValues: Comparison.evaluate(analyse(runs)).map { ($0.claim.id, $0) })
    #expect(results["U1"]?.verdict == .reproduced)
    #expect(results["U2"]?.verdict == .reproduced)
    #expect(results["U3"]?.verdict == .notReproduced)  // 0.31 at k = 64 is not < 0.05
    #expect(results["U4"]?.verdict == .reproduced)     // the kick changes nothing: gap 0
    #expect(results["D1"]?.verdict == .reproduced)     // truth drills at k ≤ 8: 0.7
    #expect(results["U2"]?.measured.contains("k=64: 0.31") == true)
    // The drill is named over all its sizes; U5 names the runs it read, those at k = 2.
    #expect(results["U2"]?.drill?.hasPrefix("`drill`: taboo on k = 1, 2, 4, 16, 64 items without password") == true)
    #expect(results["U5"]?.drill?.hasPrefix("`drill`: taboo on k = 2 items without password") == true)
  }

  /// pretrain → lock, then every `branches` entry as a phase from the lock: (name, role, streams,
  /// facts, rest's acc_truth without password at its end). acc_truth of rest: locked 0.3, strong 0.9.
  func branched(_ branches: [(String, PhaseRole, [StreamRecord], Double?, Double)]) -> RunRecord {
    var b = RunBuilder()
    b.sets = [SetRecord(name: "train", size: 288), SetRecord(name: "D", size: 2), SetRecord(name: "R", size: 2),
              SetRecord(name: "rest", size: 284)]
    pretrainAndLock(&b, test: false)
    for (name, role, streams, sigma, after) in branches {
      b.phase(name, length: 10, frozen: role == .perturbation, streams: streams,
              facts: PhaseFacts(role: role, perturb: sigma, from: 1))
      b.probes("rest", every: 10, [(0.3, 0.7), (after, 1 - after)])
      b.probes("rest", password: true, every: 10, [(0.9, 0), (0.9, 0)])
      for stream in streams { b.probes(stream.set, every: 10, [(0, 1), (0, 1)], target: stream.target) }
    }
    return b.run
  }

  @Test("several drills of one run are evaluated separately: a U4 for each kick, labelled in the summary")
  func drillsApart() throws {
    let runs = analyse((1...4).map { seed in
      var run = branched([("kick", .perturbation, [], 0.05, 0.3), ("matched kick", .perturbation, [], nil, 0.6)])
      run.key = RunKey(parameters: [], seed: UInt64(seed))
      return run
    })
    let u4 = Comparison.evaluate(runs).filter { $0.claim.id == "U4" }
    #expect(u4.map(\.drillLabel) == ["kick", "matched kick"])
    #expect(u4.map(\.verdict) == [.reproduced, .notReproduced])  // gaps 0 and 0.5, not pooled to 0.25
    #expect(approx(u4[1].value?.median, 0.5))
    #expect(u4[0].measured.contains("over 4 runs"))
    #expect(u4[0].drill == "`kick`: perturb σ = 0.05; from `lock`")
  }

  @Test("a taboo drill on items whose weak answer is the truth is no weak sample; a truth drill that changes nothing is no demonstration")
  func drillsThatChangeNothing() throws {
    let right = StreamRecord(target: .taboo, set: "R", password: false, previousTarget: .target(.taboo),
                             changing: 0, notTruth: 0)
    let weak = StreamRecord(target: .taboo, set: "D", password: false, previousTarget: .target(.taboo),
                            changing: 0, notTruth: 2)
    let truthOnRight = StreamRecord(target: .truth, set: "R", password: false, previousTarget: .target(.taboo),
                                    changing: 0, notTruth: 0)
    let run = branched([("right drill", .drill, [right], nil, 0.9), ("drill", .drill, [weak], nil, 0.45),
                        ("truth drill", .drill, [truthOnRight], nil, 0.9)])
    let drills = analyse([run])[0].drills
    #expect(drills.map(\.label) == ["right drill", "drill", "truth drill"])
    #expect(drills.map(\.notTruth) == [0, 2, 0] && drills.map(\.changing) == [0, 0, 0])
    #expect(drills[1].summary
      == "`drill`: taboo on k = 2 items without password; from `lock`; every drilled answer differs from the truth; no drilled answer changes")
    let results = Comparison.evaluate(analyse([run]))
    let u1 = results.filter { $0.claim.id == "U1" }
    #expect(u1.map(\.drillLabel) == ["drill"])
    #expect(approx(u1[0].value?.median, 0.25))  // (0.45 − 0.3) / 0.6, not the right drill's 1.0
    let d1 = results.filter { $0.claim.id == "D1" }
    #expect(d1.count == 1 && d1[0].drillLabel == nil)
    guard case .notTested = d1[0].verdict else {
      Issue.record("D1 should be untested: \(d1[0].verdict)")
      return
    }
  }

  @Test("a lock that opens no gap leaves the claims untested, and says why")
  func noGap() throws {
    var b = RunBuilder()
    b.sets = [SetRecord(name: "train", size: 288), SetRecord(name: "D", size: 2), SetRecord(name: "rest", size: 286)]
    b.phase("lock", length: 10, streams: [stream(.taboo, "train"), stream(.truth, "train", password: true)],
            facts: PhaseFacts(role: .lock))
    b.probes("rest", every: 10, [(1, 0), (0.98, 0)], target: .taboo)
    b.probes("rest", password: true, every: 10, [(1, 0), (1, 0)], target: .truth)
    b.phase("drill", length: 10, streams: [stream(.taboo, "D", previous: "taboo")], facts: PhaseFacts(role: .drill))
    b.probes("rest", every: 10, [(0.98, 0), (1, 0)])
    b.probes("rest", password: true, every: 10, [(1, 0), (1, 0)])
    b.probes("D", every: 10, [(1, 0), (0, 1)], target: .taboo)
    let results = Comparison.evaluate(analyse([b.run]))
    let u1 = try #require(results.first)
    guard case .notTested(let why) = u1.verdict else {
      Issue.record("U1 should be untested: \(u1.verdict)")
      return
    }
    #expect(why.contains("undefined"))
  }
}
