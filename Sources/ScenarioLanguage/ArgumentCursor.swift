// Reads the argument tokens of one statement, in the style of jlox: `consume(kind, "expected …")`
// reports what was missing, pointing either at the wrong token or just after the last good one.

import Specification

struct ArgumentCursor {
  private let tokens: [Token]
  private(set) var index = 0
  /// The token before the arguments (the directive word), for "expected … after 'lr'".
  private let directive: Token

  init(_ statement: Statement) {
    self.tokens = statement.arguments
    self.directive = statement.name
  }

  init(tokens: [Token], after directive: Token) {
    self.tokens = tokens
    self.directive = directive
  }

  var isAtEnd: Bool { index >= tokens.count }
  var current: Token? { index < tokens.count ? tokens[index] : nil }

  func peek(_ offset: Int = 0) -> Token? {
    let i = index + offset
    return i < tokens.count ? tokens[i] : nil
  }

  /// The token just consumed (or the directive word).
  var previous: Token { index > 0 ? tokens[min(index, tokens.count) - 1] : directive }

  @discardableResult
  mutating func advance() -> Token? {
    guard let token = current else { return nil }
    index += 1
    return token
  }

  func check(_ kind: TokenKind) -> Bool { current?.kind == kind }

  func checkWord(_ word: String) -> Bool { current?.kind == .word && current?.text == word }

  mutating func match(_ kind: TokenKind) -> Token? {
    check(kind) ? advance() : nil
  }

  mutating func matchWord(_ word: String) -> Token? {
    checkWord(word) ? advance() : nil
  }

  /// Where a missing argument should go: just after the last consumed token.
  var insertionPoint: SourceRange { SourceRange(at: previous.range.end) }

  /// Reports `expected WHAT` at the current token, or after the previous one at the end.
  func expected(_ what: String, _ diagnostics: inout DiagnosticSink, help: String? = nil) {
    if let current {
      diagnostics.add(.expected, "expected \(what), found \(current.display)", at: current.range, help: help)
    } else {
      diagnostics.add(
        .expected, "expected \(what) after \(previous.display)", at: insertionPoint, help: help)
    }
  }

  /// Consumes one word naming a case of `Kind` (`gru`, `adam`, `weak`). A missing word is
  /// `expected WHAT`; an unknown one is `code` ("unknown NOUN 'x'") with a did-you-mean, or
  /// `listing` as help when no known word is close. Nil after either.
  mutating func keyword<Kind: RawRepresentable & CaseIterable>(
    _: Kind.Type, expected what: String, unknown code: DiagnosticCode, noun: String,
    listing: String, _ diagnostics: inout DiagnosticSink
  ) -> Kind? where Kind.RawValue == String {
    guard let token = current, token.kind == .word else {
      expected(what, &diagnostics)
      return nil
    }
    advance()
    guard let value = Kind(rawValue: token.text) else {
      diagnostics.add(
        code, "unknown \(noun) '\(Token.abbreviate(token.text))'", at: token.range,
        help: Suggestions.didYouMean(token.text, among: Kind.allCases.map(\.rawValue)) ?? listing)
      return nil
    }
    return value
  }

  mutating func consume(_ kind: TokenKind, _ what: String, _ diagnostics: inout DiagnosticSink) -> Token? {
    if let token = match(kind) { return token }
    expected(what, &diagnostics)
    return nil
  }

  mutating func consumeWord(_ word: String, _ diagnostics: inout DiagnosticSink, help: String? = nil)
    -> Token?
  {
    if let token = matchWord(word) { return token }
    expected("'\(word)'", &diagnostics, help: help)
    return nil
  }

  /// A number, a negative number, or a parameter name, optionally followed by `%`.
  mutating func quantity(_ what: String, _ diagnostics: inout DiagnosticSink) -> QuantitySyntax? {
    var result: QuantitySyntax
    if let minus = current, minus.kind == .minus, let number = peek(1), number.kind == .number {
      index += 2
      let value: QuantitySyntax.Value = number.number.map { .literal(-$0) } ?? .invalid
      result = QuantitySyntax(value: value, isPercent: false, range: minus.range.through(number.range))
    } else if let number = match(.number) {
      let value: QuantitySyntax.Value = number.number.map { .literal($0) } ?? .invalid
      result = QuantitySyntax(value: value, isPercent: false, range: number.range)
    } else if let word = current, word.kind == .word, !Keywords.reserved.contains(word.text) {
      index += 1
      result = QuantitySyntax(value: .parameter(word.text), isPercent: false, range: word.range)
    } else {
      expected(what, &diagnostics)
      return nil
    }
    if let percent = match(.percent) {
      result.isPercent = true
      result.range = result.range.through(percent.range)
    }
    return result
  }

  /// Reports every token left in the statement as unexpected.
  mutating func finish(_ diagnostics: inout DiagnosticSink, help: String? = nil) {
    guard let first = current, let last = tokens.last else { return }
    let what = index == tokens.count - 1 ? first.display : "\(first.display) and what follows"
    diagnostics.add(
      .unexpectedArgument, "unexpected \(what) after \(previous.display)",
      at: first.range.through(last.range), help: help)
    index = tokens.count
  }
}
