// The one door to SQLite. A thin, typed wrapper over the C interface: a connection that owns its
// handle, prepared statements with typed bind and column helpers, `execute`, and `transaction { }`
// that rolls back when its body throws. No other file imports CSQLite or sees a C pointer type.
//
// Neither class is Sendable: a connection and its statements are used from one thread at a time
// (the `Store` above them serialises access with a lock).

import CSQLite
import Foundation

/// An SQLite failure: the result code, SQLite's own message, and the SQL that failed (if any).
package struct SQLiteError: Error, CustomStringConvertible {
  /// The (extended) result code, e.g. 19 = SQLITE_CONSTRAINT, 26 = SQLITE_NOTADB.
  package var code: Int32
  package var message: String
  package var sql: String?

  package var description: String {
    if let sql { return "SQLite error \(code): \(message) (in: \(sql))" }
    return "SQLite error \(code): \(message)"
  }

  /// The primary result code (the extended code's low byte).
  package var primaryCode: Int32 { code & 0xFF }
  package var isNotADatabase: Bool { primaryCode == SQLITE_NOTADB }
  package var isConstraint: Bool { primaryCode == SQLITE_CONSTRAINT }
  /// The file's pages do not hold what SQLite expects: the database is damaged.
  package var isCorrupt: Bool { primaryCode == SQLITE_CORRUPT }
  /// Another connection holds a lock this one needs (and the busy handler gave up).
  package var isBusy: Bool { primaryCode == SQLITE_BUSY || primaryCode == SQLITE_LOCKED }
  /// A write on a connection that may not write, e.g. a file or directory without permission.
  package var isReadOnly: Bool { primaryCode == SQLITE_READONLY }
  package var isCannotOpen: Bool { primaryCode == SQLITE_CANTOPEN }
  package var isFull: Bool { primaryCode == SQLITE_FULL }
  package var isIOError: Bool { primaryCode == SQLITE_IOERR }

  /// SQLite's generic English text for the code ("disk I/O error"), without the statement.
  package var plainMessage: String { String(cString: sqlite3_errstr(code)) }
}

/// How long a connection waits for a lock another connection holds, and whom it tells.
///
/// SQLite calls `retry` each time it finds the lock taken (`sqlite3_busy_handler`); it sleeps
/// with growing pauses (1 ms doubling up to half a second) and says when to give up. After
/// `noticeAfter` seconds of one wait it calls `notice` once, so that a user sees why nothing
/// happens. `limit` nil waits for as long as the lock is held.
package final class BusyWait: @unchecked Sendable {
  /// Seconds to wait before SQLite reports SQLITE_BUSY; nil: no limit.
  package var limit: Double?
  /// Seconds of waiting before `notice` is called.
  package var noticeAfter: Double
  package var notice: (@Sendable () -> Void)?
  private var started = Date()
  private var noticed = false

  package init(limit: Double?, noticeAfter: Double = 1, notice: (@Sendable () -> Void)? = nil) {
    self.limit = limit
    self.noticeAfter = noticeAfter
    self.notice = notice
  }

  /// Whether SQLite should try again; `count` is 0 at the start of each wait.
  fileprivate func retry(_ count: Int32) -> Bool {
    if count == 0 {
      started = Date()
      noticed = false
    }
    let waited = Date().timeIntervalSince(started)
    if let limit, waited >= limit { return false }
    if !noticed, waited >= noticeAfter, let notice {
      noticed = true
      notice()
    }
    var pause = 0.001 * Double(1 << min(Int(count), 9))
    if let limit { pause = min(pause, max(limit - waited, 0)) }
    usleep(UInt32(pause * 1_000_000))
    return true
  }
}

