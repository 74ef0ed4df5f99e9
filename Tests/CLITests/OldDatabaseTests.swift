// A database written by the previous release (schema version 2, which did not record its phases'
// facts), stored in Fixtures/: it still opens, is upgraded in place, and reads back to the same
// analysis and comparison that the release that wrote it printed (also stored in Fixtures/).

import Foundation
import Store
import Testing

@Suite("databases of earlier versions")
struct OldDatabaseTests {
  static let fixtures = Taboo.repositoryRoot.appendingPathComponent("Tests/CLITests/Fixtures")

  /// The report without the lines that name the batch's parameters (the previous release named a
  /// swept parameter run at one point by its sweep; this one names it once, as fixed).
  static func tables(_ text: String) -> [String] {
    text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
      .filter { !$0.hasPrefix("fixed:") && !$0.hasPrefix("──") }
  }

  @Test("a schema-2 database analyses and compares with the numbers and verdicts of the release that wrote it")
  func schemaTwo() throws {
    let dir = try TemporaryDirectory()
    defer { dir.cleanUp() }
    let db = dir.path("old.sqlite")
    try FileManager.default.copyItem(
      at: Self.fixtures.appendingPathComponent("schema2-unlocking-controls.db"), to: URL(fileURLWithPath: db))
    for command in ["analyze", "compare"] {
      let result = try Taboo.run([command, db])
      #expect(result.status == 0, "\(result.stderr)")
      let expected = try String(
        contentsOf: Self.fixtures.appendingPathComponent("schema2-unlocking-controls.\(command).txt"),
        encoding: .utf8)
      #expect(Self.tables(result.stdout) == Self.tables(expected))
    }
    let store = try Store.open(existing: db)
    #expect(store.meta.schemaVersion == Store.schemaVersion)
    // The comparison above found the drills and the kick only through the recovered facts.
    #expect(Self.tables(try Taboo.run(["compare", db]).stdout).contains { $0.contains("U4") })
  }
}
