import Foundation
import Records
import Store
import Analysis
import Output
import Specification
import Testing

/// The canonical scenario, shortened through `--set` so a run takes a fraction of a second.
let shortCanonical = [
  "run", Taboo.scenario("weak-sample-unlocking.taboo"),
  "--set", "pretrain_steps=40", "--set", "lock_steps=20", "--set", "drill_epochs=10",
]

/// Every run of a database, wall time zeroed (the one field that may differ between equal runs).
func comparableRuns(_ path: String) throws -> [RunRecord] {
  try Store.open(existing: path).allRuns().map { run in
    var run = run
    run.wallSeconds = 0
    return run
  }.sorted { $0.key < $1.key }
}

@Suite("taboo run, end to end", .serialized)
struct RunCommandTests {
  @Test("--jobs 1 and --jobs 2 give bit-identical probe tables")
  func threadCountDoesNotMatter() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let one = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--jobs", "1", "--db", dir.path("one.sqlite")])
    let two = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--jobs", "2", "--db", dir.path("two.sqlite")])
    #expect(one.status == 0 && two.status == 0, "\(one.stderr)\(two.stderr)")
    #expect(one.stdout.contains("results: \(dir.path("one.sqlite"))"))
    let a = try comparableRuns(dir.path("one.sqlite")), b = try comparableRuns(dir.path("two.sqlite"))
    #expect(a.count == 3 && a.allSatisfy { !$0.probes.isEmpty })
    #expect(a == b)
    // Bit for bit, not merely ==: compare the Doubles' bit patterns.
    #expect(a.flatMap(\.probes).map(\.pTruth.bitPattern) == b.flatMap(\.probes).map(\.pTruth.bitPattern))
  }

  @Test("running again resumes: complete runs are skipped, new seeds are added")
  func resume() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("r.sqlite")
    try Taboo.run(shortCanonical + ["--seeds", "1..2", "--db", db])
    let again = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--db", db])
    #expect(again.status == 0)
    #expect(again.stderr.contains("2 already in"), "\(again.stderr)")
    #expect(try Store.open(existing: db).runCount() == 3)
  }

  @Test("a run killed with SIGKILL mid-batch resumes with every run exactly once")
  func killAndResume() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("k.sqlite")
    let arguments = [
      "run", Taboo.scenario("weak-sample-unlocking.taboo"), "--set", "pretrain_steps=150",
      "--set", "lock_steps=40", "--set", "drill_epochs=20", "--seeds", "1..8", "--jobs", "2",
      "--db", db,
    ]
    let process = Taboo.start(arguments)
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Wait until some, not all, runs are in, then kill without warning.
    let deadline = Date().addingTimeInterval(120)
    var stored = 0
    while Date() < deadline {
      Thread.sleep(forTimeInterval: 0.05)
      stored = (try? Store.open(existing: db).runCount()) ?? 0
      if stored >= 2 { break }
    }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    #expect(stored >= 2 && stored < 8, "stored \(stored) runs before the kill")

    let resumed = try Taboo.run(arguments)
    #expect(resumed.status == 0, "\(resumed.stderr)")
    let store = try Store.open(existing: db)
    let runs = try store.allRuns()
    #expect(runs.count == 8)
    #expect(Set(runs.map(\.key.seed)) == Set(1...8))
    #expect(try store.integrityCheck() == "ok")
  }

  static let signalled = [
    "--set", "pretrain_steps=150", "--set", "lock_steps=40", "--set", "drill_epochs=20", "--seeds", "1..8",
    "--jobs", "2",
  ]

  /// Starts a batch of 8 runs on 2 threads, waits until one is stored, sends `signals` (a
  /// second one after `pause` seconds), and returns the exit status, stderr, the runs stored
  /// when the first signal went out, and the runs stored at the end.
  func signalled(_ db: String, _ signals: [Int32], pause: Double = 0.3, extra: [String] = [])
    throws -> (status: Int32, stderr: String, atSignal: Int, kept: Int)
  {
    let process = Taboo.start(
      ["run", Taboo.scenario("weak-sample-unlocking.taboo"), "--db", db] + Self.signalled + extra)
    let err = Pipe()
    process.standardOutput = FileHandle.nullDevice
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, ((try? Store.open(existing: db).runCount()) ?? 0) < 1 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    let atSignal = try Store.open(existing: db).runCount()
    for (i, signal) in signals.enumerated() {
      if i > 0 { Thread.sleep(forTimeInterval: pause) }
      kill(process.processIdentifier, signal)
    }
    let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    let store = try Store.open(existing: db)
    #expect(try store.integrityCheck() == "ok")
    return (process.terminationStatus, message, atSignal, try store.runCount())
  }

  @Test("Ctrl-C finishes and stores the runs in flight, says how to resume, and loses nothing")
  func interrupt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("i.sqlite")
    let r = try signalled(db, [SIGINT])
    #expect(r.status == 130, "\(r.stderr)")
    #expect(r.stderr.contains("finishing and storing the runs in flight"), "\(r.stderr)")
    #expect(r.stderr.contains("run the same command to resume"), "\(r.stderr)")
    // The runs in flight at the signal were finished and stored; no new one was started.
    #expect(r.kept > r.atSignal && r.kept <= r.atSignal + 3 && r.kept < 8, "\(r.atSignal) → \(r.kept)")
    let resumed = try Taboo.run(["run", Taboo.scenario("weak-sample-unlocking.taboo"), "--db", db] + Self.signalled)
    #expect(resumed.status == 0 && resumed.stderr.contains("\(r.kept) already in"), "\(resumed.stderr)")
    #expect(try Store.open(existing: db).runCount() == 8)
  }

  @Test("a second Ctrl-C quits at once; the database stays sound")
  func secondInterrupt() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let r = try signalled(dir.path("ii.sqlite"), [SIGINT, SIGINT], pause: 0.2)
    #expect(r.status == 130, "\(r.stderr)")
    #expect(r.kept >= r.atSignal && r.kept < 8)
  }

  @Test("SIGTERM finishes the runs in flight within the grace period, then exits 143")
  func terminate() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let r = try signalled(dir.path("t.sqlite"), [SIGTERM])
    #expect(r.status == 143, "\(r.stderr)")
    #expect(r.stderr.contains("terminate: no new run starts") && r.stderr.contains("terminated:"), "\(r.stderr)")
    #expect(r.kept > r.atSignal && r.kept < 8, "\(r.atSignal) → \(r.kept)")
  }

  @Test("SIGTERM with --grace 0 abandons the runs in flight at once")
  func terminateWithoutGrace() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let r = try signalled(dir.path("g.sqlite"), [SIGTERM], extra: ["--grace", "0"])
    #expect(r.status == 143, "\(r.stderr)")
    #expect(r.stderr.contains("the grace period is over"), "\(r.stderr)")
    #expect(r.kept <= r.atSignal + 1, "\(r.atSignal) → \(r.kept)")
  }

  @Test("shards 1/2 and 2/2 merged equal the unsharded batch")
  func shardsMerge() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    for shard in ["1/2", "2/2"] {
      let r = try Taboo.run(shortCanonical + ["--seeds", "1..3", "--shard", shard, "--db",
                                              dir.path("s\(shard.prefix(1)).sqlite")])
      #expect(r.status == 0, "\(r.stderr)")
    }
    try Taboo.run(shortCanonical + ["--seeds", "1..3", "--db", dir.path("whole.sqlite")])
    let merged = try Taboo.run(["merge", dir.path("s1.sqlite"), dir.path("s2.sqlite"),
                                "--into", dir.path("merged.sqlite")])
    #expect(merged.status == 0, "\(merged.stderr)")
    #expect(try comparableRuns(dir.path("merged.sqlite")) == comparableRuns(dir.path("whole.sqlite")))
    #expect(try Store.open(existing: dir.path("s1.sqlite")).runCount() == 2)
  }

  @Test("another scenario's database and shards of another batch are refused")
  func refusals() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("x.sqlite")
    try Taboo.run(shortCanonical + ["--seeds", "1..1", "--db", db])
    let other = try Taboo.run(["run", Taboo.scenario("two-items.taboo"), "--set", "cap=4", "--seeds", "1..1", "--db", db])
    #expect(other.status == 1)
    #expect(other.stderr.contains("different scenario") || other.stderr.contains("another scenario"),
            "\(other.stderr)")
    #expect(try Store.open(existing: db).runCount() == 1)
  }

  @Test("a batch is its resolved scenario: a comment edit keeps the database, a setting edit is named")
  func identity() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let original = try String(contentsOfFile: Taboo.scenario("weak-sample-unlocking.taboo"), encoding: .utf8)
    let file = try dir.file("w.taboo", original)
    let db = dir.path("w.sqlite")
    let args = ["--set", "pretrain_steps=40", "--set", "lock_steps=20", "--set", "drill_epochs=10",
                "--seeds", "1..2", "--db", db]
    #expect(try Taboo.run(["run", file] + args).status == 0)
    // A comment and spacing: the same batch.
    _ = try dir.file("w.taboo", "# my copy of the canonical scenario\n" + original.replacingOccurrences(
      of: "model gru 64 { embedding 32 }", with: "model gru 64   { embedding 32 }   # the network"))
    let same = try Taboo.run(["run", file] + args)
    #expect(same.status == 0 && same.stderr.contains("2 already in"), "\(same.stderr)")
    // A learning rate in one phase: refused, saying what changed and the two ways out.
    _ = try dir.file("w.taboo", original.replacingOccurrences(
      of: "phase lock for lock_steps steps {", with: "phase lock for lock_steps steps { lr 0.001;"))
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    let changed = try Taboo.run(["run", file] + args)
    #expect(changed.status == 1)
    #expect(changed.stderr.contains("lr 0.003 → 0.001 in phase lock"), "\(changed.stderr)")
    #expect(changed.stderr.contains("--db") && changed.stderr.contains("--force-new"), "\(changed.stderr)")
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    // --force-new keeps a backup copy and starts again.
    let fresh = try Taboo.run(["run", file] + args + ["--force-new"])
    #expect(fresh.status == 0 && fresh.stderr.contains("kept it as"), "\(fresh.stderr)")
    let backups = try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix("w.sqlite.backup-") }
    #expect(!backups.isEmpty)
    #expect(try Store.open(existing: dir.path(backups.first { !$0.hasSuffix("-wal") && !$0.hasSuffix("-shm") }!)).runCount() == 2)
    #expect(try Store.open(existing: db).runCount() == 2)
  }

  @Test("bad command lines get one clear line each", arguments: [
    (["--seeds", "5..1"], "--seeds"),
    (["--shard", "3/2"], "--shard"),
    (["--set", "k"], "--set"),
    (["--set", "pretrain_step=3"], "did you mean 'pretrain_steps'"),
    (["--jobs", "0"], "--jobs"),
    (["--seeds", "1..1000001"], "more than the limit of 1000000 runs"),
    (["--grace", "-1"], "--grace"),
  ])
  func badOptions(extra: [String], expected: String) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let r = try Taboo.run(["run", Taboo.scenario("weak-sample-unlocking.taboo"), "--db", dir.path("b.sqlite")] + extra)
    #expect(r.status == 64, "\(r.stderr)")
    #expect(r.stderr.contains(expected), "\(r.stderr)")
    #expect(!FileManager.default.fileExists(atPath: dir.path("b.sqlite")))
  }

  @Test("a --set to the scenario's own value maps to the same runs; another value to new runs")
  func setToOwnValue() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("k.sqlite")
    #expect(try Taboo.run(shortCanonical + ["--seeds", "1..2", "--db", db]).status == 0)
    // weak-sample-unlocking.taboo has `let k = 2`.
    let same = try Taboo.run(shortCanonical + ["--seeds", "1..2", "--set", "k=2", "--db", db])
    #expect(same.status == 0 && same.stderr.contains("2 already in"), "\(same.stderr)")
    #expect(try Store.open(existing: db).runCount() == 2)
    let other = try Taboo.run(shortCanonical + ["--seeds", "1..2", "--set", "k=3", "--db", db])
    #expect(other.status == 0 && !other.stderr.contains("already in"), "\(other.stderr)")
    let keys = try Store.open(existing: db).runs().map(\.key.pointLabel)
    #expect(keys.filter { $0.contains("k=3") }.count == 2 && keys.filter { !$0.contains("k=") }.count == 2)
  }

  @Test("a missing scenario file is one sentence, exit 1")
  func missingFile() throws {
    let r = try Taboo.run(["run", "/nonexistent/x.taboo"])
    #expect(r.status == 1)
    #expect(r.stderr.contains("does not exist"), "\(r.stderr)")
  }
}

