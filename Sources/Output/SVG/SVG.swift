// A small SVG writer: elements as values, rendered to text with every name and value escaped and
// every number written compactly (at most two decimals, no trailing zeros). Coordinates are in
// user units (px); the y axis points down, as in SVG.

/// One SVG (XML) element: a name, attributes in order, children, and optional text content.
public struct SVGElement: Sendable, Hashable {
  public var name: String
  public var attributes: [Attribute]
  public var children: [SVGElement]
  /// Character data, escaped when rendered; written before the children.
  public var text: String?

  public struct Attribute: Sendable, Hashable {
    public var name: String
    public var value: String
    public init(_ name: String, _ value: String) {
      self.name = name
      self.value = value
    }
  }

  public init(
    _ name: String, _ attributes: [(String, String)] = [], children: [SVGElement] = [],
    text: String? = nil
  ) {
    self.name = name
    self.attributes = attributes.map { Attribute($0.0, $0.1) }
    self.children = children
    self.text = text
  }

  /// Adds (or replaces) an attribute.
  public func with(_ name: String, _ value: String) -> SVGElement {
    var copy = self
    if let index = copy.attributes.firstIndex(where: { $0.name == name }) {
      copy.attributes[index].value = value
    } else {
      copy.attributes.append(Attribute(name, value))
    }
    return copy
  }

  /// The element as XML text, children indented by two spaces a level.
  public func rendered(indent: Int = 0) -> String {
    var out = ""
    write(to: &out, indent: indent)
    return out
  }

  private func write(to out: inout String, indent: Int) {
    let pad = String(repeating: " ", count: indent)
    out += pad + "<" + name
    for attribute in attributes {
      out += " \(attribute.name)=\"\(SVG.escape(attribute.value))\""
    }
    if children.isEmpty && text == nil {
      out += "/>\n"
      return
    }
    out += ">"
    if let text { out += SVG.escape(text) }
    if children.isEmpty {
      out += "</\(name)>\n"
      return
    }
    out += "\n"
    for child in children { child.write(to: &out, indent: indent + 2) }
    out += pad + "</\(name)>\n"
  }
}

/// Path data (`d`) built command by command; non-finite points break the path instead of
/// producing invalid numbers.
public struct PathData: Sendable, Hashable {
  public private(set) var d = ""
  private var penDown = false

  public init() {}

  /// A polyline through `points`, broken wherever a coordinate is NaN or infinite.
  public init(polyline points: [(x: Double, y: Double)]) {
    for point in points { line(point.x, point.y) }
  }

  public mutating func move(_ x: Double, _ y: Double) {
    guard x.isFinite, y.isFinite else {
      penDown = false
      return
    }
    d += "M\(SVG.number(x)) \(SVG.number(y))"
    penDown = true
  }

  /// A line to (x, y), or a move there when the pen is up.
  public mutating func line(_ x: Double, _ y: Double) {
    guard x.isFinite, y.isFinite else {
      penDown = false
      return
    }
    if !penDown { return move(x, y) }
    d += "L\(SVG.number(x)) \(SVG.number(y))"
  }

  public mutating func close() {
    if penDown { d += "Z" }
    penDown = false
  }

  public var isEmpty: Bool { d.isEmpty }
}

/// Constructors for the elements the charts use, and the document wrapper.
public enum SVG {
  /// A number with at most `decimals` decimals, trailing zeros dropped: `12`, `0.5`, `-3.25`.
  /// Non-finite values become `0` (callers skip them first; this only keeps the XML valid).
  public static func number(_ value: Double, decimals: Int = 2) -> String {
    guard value.isFinite else { return "0" }
    var scale = 1.0
    for _ in 0..<decimals { scale *= 10 }
    let rounded = (value * scale).rounded() / scale
    if rounded == 0 { return "0" }
    if rounded == rounded.rounded(), abs(rounded) < 1e15 { return String(Int64(rounded)) }
    // Digits of |value| × 10^decimals, with the decimal point put back in.
    let scaled = Int64((abs(value) * scale).rounded())
    var digits = String(scaled)
    if digits.count <= decimals {
      digits = String(repeating: "0", count: decimals - digits.count + 1) + digits
    }
    var fraction = String(digits.suffix(decimals))
    while fraction.hasSuffix("0") { fraction.removeLast() }
    let whole = String(digits.dropLast(decimals))
    return (value < 0 ? "-" : "") + whole + (fraction.isEmpty ? "" : "." + fraction)
  }

