import RecordFixtures
import Store
import Testing

/// Expects the database to pass SQLite's integrity and foreign-key checks.
func expectSound(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
  let check = try Store.open(existing: path).integrityCheck()
  #expect(check == "ok", sourceLocation: sourceLocation)
}
