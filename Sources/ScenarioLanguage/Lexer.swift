// Turns a source file into tokens. Never fails: anything it cannot read becomes a diagnostic and
// is skipped. Works on characters (grapheme clusters), so columns count what a reader sees.

import Specification

struct Lexer {
  private let source: SourceFile
  private let characters: [Character]
  private let codes: [UInt8]
  private var index = 0
  private var line = 1
  private var column = 1
  private var tokens: [Token] = []

  init(source: SourceFile) {
    self.source = source
    self.characters = source.characters
    self.codes = source.codes
  }

  /// Every token of the file, ending with one `.end` token.
  static func tokenize(_ source: SourceFile, into diagnostics: inout DiagnosticSink) -> [Token] {
    var lexer = Lexer(source: source)
    lexer.run(&diagnostics)
    return lexer.tokens
  }

  private var location: SourceLocation { SourceLocation(line: line, column: column) }

  /// The text of an all-ASCII stretch (words, numbers), built from bytes.
  private func asciiText(_ range: Range<Int>) -> String {
    String(decoding: codes[range], as: UTF8.self)
  }

  private func peek(_ offset: Int = 0) -> Character? {
    let i = index + offset
    return i < characters.count ? characters[i] : nil
  }

  /// The ASCII value of a character ahead, nil at a line break, a non-ASCII character or the end.
  private func peekASCII(_ offset: Int = 0) -> UInt8? {
    let i = index + offset
    guard i < codes.count else { return nil }
    let code = codes[i]
    return code == 10 || code == 13 || code == SourceFile.nonASCII ? nil : code
  }

  /// Whether the character ahead is a line break or the end of the file.
  private func atLineEnd(_ offset: Int = 0) -> Bool {
    let i = index + offset
    return i >= codes.count || codes[i] == 10 || codes[i] == 13
  }

  /// Advances over one character that is not a line break.
  private mutating func advance() {
    index += 1
    column += 1
  }

  private mutating func add(_ kind: TokenKind, _ text: String, from start: SourceLocation) {
    tokens.append(Token(kind: kind, text: text, range: SourceRange(start: start, end: location)))
  }

