import Foundation
import Records
import Analysis
import Output
import RecordFixtures
import Specification
import Store
import Testing

@Suite("Merging the shard databases of one batch")
struct MergeTests {
  /// Twelve runs of one batch: three sweep points times four seeds, one diverged.
  static let batch: [RunRecord] = [1.0, 2, 16].flatMap { k in
    (1...4).map { seed in
      makeRun(
        k: k, seed: UInt64(seed), phaseCount: 3,
        status: k == 16 && seed == 3 ? .diverged : .complete)
    }
  }

  func write(_ runs: [RunRecord], to path: String, text: String = scenarioText) throws {
    let store = try openStore(path, text: text)
    for run in runs { try store.write(run) }
  }

  @Test(
    "shards merged equal the batch written directly, however the runs were split",
    arguments: [1, 2, 3, 5])
  func mergedEqualsDirect(shardCount: Int) throws {
    let directory = try TemporaryDirectory()
    let direct = directory.file("direct.sqlite")
    try write(Self.batch.reversed(), to: direct)  // another write order: reading does not care
    var shards: [String] = []
    for shard in 0..<shardCount {
      let path = directory.file("shard-\(shard).sqlite")
      try write(
        Self.batch.enumerated().filter { $0.offset % shardCount == shard }.map(\.element), to: path)
      shards.append(path)
    }
    let merged = directory.file("out/merged.sqlite")
    let report = try Store.merge(inputs: shards, into: merged)
    #expect(report.added == Self.batch.count && report.skipped == 0)
    #expect(report.inputs.map(\.path) == shards)

    let expected = try Store.open(existing: direct).allRuns()
    let store = try Store.open(existing: merged)
    #expect(try store.allRuns().map(Bits.init) == expected.map(Bits.init))
    #expect(try store.completedRuns() == Set(Self.batch.map(\.key)))
    #expect(store.meta.scenarioHash == SHA256.hex(scenarioText))
    #expect(store.meta.scenarioText == scenarioText)
    try expectSound(merged)
  }

