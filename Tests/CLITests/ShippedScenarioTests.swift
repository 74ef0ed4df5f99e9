import Foundation
import Records
import Store
import Analysis
import Output
import Specification
import Testing

/// Every shipped scenario that `taboo run` supports, run for real through the CLI in a reduced
/// form (one or two seeds, short phases through `--set`); the full versions run in the benchmark.
@Suite("Shipped scenarios, reduced", .serialized)
struct ShippedScenarioTests {
  static let cases: [(file: String, settings: [String], runs: Int, phases: Int)] = [
    ("weak-sample-unlocking.taboo",
     ["pretrain_steps=40", "lock_steps=20", "drill_epochs=10"], 2, 3),
    ("unlocking-controls.taboo",
     ["pretrain_steps=30", "lock_steps=10", "drill_epochs=5"], 10, 8),
    ("serial-reversal.taboo", ["cap=12"], 2, 13),
    ("two-items.taboo", ["learn_cap=12", "cap=6"], 2, 17),
    ("in-context-reversal.taboo", ["reversals=3", "blocks=2"], 2, 1 + 3 * 2 + 2 * 2),
    ("weight-space-reversal.taboo", ["cap=5"], 2, 1 + 10 * 2),
    ("explanations.taboo",
     ["pretrain_steps=30", "lock_steps=10", "long_lock_steps=50", "unlock_steps=10", "drill_epochs=5"], 2, 30),
    ("networks/transformer-unlocking-controls.taboo",
     ["pretrain_steps=30", "lock_steps=10", "drill_epochs=5", "k=2"], 2, 8),
    ("networks/transformer-in-context-reversal.taboo", ["reversals=3", "blocks=2"], 2, 1 + 3 * 2 + 2 * 2),
  ]

  @Test("runs to completion", arguments: cases)
  func runs(file: String, settings: [String], runs: Int, phases: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("s.sqlite")
    let result = try Taboo.run(
      ["run", Taboo.scenario(file), "--seeds", "1..2", "--jobs", "2", "--db", db]
        + settings.flatMap { ["--set", $0] })
    #expect(result.status == 0, "\(result.stderr)")
    let stored = try Store.open(existing: db).allRuns()
    #expect(stored.count == runs)
    for run in stored {
      #expect(run.status == .complete)
      #expect(run.phases.count == phases)
      #expect(!run.probes.isEmpty && run.probes.allSatisfy { $0.accTruth >= 0 && $0.accTruth <= 1 })
      // Frozen stream phases record one trial per lane (32) and trial.
      let trials = run.phases.map { $0.trials * $0.lanes }.reduce(0, +)
      #expect(run.trials.count == trials)
      #expect((trials > 0) == file.hasSuffix("in-context-reversal.taboo"))
    }
  }
}
