// The results store of docs/design.md §7: one SQLite database per batch holding the scenario text and its
// hash, one row per finished run, its phase boundaries and every probe. Each run is written in one
// transaction, so a batch killed at any moment (Ctrl-C, kill -9) leaves only whole runs behind and
// a re-run skips them (`completedRuns`).
//
// Schema (version 4; older databases are upgraded when opened for writing, and read as they are
// when opened for reading: version 1 lacks the trials, version 2 the phases' `facts`, which
// `legacyFacts` supplies when read, version 3 the probes' extra conventions and latent readouts
// and the geometry, which read as empty):
//   meta(key TEXT PRIMARY KEY, value TEXT)      schema_version, scenario_name, scenario_text,
//                                               scenario_hash (SHA-256 hex), created_at, version
//   runs(id, point, parameters JSON, seed, status, steps, examples, wall_seconds, diverged_step,
//        finished_at, sets JSON)                UNIQUE(point, seed)
//   phases(run_id, phase_index, …, streams JSON, facts JSON) PRIMARY KEY(run_id, phase_index)
//   probes(run_id, ordinal, phase_index, step, …, loss, conventions JSON, latent JSON)
//                                                          PRIMARY KEY(run_id, ordinal)
//   geometry(run_id, phase_index, step, …, undone)         PRIMARY KEY(run_id, phase_index, step)
//   trials(run_id, phase_index, trial, lane, …)            PRIMARY KEY(run_id, phase_index, trial, lane)
// `probes` is clustered by (run, ordinal), the position in the run's probe list, which is the
// simulator's (phase, step) order: reading a batch's probes run by run is one sequential scan.
//
// Value encoding: seeds are stored as Int64 bit patterns; Doubles as 8-byte REALs in untyped
// columns (bit-exact, -0.0 included), except NaN (SQLite has none) as the text 'NaN'; NULL only
// ever means nil. Parameters and streams are JSON arrays.
//
// Durability: WAL journal with synchronous=NORMAL. A commit is in the WAL file once `write`
// returns, so killing the process (kill -9) loses nothing committed and can never corrupt the
// database; only a power loss or OS crash may drop the last few commits (never corrupt), and a
// re-run recomputes exactly those runs. FULL would fsync every run for no gain against process
// death, the failure that matters for an interrupted batch.
//
// Faults: every open runs SQLite's quick check (every page of every table and index is read)
// and refuses a damaged file before anything is read from it or written to it (`damaged`).
// Readers (`open(reading:)`) open the file read-only and never write it, not even to upgrade an
// old schema. A writer for a batch (`open(path:…)`) proves it may write (an immediate
// transaction, rolled back) before any run is computed, and waits for a lock another process
// holds for as long as it is held, saying so, instead of losing a finished run.

import Foundation
import Records
import Specification

/// What a database says about itself (its `meta` table).
public struct StoreMeta: Sendable, Hashable {
  public var schemaVersion: Int
  public var scenarioName: String
  /// The exact scenario text the batch ran.
  public var scenarioText: String
  /// SHA-256 hex of `scenarioText`'s UTF-8 bytes.
  public var scenarioHash: String
  /// ISO 8601, UTC.
  public var createdAt: String
  /// The taboo version that created the database.
  public var version: String
}

/// Why `write` did or did not add a run.
public enum WriteOutcome: Sendable, Hashable {
  case written
  /// A run with the same key (point and seed) was already stored; the database is unchanged.
  case alreadyPresent
}

