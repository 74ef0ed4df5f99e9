// Renders diagnostics as rustc does:
//
//   error[E012]: unknown set 'trian'
//     --> scenarios/x.taboo:14:12
//      |
//   14 |   truth on trian
//      |            ^^^^^
//      = note: …
//      = help: did you mean 'train'?
//
// Long lines are cut to a window around the caret so a 1 MB line prints as one screen line.

import Specification

public struct DiagnosticRenderer: Sendable {
  /// Wrap the headers in ANSI colours (for a terminal).
  public var colors: Bool
  /// The widest source excerpt shown, in characters.
  public var maximumWidth: Int

  public init(colors: Bool = false, maximumWidth: Int = 100) {
    self.colors = colors
    self.maximumWidth = maximumWidth
  }

  private func paint(_ text: String, _ code: String) -> String {
    colors ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
  }

  public func render(_ diagnostic: Diagnostic, in source: SourceFile) -> String {
    let severity = diagnostic.severity.rawValue
    let color = diagnostic.severity == .error ? "1;31" : "1;33"
    var lines = [
      paint("\(severity)[\(diagnostic.code.rawValue)]", color) + paint(": \(diagnostic.message)", "1")
    ]
    let start = diagnostic.range.start
    let gutter = String(repeating: " ", count: String(start.line).count)
    lines.append("\(gutter)\(paint("-->", "1;34")) \(source.name):\(start.line):\(start.column)")
    // No excerpt for an empty line (a missing directive at the end of the file): nothing to show.
    if source.contains(start), source.lineLength(start.line) > 0 {
      let text = source.characters[source.lines[start.line - 1]]
      // The caret covers the range on its first line, at least one column.
      let end =
        diagnostic.range.end.line == start.line
        ? max(diagnostic.range.end.column, start.column + 1) : text.count + 1
      var from = 0
      var to = text.count
      if text.count > maximumWidth {
        from = max(0, min(start.column - 1 - maximumWidth / 3, text.count - maximumWidth))
        to = min(text.count, from + maximumWidth)
      }
      let base = text.startIndex
      var excerpt = String(
        text[(base + from)..<(base + to)].map { $0 == "\t" ? " " : $0.isLineBreak ? " " : $0 })
      var caretOffset = start.column - 1 - from
      if from > 0 {
        excerpt = "…" + excerpt
        caretOffset += 1
      }
      if to < text.count { excerpt += "…" }
      let caretCount = max(1, min(end - start.column, to - (start.column - 1) + 1))
      let bar = paint("|", "1;34")
      lines.append("\(gutter) \(bar)")
      lines.append("\(paint(String(start.line), "1;34")) \(bar) \(sanitize(excerpt))")
      lines.append(
        "\(gutter) \(bar) \(String(repeating: " ", count: max(0, caretOffset)))"
          + paint(String(repeating: "^", count: caretCount), color))
    }
    for note in diagnostic.notes {
      lines.append("\(gutter) \(paint("=", "1;34")) note: \(note)")
    }
    if let help = diagnostic.help {
      lines.append("\(gutter) \(paint("=", "1;34")) help: \(help)")
    }
    return lines.joined(separator: "\n")
  }

  /// Control characters (NUL, escape) would garble a terminal: show them as `�`.
  private func sanitize(_ text: String) -> String {
    String(
      text.map { character -> Character in
        if let ascii = character.asciiValue, ascii < 0x20 || ascii == 0x7F { return "\u{FFFD}" }
        return character
      })
  }

  /// Every diagnostic, separated by blank lines, then a summary line such as
  /// `error: 'x.taboo' has 2 errors and 1 warning`.
  public func render(_ diagnostics: [Diagnostic], in source: SourceFile) -> String {
    diagnostics.map { render($0, in: source) }.joined(separator: "\n\n")
  }
}