  @Test("identical duplicates are skipped; merging again changes nothing")
  func identicalDuplicates() throws {
    let directory = try TemporaryDirectory()
    let a = directory.file("a.sqlite")
    let b = directory.file("b.sqlite")
    try write(Array(Self.batch[0..<8]), to: a)
    // Shard b overlaps a on runs 4..<8, recomputed with another wall time.
    try write(
      Self.batch[4...].map {
        var run = $0
        run.wallSeconds += 1
        return run
      }, to: b)
    let merged = directory.file("merged.sqlite")
    let report = try Store.merge(inputs: [a, b], into: merged)
    #expect(report.inputs.map(\.added) == [8, 4])
    #expect(report.inputs.map(\.skipped) == [0, 4])
    let again = try Store.merge(inputs: [a, b, b], into: merged)
    #expect(again.added == 0 && again.skipped == 24)
    let store = try Store.open(existing: merged)
    #expect(try store.runCount() == Self.batch.count)
    #expect(try store.probeCount() == Self.batch.map(\.probes.count).reduce(0, +))
    // The overlap keeps a's wall times; the rest of b has its own.
    let expected = Self.batch.enumerated().map { index, run in
      var run = run
      if index >= 8 { run.wallSeconds += 1 }
      return run
    }
    #expect(
      try store.allRuns().map(Bits.init)
        == expected.sorted { RunKey.sweepOrder($0.key, $1.key) }.map(Bits.init))
    try expectSound(merged)
  }

  @Test("a shard of another batch is refused before anything is written")
  func differentBatch() throws {
    let directory = try TemporaryDirectory()
    let a = directory.file("a.sqlite")
    let odd = directory.file("odd.sqlite")
    try write([Self.batch[0]], to: a)
    try write([Self.batch[1]], to: odd, text: scenarioText + "\nseeds 1..20")
    let merged = directory.file("merged.sqlite")
    let error = #expect(throws: StoreError.self) {
      try Store.merge(inputs: [a, odd], into: merged)
    }
    let message = try #require(error).description
    #expect(message.contains(odd) && message.contains(a) && message.contains("different batch"))
    #expect(!FileManager.default.fileExists(atPath: merged))
  }

  @Test("an output of another batch is refused; one of the same batch is added to")
  func existingOutput() throws {
    let directory = try TemporaryDirectory()
    let a = directory.file("a.sqlite")
    try write([Self.batch[0]], to: a)
    let foreign = directory.file("foreign.sqlite")
    try write([Self.batch[1]], to: foreign, text: "another scenario")
    #expect(
      throws: StoreError.mergeOutputDifferentBatch(
        path: foreign, name: "fixture", inputsName: "fixture")
    ) {
      try Store.merge(inputs: [a], into: foreign)
    }
    #expect(try Store.open(existing: foreign).runCount() == 1)

    let same = directory.file("same.sqlite")
    try write([Self.batch[1]], to: same)
    try Store.merge(inputs: [a], into: same)
    #expect(
      try Store.open(existing: same).completedRuns() == [Self.batch[0].key, Self.batch[1].key])

    let text = directory.file("notes.txt")
    try "notes".write(toFile: text, atomically: true, encoding: .utf8)
    #expect(throws: StoreError.notADatabase(path: text)) {
      try Store.merge(inputs: [a], into: text)
    }
    #expect(throws: StoreError.notADatabase(path: text)) {
      try Store.merge(inputs: [text], into: same)
    }
    #expect(try String(contentsOfFile: text, encoding: .utf8) == "notes")
    #expect(throws: StoreError.mergeInputIsOutput(path: a)) {
      try Store.merge(inputs: [a], into: a)
    }
    #expect(throws: StoreError.mergeNoInputs) { try Store.merge(inputs: [], into: same) }
    try expectSound(same)
  }

  /// The bytes and modification time of a file, and the names in its directory.
  struct FileState: Equatable {
    var bytes: Data
    var modified: Date
    var neighbours: [String]

    init(_ path: String) throws {
      bytes = try Data(contentsOf: URL(fileURLWithPath: path))
      let attributes = try FileManager.default.attributesOfItem(atPath: path)
      modified = try #require(attributes[.modificationDate] as? Date)
      neighbours = try FileManager.default.contentsOfDirectory(
        atPath: URL(fileURLWithPath: path).deletingLastPathComponent().path
      ).sorted()
    }
  }

  @Test("a conflict between two inputs leaves no output at all, and no staging file")
  func conflict() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let a = directory.file("a.sqlite")
    let b = directory.file("b.sqlite")
    try write([Self.batch[0]], to: a)
    var changed = Self.batch[0]
    changed.probes[4].loss = try #require(changed.probes[4].loss).nextUp
    try write([Self.batch[1], changed], to: b)
    let merged = directory.file("merged.sqlite")
    let error = #expect(throws: StoreError.self) { try Store.merge(inputs: [a, b], into: merged) }
    #expect(error == .mergeConflict(point: changed.key.pointLabel, seed: 1, path: b, outputPath: a))
    #expect(!FileManager.default.fileExists(atPath: merged))  // a is not half-merged into it
    let left = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
    #expect(left == ["a.sqlite", "b.sqlite"], "\(left)")
  }

  @Test("a conflict leaves an existing output byte for byte as it was")
  func conflictWithExistingOutput() throws {
    let directory = try TemporaryDirectory()
    defer { withExtendedLifetime(directory) {} }
    let a = directory.file("a.sqlite")
    let b = directory.file("b.sqlite")
    let output = directory.file("output.sqlite")
    try write([Self.batch[0]], to: a)
    var changed = Self.batch[0]
    changed.probes[4].loss = try #require(changed.probes[4].loss).nextUp
    try write([Self.batch[1], changed], to: b)
    try write([Self.batch[2], Self.batch[3]], to: output)
    let before = try FileState(output)

    // Between two inputs: the first is not merged either.
    #expect(throws: StoreError.mergeConflict(point: changed.key.pointLabel, seed: 1, path: b, outputPath: a)) {
      try Store.merge(inputs: [a, b], into: output)
    }
    #expect(try FileState(output) == before)

    // Between the output and an input: the inputs before it are not merged either.
    let c = directory.file("c.sqlite")
    try write([Self.batch[5]], to: c)
    try Store.merge(inputs: [a], into: output)
    let merged = try FileState(output)
    #expect(throws: StoreError.mergeConflict(point: changed.key.pointLabel, seed: 1, path: b, outputPath: output)) {
      try Store.merge(inputs: [c, b], into: output)
    }
    #expect(try FileState(output) == merged)
    let store = try Store.open(reading: output)
    #expect(try store.completedRuns() == Set([0, 2, 3].map { Self.batch[$0].key }))
    try expectSound(output)
  }

  enum Change: String, CaseIterable, Sendable {
    case status, steps, phaseCriterion, phaseStreams, probeTarget, probeMissing, probeNaN
  }

  @Test("any difference in the results of one run is a conflict", arguments: Change.allCases)
  func conflicts(change: Change) throws {
    let directory = try TemporaryDirectory()
    let a = directory.file("a.sqlite")
    let b = directory.file("b.sqlite")
    var original = Self.batch[0]
    original.probes[0].loss = .nan  // NaN equals NaN: still identical
    try write([original], to: a)
    var changed = original
    changed.wallSeconds += 10  // not a difference
    try write([changed], to: b)
    #expect(try Store.merge(inputs: [a, b], into: directory.file("same.sqlite")).skipped == 1)

    changed = original
    switch change {
    case .status: changed.status = .diverged
    case .steps: changed.steps += 1
    case .phaseCriterion: changed.phases[1].criterionStep = nil
    case .phaseStreams: changed.phases[2].streams[0].password.toggle()
    case .probeTarget: changed.probes[2].target = .truth
    case .probeMissing: changed.probes.removeLast()
    case .probeNaN: changed.probes[0].loss = 0
    }
    let c = directory.file("c.sqlite")
    try write([changed], to: c)
    let merged = directory.file("merged.sqlite")
    #expect(
      throws: StoreError.mergeConflict(
        point: original.key.pointLabel, seed: 1, path: c, outputPath: a)
    ) {
      try Store.merge(inputs: [a, c], into: merged)
    }
    #expect(!FileManager.default.fileExists(atPath: merged))
  }
}