/// The store's refusals and failures, each with a message for the user.
public enum StoreError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The database holds results of a batch whose runs would differ; `change` says how.
  case differentScenario(path: String, storedName: String, change: String)
  /// The file exists but is not an SQLite database.
  case notADatabase(path: String)
  /// An SQLite database without taboo's `meta` table.
  case notATabooDatabase(path: String)
  /// A taboo database of an unknown schema version.
  case unsupportedSchema(path: String, found: String)
  case isDirectory(path: String)
  case missing(path: String)
  case cannotCreateDirectory(path: String, reason: String)
  /// The file's pages fail SQLite's quick check, or a read found them broken.
  case damaged(path: String)
  /// `merge`: the existing output is damaged.
  case mergeOutputDamaged(path: String)
  /// The database (or the directory it needs to write its -wal and -shm files in) may not be
  /// written.
  case unwritable(path: String)
  /// Another process held a lock for longer than a reader waits.
  case locked(path: String)
  /// A read-only open of a WAL database whose -wal file holds committed pages, in a directory
  /// where SQLite may not create the -shm file it needs to read them.
  case logUnreadable(path: String)
  /// SQLite failed otherwise (I/O, disk full, …); `message` is plain English.
  case database(path: String, message: String)
  /// `merge`: an input's scenario hash differs from the first input's.
  case mergeDifferentBatch(path: String, name: String, firstPath: String, firstName: String)
  /// `merge`: the output exists and belongs to another batch.
  case mergeOutputDifferentBatch(path: String, name: String, inputsName: String)
  /// `merge`: two databases hold different results for the same run: an input (`path`) and
  /// the output or an earlier input (`outputPath`).
  case mergeConflict(point: String, seed: UInt64, path: String, outputPath: String)
  case mergeInputIsOutput(path: String)
  case mergeNoInputs

  public var description: String {
    switch self {
    case .differentScenario(let path, let storedName, let change):
      return "the database \(path) holds the batch of a different scenario ('\(storedName)': \(change)); "
        + "run into a new database with --db PATH, or start this one again with --force-new (which keeps "
        + "a backup copy)."
    case .notADatabase(let path):
      return "\(path) is not an SQLite database (left untouched); use another --db path."
    case .notATabooDatabase(let path):
      return "\(path) is an SQLite database but not a taboo results database (it has no meta "
        + "table; left untouched); use another --db path."
    case .unsupportedSchema(let path, let found):
      return "\(path) is a taboo results database of schema version \(found), but this taboo reads "
        + "version \(Store.schemaVersion); use the taboo version that wrote it, or another path."
    case .isDirectory(let path):
      return
        "\(path) is a directory; give the path of a database file, e.g. \(path)/results.sqlite."
    case .missing(let path):
      return "no results database at \(path); run the scenario first (taboo run)."
    case .cannotCreateDirectory(let path, let reason):
      return "cannot create the directory \(path) for the results database: \(reason)."
    case .damaged(let path):
      return "the results database \(path) is damaged (its internal structure is broken); "
        + "restore a copy, or run into a new --db."
    case .mergeOutputDamaged(let path):
      return "the merge output \(path) is damaged (its internal structure is broken); "
        + "restore a copy, or merge into a new --into path."
    case .unwritable(let path):
      return "the results database \(path) cannot be written (the file or its directory is "
        + "read-only); make both writable, or run into a new --db."
    case .locked(let path):
      return "the results database \(path) is locked by another process; try again when that "
        + "process has finished."
    case .logUnreadable(let path):
      return "the results database \(path) keeps its latest runs in \(path)-wal, which can only "
        + "be read where \(path)-shm may be created beside it; copy the database with its -wal "
        + "file to a writable directory, or make this one writable."
    case .database(let path, let message):
      return "results database \(path): \(message)."
    case .mergeDifferentBatch(let path, let name, let firstPath, let firstName):
      return "\(path) belongs to a different batch (scenario '\(name)') than \(firstPath) "
        + "(scenario '\(firstName)'); merge only the shards of one batch."
    case .mergeOutputDifferentBatch(let path, let name, let inputsName):
      return "the output \(path) belongs to a different batch (scenario '\(name)') than the inputs "
        + "(scenario '\(inputsName)'); choose another --into path."
    case .mergeConflict(let point, let seed, let path, let outputPath):
      let run = point.isEmpty ? "seed \(seed)" : "point \(point), seed \(seed)"
      return "\(path) and \(outputPath) hold different results for the same run (\(run)); the "
        + "shards were not produced by the same taboo and scenario, so they cannot be merged."
    case .mergeInputIsOutput(let path):
      return "\(path) is both an input and the output of the merge; choose another --into path."
    case .mergeNoInputs:
      return "nothing to merge: give at least one input database."
    }
  }
}

/// A batch's results database.
///
/// Thread safety: every public operation holds an internal lock, so a `Store` may be shared
/// between threads, but calls are serialised; the intended use is one writer thread (the batch
/// runner's) and readers after the batch. Other processes may read while a batch writes (WAL).
public final class Store: @unchecked Sendable {
  /// The schema version this code writes and reads.
  public static let schemaVersion = 4
  /// `PRAGMA application_id`: "tabo" in ASCII, marking the file as taboo's for tools like `file`.
  static let applicationID: Int32 = 0x7461_626F

  public let path: String
  /// What the database says about itself. A database opened for reading keeps the schema
  /// version it was written with (1 to 4); one opened for writing is at version 4.
  public let meta: StoreMeta
  /// Opened with `open(reading:)`: nothing is ever written.
  public let isReadOnly: Bool

  let lock = NSLock()
  let db: SQLiteConnection
  let encoder: JSONEncoder
  let decoder: JSONDecoder
  /// Statements prepared once and reused for every run.
  var insertRunStatement: SQLiteStatement?
  var insertPhaseStatement: SQLiteStatement?
  var insertProbeStatement: SQLiteStatement?
  var insertTrialStatement: SQLiteStatement?
  var insertGeometryStatement: SQLiteStatement?

  /// Where a test can make `write` fail inside its transaction.
  package enum WriteStage: Sendable { case afterRun, afterPhases, afterProbes, afterGeometry, afterTrials }
  /// Test hook: called inside `write`'s transaction at each stage; a throw aborts the write.
  package var writeHook: ((WriteStage) throws -> Void)?

