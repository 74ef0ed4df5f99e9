// Faults, end to end through the real CLI: a damaged database, read-only results (also of old
// schemas and in directories the user may not write), a database that cannot be written, failed
// exports and plots, a lock held by another process, and a merge that fails on a conflict.

import Foundation
import Randomness
import Store
import Testing

/// A tiny batch that takes a fraction of a second; a probe every step, so that the database is
/// mostly probe pages.
let faultScenario = """
  scenario "tiny faults"
  world runsum 5 4 { items 60; convention weak 0.25; password }
  seeds 2
  set test  = sample 25% of all
  set train = all - test
  model gru 8
  train { optimizer adam; lr 0.01; batch all }
  probe every 1 steps on test, train
  criterion 90% over 2 probes
  phase pretrain for 40 steps { truth on train; truth on train with password }
  phase lock for 20 steps { taboo on train; truth on train with password }
  """

/// The bytes and modification time of every file under `path` (a file or a directory), by
/// relative name.
func snapshot(_ path: String) throws -> [String: [String]] {
  var isDirectory: ObjCBool = false
  guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return [:] }
  let names = isDirectory.boolValue
    ? try FileManager.default.subpathsOfDirectory(atPath: path).sorted() : [""]
  var state: [String: [String]] = [:]
  for name in names {
    let file = name.isEmpty ? path : path + "/" + name
    let attributes = try FileManager.default.attributesOfItem(atPath: file)
    let modified = (attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0
    let contents = attributes[.type] as? FileAttributeType == .typeDirectory
      ? "directory" : try Data(contentsOf: URL(fileURLWithPath: file)).base64EncodedString()
    state[name] = [contents, String(modified)]
  }
  return state
}

/// Overwrites 4 KiB in the middle of the file (page-aligned) with pseudo-random bytes.
func damageFile(_ path: String) throws {
  let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  let size = try handle.seekToEnd()
  try handle.seek(toOffset: size / 2 / 4096 * 4096)
  var random = SeededGenerator(seed: 4096, stream: "damage")
  let garbage = (0..<4096).map { _ in UInt8(random.nextInt(below: 256)) }
  try handle.write(contentsOf: Data(garbage))
}

/// Runs a python3 program (sqlite3 module) with `arguments`, and waits; its standard output.
@discardableResult
func runPython(_ program: String, _ arguments: [String]) throws -> String {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = ["python3", "-c", program] + arguments
  let pipe = Pipe()
  process.standardOutput = pipe
  try process.run()
  let output = pipe.fileHandleForReading.readDataToEndOfFile()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0, "python3 failed")
  return String(decoding: output, as: UTF8.self)
}

/// Leaves committed pages in the database's -wal file (and its -shm file), as a writer that
/// was killed does: a row in `meta` that taboo ignores.
func leaveLog(_ path: String) throws {
  try runPython(
    """
    import sqlite3, sys, os
    c = sqlite3.connect(sys.argv[1], isolation_level=None)
    c.execute("PRAGMA wal_autocheckpoint = 0")
    c.execute("INSERT INTO meta (key, value) VALUES ('note', 'left in the log')")
    os._exit(0)
    """, [path])
  try #require((try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0) > 0)
}

