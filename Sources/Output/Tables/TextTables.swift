// The summary tables as fixed-width text in 100 columns: what `taboo analyze` prints.

extension AnalysisTables {
  /// The tables of every sweep point under a rule naming it, after the headline lines.
  public var text: String {
    var lines = [headline]
    if let criterion { lines.append("criterion: \(criterion)") }
    guard runCount > 0 else {
      lines.append("no runs yet: nothing to summarise.")
      return lines.joined(separator: "\n")
    }
    if let fixed { lines.append("fixed: \(fixed)") }
    for point in points {
      lines.append("")
      lines.append(TextTable.rule("\(point.title) · \(point.runs) run\(point.runs == 1 ? "" : "s")"))
      for table in point.tables { lines.append(contentsOf: table.textLines) }
    }
    return lines.joined(separator: "\n")
  }
}

extension AnalysisTable {
  /// The title, the column names and the rows in the columns' widths, then the notes.
  public var textLines: [String] {
    guard !columns.isEmpty else { return [title] }
    let widths = columns.map(\.textWidth)
    let right = Set(columns.indices.filter { columns[$0].rightAligned })
    return [title, TextTable.row(columns.map(\.name), widths, rightAligned: right)]
      + rows.map { TextTable.row($0, widths, rightAligned: right) }
      + notes.map { "  " + $0 }
  }
}

/// Fixed-width text columns for terminal tables.
enum TextTable {
  /// Cells padded or cut (with …) to `widths`, one space apart; trailing spaces trimmed.
  static func row(_ cells: [String], _ widths: [Int], rightAligned: Set<Int>) -> String {
    var parts: [String] = []
    for (i, cell) in cells.enumerated() {
      let width = i < widths.count ? widths[i] : cell.count
      var text = cell.count > width ? String(cell.prefix(max(width - 1, 0))) + "…" : cell
      let pad = String(repeating: " ", count: width - text.count)
      text = rightAligned.contains(i) ? pad + text : text + pad
      parts.append(text)
    }
    var line = "  " + parts.joined(separator: " ")
    while line.last == " " { line.removeLast() }
    return line
  }

  /// `── title ───…` to 100 columns.
  static func rule(_ title: String) -> String {
    let head = "── \(title) "
    return head + String(repeating: "─", count: max(3, 100 - head.count))
  }
}