  private mutating func run(_ diagnostics: inout DiagnosticSink) {
    if peek() == "\u{FEFF}" { advance() }  // a byte-order mark
    while index < codes.count {
      let start = location
      if atLineEnd() {
        index += 1
        add(.newline, "\n", from: start)
        tokens[tokens.count - 1].range = SourceRange(at: start)
        line += 1
        column = 1
        continue
      }
      guard let ascii = peekASCII() else {
        unexpected(&diagnostics)
        continue
      }
      switch ascii {
      case 0x20, 0x09, 0x0B, 0x0C:  // space, tab, vertical tab, form feed
        advance()
      case UInt8(ascii: "#"):
        while !atLineEnd() { advance() }
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
        UInt8(ascii: "_"):
        word()
      case UInt8(ascii: "0")...UInt8(ascii: "9"):
        number(&diagnostics)
      case UInt8(ascii: "\""):
        string(&diagnostics)
      case UInt8(ascii: "."):
        if peekASCII(1) == UInt8(ascii: ".") {
          advance()
          advance()
          add(.dotDot, "..", from: start)
        } else if let next = peekASCII(1), isDigit(next) {
          let first = index
          advance()
          while let digit = peekASCII(), isWordByte(digit) { advance() }
          let text = asciiText(first..<index)
          diagnostics.add(
            .invalidNumber, "invalid number '\(Token.abbreviate(text))'",
            at: SourceRange(start: start, end: location), help: "write a digit before the point: '0\(text)'")
          tokens.append(Token(kind: .number, text: text, range: SourceRange(start: start, end: location)))
        } else {
          unexpected(&diagnostics)
        }
      default:
        let kind: TokenKind?
        switch ascii {
        case UInt8(ascii: "%"): kind = .percent
        case UInt8(ascii: ","): kind = .comma
        case UInt8(ascii: ";"): kind = .semicolon
        case UInt8(ascii: "{"): kind = .leftBrace
        case UInt8(ascii: "}"): kind = .rightBrace
        case UInt8(ascii: "("): kind = .leftParen
        case UInt8(ascii: ")"): kind = .rightParen
        case UInt8(ascii: "="): kind = .equals
        case UInt8(ascii: "+"): kind = .plus
        case UInt8(ascii: "-"): kind = .minus
        case UInt8(ascii: "&"): kind = .ampersand
        default: kind = nil
        }
        if let kind {
          advance()
          add(kind, String(UnicodeScalar(ascii)), from: start)
        } else {
          unexpected(&diagnostics)
        }
      }
    }
    tokens.append(Token(kind: .end, text: "", range: SourceRange(at: location)))
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

  private func isWordByte(_ byte: UInt8) -> Bool {
    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
      || byte == UInt8(ascii: "_")
  }

  /// A run of characters no token starts with, on one line, reported once.
  private mutating func unexpected(_ diagnostics: inout DiagnosticSink) {
    let start = location
    let first = index
    while !atLineEnd() {
      if let ascii = peekASCII(), Lexer.startsToken(ascii) { break }
      advance()
    }
    if index == first { advance() }  // never stall
    let run = characters[first..<index]
    let shown = run.prefix(12).map(Lexer.visible).joined()
    let plural = run.count == 1 ? "character" : "characters"
    var help: String? = nil
    if run.contains("\u{FFFD}") && source.firstInvalidByte != nil {
      help = "the file is not valid UTF-8 here; save it as UTF-8"
    } else if run.first == "'" || run.first == "\u{201C}" || run.first == "\u{201D}" {
      help = "strings use straight double quotes: \"…\""
    }
    diagnostics.add(
      .unexpectedCharacter, "unexpected \(plural) '\(shown)\(run.count > 12 ? "…" : "")'",
      at: SourceRange(start: start, end: location), help: help)
  }

  /// Whether an ASCII byte can start a token or separates tokens (ends a run of junk).
  private static func startsToken(_ byte: UInt8) -> Bool {
    switch byte {
    case 0x20, 0x09, 0x0B, 0x0C: return true
    case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    default: return "#_\".%,;{}()=+-&".utf8.contains(byte)
    }
  }

  /// A character as a message shows it: control characters and NUL escaped.
  private static func visible(_ character: Character) -> String {
    if let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7F {
      return ascii == 0 ? "\\0" : "\\u{\(String(ascii, radix: 16))}"
    }
    return String(character)
  }

  /// `[A-Za-z_][A-Za-z0-9_]*` with inner hyphens: `keep-optimizer`, `held-out`.
  private mutating func word() {
    let start = location
    let first = index
    while true {
      if let byte = peekASCII(), isWordByte(byte) {
        advance()
      } else if peekASCII() == UInt8(ascii: "-"), let next = peekASCII(1), isWordByte(next) {
        advance()
      } else {
        break
      }
    }
    add(.word, asciiText(first..<index), from: start)
  }

  /// `digits [. digits] [e [+-] digits]`; a point followed by a point is a range (`0..7`).
  private mutating func number(_ diagnostics: inout DiagnosticSink) {
    let start = location
    let first = index
    while let byte = peekASCII(), isDigit(byte) { advance() }
    if peekASCII() == UInt8(ascii: "."), let next = peekASCII(1), isDigit(next) {
      advance()
      while let byte = peekASCII(), isDigit(byte) { advance() }
    }
    var malformed = false
    if let e = peekASCII(), e == UInt8(ascii: "e") || e == UInt8(ascii: "E") {
      var offset = 1
      if let sign = peekASCII(1), sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") { offset = 2 }
      if let digit = peekASCII(offset), isDigit(digit) {
        for _ in 0..<offset { advance() }
        while let byte = peekASCII(), isDigit(byte) { advance() }
      }
    }
    let numeric = asciiText(first..<index)
    // Letters glued to the number (`12abc`, `1000steps`, `1e`) make it malformed.
    let tailStart = index
    while let byte = peekASCII(), isWordByte(byte) || byte == UInt8(ascii: ".") {
      if byte == UInt8(ascii: "."), peekASCII(1) == UInt8(ascii: ".") { break }
      advance()
      malformed = true
    }
    let text = asciiText(first..<index)
    let range = SourceRange(start: start, end: location)
    var token = Token(kind: .number, text: text, range: range)
    if malformed {
      let tail = asciiText(tailStart..<index)
      if LengthUnit(word: tail) != nil || tail == "probes" || tail == "probe" {
        // `100steps`: report, then read it as `100 steps` so the statement still parses.
        diagnostics.add(
          .invalidNumber, "invalid number '\(Token.abbreviate(text))'", at: range,
          help: "put a space between the number and '\(tail)'")
        let numberEnd = SourceLocation(line: start.line, column: start.column + numeric.count)
        tokens.append(
          Token(
            kind: .number, text: numeric, range: SourceRange(start: start, end: numberEnd),
            number: Double(numeric)))
        tokens.append(Token(kind: .word, text: tail, range: SourceRange(start: numberEnd, end: location)))
        return
      }
      var help: String? = nil
      if tail.first?.isLetter == true, !tail.hasPrefix("e"), !tail.hasPrefix("E") {
        help = "put a space between the number and '\(Token.abbreviate(tail))'"
      }
      diagnostics.add(.invalidNumber, "invalid number '\(Token.abbreviate(text))'", at: range, help: help)
    } else if let value = Double(numeric), value.isFinite {
      let hasNonZeroDigit = numeric.prefix { $0 != "e" && $0 != "E" }.contains { $0 >= "1" && $0 <= "9" }
      if value == 0 && hasNonZeroDigit {
        diagnostics.add(
          .numberOutOfRange, "number '\(Token.abbreviate(text))' is too small to represent", at: range)
      } else {
        token.number = value
      }
    } else {
      diagnostics.add(
        .numberOutOfRange, "number '\(Token.abbreviate(text))' is too large to represent", at: range,
        help: "the largest number is about 1.8e308")
    }
    tokens.append(token)
  }

  /// `"…"` on one line, with `\"` and `\\` escapes.
  private mutating func string(_ diagnostics: inout DiagnosticSink) {
    let start = location
    advance()  // the opening quote
    var value = ""
    while let character = peek(), !character.isLineBreak {
      if character == "\"" {
        advance()
        add(.string, value, from: start)
        return
      }
      if character == "\\", let next = peek(1), next == "\"" || next == "\\" {
        advance()
        value.append(next)
      } else {
        value.append(character)
      }
      advance()
    }
    diagnostics.add(
      .unterminatedString, "unterminated string", at: SourceRange(start: start, end: location),
      help: "close it with '\"' on the same line")
    add(.string, value, from: start)
  }
}