/// Runs `taboo` as a user whom file permissions stop: this user when it is not root, else
/// `nobody` through setpriv. Nil when that is not possible here (no setpriv, or `nobody` cannot
/// reach the binary).
func tabooAsUnprivileged(_ arguments: [String]) throws -> Taboo.Output? {
  if getuid() != 0 { return try Taboo.run(arguments) }
  let setpriv = "/usr/bin/setpriv"
  guard FileManager.default.isExecutableFile(atPath: setpriv) else { return nil }
  func run(_ arguments: [String]) throws -> Taboo.Output {
    try Taboo.run(arguments, launcher: [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"])
  }
  guard try run(["--version"]).status == 0 else { return nil }
  return try run(arguments)
}

/// Expects one line on standard error, and none of SQLite's own words.
func expectPlainError(_ output: Taboo.Output, sourceLocation: SourceLocation = #_sourceLocation) {
  #expect(output.status == 1, "\(output.stderr)", sourceLocation: sourceLocation)
  #expect(output.stderr.hasPrefix("error: "), "\(output.stderr)", sourceLocation: sourceLocation)
  #expect(output.stderr.split(separator: "\n").count == 1, "\(output.stderr)", sourceLocation: sourceLocation)
  for word in ["SQLite error", "SELECT", "PRAGMA", "INSERT", "BEGIN"] {
    #expect(!output.stderr.contains(word), "\(output.stderr)", sourceLocation: sourceLocation)
  }
}

@Suite("faults, end to end", .serialized)
struct FaultTests {
  /// Runs the fault scenario (seeds `seeds`) into `db`; the database is closed and checkpointed.
  @discardableResult
  func batch(_ dir: TemporaryDirectory, _ db: String, seeds: String = "1..2") throws -> String {
    let scenario = try dir.file("faults.taboo", faultScenario)
    let run = try Taboo.run(["run", scenario, "--seeds", seeds, "--db", db])
    try #require(run.status == 0, "\(run.stderr)")
    #expect(!FileManager.default.fileExists(atPath: db + "-wal"))
    return scenario
  }

  @Test("a damaged database is refused by every command with one sentence naming it")
  func damagedDatabase() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let good = dir.path("good.sqlite")
    let scenario = try batch(dir, good)
    let bad = dir.path("bad.sqlite")
    try FileManager.default.copyItem(atPath: good, toPath: bad)
    try damageFile(bad)
    let before = try snapshot(bad)
    let sentence = "error: the results database \(bad) is damaged (its internal structure is broken); "
      + "restore a copy, or run into a new --db.\n"
    let commands = [
      ["run", scenario, "--seeds", "1..3", "--db", bad],
      ["analyze", bad], ["compare", bad], ["export", bad, "--out", dir.path("csv")],
      ["plot", bad, "--out", dir.path("figures")], ["merge", bad, "--into", dir.path("merged.sqlite")],
      ["report", bad, "--out", dir.path("report")],
    ]
    for arguments in commands {
      let result = try Taboo.run(arguments)
      expectPlainError(result)
      #expect(result.stderr == sentence, "\(arguments[0]): \(result.stderr)")
      #expect(!result.stderr.contains("running "), "\(arguments[0]): a run was started")
    }
    let intoBad = try Taboo.run(["merge", good, "--into", bad])
    expectPlainError(intoBad)
    #expect(intoBad.stderr == "error: the merge output \(bad) is damaged (its internal structure is broken); "
      + "restore a copy, or merge into a new --into path.\n")
    #expect(try snapshot(bad) == before)
    for made in ["csv", "figures", "merged.sqlite", "report"] {
      #expect(!FileManager.default.fileExists(atPath: dir.path(made)), "\(made)")
    }
  }

  @Test("analyze, compare, export, plot and report never write the database, with its -wal and -shm files absent or present")
  func readOnlyResults() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("r.sqlite")
    try batch(dir, db)
    let commands = [
      ["analyze", db], ["compare", db], ["export", db, "--out", dir.path("csv")],
      ["plot", db, "--out", dir.path("figures")], ["report", db, "--out", dir.path("report")],
    ]
    var before = try snapshot(db)
    for arguments in commands {
      let result = try Taboo.run(arguments)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(try snapshot(db) == before, "\(arguments[0]) changed the database")
    }
    // A writer killed with committed pages in the log: reading must neither checkpoint them
    // into the file nor lose them.
    try leaveLog(db)
    before = try snapshot(db)
    let log = try snapshot(db + "-wal")
    let expected = try Taboo.run(["analyze", db]).stdout
    for arguments in commands {
      let result = try Taboo.run(arguments)
      #expect(result.status == 0, "\(result.stderr)")
      #expect(try snapshot(db) == before, "\(arguments[0]) changed the database")
      #expect(try snapshot(db + "-wal") == log, "\(arguments[0]) changed the log")
    }
    #expect(expected.contains("'tiny faults': 2 runs"))
  }

  @Test("old databases are read as they are, not upgraded", arguments: [1, 2])
  func oldSchemaReadOnly(version: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("old.sqlite")
    var expectedAnalysis: String? = nil
    if version == 2 {
      try FileManager.default.copyItem(
        at: OldDatabaseTests.fixtures.appendingPathComponent("schema2-unlocking-controls.db"),
        to: URL(fileURLWithPath: db))
    } else {
      try batch(dir, db)
      expectedAnalysis = try Taboo.run(["analyze", db]).stdout
      // What schema version 1 wrote: no trials table, no trial columns, no facts.
      try runPython(
        """
        import sqlite3, sys
        c = sqlite3.connect(sys.argv[1])
        c.executescript("DROP TABLE trials; ALTER TABLE phases DROP COLUMN trials; "
                        "ALTER TABLE phases DROP COLUMN lanes; ALTER TABLE phases DROP COLUMN facts; "
                        "ALTER TABLE probes DROP COLUMN conventions; ALTER TABLE probes DROP COLUMN latent; DROP TABLE geometry; "
                        "UPDATE meta SET value = '1' WHERE key = 'schema_version';")
        c.commit()
        c.close()
        """, [db])
    }
    let before = try snapshot(db)
    for arguments in [
      ["analyze", db], ["compare", db], ["export", db, "--out", dir.path("csv")],
      ["plot", db, "--out", dir.path("figures")],
    ] {
      let result = try Taboo.run(arguments)
      #expect(result.status == 0, "\(arguments[0]): \(result.stderr)")
      #expect(try snapshot(db) == before, "\(arguments[0]) changed the database")
      if arguments[0] == "analyze", let expectedAnalysis { #expect(result.stdout == expectedAnalysis) }
    }
    if version == 2 {
      let expected = try String(
        contentsOf: OldDatabaseTests.fixtures.appendingPathComponent("schema2-unlocking-controls.analyze.txt"),
        encoding: .utf8)
      #expect(OldDatabaseTests.tables(try Taboo.run(["analyze", db]).stdout) == OldDatabaseTests.tables(expected))
    }
    if version == 1 {
      let trials = try String(contentsOfFile: dir.path("csv/trials.csv"), encoding: .utf8)
      #expect(trials.split(separator: "\r\n").count == 1)  // the header: no trials table
    }
  }

  @Test("results in a directory the user may not write are read, with and without -wal and -shm")
  func unwritableResultsDirectory() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let results = dir.path("results")
    try FileManager.default.createDirectory(atPath: results, withIntermediateDirectories: true)
    let db = results + "/r.sqlite"
    try batch(dir, db)
    let out = dir.path("out")
    try FileManager.default.createDirectory(
      atPath: out, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
    func readAll(_ label: String) throws -> Bool {
      try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: results)
      defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: results) }
      // The -shm file is left out: SQLite may rebuild the index it holds, where it may.
      func files() throws -> [String: [String]] { try snapshot(results).filter { !$0.key.hasSuffix("-shm") } }
      let before = try files()
      for arguments in [
        ["analyze", db], ["compare", db], ["export", db, "--out", out + "/csv-\(label)"],
        ["plot", db, "--out", out + "/figures-\(label)"], ["report", db, "--out", out + "/report-\(label)"],
      ] {
        guard let result = try tabooAsUnprivileged(arguments) else { return false }
        #expect(result.status == 0, "\(label) \(arguments[0]): \(result.stderr)")
        #expect(result.stdout.contains("tiny faults") || ["export", "plot", "report"].contains(arguments[0]))
      }
      #expect(try files() == before, "\(label): the directory changed")
      return true
    }
    guard try readAll("plain") else { return }  // no user here whom permissions stop
    try leaveLog(db)
    _ = try readAll("log")
    // A log that holds runs but no -shm file beside it cannot be read in such a directory:
    // refused in one sentence, saying what to do.
    try FileManager.default.removeItem(atPath: db + "-shm")
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: results)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: results) }
    let refused = try #require(try tabooAsUnprivileged(["analyze", db]))
    expectPlainError(refused)
    #expect(refused.stderr.contains("\(db)-wal") && refused.stderr.contains("copy the database"))
  }

  @Test("a database that cannot be written is refused before any run is computed")
  func unwritableDatabase() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let results = dir.path("results")
    try FileManager.default.createDirectory(
      atPath: results, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o777])
    let db = results + "/w.sqlite"
    let scenario = try batch(dir, db, seeds: "1..1")
    try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: scenario)
    let before = try Data(contentsOf: URL(fileURLWithPath: db))
    // The file read-only, in a directory that may be written.
    try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: db)
    guard let readOnlyFile = try tabooAsUnprivileged(["run", scenario, "--seeds", "1..3", "--db", db]) else {
      return  // no user here whom permissions stop: Store.checkWritable is tested in StoreTests
    }
    expectPlainError(readOnlyFile)
    #expect(readOnlyFile.stderr == "error: the results database \(db) cannot be written (the file or its "
      + "directory is read-only); make both writable, or run into a new --db.\n")
    #expect(!readOnlyFile.stderr.contains("running "), "a run was started: \(readOnlyFile.stderr)")

    // The file writable, in a directory that may not be written (SQLite needs its -wal there).
    for suffix in ["-wal", "-shm"] { try? FileManager.default.removeItem(atPath: db + suffix) }
    try FileManager.default.setAttributes([.posixPermissions: 0o666], ofItemAtPath: db)
    try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: results)
    defer { try? FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: results) }
    for target in [db, results + "/new.sqlite"] {
      let result = try #require(try tabooAsUnprivileged(["run", scenario, "--seeds", "1..3", "--db", target]))
      expectPlainError(result)
      #expect(result.stderr.contains("\(target) cannot be written"), "\(result.stderr)")
      #expect(!result.stderr.contains("running "), "a run was started: \(result.stderr)")
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: db)) == before)
    #expect(try Store.open(reading: db).runCount() == 1)
  }

  /// Two small batches of the fault scenario: seeds 1..2 in `good`, 3..4 in `other`.
  func twoBatches() throws -> (TemporaryDirectory, good: String, other: String) {
    let dir = try TemporaryDirectory()
    let good = dir.path("good.sqlite"), other = dir.path("other.sqlite")
    try batch(dir, good)
    try batch(dir, other, seeds: "3..4")
    return (dir, good, other)
  }

  @Test("a failed export leaves an earlier export byte for byte as it was")
  func atomicExport() throws {
    let (dir, good, other) = try twoBatches()
    defer { dir.cleanUp() }
    let csv = dir.path("csv")
    #expect(try Taboo.run(["export", good, "--out", csv]).status == 0)
    let exported = try snapshot(csv)
    #expect(exported.keys.sorted() == [
      "conventions.csv", "geometry.csv", "latent.csv", "probes.csv", "reversal-index.csv", "runs.csv",
      "summary.csv",
      "switches.csv", "transfer.csv", "trials.csv",
    ])

    // A damaged database (its probe pages).
    let bad = dir.path("bad.sqlite")
    try FileManager.default.copyItem(atPath: good, toPath: bad)
    try damageFile(bad)
    expectPlainError(try Taboo.run(["export", bad, "--out", csv]))
    #expect(try snapshot(csv) == exported)

    // A file that cannot be replaced: nothing is, not even the files before it.
    try FileManager.default.removeItem(atPath: csv + "/transfer.csv")
    try FileManager.default.createDirectory(atPath: csv + "/transfer.csv/kept", withIntermediateDirectories: true)
    let blocked = try snapshot(csv)
    let result = try Taboo.run(["export", other, "--out", csv])
    expectPlainError(result)
    #expect(result.stderr.contains("\(csv)/transfer.csv"), "\(result.stderr)")
    #expect(try snapshot(csv) == blocked)

    // No staging directory is left behind, and a good export still replaces every file.
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".") } == [])
    try FileManager.default.removeItem(atPath: csv + "/transfer.csv")
    #expect(try Taboo.run(["export", other, "--out", csv]).status == 0)
    let replaced = try snapshot(csv)
    #expect(replaced.keys.sorted() == exported.keys.sorted())
    #expect(replaced["runs.csv"]?[0] != exported["runs.csv"]?[0])
  }

  @Test("a failed plot leaves earlier figures byte for byte as they were")
  func atomicPlot() throws {
    let (dir, good, other) = try twoBatches()
    defer { dir.cleanUp() }
    let figures = dir.path("figures")
    let first = try Taboo.run(["plot", good, "--out", figures])
    #expect(first.status == 0, "\(first.stderr)")
    #expect(first.stdout == "\(figures)/curves-test.svg\n\(figures)/curves-train.svg\n\(figures)/geometry.svg\n")
    let drawn = try snapshot(figures)

    let bad = dir.path("bad.sqlite")
    try FileManager.default.copyItem(atPath: good, toPath: bad)
    try damageFile(bad)
    expectPlainError(try Taboo.run(["plot", bad, "--out", figures]))
    #expect(try snapshot(figures) == drawn)

    // The second figure cannot be replaced: the first is not replaced either.
    try FileManager.default.removeItem(atPath: figures + "/curves-train.svg")
    try FileManager.default.createDirectory(
      atPath: figures + "/curves-train.svg/kept", withIntermediateDirectories: true)
    let blocked = try snapshot(figures)
    let result = try Taboo.run(["plot", other, "--out", figures])
    expectPlainError(result)
    #expect(result.stdout.isEmpty)
    #expect(try snapshot(figures) == blocked)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".") } == [])
  }

  @Test("a lock held by another process is waited for, visibly, and every run is stored once")
  func lockedDatabase() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("l.sqlite")
    let scenario = try batch(dir, db, seeds: "1..1")
    let locker = Process()
    locker.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    locker.arguments = [
      "python3", "-c",
      """
      import sqlite3, sys, time
      c = sqlite3.connect(sys.argv[1], isolation_level=None)
      c.execute("BEGIN EXCLUSIVE")
      print("locked", flush=True)
      time.sleep(3)
      c.execute("COMMIT")
      """, db,
    ]
    let pipe = Pipe()
    locker.standardOutput = pipe
    try locker.run()
    let line = pipe.fileHandleForReading.availableData  // blocks until python holds the lock
    try #require(String(decoding: line, as: UTF8.self).hasPrefix("locked"))
    let run = try Taboo.run(["run", scenario, "--seeds", "1..3", "--jobs", "2", "--db", db])
    locker.waitUntilExit()
    #expect(locker.terminationStatus == 0)
    #expect(run.status == 0, "\(run.stderr)")
    #expect(run.stderr.contains("database locked by another process; waiting…"), "\(run.stderr)")
    let store = try Store.open(existing: db)
    #expect(try store.runCount() == 3)
    #expect(try store.completedRuns().map(\.seed).sorted() == [1, 2, 3])
    #expect(try store.integrityCheck() == "ok")
  }

  @Test("a merge that fails on a conflict leaves no new output, and an existing one as it was")
  func failedMerge() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let a = dir.path("a.sqlite"), b = dir.path("b.sqlite"), existing = dir.path("existing.sqlite")
    try batch(dir, a, seeds: "1..2")
    try batch(dir, b, seeds: "2..3")
    try batch(dir, existing, seeds: "4..4")
    // Seed 2 in b differs from seed 2 in a.
    try runPython(
      """
      import sqlite3, sys
      c = sqlite3.connect(sys.argv[1])
      c.execute("UPDATE probes SET acc_truth = acc_truth + 0.001 WHERE ordinal = 3 AND "
                "run_id = (SELECT id FROM runs WHERE seed = 2)")
      c.commit()
      c.close()
      """, [b])
    let fresh = dir.path("merged.sqlite")
    let intoNew = try Taboo.run(["merge", a, b, "--into", fresh])
    expectPlainError(intoNew)
    #expect(intoNew.stderr.contains("\(b) and \(a) hold different results for the same run (seed 2)"),
            "\(intoNew.stderr)")
    #expect(!FileManager.default.fileExists(atPath: fresh))

    let before = try snapshot(existing)
    let intoExisting = try Taboo.run(["merge", a, b, "--into", existing])
    expectPlainError(intoExisting)
    #expect(try snapshot(existing) == before)
    #expect(try FileManager.default.contentsOfDirectory(atPath: dir.url.path).filter { $0.hasPrefix(".") } == [])

    // Without the conflicting shard the merge goes through, and again adds nothing.
    let merged = try Taboo.run(["merge", a, "--into", existing])
    #expect(merged.status == 0 && merged.stdout == "merged: \(existing) (3 runs; 2 added)\n", "\(merged.stdout)")
    let again = try Taboo.run(["merge", a, "--into", existing])
    #expect(again.stdout == "merged: \(existing) (3 runs; 0 added)\n")
  }
}

@Suite("--verbose")
struct VerboseTests {
  @Test("a database error is one sentence; --verbose adds SQLite's own words on a line of their own")
  func verbose() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let path = try dir.file("header.sqlite", "")
    // A file whose first page is not SQLite's: SQLite itself says "file is not a database".
    try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
    let plain = try Taboo.run(["analyze", path])
    #expect(plain.status == 1 && plain.stderr.split(separator: "\n").count == 1, "\(plain.stderr)")
    #expect(!plain.stderr.contains("SQLite"), "\(plain.stderr)")
    let verbose = try Taboo.run(["analyze", path, "--verbose"])
    #expect(verbose.status == 1)
    #expect(verbose.stderr.contains("detail: \(path): SQLite error"), "\(verbose.stderr)")
  }
}
