// set expressions: TERM (('+' | '-' | '&') TERM)*, left to right, where
// TERM := all | wrong [CONVENTION] | NAME | sample N of TERM | sample P% of TERM | items I, J, K..L | ( EXPR )
// Recursion (parentheses, `sample … of`) is bounded by `Limits.nesting`, and the number of terms
// by `Limits.setTerms`, so no input can overflow the stack here or in later passes.

import Specification

struct SetExpressionParser {
  var cursor: ArgumentCursor
  private var terms = 0
  private var reportedTooLong = false

  init(cursor: ArgumentCursor) {
    self.cursor = cursor
  }

  mutating func expression(depth: Int, _ diagnostics: inout DiagnosticSink) -> SetExpressionSyntax? {
    guard let first = term(depth: depth, &diagnostics) else { return nil }
    var operations: [SetExpressionSyntax.Operation] = []
    while let token = cursor.current {
      let op: SetExpressionSyntax.Operator
      switch token.kind {
      case .plus: op = .union
      case .minus: op = .difference
      case .ampersand: op = .intersection
      default:
        return combine(first, operations)
      }
      cursor.advance()
      guard let operand = term(depth: depth, &diagnostics) else { return nil }
      operations.append(SetExpressionSyntax.Operation(op: op, operand: operand))
    }
    return combine(first, operations)
  }

  private func combine(
    _ first: SetExpressionSyntax, _ operations: [SetExpressionSyntax.Operation]
  ) -> SetExpressionSyntax {
    guard let last = operations.last else { return first }
    return SetExpressionSyntax(
      kind: .chain(first, operations), range: first.range.through(last.operand.range))
  }

  private mutating func term(depth: Int, _ diagnostics: inout DiagnosticSink) -> SetExpressionSyntax? {
    terms += 1
    if terms > Limits.setTerms {
      if !reportedTooLong {
        reportedTooLong = true
        diagnostics.add(
          .expressionTooLong, "set expression has more than \(Limits.setTerms) terms",
          at: cursor.current?.range ?? cursor.insertionPoint,
          help: "split it into several sets")
      }
      return nil
    }
    if depth >= Limits.nesting {
      diagnostics.add(
        .nestingTooDeep, "set expression nested more than \(Limits.nesting) deep",
        at: cursor.current?.range ?? cursor.insertionPoint, help: "split it into several sets")
      return nil
    }
    guard let token = cursor.current else {
      cursor.expected("a set (all, wrong, a name, sample … of …, items …)", &diagnostics)
      return nil
    }
    switch token.kind {
    case .leftParen:
      cursor.advance()
      guard var inner = expression(depth: depth + 1, &diagnostics) else { return nil }
      guard let close = cursor.consume(.rightParen, "')'", &diagnostics) else { return nil }
      inner.range = token.range.through(close.range)
      return inner
    case .word:
      switch token.text {
      case "all":
        cursor.advance()
        return SetExpressionSyntax(kind: .all, range: token.range)
      case "wrong":
        cursor.advance()
        // `wrong NAME`: under a named convention (a word where an operator would otherwise be).
        if let name = cursor.current, name.kind == .word, !Keywords.reserved.contains(name.text) {
          cursor.advance()
          return SetExpressionSyntax(
            kind: .wrongUnder(NameSyntax(text: name.text, range: name.range)),
            range: token.range.through(name.range))
        }
        return SetExpressionSyntax(kind: .wrong, range: token.range)
      case "sample":
        cursor.advance()
        guard let count = cursor.quantity("a count or a percentage", &diagnostics),
          cursor.consumeWord("of", &diagnostics, help: "write 'sample N of SET' or 'sample P% of SET'")
            != nil,
          let operand = term(depth: depth + 1, &diagnostics)
        else { return nil }
        return SetExpressionSyntax(
          kind: .sample(count, of: operand), range: token.range.through(operand.range))
      case "items":
        cursor.advance()
        var items: [SetExpressionSyntax.ItemSyntax] = []
        repeat {
          guard let first = cursor.quantity("an item index", &diagnostics) else { return nil }
          var item = SetExpressionSyntax.ItemSyntax(first: first, last: nil, range: first.range)
          if cursor.match(.dotDot) != nil {
            guard let last = cursor.quantity("the last item index", &diagnostics) else { return nil }
            item.last = last
            item.range = first.range.through(last.range)
          }
          items.append(item)
        } while cursor.match(.comma) != nil
        return SetExpressionSyntax(kind: .items(items), range: token.range.through(items.last!.range))
      default:
        if Keywords.reserved.contains(token.text) {
          cursor.expected("a set", &diagnostics)
          return nil
        }
        cursor.advance()
        return SetExpressionSyntax(kind: .named(token.text), range: token.range)
      }
    default:
      cursor.expected("a set (all, wrong, a name, sample … of …, items …)", &diagnostics)
      return nil
    }
  }
}
