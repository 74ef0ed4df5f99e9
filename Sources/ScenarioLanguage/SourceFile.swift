// A scenario file's text, split into lines, with the positions the lexer and diagnostics use.
// Lines end at "\n", "\r\n" or "\r"; columns count characters (grapheme clusters) of the line,
// both 1-based. Bytes that are not valid UTF-8 are decoded as U+FFFD and reported once.

import Specification

import Foundation

/// A position in a source file: 1-based line, 1-based column in characters of that line.
public struct SourceLocation: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public static func < (a: SourceLocation, b: SourceLocation) -> Bool {
    (a.line, a.column) < (b.line, b.column)
  }

  public var description: String { "\(line):\(column)" }
}

/// A span of source text; `end` is exclusive (the column just after the last character), so an
/// empty range marks a point, such as the place where a missing argument should go.
public struct SourceRange: Sendable, Hashable, CustomStringConvertible {
  public var start: SourceLocation
  public var end: SourceLocation

  public init(start: SourceLocation, end: SourceLocation) {
    self.start = start
    self.end = max(start, end)
  }

  /// A zero-width range at `location`.
  public init(at location: SourceLocation) {
    self.init(start: location, end: location)
  }

  /// The smallest range that covers both.
  public func through(_ other: SourceRange) -> SourceRange {
    SourceRange(start: min(start, other.start), end: max(end, other.end))
  }

  public var description: String { "\(start)-\(end)" }
}

/// The text of one scenario file, as characters and lines.
public struct SourceFile: Sendable {
  /// The name shown in diagnostics (usually the path as given on the command line).
  public let name: String
  /// The decoded text (invalid UTF-8 replaced by U+FFFD).
  public let text: String
  /// Where the first byte that is not valid UTF-8 sits, if any.
  public let firstInvalidByte: SourceLocation?
  /// Every character of `text`, for random access.
  let characters: [Character]
  /// Each character's ASCII value ("\r\n" counts as "\n"), or `SourceFile.nonASCII`: the
  /// lexer reads these bytes rather than the (slower) characters.
  let codes: [UInt8]
  static let nonASCII: UInt8 = 0xFF
  /// The character offsets of each line's content, without its terminator; never empty.
  let lines: [Range<Int>]

  /// A file from already-decoded text.
  public init(name: String, text: String) {
    self.init(name: name, text: text, firstInvalidByte: nil)
  }

  /// A file from raw bytes: decodes UTF-8, replacing invalid sequences, and remembers where the
  /// first one was.
  public init(name: String, bytes: some Collection<UInt8>) {
    if let text = String(validating: bytes, as: UTF8.self) {
      self.init(name: name, text: text, firstInvalidByte: nil)
      return
    }
    var parser = Unicode.UTF8.ForwardParser()
    var iterator = bytes.makeIterator()
    var validPrefix = 0
    var invalid = false
    scan: while true {
      switch parser.parseScalar(from: &iterator) {
      case .valid(let encoded): validPrefix += encoded.count
      case .emptyInput: break scan
      case .error: invalid = true; break scan
      }
    }
    let text = String(decoding: bytes, as: UTF8.self)
    var location: SourceLocation? = nil
    if invalid {
      let prefix = SourceFile(
        name: name, text: String(decoding: bytes.prefix(validPrefix), as: UTF8.self),
        firstInvalidByte: nil)
      let last = prefix.lines.count
      location = SourceLocation(line: last, column: prefix.lines[last - 1].count + 1)
    }
    self.init(name: name, text: text, firstInvalidByte: location)
  }

  private init(name: String, text: String, firstInvalidByte: SourceLocation?) {
    self.name = name
    self.text = text
    self.firstInvalidByte = firstInvalidByte
    let characters = Array(text)
    self.characters = characters
    let codes = characters.map { $0.asciiValue ?? SourceFile.nonASCII }
    self.codes = codes
    var lines: [Range<Int>] = []
    var start = 0
    for (offset, code) in codes.enumerated() where code == 10 || code == 13 {
      lines.append(start..<offset)
      start = offset + 1
    }
    lines.append(start..<characters.count)
    self.lines = lines
  }

  /// The number of lines (an empty file has one empty line; a final line break starts one more).
  public var lineCount: Int { lines.count }

  /// The characters in line `line` (1-based), without its terminator; empty outside the file.
  public func lineText(_ line: Int) -> String {
    guard line >= 1, line <= lines.count else { return "" }
    return String(characters[lines[line - 1]])
  }

  /// The number of characters in line `line` (1-based).
  public func lineLength(_ line: Int) -> Int {
    guard line >= 1, line <= lines.count else { return 0 }
    return lines[line - 1].count
  }

  /// Whether `location` is a place in this file (a column may sit just after the line's end).
  public func contains(_ location: SourceLocation) -> Bool {
    location.line >= 1 && location.line <= lines.count && location.column >= 1
      && location.column <= lines[location.line - 1].count + 1
  }

  /// The position just after the last character.
  public var endLocation: SourceLocation {
    SourceLocation(line: lines.count, column: lines[lines.count - 1].count + 1)
  }

  /// The file name without directories and without the `.taboo` extension.
  public var baseName: String {
    var base = name.split(separator: "/", omittingEmptySubsequences: false).last.map(String.init) ?? name
    if base.hasSuffix(".taboo"), base.count > ".taboo".count { base.removeLast(".taboo".count) }
    return base
  }
}

extension Character {
  /// A line terminator of the scenario language: "\n", "\r\n" (one character in Swift) or "\r".
  /// ("\r\n" has the ASCII value of "\n" in Swift.)
  var isLineBreak: Bool {
    let value = asciiValue
    return value == 10 || value == 13
  }
}