  /// Escapes the five XML special characters, and drops control characters XML 1.0 forbids.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
      switch scalar {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&apos;"
      case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
      default:
        if scalar.value < 0x20 || (0xFFFE...0xFFFF).contains(scalar.value) { continue }
        out.unicodeScalars.append(scalar)
      }
    }
    return out
  }

  /// A complete SVG document of the given size with a white background and a `<title>`.
  public static func document(
    width: Double, height: Double, title: String, children: [SVGElement]
  ) -> String {
    let root = SVGElement(
      "svg",
      [
        ("xmlns", "http://www.w3.org/2000/svg"), ("width", number(width)),
        ("height", number(height)), ("viewBox", "0 0 \(number(width)) \(number(height))"),
        ("font-family", "Helvetica, Arial, 'DejaVu Sans', sans-serif"),
      ],
      children: [
        SVGElement("title", text: title),
        rect(x: 0, y: 0, width: width, height: height, fill: "#ffffff"),
      ] + children)
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + root.rendered()
  }

  public static func group(
    _ children: [SVGElement], translate: (x: Double, y: Double)? = nil, id: String? = nil,
    className: String? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = []
    if let id { attributes.append(("id", id)) }
    if let className { attributes.append(("class", className)) }
    if let translate, translate.x != 0 || translate.y != 0 {
      attributes.append(("transform", "translate(\(number(translate.x)) \(number(translate.y)))"))
    }
    return SVGElement("g", attributes, children: children)
  }

  public static func path(
    _ data: PathData, stroke: String? = nil, strokeWidth: Double = 1, fill: String = "none",
    opacity: Double? = nil, dash: String? = nil, className: String? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = [("d", data.d), ("fill", fill)]
    if let stroke {
      attributes += [
        ("stroke", stroke), ("stroke-width", number(strokeWidth)), ("stroke-linejoin", "round"),
        ("stroke-linecap", "round"),
      ]
    }
    if let opacity { attributes.append(("opacity", number(opacity))) }
    if let dash { attributes.append(("stroke-dasharray", dash)) }
    if let className { attributes.append(("class", className)) }
    return SVGElement("path", attributes)
  }

  public static func line(
    _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, stroke: String,
    strokeWidth: Double = 1, dash: String? = nil, className: String? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = [
      ("x1", number(x1)), ("y1", number(y1)), ("x2", number(x2)), ("y2", number(y2)),
      ("stroke", stroke), ("stroke-width", number(strokeWidth)),
    ]
    if let dash { attributes.append(("stroke-dasharray", dash)) }
    if let className { attributes.append(("class", className)) }
    return SVGElement("line", attributes)
  }

  public static func rect(
    x: Double, y: Double, width: Double, height: Double, fill: String,
    stroke: String? = nil, opacity: Double? = nil, className: String? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = [
      ("x", number(x)), ("y", number(y)), ("width", number(max(0, width))),
      ("height", number(max(0, height))), ("fill", fill),
    ]
    if let stroke { attributes.append(("stroke", stroke)) }
    if let opacity { attributes.append(("opacity", number(opacity))) }
    if let className { attributes.append(("class", className)) }
    return SVGElement("rect", attributes)
  }

  public static func circle(
    cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil,
    strokeWidth: Double = 1, opacity: Double? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = [
      ("cx", number(cx)), ("cy", number(cy)), ("r", number(r)), ("fill", fill),
    ]
    if let stroke { attributes += [("stroke", stroke), ("stroke-width", number(strokeWidth))] }
    if let opacity { attributes.append(("opacity", number(opacity))) }
    return SVGElement("circle", attributes)
  }

  public enum Anchor: String, Sendable { case start, middle, end }

  /// Text at (x, y) (the baseline), optionally rotated by `rotate` degrees about that point.
  /// `halo` draws a white outline under the glyphs so the text stays readable over lines.
  public static func text(
    _ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
    fill: String = "#222222", weight: String? = nil, rotate: Double? = nil, halo: Bool = false,
    className: String? = nil
  ) -> SVGElement {
    var attributes: [(String, String)] = [
      ("x", number(x)), ("y", number(y)), ("font-size", number(size)),
      ("text-anchor", anchor.rawValue), ("fill", fill),
    ]
    if let weight { attributes.append(("font-weight", weight)) }
    if let rotate, rotate != 0 {
      attributes.append(("transform", "rotate(\(number(rotate)) \(number(x)) \(number(y)))"))
    }
    if let className { attributes.append(("class", className)) }
    let text = SVGElement("text", attributes, text: content)
    guard halo else { return text }
    // The same text outlined in white underneath (`paint-order` is not supported everywhere).
    let under = text.with("stroke", "#ffffff").with("stroke-width", "3.5")
      .with("stroke-linejoin", "round").with("fill", "#ffffff")
    return SVGElement("g", [("class", "halo")], children: [under, text])
  }

  /// An estimate of a text's width in px for a sans-serif font (layout only; no font metrics).
  public static func textWidth(_ content: String, size: Double) -> Double {
    var units = 0.0
    for character in content {
      switch character {
      case "i", "l", "j", "t", "f", "r", ".", ",", ":", ";", "'", "|", "!", "(", ")", " ", "[", "]":
        units += 0.36
      case "m", "w", "M", "W", "@": units += 0.92
      case "A"..."Z", "#", "%", "&": units += 0.72
      default: units += 0.62
      }
    }
    return units * size
  }
}
