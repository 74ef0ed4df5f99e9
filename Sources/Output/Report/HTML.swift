// HTML text built by hand for the report page: every string from a database goes through
// `HTML.escape` (or one of the helpers that call it) before it reaches the page.

public enum HTML {
  /// Text safe in element content and in quoted attribute values: the five special characters
  /// escaped, and the control characters HTML forbids (all but tab, line feed and carriage
  /// return; also U+FFFE and U+FFFF) dropped.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      default:
        if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
          || (0xFFFE...0xFFFF).contains(scalar.value)
        {
          continue
        }
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// Escaped text in which each pair of backquotes marks code: `` `taboo on` `` becomes
  /// `<code>taboo on</code>`; an unpaired backquote stays as it is.
  public static func code(_ text: String) -> String {
    let parts = text.split(separator: "`", omittingEmptySubsequences: false)
    guard parts.count >= 3 else { return escape(text) }
    var out = ""
    for (i, part) in parts.enumerated() {
      if i % 2 == 1 && i < parts.count - 1 {
        out += "<code>" + escape(String(part)) + "</code>"
      } else {
        out += (i % 2 == 1 ? "`" : "") + escape(String(part))
      }
    }
    return out
  }

  /// `<name attributes>escaped text</name>`; attribute values are escaped too.
  static func element(_ name: String, _ attributes: [(String, String)] = [], text: String) -> String {
    open(name, attributes) + escape(text) + "</\(name)>"
  }

  /// `<name attributes>` with escaped values.
  static func open(_ name: String, _ attributes: [(String, String)] = []) -> String {
    "<" + name + attributes.map { " \($0.0)=\"\(escape($0.1))\"" }.joined() + ">"
  }

  /// A table: an optional caption, a header row and rows of cells, all escaped. `numeric` marks
  /// the columns whose cells align to the right; `wrapped` puts the table in a box that scrolls
  /// sideways when the table is wider than the page.
  static func table(
    caption: String?, header: [String], rows: [[String]], numeric: Set<Int> = [],
    className: String? = nil, wrapped: Bool = false
  ) -> String {
    var out = wrapped ? "<div class=\"table-wrap\">" : ""
    out += open("table", className.map { [("class", $0)] } ?? [])
    if let caption { out += element("caption", text: caption) }
    out += "<thead><tr>"
    for (i, name) in header.enumerated() {
      out += element("th", numeric.contains(i) ? [("scope", "col"), ("class", "num")] : [("scope", "col")], text: name)
    }
    out += "</tr></thead>\n<tbody>\n"
    for row in rows {
      out += "<tr>"
      for (i, cell) in row.enumerated() {
        out += element("td", numeric.contains(i) ? [("class", "num")] : [], text: cell)
      }
      out += "</tr>\n"
    }
    out += "</tbody></table>" + (wrapped ? "</div>" : "") + "\n"
    return out
  }

  /// An id for an anchor from a name: ASCII letters, digits, `-` and `_`, lower case.
  static func anchor(_ prefix: String, _ name: String) -> String {
    prefix + "-" + FigureFileNames.slug(name).lowercased()
  }
}
