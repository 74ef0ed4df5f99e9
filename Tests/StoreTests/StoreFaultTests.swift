// The store under faults: a damaged file, read-only opens (also of old schemas), a database that
// cannot be written, and a lock held by another connection.

import Foundation
import Records
import RecordFixtures
import Specification
import Store
import Testing

/// Overwrites 4 KiB in the middle of the file (page-aligned) with pseudo-random bytes.
func damage(_ path: String) throws {
  let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
  defer { try? handle.close() }
  let size = try handle.seekToEnd()
  try handle.seek(toOffset: size / 2 / 4096 * 4096)
  var state: UInt64 = 0x9E37_79B9_7F4A_7C15
  let garbage = (0..<4096).map { _ -> UInt8 in
    state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
    return UInt8(truncatingIfNeeded: state >> 56)
  }
  try handle.write(contentsOf: Data(garbage))
}

/// The bytes and modification time of a file.
struct FileSnapshot: Equatable {
  var bytes: Data
  var modified: Date

  init(_ path: String) throws {
    bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    modified = try #require(
      try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date)
  }
}

/// Runs python3's sqlite3 module on `path` with `script` (statements), and waits.
func python(_ script: String, on path: String) throws {
  let process = Process()
  process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
  process.arguments = [
    "python3", "-c",
    "import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.commit()\nc.close()",
    path, script,
  ]
  try process.run()
  process.waitUntilExit()
  try #require(process.terminationStatus == 0)
}

/// Something set from another thread.
final class Flag: @unchecked Sendable {
  private let lock = NSLock()
  private var value = false
  let semaphore = DispatchSemaphore(value: 0)
  func set() {
    lock.withLock { value = true }
    semaphore.signal()
  }
  var isSet: Bool { lock.withLock { value } }
}

@Suite("The results store under faults")
struct StoreFaultTests {
  /// A database of a few runs, many probe pages, checkpointed and closed.
  func database(_ directory: TemporaryDirectory, _ name: String = "batch.sqlite") throws -> String {
    let path = directory.file(name)
    do {
      let store = try openStore(path)
      for seed in 1...4 {
        try store.write(makeRun(k: 2, seed: UInt64(seed), phaseCount: 4, probesPerPhase: 100))
      }
    }
    #expect(!FileManager.default.fileExists(atPath: path + "-wal"))  // checkpointed on closing
    return path
  }

