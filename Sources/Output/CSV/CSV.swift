// RFC 4180 CSV: fields separated by commas, records ended by CRLF (the RFC's line end, which
// Python's csv module, pandas and R read as well as LF); a field is quoted when it holds a
// comma, a double quote, CR or LF, with its double quotes doubled. Numbers are written in the
// shortest form that reads back as the same Double (`2`, `0.003`, `1e-05`); an undefined value
// (nil, NaN, ±∞) is an empty field; booleans are `true` / `false`.

import Foundation
import Specification

/// One CSV field's text.
public struct CSVField: Sendable, Hashable, ExpressibleByStringLiteral {
  public var text: String

  public init(text: String) { self.text = text }
  public init(stringLiteral value: String) { text = value }

  public static let empty = CSVField(text: "")

  public static func string(_ value: String?) -> CSVField { CSVField(text: value ?? "") }

  public static func number(_ value: Double?) -> CSVField {
    guard let value, value.isFinite else { return .empty }
    return CSVField(text: CSV.number(value))
  }

  public static func integer(_ value: Int?) -> CSVField { CSVField(text: value.map(String.init) ?? "") }

  public static func integer(_ value: UInt64) -> CSVField { CSVField(text: String(value)) }

  public static func bool(_ value: Bool?) -> CSVField {
    CSVField(text: value.map { $0 ? "true" : "false" } ?? "")
  }
}

public enum CSV {
  /// The record separator.
  public static let lineEnd = "\r\n"

  /// Shortest round-trip text of a finite Double (`formatNumber`).
  public static func number(_ value: Double) -> String { formatNumber(value) }

  /// A field as written: quoted when needed.
  public static func escape(_ text: String) -> String {
    guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" || $0 == "\r\n" })
    else { return text }
    return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  /// One record, with its line end.
  public static func record(_ fields: [CSVField]) -> String {
    fields.map { escape($0.text) }.joined(separator: ",") + lineEnd
  }
}

/// Writes CSV records to a file as they come, in large chunks.
public final class CSVWriter {
  public let path: String
  public let columns: [String]
  private let handle: UnsafeMutablePointer<FILE>
  private var buffer = ""
  public private(set) var rows = 0

  /// Creates (or truncates) the file and writes the header.
  public init(path: String, columns: [String]) throws {
    guard let handle = fopen(path, "wb") else {
      throw ExportError.unwritable(path: path, reason: String(cString: strerror(errno)))
    }
    self.path = path
    self.columns = columns
    self.handle = handle
    buffer = CSV.record(columns.map { CSVField(text: $0) })
  }

  deinit { fclose(handle) }

  public func write(_ fields: [CSVField]) throws {
    precondition(fields.count == columns.count, "\(path): \(fields.count) fields for \(columns.count) columns")
    buffer += CSV.record(fields)
    rows += 1
    if buffer.utf8.count > 1 << 16 { try flush() }
  }

  public func flush() throws {
    let bytes = Array(buffer.utf8)
    buffer = ""
    guard fwrite(bytes, 1, bytes.count, handle) == bytes.count else {
      throw ExportError.unwritable(path: path, reason: String(cString: strerror(errno)))
    }
  }

  /// Writes what is buffered and checks the file was written completely.
  public func close() throws {
    try flush()
    guard fflush(handle) == 0 else {
      throw ExportError.unwritable(path: path, reason: String(cString: strerror(errno)))
    }
  }
}
