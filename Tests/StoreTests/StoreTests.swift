import Foundation
import Records
import Analysis
import Output
import RecordFixtures
import Specification
import Store
import Testing

@Suite("The results store: round trips, resuming, refusals, atomicity")
struct StoreTests {
  @Test(
    "runs with many phases and probes, nil fields, diverged runs and odd names read back exactly")
  func roundTrip() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("runs/nested/batch.sqlite")  // parent directories are created
    let written = [
      makeRun(k: 16, seed: 1, phaseCount: 12, probesPerPhase: 300),
      makeRun(k: 2, seed: 2, status: .diverged),
      makeRun(k: 2, seed: 1),
      makeRun(k: nil, seed: UInt64.max),  // no sweep; a seed above Int64.max
      makeRun(k: 1, seed: 0, phaseCount: 0, probesPerPhase: 0),
    ]
    do {
      let store = try openStore(path)
      for run in written { #expect(try store.write(run) == .written) }
    }
    let store = try openStore(path)  // reopened: nothing is cached
    let expected = written.sorted { RunKey.sweepOrder($0.key, $1.key) }
    let all = try store.allRuns()
    #expect(all.map(Bits.init) == expected.map(Bits.init))
    #expect(all.map(\.key) == expected.map(\.key))

    let summaries = try store.runs()
    #expect(summaries.map(\.key) == expected.map(\.key))
    #expect(summaries.allSatisfy { $0.probes.isEmpty })
    #expect(summaries.map(\.phases) == expected.map(\.phases))
    for run in written {
      let read = try #require(try store.run(run.key))
      #expect(Bits(read) == Bits(run))
    }
    #expect(try store.run(RunKey(parameters: [], seed: 99)) == nil)
    #expect(try store.runCount() == written.count)
    #expect(try store.probeCount() == written.map(\.probes.count).reduce(0, +))
    #expect(store.meta.scenarioText == scenarioText)
    #expect(store.meta.scenarioHash == SHA256.hex(scenarioText))
    #expect(store.meta.scenarioName == "fixture" && store.meta.version == "0.1.0-test")
    #expect(store.meta.schemaVersion == Store.schemaVersion)
    try expectSound(path)
  }