  /// The facts of the phases of a run stored by a version before 3, which did not record them
  /// (by phase index); nil: not known. Whoever can read the stored scenario text sets it.
  public var legacyFacts: (@Sendable (RunKey) -> [PhaseFacts]?)?

  private init(
    path: String, connection: SQLiteConnection, meta: StoreMeta, isReadOnly: Bool = false
  ) {
    self.path = path
    self.db = connection
    self.meta = meta
    self.isReadOnly = isReadOnly
    encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.nonConformingFloatEncodingStrategy = .convertToString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
    decoder = JSONDecoder()
    decoder.nonConformingFloatDecodingStrategy = .convertFromString(
      positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
  }

  // MARK: Opening

  /// Opens the database at `path` for a batch of the scenario `scenarioText`, creating it (and
  /// its parent directories) if missing.
  ///
  /// Throws `StoreError.differentScenario` if the database belongs to another scenario text, and
  /// refuses — without modifying them — a directory, a file that is not an SQLite database, an
  /// SQLite database that is not taboo's, and a damaged one. An empty (0-byte) file is taken as
  /// a new database. Before returning it proves that the database can be written (`unwritable`
  /// if not), so that no run is computed for a store that cannot keep it.
  ///
  /// A lock held by another process is waited for as long as it is held; `waiting` is called
  /// once a wait has lasted a second (and again for each later wait), to tell the user.
  ///
  /// A batch is identified by what determines its results, not by the bytes of its file: when
  /// the stored scenario text differs from `scenarioText`, `change(storedText)` says what
  /// changes results (nil: nothing — a comment or layout edit — and the database is kept).
  /// Without `change` any other text is refused.
  public static func open(
    path: String, scenarioName: String, scenarioText: String,
    version: String, waiting: (@Sendable () -> Void)? = nil,
    change: ((_ storedText: String) -> String?)? = nil
  ) throws -> Store {
    try refuseDirectory(path)
    let parent = URL(fileURLWithPath: path).deletingLastPathComponent().path
    do {
      try FileManager.default.createDirectory(atPath: parent, withIntermediateDirectories: true)
    } catch {
      throw StoreError.cannotCreateDirectory(path: parent, reason: reason(error))
    }
    let hash = SHA256.hex(scenarioText)
    return try wrapping(path) {
      let connection: SQLiteConnection
      do { connection = try SQLiteConnection(path: path, mode: .create) } catch let error
        as SQLiteError where error.isCannotOpen && access(parent, W_OK) != 0
      {
        throw StoreError.unwritable(path: path)  // a new file in a directory that is read-only
      }
      connection.busy.limit = nil
      connection.busy.notice = waiting
      try checkIntact(connection, path: path)
      switch try inspect(connection, path: path) {
      case .empty:
        try initialize(
          connection, scenarioName: scenarioName, scenarioText: scenarioText,
          hash: hash, version: version)
      case .taboo:
        // Refused before the upgrade below could write to it.
        let stored = try readMeta(connection, path: path, versions: 1...schemaVersion)
        if stored.scenarioHash != hash {
          let difference = change.map { $0(stored.scenarioText) } ?? "its scenario text differs"
          if let difference {
            throw StoreError.differentScenario(path: path, storedName: stored.scenarioName, change: difference)
          }
        }
        try upgrade(connection)
      }
      let meta = try readMeta(connection, path: path)
      if meta.scenarioHash != hash,  // another process created it meanwhile, for another text
        let difference = change.map({ $0(meta.scenarioText) }) ?? "its scenario text differs"
      {
        throw StoreError.differentScenario(path: path, storedName: meta.scenarioName, change: difference)
      }
      try configure(connection, journalMode: true)
      try checkWritable(connection, path: path)
      return Store(path: path, connection: connection, meta: meta)
    }
  }

  /// Opens an existing taboo database read-only, to analyse, export or plot it: nothing is
  /// written to the file, whatever its schema version (an old one is read as it is), and the
  /// directory may be one the user cannot write.
  ///
  /// SQLite reads a WAL database through its -wal and -shm files, creating them if missing; in
  /// a directory where it may not, the file is read as immutable (no locks, no -shm) when the
  /// -wal file is missing or empty — nothing can then be writing to it — and refused with
  /// `logUnreadable` when the -wal file holds runs that cannot be read without the -shm file.
  public static func open(reading path: String) throws -> Store {
    try refuseDirectory(path)
    guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
    return try wrapping(path) {
      var connection = try SQLiteConnection(path: path, mode: .readOnly)
      do {
        try checkIntact(connection, path: path)
      } catch let error as SQLiteError where error.isReadOnly || error.isCannotOpen {
        guard logIsEmpty(path) else { throw StoreError.logUnreadable(path: path) }
        connection = try SQLiteConnection(path: path, mode: .readOnly, immutable: true)
        try checkIntact(connection, path: path)
      }
      guard try inspect(connection, path: path) == .taboo else {
        throw StoreError.notATabooDatabase(path: path)
      }
      let meta = try readMeta(connection, path: path, versions: 1...schemaVersion)
      return Store(path: path, connection: connection, meta: meta, isReadOnly: true)
    }
  }

  /// Whether the database's -wal file is missing or empty: every committed page is then in the
  /// database file itself.
  private static func logIsEmpty(_ path: String) -> Bool {
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: path + "-wal") else {
      return !FileManager.default.fileExists(atPath: path + "-wal")
    }
    return (attributes[.size] as? NSNumber)?.intValue == 0
  }