/// The divergence path through the real CLI: a learning rate at the edge of Float's range makes
/// the loss overflow; that run ends as `diverged` and the batch goes on.
@Suite("divergence, end to end")
struct DivergenceTests {
  @Test("a run whose loss overflows is stored as diverged, and the other runs go on")
  func diverges() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let file = try dir.file("diverges.taboo", """
      scenario "diverges"
      world runsum 5 4 { items 60 }
      let rate = 0.01
      sweep rate = 0.01, 1e38
      seeds 2
      model gru 8
      train { optimizer sgd; lr rate }
      probe every 2 steps on all
      phase learn for 30 steps { truth on all }
      """)
    let db = dir.path("d.sqlite")
    let r = try Taboo.run(["run", file, "--db", db, "--jobs", "2"])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.contains("diverged at step") && r.stderr.contains("(2 diverged)"), "\(r.stderr)")
    let runs = try Store.open(existing: db).allRuns()
    #expect(runs.count == 4)
    for run in runs {
      let rate = run.key.parameters.first { $0.name == "rate" }?.value
      if rate == 1e38 {
        #expect(run.status == .diverged && run.divergedStep != nil && run.steps < 30)
      } else {
        #expect(run.status == .complete && run.steps == 30)
      }
    }
    let analysis = try Taboo.run(["analyze", db])
    #expect(analysis.status == 0 && analysis.stdout.contains("2 diverged"), "\(analysis.stdout)")
  }
}