/// One open database connection; closes its handle on deinit.
package final class SQLiteConnection {
  package enum Mode {
    /// Read and write; create the file if it is missing.
    case create
    /// Read and write an existing file.
    case readWrite
    /// Read an existing file.
    case readOnly
  }

  private let handle: OpaquePointer
  package let path: String
  /// The waiting for locks (10 s by default, as `sqlite3_busy_timeout` would).
  package let busy: BusyWait
  private var isClosed = false

  /// Opens `path`. SQLite reads nothing until the first statement, so a file that is not a
  /// database is only detected (as `isNotADatabase`) by the first query, and nothing is written
  /// before that.
  ///
  /// `immutable` (read-only only) tells SQLite that nothing changes the file while it is open:
  /// it then takes no locks and creates no -wal or -shm file, which lets it read a WAL database
  /// in a directory it may not write. Only right when no writer can be at work and no -wal file
  /// holds committed pages (SQLite would not read them).
  package init(
    path: String, mode: Mode, busyTimeoutMilliseconds: Int32 = 10_000, immutable: Bool = false
  ) throws {
    var flags: Int32 = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE
    switch mode {
    case .create: flags |= SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
    case .readWrite: flags |= SQLITE_OPEN_READWRITE
    case .readOnly: flags |= SQLITE_OPEN_READONLY
    }
    var name = path
    if immutable {
      precondition(mode == .readOnly, "only a read-only connection may be immutable")
      flags |= SQLITE_OPEN_URI
      name = Self.uri(path) + "?mode=ro&immutable=1"
    }
    var db: OpaquePointer?
    let code = sqlite3_open_v2(name, &db, flags, nil)
    guard code == SQLITE_OK, let db else {
      let message =
        db.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(code))
      if let db { sqlite3_close_v2(db) }
      throw SQLiteError(code: code, message: message, sql: nil)
    }
    handle = db
    self.path = path
    busy = BusyWait(limit: Double(busyTimeoutMilliseconds) / 1000)
    sqlite3_extended_result_codes(db, 1)
    sqlite3_busy_handler(
      db,
      { context, count in
        guard let context else { return 0 }
        return Unmanaged<BusyWait>.fromOpaque(context).takeUnretainedValue().retry(count) ? 1 : 0
      }, Unmanaged.passUnretained(busy).toOpaque())
  }

  deinit {
    if !isClosed { sqlite3_close_v2(handle) }
  }

  /// Closes the connection now (a WAL database's last connection checkpoints the log into the
  /// file and removes it). Statements still alive keep SQLite's handle until they are released;
  /// nothing may be run on the connection afterwards.
  package func close() {
    guard !isClosed else { return }
    isClosed = true
    sqlite3_close_v2(handle)
  }

  /// Whether SQLite opened the main database read-only (asked to, or because the file may not
  /// be written: SQLite then opens it read-only without saying so).
  package var isReadOnly: Bool { sqlite3_db_readonly(handle, "main") == 1 }

  /// A `file:` URI naming `path` (made absolute), with the characters URIs reserve escaped.
  static func uri(_ path: String) -> String {
    var absolute = path
    if !absolute.hasPrefix("/") {
      absolute = FileManager.default.currentDirectoryPath + "/" + absolute
    }
    var escaped = ""
    for character in absolute {
      switch character {
      case "%": escaped += "%25"
      case "?": escaped += "%3f"
      case "#": escaped += "%23"
      default: escaped.append(character)
      }
    }
    return "file:" + escaped
  }

  /// Runs one or more statements that return no rows of interest (`sqlite3_exec`).
  package func execute(_ sql: String) throws {
    var errorMessage: UnsafeMutablePointer<CChar>?
    let code = sqlite3_exec(handle, sql, nil, nil, &errorMessage)
    if code != SQLITE_OK {
      let message = errorMessage.map { String(cString: $0) } ?? lastMessage
      sqlite3_free(errorMessage)
      throw SQLiteError(code: sqlite3_extended_errcode(handle), message: message, sql: sql)
    }
  }

  /// Compiles `sql` (exactly one statement). `persistent` hints that it will be reused many times.
  package func prepare(_ sql: String, persistent: Bool = false) throws -> SQLiteStatement {
    var statement: OpaquePointer?
    let flags: UInt32 = persistent ? UInt32(SQLITE_PREPARE_PERSISTENT) : 0
    let code = sqlite3_prepare_v3(handle, sql, -1, flags, &statement, nil)
    guard code == SQLITE_OK, let statement else {
      throw SQLiteError(code: code, message: lastMessage, sql: sql)
    }
    return SQLiteStatement(statement, connection: self, sql: sql)
  }

  /// Runs `body` inside `BEGIN IMMEDIATE … COMMIT`; rolls back and rethrows if `body` throws.
  /// Transactions do not nest.
  package func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN IMMEDIATE")
    do {
      let result = try body()
      try execute("COMMIT")
      return result
    } catch {
      // After some errors SQLite has already rolled back; then ROLLBACK itself fails harmlessly.
      if !isAutocommit { try? execute("ROLLBACK") }
      throw error
    }
  }

  /// Rows changed by the most recent INSERT, UPDATE or DELETE.
  package var changes: Int { Int(sqlite3_changes64(handle)) }
  package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }
  /// True outside a transaction.
  package var isAutocommit: Bool { sqlite3_get_autocommit(handle) != 0 }

  fileprivate var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }
  fileprivate func error(_ code: Int32, sql: String) -> SQLiteError {
    SQLiteError(code: sqlite3_extended_errcode(handle), message: lastMessage, sql: sql)
  }

  /// The first column of the first row of `sql`, as text (nil for no row or NULL).
  package func scalarText(_ sql: String) throws -> String? {
    let statement = try prepare(sql)
    return try statement.step() ? statement.text(0) : nil
  }
}

