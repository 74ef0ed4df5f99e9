// Several `taboo run` processes on one database split its batch (docs/design.md §7): before a
// worker starts a run it claims it — a row in `claims` with its owner and a heartbeat — inside
// one immediate transaction, so two workers never both train a run. A worker refreshes its
// claims' heartbeat about once a second and drops them when it stops; a claim whose heartbeat is
// older than `claimTimeout` (its worker was killed) is taken over. The table holds no results:
// a run is done when its row is in `runs`, whatever `claims` says.

import Foundation
import Records

/// What a worker may do with a run of the batch.
public enum ClaimOutcome: Sendable, Equatable {
  /// It is ours now: train it.
  case claimed
  /// It is stored already.
  case done
  /// Another live worker is training it.
  case taken
}

extension Store {
  /// Seconds without a heartbeat after which a claim is taken over (`TABOO_CLAIM_TIMEOUT` in the
  /// environment changes it, for tests).
  public static var claimTimeout: Double {
    ProcessInfo.processInfo.environment["TABOO_CLAIM_TIMEOUT"].flatMap(Double.init) ?? 30
  }

  static let claimsTable = """
    CREATE TABLE IF NOT EXISTS claims (
      point     TEXT    NOT NULL,
      seed      INTEGER NOT NULL,
      owner     TEXT    NOT NULL,  -- host:pid:random of the worker
      heartbeat         NOT NULL,  -- seconds since 1970, the owner's last sign of life
      PRIMARY KEY (point, seed)
    ) WITHOUT ROWID;
    """

  /// Claims `key` for `owner` unless it is stored or claimed by a live worker.
  public func claim(_ key: RunKey, owner: String) throws -> ClaimOutcome {
    try locked {
      try db.execute(Store.claimsTable)
      return try db.transaction {
        let stored = try db.prepare("SELECT count(*) FROM runs WHERE point = ? AND seed = ?")
        try stored.bind(key.pointLabel, at: 1)
        try stored.bind(Int64(bitPattern: key.seed), at: 2)
        _ = try stored.step()
        if stored.int64(0) > 0 { return .done }
        let now = Date().timeIntervalSince1970
        let current = try db.prepare("SELECT owner, heartbeat FROM claims WHERE point = ? AND seed = ?")
        try current.bind(key.pointLabel, at: 1)
        try current.bind(Int64(bitPattern: key.seed), at: 2)
        if try current.step(), current.text(0) != owner, now - current.double(1) < Store.claimTimeout {
          return .taken
        }
        let upsert = try db.prepare(
          """
          INSERT INTO claims (point, seed, owner, heartbeat) VALUES (?, ?, ?, ?)
          ON CONFLICT (point, seed) DO UPDATE SET owner = excluded.owner, heartbeat = excluded.heartbeat
          """)
        try upsert.bind(key.pointLabel, at: 1)
        try upsert.bind(Int64(bitPattern: key.seed), at: 2)
        try upsert.bind(owner, at: 3)
        try upsert.bind(now, at: 4)
        try upsert.run()
        return .claimed
      }
    }
  }

  /// Marks `owner`'s claims alive.
  public func heartbeat(owner: String) throws {
    try locked {
      try db.execute(Store.claimsTable)
      let update = try db.prepare("UPDATE claims SET heartbeat = ? WHERE owner = ?")
      try update.bind(Date().timeIntervalSince1970, at: 1)
      try update.bind(owner, at: 2)
      try update.run()
    }
  }

  /// Drops `owner`'s claim of `key` (nil: all of its claims).
  public func release(owner: String, _ key: RunKey? = nil) throws {
    try locked {
      try db.execute(Store.claimsTable)
      let delete = try db.prepare(
        "DELETE FROM claims WHERE owner = ?" + (key == nil ? "" : " AND point = ? AND seed = ?"))
      try delete.bind(owner, at: 1)
      if let key {
        try delete.bind(key.pointLabel, at: 2)
        try delete.bind(Int64(bitPattern: key.seed), at: 3)
      }
      try delete.run()
    }
  }

  /// Closes the database now, whoever else still holds this store (a worker thread's last
  /// reference may outlive the batch): the prepared statements are released and the WAL is
  /// checkpointed into the file and removed. Nothing may be done with the store afterwards.
  public func close() {
    lock.lock()
    defer { lock.unlock() }
    insertRunStatement = nil
    insertPhaseStatement = nil
    insertProbeStatement = nil
    insertTrialStatement = nil
    insertGeometryStatement = nil
    db.close()
  }

  /// A worker's owner name: host, process and a random part.
  public static func newOwner() -> String {
    "\(ProcessInfo.processInfo.hostName):\(getpid()):\(UUID().uuidString.prefix(8))"
  }
}