  @Test(
    "every Double field keeps its exact bits, NaN and infinities included",
    arguments: [
      0, -0.0, 0.1, 1.0 / 3, 1, .leastNonzeroMagnitude, .leastNormalMagnitude,
      .greatestFiniteMagnitude, -.greatestFiniteMagnitude, .infinity, -.infinity, .nan,
    ] as [Double])
  func exactDoubles(value: Double) throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("doubles.sqlite")
    var run = makeRun(k: 1, seed: 7, phaseCount: 1, probesPerPhase: 3)
    run.wallSeconds = value
    for index in run.probes.indices {
      run.probes[index].accTruth = value
      run.probes[index].accTaboo = value
      run.probes[index].pTruth = value
      run.probes[index].pTaboo = value
      run.probes[index].accTarget = value
      run.probes[index].loss = value
    }
    try openStore(path).write(run)
    let read = try #require(try openStore(path).run(run.key))
    #expect(Bits(read) == Bits(run))
    try expectSound(path)
  }

  @Test(
    "sweep parameter values survive the JSON round trip exactly and identify the run",
    arguments: [
      0.003, 1e-5, 1.0 / 3, .leastNonzeroMagnitude, 1.7976931348623157e308, -2.5, 64, 0.1 + 0.2,
    ])
  func exactParameters(value: Double) throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("parameters.sqlite")
    let key = RunKey(parameters: [ParameterValue(name: "lr", value: value)], seed: 3)
    var run = makeRun(k: nil, seed: 3, phaseCount: 1, probesPerPhase: 1)
    run.key = key
    try openStore(path).write(run)
    let store = try openStore(path)
    #expect(try store.completedRuns() == [key])
    let read = try #require(try store.run(key))
    #expect(read.key.parameters[0].value.bitPattern == value.bitPattern)
  }

  @Test("resume: completedRuns lists complete and diverged runs; an existing key is not duplicated")
  func resume() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("resume.sqlite")
    let first = makeRun(k: 2, seed: 1)
    let diverged = makeRun(k: 2, seed: 2, status: .diverged)
    do {
      let store = try openStore(path)
      #expect(try store.completedRuns().isEmpty)
      try store.write(first)
      try store.write(diverged)
      #expect(try store.completedRuns() == [first.key, diverged.key])
    }
    // A resumed batch: the same scenario text reopens the same database.
    let store = try openStore(path)
    #expect(try store.completedRuns() == [first.key, diverged.key])
    var again = makeRun(k: 2, seed: 1, phaseCount: 2)  // same key, other results
    again.status = .diverged
    #expect(try store.write(again) == .alreadyPresent)
    #expect(try store.write(first) == .alreadyPresent)
    #expect(try store.runCount() == 2)
    #expect(try store.probeCount() == first.probes.count + diverged.probes.count)
    #expect(Bits(try #require(try store.run(first.key))) == Bits(first))  // the first write stands
    try store.write(makeRun(k: 16, seed: 1))
    #expect(try store.completedRuns().count == 3)
    try expectSound(path)
  }

  @Test("a database of another scenario text is refused with one sentence saying what to do")
  func differentScenario() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("batch.sqlite")
    try openStore(path, name: "weak-sample-unlocking").write(makeRun(k: 1, seed: 1))
    let before = try Data(contentsOf: URL(fileURLWithPath: path))

    let error = #expect(throws: StoreError.self) {
      try openStore(path, text: scenarioText + "\n# edited", name: "serial-reversal")
    }
    let message = try #require(error).description
    #expect(message.contains(path))
    #expect(message.contains("'weak-sample-unlocking'") && message.contains("its scenario text differs"))
    #expect(message.contains("--db") && message.contains("--force-new"))
    #expect(message.hasSuffix(".") && !message.dropLast().contains(". "))  // one sentence
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
    #expect(try openStore(path, name: "weak-sample-unlocking").runCount() == 1)

    // The same name with edited text is still another scenario.
    #expect(throws: StoreError.self) {
      try openStore(path, text: scenarioText + " ", name: "weak-sample-unlocking")
    }
    try expectSound(path)
  }

  @Test(
    "a file that is not a database is refused and left untouched",
    arguments: ["a text file\nwith lines\n", String(repeating: "x", count: 5000)])
  func notADatabase(contents: String) throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("notes.sqlite")
    try contents.write(toFile: path, atomically: true, encoding: .utf8)
    for open in [{ try openStore(path) }, { try Store.open(existing: path) }] {
      #expect(throws: StoreError.notADatabase(path: path)) { _ = try open() }
    }
    #expect(try String(contentsOfFile: path, encoding: .utf8) == contents)
    let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    #expect(files == ["notes.sqlite"])  // no -wal, -shm or -journal left beside it
    #expect(StoreError.notADatabase(path: path).description.contains("not an SQLite database"))
  }

  @Test("an SQLite database that is not taboo's is refused and left untouched")
  func foreignDatabase() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("other.sqlite")
    do {
      let connection = try SQLiteConnection(path: path, mode: .create)
      try connection.execute("CREATE TABLE people (name TEXT); INSERT INTO people VALUES ('x')")
    }
    let before = try Data(contentsOf: URL(fileURLWithPath: path))
    #expect(throws: StoreError.notATabooDatabase(path: path)) { try openStore(path) }
    #expect(throws: StoreError.notATabooDatabase(path: path)) { try Store.open(existing: path) }
    #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
  }

  @Test("a directory, a missing file to read, and an empty file")
  func paths() throws {
    let directory = try TemporaryDirectory()
    #expect(throws: StoreError.isDirectory(path: directory.path)) { try openStore(directory.path) }
    #expect(throws: StoreError.isDirectory(path: directory.path)) {
      try Store.open(existing: directory.path)
    }
    let missing = directory.file("missing.sqlite")
    #expect(throws: StoreError.missing(path: missing)) { try Store.open(existing: missing) }
    #expect(!FileManager.default.fileExists(atPath: missing))
    // An empty file holds nothing to lose: it becomes a new database.
    let empty = directory.file("empty.sqlite")
    #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
    try openStore(empty).write(makeRun(k: 1, seed: 1))
    #expect(try Store.open(existing: empty).runCount() == 1)
    try expectSound(empty)
  }

  @Test(
    "a write that fails midway leaves no trace of the run",
    arguments: [Store.WriteStage.afterRun, .afterPhases, .afterProbes])
  func atomicity(stage: Store.WriteStage) throws {
    struct Injected: Error {}
    let directory = try TemporaryDirectory()
    let path = directory.file("atomic.sqlite")
    let store = try openStore(path)
    let kept = makeRun(k: 1, seed: 1)
    try store.write(kept)
    let failing = makeRun(k: 2, seed: 1)
    store.writeHook = { if $0 == stage { throw Injected() } }
    #expect(throws: Injected.self) { try store.write(failing) }
    #expect(try store.completedRuns() == [kept.key])
    #expect(try store.runCount() == 1)
    #expect(try store.probeCount() == kept.probes.count)
    #expect(try store.runs().map(\.phases) == [kept.phases])
    store.writeHook = nil
    #expect(try store.write(failing) == .written)  // the store is usable afterwards
    #expect(try store.allRuns().map(Bits.init) == [kept, failing].map(Bits.init))
    try expectSound(path)
  }

  /// How long a write takes is measured by the benchmarks (`benchmarks/batch.sh` reports the
  /// store's share of a run), not here.
  @Test("runs of thousands of probes are stored whole")
  func largeRuns() throws {
    let directory = try TemporaryDirectory()
    let store = try openStore(directory.file("speed.sqlite"))
    let runs = (0..<20).map { makeRun(k: 2, seed: UInt64($0), phaseCount: 10, probesPerPhase: 500) }
    try store.write(makeRun(k: 1, seed: 0))  // statements prepared
    for run in runs { try store.write(run) }
    #expect(try store.probeCount() == 20 * 5000 + 96)
    #expect(try store.run(runs[7].key).map(Bits.init) == Bits(runs[7]))
  }

  @Test("several threads may share a store; their writes are serialised")
  func sharedAcrossThreads() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("threads.sqlite")
    let store = try openStore(path)
    DispatchQueue.concurrentPerform(iterations: 4) { thread in
      for seed in 0..<10 {
        _ = try? store.write(makeRun(k: Double(thread), seed: UInt64(seed), phaseCount: 2))
      }
    }
    #expect(try store.runCount() == 40)
    #expect(try store.completedRuns().count == 40)
    try expectSound(path)
  }

  @Test("a new database is in WAL mode and marked as taboo's")
  func fileFormat() throws {
    let directory = try TemporaryDirectory()
    let path = directory.file("format.sqlite")
    _ = try openStore(path)
    let connection = try SQLiteConnection(path: path, mode: .readOnly)
    #expect(try connection.scalarText("PRAGMA journal_mode") == "wal")
    #expect(try connection.scalarText("PRAGMA application_id") == "1952539247")  // "tabo"
    let tables = try connection.scalarText(
      """
      SELECT group_concat(name, ' ')
      FROM (SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name)
      """
    )
    #expect(tables == "geometry meta phases probes runs trials")
  }

  @Test("sweep order is numeric by parameter, then seed")
  func sweepOrder() {
    let keys = [(16.0, 1), (2, 2), (2, 1), (1, 5), (0.5, 1)].map {
      RunKey(parameters: [ParameterValue(name: "k", value: $0.0)], seed: UInt64($0.1))
    }
    let sorted = keys.sorted(by: RunKey.sweepOrder).map { "\($0.pointLabel)#\($0.seed)" }
    #expect(sorted == ["k=0.5#1", "k=1#5", "k=2#1", "k=2#2", "k=16#1"])
  }
}
