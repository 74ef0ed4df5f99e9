// The generic syntax, like a Caddyfile: a file is a list of statements; a statement is a
// directive word, its argument tokens, and either a newline, a `;`, or a `{ … }` block of
// statements. What the arguments mean is `DirectiveParser`'s job. Recovery: a statement that
// does not start with a word is skipped to the next newline, `;` or balanced `}`, so one run
// reports every error. Blocks nest at most `Limits.nesting` deep; skipping a deeper block is a
// loop, never recursion, so 10,000 nested braces cannot overflow the stack.

import Specification

/// One statement of the generic syntax.
struct Statement: Sendable {
  /// The directive word.
  var name: Token
  /// Every token between the directive and the end of the statement (or its block).
  var arguments: [Token]
  var block: Block?

  /// The directive and its arguments (not the block).
  var headRange: SourceRange {
    arguments.last.map { name.range.through($0.range) } ?? name.range
  }

  var range: SourceRange {
    block.map { headRange.through($0.range) } ?? headRange
  }
}

/// `{ statements }`.
struct Block: Sendable {
  var open: Token
  var statements: [Statement]
  /// The closing brace; nil when the block was never closed (already reported).
  var close: Token?

  var range: SourceRange { open.range.through(close?.range ?? open.range) }
}

struct Parser {
  private let tokens: [Token]
  private var index = 0

  init(tokens: [Token]) {
    self.tokens = tokens
  }

  /// The statements of a whole file.
  static func parse(_ tokens: [Token], into diagnostics: inout DiagnosticSink) -> [Statement] {
    var parser = Parser(tokens: tokens)
    return parser.statements(depth: 0, inBlock: false, &diagnostics)
  }

  private var current: Token { tokens[min(index, tokens.count - 1)] }

  private mutating func advance() -> Token {
    let token = current
    if index < tokens.count - 1 { index += 1 }
    return token
  }

  /// statements := (statement | separator)*, up to the end of the file or (in a block) a `}`.
  private mutating func statements(
    depth: Int, inBlock: Bool, _ diagnostics: inout DiagnosticSink
  ) -> [Statement] {
    var result: [Statement] = []
    while true {
      switch current.kind {
      case .newline, .semicolon:
        _ = advance()
      case .end:
        return result
      case .rightBrace:
        if inBlock { return result }
        diagnostics.add(
          .unbalancedBrace, "unmatched '}'", at: current.range, help: "remove it, or add the '{' it closes")
        _ = advance()
      case .word:
        result.append(statement(depth: depth, &diagnostics))
      default:
        diagnostics.add(
          .expected, "expected a directive, found \(current.display)", at: current.range,
          help: current.kind == .leftBrace ? "a block follows a directive: 'train { … }'" : nil)
        skipStatement()
      }
    }
  }

  /// statement := WORD argument* (block | end of statement)
  private mutating func statement(depth: Int, _ diagnostics: inout DiagnosticSink) -> Statement {
    let name = advance()
    var arguments: [Token] = []
    while ![.newline, .semicolon, .leftBrace, .rightBrace, .end].contains(current.kind) {
      arguments.append(advance())
    }
    var block: Block? = nil
    if current.kind == .leftBrace {
      let open = advance()
      if depth + 1 > Limits.nesting {
        diagnostics.add(
          .nestingTooDeep, "blocks nested more than \(Limits.nesting) deep", at: open.range,
          help: "a scenario needs at most three levels: repeat { phase { … } }")
        let close = skipBalanced()
        block = Block(open: open, statements: [], close: close)
      } else {
        let inner = statements(depth: depth + 1, inBlock: true, &diagnostics)
        var close: Token? = nil
        if current.kind == .rightBrace {
          close = advance()
        } else {
          diagnostics.add(
            .unbalancedBrace, "unclosed '{'", at: open.range,
            help: "add '}' to end the block of '\(Token.abbreviate(name.text))'")
        }
        block = Block(open: open, statements: inner, close: close)
      }
    }
    return Statement(name: name, arguments: arguments, block: block)
  }

  /// Skips to the next statement: past a newline or `;`, over any balanced block, stopping
  /// before a `}` that closes an enclosing block.
  private mutating func skipStatement() {
    while true {
      switch current.kind {
      case .end, .rightBrace: return
      case .newline, .semicolon:
        _ = advance()
        return
      case .leftBrace:
        _ = advance()
        _ = skipBalanced()
        return
      default: _ = advance()
      }
    }
  }

  /// Skips tokens after a `{` up to and including its matching `}`; returns that `}` if found.
  private mutating func skipBalanced() -> Token? {
    var depth = 1
    while current.kind != .end {
      let token = advance()
      if token.kind == .leftBrace { depth += 1 }
      if token.kind == .rightBrace {
        depth -= 1
        if depth == 0 { return token }
      }
    }
    return nil
  }
}