  /// Opens an existing taboo database, whatever its scenario, for writing: to add to it (merge)
  /// or to check it. It is checked for damage, and upgraded to schema version 4 if older; to read
  /// it without writing, use `open(reading:)`.
  public static func open(existing path: String) throws -> Store {
    try refuseDirectory(path)
    guard FileManager.default.fileExists(atPath: path) else { throw StoreError.missing(path: path) }
    return try wrapping(path) {
      let connection = try SQLiteConnection(path: path, mode: .readWrite)
      try checkIntact(connection, path: path)
      guard try inspect(connection, path: path) == .taboo else {
        throw StoreError.notATabooDatabase(path: path)
      }
      try configure(connection, journalMode: false)
      try upgrade(connection)
      return Store(path: path, connection: connection, meta: try readMeta(connection, path: path))
    }
  }

  private enum Contents { case empty, taboo }

  /// SQLite's quick check: every page of every table and index is read and its structure
  /// checked (not the agreement of indices with tables, which `integrityCheck` adds). A damaged
  /// file throws `damaged`; one that is not a database, `notADatabase` (from `wrapping`).
  static func checkIntact(_ connection: SQLiteConnection, path: String) throws {
    let statement = try connection.prepare("PRAGMA quick_check(1)")
    guard try statement.step() else { return }
    if statement.text(0) != "ok" { throw StoreError.damaged(path: path) }
  }

  /// Proves that `connection` may write: SQLite opens a file it may not write read-only without
  /// saying so, and a WAL database also needs its directory to be writable. An immediate
  /// transaction takes the write lock without writing, and is rolled back at once. A lock held
  /// by another process shows that the database is writable (it is only busy): the writes will
  /// wait for it.
  package static func checkWritable(_ connection: SQLiteConnection, path: String) throws {
    if connection.isReadOnly { throw StoreError.unwritable(path: path) }
    let limit = connection.busy.limit
    connection.busy.limit = 0
    defer { connection.busy.limit = limit }
    do {
      try connection.execute("BEGIN IMMEDIATE")
      try connection.execute("ROLLBACK")
    } catch let error as SQLiteError where error.isBusy {
      return
    } catch let error as SQLiteError where error.isReadOnly {
      throw StoreError.unwritable(path: path)
    }
  }

  /// Reads the schema (the first read of the file): a non-database fails here, before any write.
  private static func inspect(_ connection: SQLiteConnection, path: String) throws -> Contents {
    let tables: [String]
    do {
      let statement = try connection.prepare("SELECT name FROM sqlite_schema WHERE type = 'table'")
      var names: [String] = []
      while try statement.step() { names.append(statement.text(0) ?? "") }
      tables = names
    } catch let error as SQLiteError where error.isNotADatabase {
      throw StoreError.notADatabase(path: path)
    }
    if tables.isEmpty { return .empty }
    guard tables.contains("meta") else { throw StoreError.notATabooDatabase(path: path) }
    return .taboo
  }

  /// Per-connection settings. `journalMode` switches the file to WAL (a persistent setting, made
  /// when the database is created; repeated by writers in case another tool changed it). Should
  /// SQLite refuse WAL (e.g. a file system without shared memory), its rollback journal is just
  /// as safe against kill -9, only without concurrent readers.
  private static func configure(_ connection: SQLiteConnection, journalMode: Bool) throws {
    if journalMode { _ = try? connection.scalarText("PRAGMA journal_mode = WAL") }
    try connection.execute("PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON")
  }

  /// Creates the schema and the meta rows in one transaction. Two processes creating the same
  /// file at once are serialised by BEGIN IMMEDIATE; the second finds the tables present.
  private static func initialize(
    _ connection: SQLiteConnection, scenarioName: String,
    scenarioText: String, hash: String, version: String
  ) throws {
    // Set before the first table exists so that the first commit already goes to the WAL.
    _ = try? connection.scalarText("PRAGMA journal_mode = WAL")
    try connection.transaction {
      guard try connection.scalarText("SELECT count(*) FROM sqlite_schema") == "0" else { return }
      try connection.execute(schema)
      try connection.execute("PRAGMA application_id = \(applicationID)")
      let insert = try connection.prepare("INSERT INTO meta (key, value) VALUES (?, ?)")
      let rows = [
        ("schema_version", String(schemaVersion)), ("scenario_name", scenarioName),
        ("scenario_text", scenarioText), ("scenario_hash", hash),
        ("created_at", Date.now.ISO8601Format()), ("version", version),
      ]
      for (key, value) in rows {
        insert.reset()
        try insert.bind(key, at: 1)
        try insert.bind(value, at: 2)
        try insert.run()
      }
    }
  }

