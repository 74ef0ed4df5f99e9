// Several `taboo run` processes on one database split the batch: every run is trained once,
// each process says truthfully how many it trained, and a worker killed with SIGKILL leaves its
// runs to the others once its claims go stale.

import Foundation
import Store
import Testing

@Suite("several workers on one database", .serialized)
struct WorkerTests {
  static let batch = [
    "run", Taboo.scenario("weak-sample-unlocking.taboo"), "--set", "pretrain_steps=60", "--set", "lock_steps=20",
    "--set", "drill_epochs=10", "--seeds", "1..8", "--jobs", "1",
  ]

  /// Starts `count` workers on `db`; returns the processes and their stderr pipes.
  func start(_ count: Int, _ db: String, claimTimeout: String = "30") throws -> [(Process, Pipe)] {
    try (0..<count).map { _ in
      let process = Taboo.start(Self.batch + ["--db", db])
      process.environment?["TABOO_CLAIM_TIMEOUT"] = claimTimeout
      let err = Pipe()
      process.standardOutput = FileHandle.nullDevice
      process.standardError = err
      try process.run()
      return (process, err)
    }
  }

  /// The number in "N run(s) trained and written here".
  func trained(_ stderr: String) -> Int? {
    guard let line = stderr.split(separator: "\n").first(where: { $0.contains("trained and written here") }) else {
      return nil
    }
    return Int(line.split(separator: " ")[1])
  }

  @Test("two and four workers train every run exactly once and say how many each trained", arguments: [2, 4])
  func split(workers: Int) throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("w.sqlite")
    // Create the database first, so that the workers start on an existing file.
    #expect(try Taboo.run(Self.batch.map { $0 == "1..8" ? "1" : $0 } + ["--db", db]).status == 0)
    var total = 0
    for (process, err) in try start(workers, db) {
      let message = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      process.waitUntilExit()
      #expect(process.terminationStatus == 0, "\(message)")
      let count = try #require(trained(message), "\(message)")
      total += count
    }
    #expect(total == 7)  // seed 1 was stored before the workers started
    let store = try Store.open(existing: db)
    let runs = try store.runs()
    #expect(runs.count == 8 && Set(runs.map(\.key.seed)) == Set(1...8))
    #expect(try store.integrityCheck() == "ok")
  }

  @Test("a worker killed with SIGKILL: the other takes its runs over when its claims go stale")
  func killedWorker() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("k.sqlite")
    #expect(try Taboo.run(Self.batch.map { $0 == "1..8" ? "1" : $0 } + ["--db", db]).status == 0)
    let workers = try start(2, db, claimTimeout: "2")
    let deadline = Date().addingTimeInterval(120)
    while Date() < deadline, ((try? Store.open(existing: db).runCount()) ?? 0) < 3 {
      Thread.sleep(forTimeInterval: 0.05)
    }
    kill(workers[0].0.processIdentifier, SIGKILL)
    workers[0].0.waitUntilExit()
    let message = String(decoding: workers[1].1.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    workers[1].0.waitUntilExit()
    #expect(workers[1].0.terminationStatus == 0, "\(message)")
    let store = try Store.open(existing: db)
    let runs = try store.runs()
    #expect(runs.count == 8 && Set(runs.map(\.key.seed)) == Set(1...8), "\(message)")
    #expect(try store.integrityCheck() == "ok")
  }
}