/// A compiled statement. Parameters are 1-based (SQLite's convention), columns 0-based.
package final class SQLiteStatement {
  private let statement: OpaquePointer
  private let connection: SQLiteConnection
  package let sql: String

  fileprivate init(_ statement: OpaquePointer, connection: SQLiteConnection, sql: String) {
    self.statement = statement
    self.connection = connection
    self.sql = sql
  }

  deinit {
    sqlite3_finalize(statement)
  }

  // MARK: Binding

  /// Clears the previous execution and bindings, ready for new ones.
  package func reset() {
    sqlite3_reset(statement)
    sqlite3_clear_bindings(statement)
  }

  package func bind(_ value: Int64?, at index: Int32) throws {
    try check(
      value.map { sqlite3_bind_int64(statement, index, $0) } ?? sqlite3_bind_null(statement, index))
  }

  package func bind(_ value: Int?, at index: Int32) throws {
    try bind(value.map(Int64.init), at: index)
  }

  package func bind(_ value: Bool, at index: Int32) throws {
    try bind(Int64(value ? 1 : 0), at: index)
  }

  /// Binds a REAL. SQLite has no NaN (it would store NULL), so the caller decides how to store one.
  package func bind(_ value: Double?, at index: Int32) throws {
    try check(
      value.map { sqlite3_bind_double(statement, index, $0) } ?? sqlite3_bind_null(statement, index)
    )
  }

  package func bind(_ value: String?, at index: Int32) throws {
    guard let value else { return try check(sqlite3_bind_null(statement, index)) }
    // SQLITE_TRANSIENT: SQLite copies the bytes before the call returns.
    let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
    var text = value
    try text.withUTF8 { bytes in
      guard let base = bytes.baseAddress, !bytes.isEmpty else {
        return try check(sqlite3_bind_text(statement, index, "", 0, transient))
      }
      let characters = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
      try check(
        sqlite3_bind_text64(
          statement, index, characters, UInt64(bytes.count), transient, UInt8(SQLITE_UTF8)))
    }
  }

  // MARK: Stepping

  /// Advances to the next row: true if there is one, false when done.
  @discardableResult
  package func step() throws -> Bool {
    switch sqlite3_step(statement) {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    case let code: throw connection.error(code, sql: sql)
    }
  }

  /// Steps until done, for statements that return no rows.
  package func run() throws {
    while try step() {}
  }

  // MARK: Columns

  package enum ColumnType { case integer, real, text, blob, null }

  package func type(_ column: Int32) -> ColumnType {
    switch sqlite3_column_type(statement, column) {
    case SQLITE_INTEGER: .integer
    case SQLITE_FLOAT: .real
    case SQLITE_TEXT: .text
    case SQLITE_BLOB: .blob
    default: .null
    }
  }

  package func isNull(_ column: Int32) -> Bool { type(column) == .null }

  package func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }
  package func int(_ column: Int32) -> Int { Int(int64(column)) }
  package func optionalInt(_ column: Int32) -> Int? { isNull(column) ? nil : int(column) }
  package func bool(_ column: Int32) -> Bool { int64(column) != 0 }
  package func double(_ column: Int32) -> Double { sqlite3_column_double(statement, column) }

  /// The column as text (nil for NULL); other types are converted by SQLite.
  package func text(_ column: Int32) -> String? {
    guard let bytes = sqlite3_column_text(statement, column) else { return nil }
    let count = Int(sqlite3_column_bytes(statement, column))
    return String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self)
  }

  private func check(_ code: Int32) throws {
    if code != SQLITE_OK { throw connection.error(code, sql: sql) }
  }
}