  static let schema = """
    CREATE TABLE meta (
      key   TEXT PRIMARY KEY,
      value TEXT NOT NULL
    ) WITHOUT ROWID;

    -- Columns holding Doubles are declared without a type: with REAL affinity SQLite would store
    -- integral values as integers and lose the sign of -0.0; untyped, each value is kept as the
    -- 8-byte REAL bound. NaN is the text 'NaN'.
    CREATE TABLE runs (
      id            INTEGER PRIMARY KEY,
      point         TEXT    NOT NULL,  -- RunKey.pointLabel, e.g. 'k=2,lr=0.003'; '' without sweeps
      parameters    TEXT    NOT NULL,  -- JSON [{"name": "k", "value": 2}, …] in scenario order
      seed          INTEGER NOT NULL,  -- UInt64 bit pattern
      status        TEXT    NOT NULL CHECK (status IN ('complete', 'diverged')),
      steps         INTEGER NOT NULL,
      examples      INTEGER NOT NULL,
      wall_seconds          NOT NULL,  -- a Double
      diverged_step INTEGER,
      finished_at   TEXT    NOT NULL,  -- ISO 8601 UTC, when the run was written
      sets          TEXT    NOT NULL,  -- JSON [{"name": "test", "size": 96}, …]: the run's sets
      UNIQUE (point, seed)
    );

    CREATE TABLE phases (
      run_id          INTEGER NOT NULL REFERENCES runs (id),
      phase_index     INTEGER NOT NULL,
      name            TEXT    NOT NULL,
      repeat_index    INTEGER,
      start_step      INTEGER NOT NULL,
      end_step        INTEGER NOT NULL,
      start_examples  INTEGER NOT NULL,
      end_examples    INTEGER NOT NULL,
      frozen          INTEGER NOT NULL,
      criterion_step  INTEGER,
      streams         TEXT    NOT NULL,  -- JSON [{"password": …, "set": …, "target": …}, …]
      trials          INTEGER NOT NULL DEFAULT 0,  -- frozen stream phases: trials presented
      lanes           INTEGER NOT NULL DEFAULT 0,  -- … in this many lanes
      facts           TEXT,  -- JSON PhaseFacts: role, perturb, criterion, training; NULL before v3
      PRIMARY KEY (run_id, phase_index)
    ) WITHOUT ROWID;

    CREATE TABLE probes (
      run_id      INTEGER NOT NULL REFERENCES runs (id),
      ordinal     INTEGER NOT NULL,  -- position in the run's probe list (phase, step order)
      phase_index INTEGER NOT NULL,
      step        INTEGER NOT NULL,
      examples    INTEGER NOT NULL,
      set_name    TEXT    NOT NULL,
      password    INTEGER NOT NULL,
      acc_truth   NOT NULL,
      acc_taboo   NOT NULL,
      p_truth     NOT NULL,
      p_taboo     NOT NULL,
      target      TEXT,
      acc_target,
      loss,
      conventions TEXT,  -- JSON [{"name": "X", "acc": …, "p": …}, …]; NULL: the world has none
      latent      TEXT,  -- JSON [{"answer": "truth", "acc": …}, …]; NULL: not measured
      PRIMARY KEY (run_id, ordinal)
    ) WITHOUT ROWID;
    """ + trialsTable + geometryTable

  /// Added in schema version 2.
  static let trialsTable = """
    CREATE TABLE IF NOT EXISTS trials (
      run_id        INTEGER NOT NULL REFERENCES runs (id),
      phase_index   INTEGER NOT NULL,
      trial         INTEGER NOT NULL,  -- 0-based in the phase
      lane          INTEGER NOT NULL,
      stream        INTEGER NOT NULL,  -- index in the phase's streams
      item          INTEGER NOT NULL,
      answer        INTEGER NOT NULL,
      target_answer INTEGER NOT NULL,
      old_answer    INTEGER,
      truth_answer  INTEGER NOT NULL,
      taboo_answer  INTEGER NOT NULL,
      PRIMARY KEY (run_id, phase_index, trial, lane)
    ) WITHOUT ROWID;
    """

