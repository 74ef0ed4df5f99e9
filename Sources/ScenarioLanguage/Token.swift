// The lexer's output: one token per word, number, string or punctuation mark, each with its
// source range. Newlines are tokens because they end statements.

import Specification

/// What a token is.
enum TokenKind: Equatable, Sendable {
  /// A name or keyword: letters, digits, `_`, and inner `-` (`keep-optimizer`, `held-out`).
  case word
  /// A number such as `3`, `0.003`, `1e-3`; `Token.number` is nil when it could not be read.
  case number
  /// A double-quoted string; `Token.text` holds its contents without quotes.
  case string
  case percent  // %
  case comma  // ,
  case semicolon  // ;
  case newline
  case leftBrace  // {
  case rightBrace  // }
  case leftParen  // (
  case rightParen  // )
  case equals  // =
  case plus  // +
  case minus  // -
  case ampersand  // &
  case dotDot  // ..
  case end
}

/// One lexical unit with its place in the file.
struct Token: Equatable, Sendable {
  var kind: TokenKind
  /// The source text (for strings: the contents, escapes resolved).
  var text: String
  var range: SourceRange
  /// The value of a `.number` token; nil if it was malformed or out of range (already reported).
  var number: Double? = nil

  /// How the token reads in a message: `'lr'`, `a number`, `end of line`.
  var display: String {
    switch kind {
    case .newline: return "end of line"
    case .end: return "end of file"
    case .string: return "\"\(Token.abbreviate(text))\""
    default: return "'\(Token.abbreviate(text))'"
    }
  }

  static func abbreviate(_ text: String, limit: Int = 40) -> String {
    text.count <= limit ? text : String(text.prefix(limit)) + "…"
  }
}