  @Test("a damaged database is refused by every open, with one sentence and untouched")
  func damaged() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let path = try database(directory)
    try damage(path)
    let before = try FileSnapshot(path)
    let opens: [() throws -> Void] = [
      { _ = try Store.open(reading: path) },
      { _ = try Store.open(existing: path) },
      { _ = try openStore(path) },
      { try Store.merge(inputs: [path], into: directory.file("new.sqlite")) },
    ]
    for open in opens {
      #expect(throws: StoreError.damaged(path: path)) { try open() }
    }
    #expect(!FileManager.default.fileExists(atPath: directory.file("new.sqlite")))
    let good = try database(directory, "good.sqlite")
    #expect(throws: StoreError.mergeOutputDamaged(path: path)) {
      try Store.merge(inputs: [good], into: path)
    }
    #expect(try FileSnapshot(path) == before)
    for message in [StoreError.damaged(path: path), .mergeOutputDamaged(path: path)].map(\.description) {
      #expect(message.contains(path) && message.contains("is damaged") && message.contains("restore a copy"))
      #expect(message.hasSuffix(".") && !message.dropLast().contains(". "))  // one sentence
    }
  }

  @Test("a database opened for reading is never written, and refuses writes")
  func readOnly() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let path = try database(directory)
    let before = try FileSnapshot(path)
    let expected = try Store.open(reading: path).allRuns()
    let store = try Store.open(reading: path)
    #expect(store.isReadOnly)
    #expect(try store.allRuns().map(Bits.init) == expected.map(Bits.init))
    #expect(throws: StoreError.unwritable(path: path)) { try store.write(makeRun(k: 1, seed: 9)) }
    #expect(try FileSnapshot(path) == before)
  }

  @Test("old schemas are read as they are when opened for reading", arguments: [1, 2, 3])
  func oldSchemaReadOnly(version: Int) throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let path = directory.file("old.sqlite")
    var run = makeRun(k: 2, seed: 1, phaseCount: 3)
    run.phases[1].trials = 2
    run.phases[1].lanes = 1
    run.trials = (0..<2).map {
      TrialRecord(
        phaseIndex: 1, trial: $0, lane: 0, stream: 0, item: 3, answer: 1, targetAnswer: 1,
        oldAnswer: nil, truthAnswer: 1, tabooAnswer: 2)
    }
    try openStore(path).write(run)
    // Version 4 added the probes' conventions and latent readouts and the geometry, 3 the
    // phases' facts, 2 the trials.
    let downgrade = [
      1: """
        DROP TABLE trials; ALTER TABLE phases DROP COLUMN trials;
        ALTER TABLE phases DROP COLUMN lanes; ALTER TABLE phases DROP COLUMN facts;
        """,
      2: "ALTER TABLE phases DROP COLUMN facts;",
      3: "",
    ][version]!
    try python(
      downgrade + """
        ALTER TABLE probes DROP COLUMN conventions; ALTER TABLE probes DROP COLUMN latent;
        DROP TABLE geometry;
        UPDATE meta SET value = '\(version)' WHERE key = 'schema_version';
        """, on: path)
    let before = try FileSnapshot(path)
    let store = try Store.open(reading: path)
    #expect(store.meta.schemaVersion == version)
    if version < 3 {
      #expect(throws: StoreError.self) { try store.allRuns() }  // no facts, and no way to find them
    }
    let facts = run.phases.map(\.facts)
    store.legacyFacts = { _ in facts }
    let read = try #require(try store.allRuns().first)
    var expected = run
    // Before version 4: no conventions, latent readouts or geometry.
    expected.geometry = []
    expected.probes = expected.probes.map { var probe = $0; probe.conventions = []; probe.latent = []; return probe }
    if version == 1 {  // version 1 kept no trials
      expected.trials = []
      expected.phases = expected.phases.map { var phase = $0; phase.trials = 0; phase.lanes = 0; return phase }
    }
    #expect(Bits(read) == Bits(expected))
    #expect(try FileSnapshot(path) == before)  // not upgraded
    #expect(try Store.open(existing: path).meta.schemaVersion == Store.schemaVersion)  // a writer upgrades
  }

  @Test("a connection that may not write is found before any run is written")
  func unwritable() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let path = try database(directory)
    let readOnly = try SQLiteConnection(path: path, mode: .readOnly)
    #expect(throws: StoreError.unwritable(path: path)) { try Store.checkWritable(readOnly, path: path) }
    let writable = try SQLiteConnection(path: path, mode: .readWrite)
    try Store.checkWritable(writable, path: path)
    let message = StoreError.unwritable(path: path).description
    #expect(message.contains(path) && message.contains("cannot be written") && message.contains("--db"))
    #expect(message.hasSuffix(".") && !message.dropLast().contains(". "))

    // Permissions stop writes only for other users than root.
    if getuid() != 0 {
      try FileManager.default.setAttributes([.posixPermissions: 0o444], ofItemAtPath: path)
      #expect(throws: StoreError.unwritable(path: path)) { try openStore(path) }
    }
  }

  @Test("a write waits for a lock another connection holds, says so, and stores the run once")
  func lockedWrite() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let path = try database(directory)
    let noticed = Flag()
    let locker = try SQLiteConnection(path: path, mode: .readWrite)
    try locker.execute("BEGIN EXCLUSIVE")
    // Opening finds the database writable although it is locked, without waiting for the lock.
    let opened = Flag()
    let box = StoreBox()
    DispatchQueue.global().async {
      box.store = try? Store.open(
        path: path, scenarioName: "fixture", scenarioText: scenarioText, version: "0.1.0-test",
        waiting: { noticed.set() })
      opened.set()
    }
    #expect(opened.semaphore.wait(timeout: .now() + 60) == .success)
    let store = try #require(box.store)
    #expect(!noticed.isSet)

    let run = makeRun(k: 16, seed: 7)
    let written = Flag()
    DispatchQueue.global().async {
      box.outcome = try? store.write(run)
      written.set()
    }
    #expect(noticed.semaphore.wait(timeout: .now() + 60) == .success)  // after about a second
    #expect(!written.isSet)
    try locker.execute("COMMIT")
    #expect(written.semaphore.wait(timeout: .now() + 60) == .success)
    #expect(box.outcome == .written)
    #expect(try store.runCount() == 5)
    #expect(try store.run(run.key).map(Bits.init) == Bits(run))
    #expect(try store.integrityCheck() == "ok")
  }
}

/// Results handed back from another thread.
final class StoreBox: @unchecked Sendable {
  var store: Store?
  var outcome: WriteOutcome?
}