  /// Added in schema version 4: one row per probe moment of a phase (docs/design.md §6.10).
  static let geometryTable = """
    CREATE TABLE IF NOT EXISTS geometry (
      run_id              INTEGER NOT NULL REFERENCES runs (id),
      phase_index         INTEGER NOT NULL,
      step                INTEGER NOT NULL,
      examples            INTEGER NOT NULL,
      from_phase_start    NOT NULL,  -- ‖w − w₀‖
      from_parent_start,             -- ‖w − w_p‖; NULL for the first phase
      parent_displacement,           -- ‖w₀ − w_p‖; NULL for the first phase
      undone,                        -- −⟨w − w₀, w₀ − w_p⟩ / ‖w₀ − w_p‖²; NULL without a parent
      PRIMARY KEY (run_id, phase_index, step)
    ) WITHOUT ROWID;
    """

  /// Brings a database of version 1, 2 or 3 to version 4, in one transaction: version 2 added
  /// the trials, version 3 the phases' `facts` column (NULL in the rows written before), version
  /// 4 the probes' `conventions` and `latent` columns (NULL before) and the geometry table.
  private static func upgrade(_ connection: SQLiteConnection) throws {
    func version() throws -> String? {
      try connection.scalarText("SELECT value FROM meta WHERE key = 'schema_version'")
    }
    guard let found = try version(), ["1", "2", "3"].contains(found) else { return }
    try connection.transaction {
      if try version() == "1" {
        try connection.execute(
          """
          ALTER TABLE phases ADD COLUMN trials INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE phases ADD COLUMN lanes INTEGER NOT NULL DEFAULT 0;
          """ + trialsTable + """
          UPDATE meta SET value = '2' WHERE key = 'schema_version';
          """)
      }
      if try version() == "2" {
        try connection.execute(
          """
          ALTER TABLE phases ADD COLUMN facts TEXT;
          UPDATE meta SET value = '3' WHERE key = 'schema_version';
          """)
      }
      if try version() == "3" {
        try connection.execute(
          """
          ALTER TABLE probes ADD COLUMN conventions TEXT;
          ALTER TABLE probes ADD COLUMN latent TEXT;
          """ + geometryTable + """
          UPDATE meta SET value = '4' WHERE key = 'schema_version';
          """)
      }
    }
  }

  /// The meta rows; the schema version must be in `versions` (the one this code writes, unless
  /// a reader accepts older ones).
  private static func readMeta(
    _ connection: SQLiteConnection, path: String,
    versions: ClosedRange<Int> = schemaVersion...schemaVersion
  ) throws -> StoreMeta {
    let statement = try connection.prepare("SELECT key, value FROM meta")
    var values: [String: String] = [:]
    while try statement.step() { values[statement.text(0) ?? ""] = statement.text(1) ?? "" }
    guard let schema = values["schema_version"] else {
      throw StoreError.notATabooDatabase(path: path)
    }
    guard let found = Int(schema), versions.contains(found), let name = values["scenario_name"],
      let text = values["scenario_text"], let hash = values["scenario_hash"]
    else { throw StoreError.unsupportedSchema(path: path, found: schema) }
    return StoreMeta(
      schemaVersion: found, scenarioName: name, scenarioText: text, scenarioHash: hash,
      createdAt: values["created_at"] ?? "", version: values["version"] ?? "")
  }

  private static func refuseDirectory(_ path: String) throws {
    var isDirectory: ObjCBool = false
    if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory),
      isDirectory.boolValue
    {
      throw StoreError.isDirectory(path: path)
    }
  }

  /// Runs `body`, turning SQLite's errors into `StoreError`s naming the file, in plain words
  /// (SQLite's own message names statements, which mean nothing to a user).
  static func wrapping<T>(_ path: String, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as SQLiteError {
      throw storeError(error, path: path)
    }
  }

  static func storeError(_ error: SQLiteError, path: String) -> StoreError {
    // SQLite's own words and the failing statement only with `--verbose` (`TABOO_VERBOSE=1`),
    // on a line of their own before the one-sentence error.
    if ProcessInfo.processInfo.environment["TABOO_VERBOSE"] == "1" {
      FileHandle.standardError.write(Data("detail: \(path): \(error.description)\n".utf8))
    }
    if error.isNotADatabase { return .notADatabase(path: path) }
    if error.isCorrupt { return .damaged(path: path) }
    if error.isReadOnly { return .unwritable(path: path) }
    if error.isBusy { return .locked(path: path) }
    if error.isFull { return .database(path: path, message: "the disk is full") }
    if error.isIOError { return .database(path: path, message: "the disk could not be read or written") }
    if error.isCannotOpen { return .database(path: path, message: "the file cannot be opened") }
    return .database(path: path, message: error.plainMessage)
  }

  /// Holds the lock around `body`, turning SQLite's errors into `StoreError`.
  func locked<T>(_ body: () throws -> T) throws -> T {
    lock.lock()
    defer { lock.unlock() }
    return try Store.wrapping(path, body)
  }

  private static func reason(_ error: Error) -> String {
    (error as NSError).localizedDescription
  }

  // MARK: Writing

  /// The keys of every stored run, complete or diverged: the runs a resumed batch skips.
  public func completedRuns() throws -> Set<RunKey> {
    try locked {
      let statement = try db.prepare("SELECT parameters, seed FROM runs")
      var keys = Set<RunKey>()
      while try statement.step() { keys.insert(try key(statement, parameters: 0, seed: 1)) }
      return keys
    }
  }

  /// Stores one run — the run row, its phases and its probes — in one transaction: after a
  /// failure or a kill nothing of the run is stored. A run whose key is already stored is left
  /// as it was and reported as `.alreadyPresent` (a resumed batch should not recompute it).
  ///
  /// A store opened for a batch waits for a lock held by another process (the busy handler,
  /// then, should SQLite still report the database busy, retries of the whole transaction with
  /// growing pauses): a finished run is never lost to a lock.
  @discardableResult
  public func write(_ run: RunRecord) throws -> WriteOutcome {
    var pause = 0.05
    var noticed = false
    while true {
      do {
        return try writeOnce(run)
      } catch StoreError.locked(let path) {
        guard db.busy.limit == nil else { throw StoreError.locked(path: path) }
        if !noticed { db.busy.notice?() }
        noticed = true
        Thread.sleep(forTimeInterval: pause)
        pause = min(pause * 2, 2)
      }
    }
  }

  private func writeOnce(_ run: RunRecord) throws -> WriteOutcome {
    try locked {
      let insertRun = try prepared(
        \.insertRunStatement,
        """
        INSERT INTO runs (point, parameters, seed, status, steps, examples, wall_seconds,
                          diverged_step, finished_at, sets)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (point, seed) DO NOTHING
        """)
      let insertPhase = try prepared(
        \.insertPhaseStatement,
        """
        INSERT INTO phases (run_id, phase_index, name, repeat_index, start_step, end_step,
                            start_examples, end_examples, frozen, criterion_step, streams,
                            trials, lanes, facts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      let insertTrial = try prepared(
        \.insertTrialStatement,
        """
        INSERT INTO trials (run_id, phase_index, trial, lane, stream, item, answer, target_answer,
                            old_answer, truth_answer, taboo_answer)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      let insertProbe = try prepared(
        \.insertProbeStatement,
        """
        INSERT INTO probes (run_id, ordinal, phase_index, step, examples, set_name, password,
                            acc_truth, acc_taboo, p_truth, p_taboo, target, acc_target, loss,
                            conventions, latent)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        """)
      let insertGeometry = try prepared(
        \.insertGeometryStatement,
        """
        INSERT INTO geometry (run_id, phase_index, step, examples, from_phase_start,
                              from_parent_start, parent_displacement, undone)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
      let parameters = try json(run.key.parameters)
      let sets = try json(run.sets)
      let streams = try run.phases.map { try json($0.streams) }
      let facts = try run.phases.map { try json($0.facts) }
      let conventions = try run.probes.map { $0.conventions.isEmpty ? nil : try json($0.conventions) }
      let latent = try run.probes.map { $0.latent.isEmpty ? nil : try json($0.latent) }
      return try db.transaction {
        insertRun.reset()
        try insertRun.bind(run.key.pointLabel, at: 1)
        try insertRun.bind(parameters, at: 2)
        try insertRun.bind(Int64(bitPattern: run.key.seed), at: 3)
        try insertRun.bind(run.status.rawValue, at: 4)
        try insertRun.bind(run.steps, at: 5)
        try insertRun.bind(run.examples, at: 6)
        try insertRun.bindReal(run.wallSeconds, at: 7)
        try insertRun.bind(run.divergedStep, at: 8)
        try insertRun.bind(Date.now.ISO8601Format(), at: 9)
        try insertRun.bind(sets, at: 10)
        try insertRun.run()
        guard db.changes == 1 else { return .alreadyPresent }
        let runID = db.lastInsertRowID
        try writeHook?(.afterRun)

        for (index, phase) in run.phases.enumerated() {
          insertPhase.reset()
          try insertPhase.bind(runID, at: 1)
          try insertPhase.bind(phase.index, at: 2)
          try insertPhase.bind(phase.name, at: 3)
          try insertPhase.bind(phase.repeatIndex, at: 4)
          try insertPhase.bind(phase.startStep, at: 5)
          try insertPhase.bind(phase.endStep, at: 6)
          try insertPhase.bind(phase.startExamples, at: 7)
          try insertPhase.bind(phase.endExamples, at: 8)
          try insertPhase.bind(phase.frozen, at: 9)
          try insertPhase.bind(phase.criterionStep, at: 10)
          try insertPhase.bind(streams[index], at: 11)
          try insertPhase.bind(phase.trials, at: 12)
          try insertPhase.bind(phase.lanes, at: 13)
          try insertPhase.bind(facts[index], at: 14)
          try insertPhase.run()
        }
        try writeHook?(.afterPhases)

        for (ordinal, probe) in run.probes.enumerated() {
          insertProbe.reset()
          try insertProbe.bind(runID, at: 1)
          try insertProbe.bind(ordinal, at: 2)
          try insertProbe.bind(probe.phaseIndex, at: 3)
          try insertProbe.bind(probe.step, at: 4)
          try insertProbe.bind(probe.examples, at: 5)
          try insertProbe.bind(probe.set, at: 6)
          try insertProbe.bind(probe.password, at: 7)
          try insertProbe.bindReal(probe.accTruth, at: 8)
          try insertProbe.bindReal(probe.accTaboo, at: 9)
          try insertProbe.bindReal(probe.pTruth, at: 10)
          try insertProbe.bindReal(probe.pTaboo, at: 11)
          try insertProbe.bind(probe.target?.rawValue, at: 12)
          try insertProbe.bindReal(probe.accTarget, at: 13)
          try insertProbe.bindReal(probe.loss, at: 14)
          try insertProbe.bind(conventions[ordinal], at: 15)
          try insertProbe.bind(latent[ordinal], at: 16)
          try insertProbe.run()
        }
        try writeHook?(.afterProbes)

        for point in run.geometry {
          insertGeometry.reset()
          try insertGeometry.bind(runID, at: 1)
          try insertGeometry.bind(point.phaseIndex, at: 2)
          try insertGeometry.bind(point.step, at: 3)
          try insertGeometry.bind(point.examples, at: 4)
          try insertGeometry.bindReal(point.fromPhaseStart, at: 5)
          try insertGeometry.bindReal(point.fromParentStart, at: 6)
          try insertGeometry.bindReal(point.parentDisplacement, at: 7)
          try insertGeometry.bindReal(point.undone, at: 8)
          try insertGeometry.run()
        }
        try writeHook?(.afterGeometry)

        for trial in run.trials {
          insertTrial.reset()
          try insertTrial.bind(runID, at: 1)
          try insertTrial.bind(trial.phaseIndex, at: 2)
          try insertTrial.bind(trial.trial, at: 3)
          try insertTrial.bind(trial.lane, at: 4)
          try insertTrial.bind(trial.stream, at: 5)
          try insertTrial.bind(trial.item, at: 6)
          try insertTrial.bind(trial.answer, at: 7)
          try insertTrial.bind(trial.targetAnswer, at: 8)
          try insertTrial.bind(trial.oldAnswer, at: 9)
          try insertTrial.bind(trial.truthAnswer, at: 10)
          try insertTrial.bind(trial.tabooAnswer, at: 11)
          try insertTrial.run()
        }
        try writeHook?(.afterTrials)
        return .written
      }
    }
  }

  private func prepared(_ slot: ReferenceWritableKeyPath<Store, SQLiteStatement?>, _ sql: String)
    throws -> SQLiteStatement
  {
    if let statement = self[keyPath: slot] { return statement }
    let statement = try db.prepare(sql, persistent: true)
    self[keyPath: slot] = statement
    return statement
  }

  // MARK: Checks

  /// `PRAGMA integrity_check` and `foreign_key_check`: "ok" for a sound database, else SQLite's
  /// findings, one per line.
  public func integrityCheck() throws -> String {
    try locked {
      let statement = try db.prepare("PRAGMA integrity_check")
      var lines: [String] = []
      while try statement.step() { lines.append(statement.text(0) ?? "") }
      let foreign = try db.prepare("PRAGMA foreign_key_check")
      while try foreign.step() {
        lines.append("foreign key violation in \(foreign.text(0) ?? "?") row \(foreign.int64(1))")
      }
      if lines.count > 1 { lines.removeAll { $0 == "ok" } }
      return lines.joined(separator: "\n")
    }
  }

  // MARK: Encoding

  func json<T: Encodable>(_ value: T) throws -> String {
    String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  func decodeJSON<T: Decodable>(_ type: T.Type, _ text: String?) throws -> T {
    try decoder.decode(type, from: Data((text ?? "").utf8))
  }

  /// The run key of a row with `parameters` JSON and `seed` at the given columns.
  func key(_ statement: SQLiteStatement, parameters: Int32, seed: Int32) throws -> RunKey {
    RunKey(
      parameters: try decodeJSON([ParameterValue].self, statement.text(parameters)),
      seed: UInt64(bitPattern: statement.int64(seed)))
  }
}

// MARK: - Doubles

extension SQLiteStatement {
  /// Binds a Double as REAL; NaN, which SQLite cannot hold, as the text 'NaN'; nil as NULL.
  func bindReal(_ value: Double?, at index: Int32) throws {
    if let value, value.isNaN { try bind("NaN", at: index) } else { try bind(value, at: index) }
  }

  /// Reads what `bindReal` wrote.
  func real(_ column: Int32) -> Double? {
    switch type(column) {
    case .null: nil
    case .text: text(column) == "NaN" ? .nan : Double(text(column) ?? "") ?? .nan
    default: double(column)
    }
  }
}
