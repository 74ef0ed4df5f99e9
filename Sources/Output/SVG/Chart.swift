// A chart layer over the SVG writer: one `Chart` is a panel with linear (or log) axes, nice
// ticks, labelled axes, line series, shaded bands, vertical markers with labels, points and
// error bars; a `ChartGrid` lays panels out as small multiples under one title and one legend
// and makes the SVG document. Colours come from the Okabe–Ito palette (safe for the common
// colour-vision deficiencies); line dashes and point shapes carry meaning too, never colour alone.

import Foundation
import Specification

/// One panel of a figure. Data coordinates in, pixels out; layout margins are computed from the
/// text the panel has to show.
public struct Chart: Sendable {
  /// Okabe & Ito (2008), without yellow (too light on white): blue, vermillion, bluish green,
  /// reddish purple, orange, sky blue, black.
  public static let palette = [
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000",
  ]
  public static func color(_ index: Int) -> String { palette[index % palette.count] }

  public struct Point: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public init(_ x: Double, _ y: Double) {
      self.x = x
      self.y = y
    }
  }

  public struct Axis: Sendable {
    /// The label with its unit, e.g. "optimizer step" or "latency (steps)".
    public var label: String
    public var domain: ClosedRange<Double>
    /// Logarithmic positions (domain and ticks must be positive).
    public var log = false
    /// Explicit ticks (nil: about `tickCount` nice ticks in the domain).
    public var ticks: [Double]? = nil
    public var tickCount = 6
    /// Only integer ticks (counts such as a reversal index).
    public var integerTicks = false

    public init(
      _ label: String, domain: ClosedRange<Double>, log: Bool = false, ticks: [Double]? = nil,
      tickCount: Int = 6, integerTicks: Bool = false
    ) {
      self.label = label
      self.domain = domain
      self.log = log
      self.ticks = ticks
      self.tickCount = tickCount
      self.integerTicks = integerTicks
    }

    /// The ticks drawn: explicit ones inside the domain, or nice ones.
    public var resolvedTicks: [Double] {
      if let ticks { return ticks.filter { domain.contains($0) } }
      let nice = ChartTicks.nice(domain.lowerBound, domain.upperBound, count: tickCount)
      return integerTicks ? nice.filter { $0 == $0.rounded() } : nice
    }

    /// Position in 0...1 along the axis.
    func fraction(_ value: Double) -> Double {
      let (lo, hi, v) =
        log
        ? (
          log10(domain.lowerBound), log10(domain.upperBound),
          log10(value)
        )
        : (domain.lowerBound, domain.upperBound, value)
      return hi > lo ? (v - lo) / (hi - lo) : 0.5
    }
  }

  /// A polyline; NaN breaks it.
  public struct Line: Sendable {
    public var points: [Point]
    public var color: String
    public var width = 2.0
    /// SVG dash array, e.g. "6 4"; nil for solid.
    public var dash: String? = nil
    public init(_ points: [Point], color: String, width: Double = 2, dash: String? = nil) {
      self.points = points
      self.color = color
      self.width = width
      self.dash = dash
    }
  }

  /// A shaded region between `low` and `high` over `x`; a NaN anywhere breaks it into pieces.
  public struct Band: Sendable {
    public var x: [Double]
    public var low: [Double]
    public var high: [Double]
    public var color: String
    public var opacity = 0.2
    public init(x: [Double], low: [Double], high: [Double], color: String, opacity: Double = 0.2) {
      self.x = x
      self.low = low
      self.high = high
      self.color = color
      self.opacity = opacity
    }
  }

  /// A vertical line at `x` with an optional label (a phase boundary).
  public struct Marker: Sendable {
    public var x: Double
    public var label: String?
    public init(x: Double, label: String?) {
      self.x = x
      self.label = label
    }
  }

  /// A background tint over an x range (alternate phases).
  public struct Span: Sendable {
    public var from: Double
    public var to: Double
    public var fill: String
    public init(from: Double, to: Double, fill: String = "#f2f2f2") {
      self.from = from
      self.to = to
      self.fill = fill
    }
  }

  /// A horizontal reference line at `y` with a label at its right end.
  public struct Reference: Sendable {
    public var y: Double
    public var label: String?
    public init(y: Double, label: String?) {
      self.y = y
      self.label = label
    }
  }

  public enum Shape: String, Sendable {
    case circle, openCircle, openTriangle, square
    /// Reference points from outside the simulation (published results).
    case diamond
  }

  /// A published value drawn beside the simulation: a diamond at (`x`, `y`) with a short label,
  /// a horizontal segment over `span` (a value pooled over a range of x), a vertical one over
  /// `low…high` (its interval).
  public struct ReferenceMark: Sendable {
    public var x: Double
    public var y: Double
    public var label: String
    public var span: ClosedRange<Double>?
    public var low: Double?
    public var high: Double?
    public var color: String
    /// The label's side: right of the diamond (`.start`) or left of it (`.end`).
    public var labelSide: SVG.Anchor
    public init(
      x: Double, y: Double, label: String, span: ClosedRange<Double>? = nil, low: Double? = nil,
      high: Double? = nil, color: String = "#000000", labelSide: SVG.Anchor = .start
    ) {
      self.labelSide = labelSide
      self.x = x
      self.y = y
      self.label = label
      self.span = span
      self.low = low
      self.high = high
      self.color = color
    }
  }

  /// An arrow across the plot area, in fractions of it (0, 0 bottom left; 1, 1 top right),
  /// with a label at its tail: a direction, not a value.
  public struct Arrow: Sendable {
    public var from: (x: Double, y: Double)
    public var to: (x: Double, y: Double)
    public var label: String
    public var color: String
    public init(from: (x: Double, y: Double), to: (x: Double, y: Double), label: String, color: String = "#000000") {
      self.from = from
      self.to = to
      self.label = label
      self.color = color
    }
  }

  public struct Points: Sendable {
    public var points: [Point]
    public var color: String
    public var shape: Shape = .circle
    public var radius = 3.0
    public var opacity: Double? = nil
    public init(
      _ points: [Point], color: String, shape: Shape = .circle, radius: Double = 3,
      opacity: Double? = nil
    ) {
      self.points = points
      self.color = color
      self.shape = shape
      self.radius = radius
      self.opacity = opacity
    }
  }

  /// A vertical interval at `x` (quartiles), with small caps.
  public struct ErrorBar: Sendable {
    public var x: Double
    public var low: Double
    public var high: Double
    public var color: String
    public init(x: Double, low: Double, high: Double, color: String) {
      self.x = x
      self.low = low
      self.high = high
      self.color = color
    }
  }

  public struct LegendEntry: Sendable {
    public enum Style: Sendable {
      case line(dash: String?)
      /// A line over a band (median and quartiles).
      case lineWithBand
      case point(Shape)
      /// A line through a point with an error bar.
      case pointWithBar
      /// An arrow (a direction).
      case arrow
    }
    public var label: String
    public var color: String
    public var style: Style
    public init(_ label: String, color: String, style: Style) {
      self.label = label
      self.color = color
      self.style = style
    }
  }

  public var title: String?
  public var x: Axis
  public var y: Axis
  public var spans: [Span] = []
  public var bands: [Band] = []
  public var references: [Reference] = []
  public var markers: [Marker] = []
  public var lines: [Line] = []
  public var errorBars: [ErrorBar] = []
  public var points: [Points] = []
  public var referenceMarks: [ReferenceMark] = []
  public var arrows: [Arrow] = []
  /// Shown inside the panel above the plot area (a `ChartGrid` shows a shared one instead).
  public var legend: [LegendEntry] = []
  /// Whether the x axis's label is drawn (small multiples stacked in a column show it once).
  public var showsXLabel = true

  public init(title: String? = nil, x: Axis, y: Axis) {
    self.title = title
    self.x = x
    self.y = y
  }

  // MARK: Layout

  static let tickSize = 11.0
  static let labelSize = 12.5
  static let titleSize = 13.5
  static let markerLabelSize = 10.5
  static let ink = "#222222"
  static let grid = "#e4e4e4"

  /// How phase labels are set: horizontally above the plot when each fits its segment, else
  /// rotated to read upwards in a strip above the plot.
  enum MarkerLabelLayout {
    case none
    case horizontal
    case rotated(height: Double)
  }

  /// The panel as a group whose origin is its top-left corner.
  public func render(width: Double, height: Double) -> SVGElement {
    let xTicks = x.resolvedTicks
    let yTicks = y.resolvedTicks
    let yTickLabels = ChartTicks.labels(yTicks)
    let xTickLabels = ChartTicks.labels(xTicks)
    let left = leftMargin(yTickLabels)
    let right = Self.rightMargin
    let bottom = 8 + Self.tickSize + 10 + (showsXLabel ? Self.labelSize + 8 : 0)
    var top = 6.0
    if title != nil { top += Self.titleSize + 8 }
    let legendLayout = ChartLegendLayout(entries: legend, width: width - left - right)
    top += legendLayout.height
    let plotWidth = width - left - right
    let labelled = markers.filter { $0.label != nil }
    let markerLayout = markerLabelLayout(plotWidth: plotWidth)
    top += markerStripHeight(markerLayout)
    let plotHeight = max(20, height - top - bottom)
    let px = { (value: Double) in left + self.x.fraction(value) * plotWidth }
    let py = { (value: Double) in top + (1 - self.y.fraction(value)) * plotHeight }
    let clampY = { (value: Double) in
      value.isFinite ? min(max(value, self.y.domain.lowerBound), self.y.domain.upperBound) : value
    }

    var out: [SVGElement] = []
    if let title {
      out.append(
        SVG.text(
          title, x: left, y: 6 + Self.titleSize, size: Self.titleSize, weight: "bold",
          className: "panel-title"))
    }
    if !legend.isEmpty {
      out.append(
        legendLayout.render(
          origin: (left, top - legendLayout.height - markerStripHeight(markerLayout))))
    }

    // Background tints and grid.
    for span in spans {
      let a = px(max(span.from, x.domain.lowerBound))
      let b = px(min(span.to, x.domain.upperBound))
      out.append(SVG.rect(x: a, y: top, width: b - a, height: plotHeight, fill: span.fill))
    }
    for tick in yTicks {
      out.append(SVG.line(left, py(tick), left + plotWidth, py(tick), stroke: Self.grid))
    }
    for tick in xTicks {
      out.append(SVG.line(px(tick), top, px(tick), top + plotHeight, stroke: Self.grid))
    }

    // Data, back to front.
    for band in bands { out.append(contentsOf: render(band, px: px, py: { py(clampY($0)) })) }
    for reference in references where y.domain.contains(reference.y) {
      out.append(
        SVG.line(
          left, py(reference.y), left + plotWidth, py(reference.y), stroke: "#777777",
          strokeWidth: 1, dash: "2 3", className: "reference"))
      if let label = reference.label {
        out.append(
          SVG.text(
            label, x: left + plotWidth - 4, y: py(reference.y) - 4, size: Self.tickSize - 1,
            anchor: .end, fill: "#555555", halo: true))
      }
    }
    for marker in markers where x.domain.contains(marker.x) {
      out.append(
        SVG.line(
          px(marker.x), top, px(marker.x), top + plotHeight, stroke: "#8a8a8a",
          strokeWidth: 1, dash: "4 3", className: "phase-marker"))
    }
    for line in lines {
      let data = PathData(polyline: line.points.map { (px($0.x), py(clampY($0.y))) })
      if !data.isEmpty {
        out.append(
          SVG.path(
            data, stroke: line.color, strokeWidth: line.width, dash: line.dash,
            className: "series"))
      }
    }
    for bar in errorBars where bar.low.isFinite && bar.high.isFinite && bar.x.isFinite {
      let cx = px(bar.x)
      let a = py(clampY(bar.low))
      let b = py(clampY(bar.high))
      var data = PathData()
      data.move(cx, a)
      data.line(cx, b)
      data.move(cx - 4, a)
      data.line(cx + 4, a)
      data.move(cx - 4, b)
      data.line(cx + 4, b)
      out.append(SVG.path(data, stroke: bar.color, strokeWidth: 1.5, className: "error-bar"))
    }
    for series in points {
      for point in series.points where point.x.isFinite && point.y.isFinite {
        out.append(
          Self.marker(
            series.shape, cx: px(point.x), cy: py(clampY(point.y)), r: series.radius,
            color: series.color, opacity: series.opacity))
      }
    }

    // Reference values and directions, over the data.
    for mark in referenceMarks where mark.x.isFinite && mark.y.isFinite {
      var parts: [SVGElement] = []
      if let span = mark.span {
        parts.append(
          SVG.line(px(max(span.lowerBound, x.domain.lowerBound)), py(clampY(mark.y)),
                   px(min(span.upperBound, x.domain.upperBound)), py(clampY(mark.y)),
                   stroke: mark.color, strokeWidth: 1.5, dash: "1 2"))
      }
      if let low = mark.low, let high = mark.high, low < high {
        parts.append(
          SVG.line(px(mark.x), py(clampY(low)), px(mark.x), py(clampY(high)), stroke: mark.color,
                   strokeWidth: 1.2))
      }
      parts.append(
        Self.marker(.diamond, cx: px(mark.x), cy: py(clampY(mark.y)), r: 4.5, color: mark.color, opacity: nil))
      parts.append(
        SVG.text(mark.label, x: px(mark.x) + (mark.labelSide == .end ? -7 : 7), y: py(clampY(mark.y)) - 6,
                 size: Self.markerLabelSize, anchor: mark.labelSide, fill: mark.color, weight: "bold", halo: true))
      out.append(SVG.group(parts, className: "reference-point"))
    }
    for arrow in arrows {
      let (x0, y0) = (left + arrow.from.x * plotWidth, top + (1 - arrow.from.y) * plotHeight)
      let (x1, y1) = (left + arrow.to.x * plotWidth, top + (1 - arrow.to.y) * plotHeight)
      let length = max(((x1 - x0) * (x1 - x0) + (y1 - y0) * (y1 - y0)).squareRoot(), 1)
      let (ux, uy) = ((x1 - x0) / length, (y1 - y0) / length)
      var head = PathData()
      head.move(x1, y1)
      head.line(x1 - 8 * ux + 4 * uy, y1 - 8 * uy - 4 * ux)
      head.line(x1 - 8 * ux - 4 * uy, y1 - 8 * uy + 4 * ux)
      head.close()
      out.append(
        SVG.group([
          SVG.line(x0, y0, x1 - 6 * ux, y1 - 6 * uy, stroke: arrow.color, strokeWidth: 1.6),
          SVG.path(head, fill: arrow.color),
          SVG.text(arrow.label, x: x0, y: y0 - 6, size: Self.markerLabelSize,
                   fill: arrow.color, weight: "bold", halo: true),
        ], className: "reference-direction"))
    }

    // Axes, ticks and labels.
    out.append(
      SVG.line(
        left, top + plotHeight, left + plotWidth, top + plotHeight, stroke: Self.ink,
        className: "axis"))
    out.append(SVG.line(left, top, left, top + plotHeight, stroke: Self.ink, className: "axis"))
    for (tick, label) in zip(yTicks, yTickLabels) {
      out.append(SVG.line(left - 4, py(tick), left, py(tick), stroke: Self.ink))
      out.append(
        SVG.text(
          label, x: left - 7, y: py(tick) + Self.tickSize * 0.35, size: Self.tickSize,
          anchor: .end, className: "tick"))
    }
    for (tick, label) in zip(xTicks, xTickLabels) {
      out.append(
        SVG.line(px(tick), top + plotHeight, px(tick), top + plotHeight + 4, stroke: Self.ink))
      out.append(
        SVG.text(
          label, x: px(tick), y: top + plotHeight + 6 + Self.tickSize, size: Self.tickSize,
          anchor: .middle, className: "tick"))
    }
    if showsXLabel {
      out.append(
        SVG.text(
          x.label, x: left + plotWidth / 2, y: height - 8, size: Self.labelSize,
          anchor: .middle, className: "axis-label"))
    }
    out.append(
      SVG.text(
        y.label, x: 4 + Self.labelSize, y: top + plotHeight / 2, size: Self.labelSize,
        anchor: .middle, rotate: -90, className: "axis-label"))

    // Marker labels.
    switch markerLayout {
    case .none: break
    case .horizontal:
      for marker in labelled where x.domain.contains(marker.x) {
        out.append(
          SVG.text(
            marker.label ?? "", x: px(marker.x) + 3, y: top - 6, size: Self.markerLabelSize,
            fill: "#444444", className: "phase-label"))
      }
    case .rotated:
      for marker in labelled where x.domain.contains(marker.x) {
        let text = Self.truncated(marker.label ?? "", width: 120, size: Self.markerLabelSize)
        out.append(
          SVG.text(
            text, x: px(marker.x) + Self.markerLabelSize * 0.35, y: top - 4,
            size: Self.markerLabelSize, fill: "#444444", rotate: -90,
            className: "phase-label"))
      }
    }
    return SVG.group(out, className: "chart")
  }

  static let rightMargin = 16.0

  private func leftMargin(_ yTickLabels: [String]) -> Double {
    let yTickWidth = yTickLabels.map { SVG.textWidth($0, size: Self.tickSize) }.max() ?? 0
    return 18 + 8 + yTickWidth + 8
  }

  /// Phase labels go horizontally when each fits before the next marker, else rotated.
  private func markerLabelLayout(plotWidth: Double) -> MarkerLabelLayout {
    let labelled = markers.filter { $0.label != nil }
    if labelled.isEmpty { return .none }
    let positions = labelled.map { x.fraction($0.x) * plotWidth }
    var fits = true
    for (index, marker) in labelled.enumerated() {
      let next = index + 1 < positions.count ? positions[index + 1] : plotWidth + Self.rightMargin
      if SVG.textWidth(marker.label ?? "", size: Self.markerLabelSize) > next - positions[index]
        - 10
      {
        fits = false
      }
    }
    if fits { return .horizontal }
    let longest =
      labelled.map { SVG.textWidth($0.label ?? "", size: Self.markerLabelSize) }.max() ?? 0
    return .rotated(height: min(longest, 120) + 10)
  }

  /// The height the phase labels take above the plot in a panel `width` px wide (so a figure
  /// can give the plot area the same height whatever the labels need).
  public func markerLabelHeight(width: Double) -> Double {
    let left = leftMargin(ChartTicks.labels(y.resolvedTicks))
    return markerStripHeight(markerLabelLayout(plotWidth: width - left - Self.rightMargin))
  }

  private func markerStripHeight(_ layout: MarkerLabelLayout) -> Double {
    switch layout {
    case .none: 0
    case .horizontal: Self.markerLabelSize + 8
    case .rotated(let height): height
    }
  }

  private func render(
    _ band: Band, px: (Double) -> Double, py: (Double) -> Double
  ) -> [SVGElement] {
    // One closed polygon per run of finite values.
    var pieces: [[Int]] = [[]]
    for index in band.x.indices {
      if band.x[index].isFinite, band.low[index].isFinite, band.high[index].isFinite {
        pieces[pieces.count - 1].append(index)
      } else if !pieces[pieces.count - 1].isEmpty {
        pieces.append([])
      }
    }
    var data = PathData()
    for piece in pieces where !piece.isEmpty {
      data.move(px(band.x[piece[0]]), py(band.high[piece[0]]))
      for index in piece.dropFirst() { data.line(px(band.x[index]), py(band.high[index])) }
      for index in piece.reversed() { data.line(px(band.x[index]), py(band.low[index])) }
      data.close()
    }
    if data.isEmpty { return [] }
    return [SVG.path(data, fill: band.color, opacity: band.opacity, className: "band")]
  }

  static func marker(
    _ shape: Shape, cx: Double, cy: Double, r: Double, color: String, opacity: Double?
  ) -> SVGElement {
    switch shape {
    case .circle:
      return SVG.circle(cx: cx, cy: cy, r: r, fill: color, opacity: opacity)
    case .openCircle:
      return SVG.circle(
        cx: cx, cy: cy, r: r, fill: "#ffffff", stroke: color, strokeWidth: 1.5,
        opacity: opacity)
    case .square:
      return SVG.rect(
        x: cx - r, y: cy - r, width: 2 * r, height: 2 * r, fill: color,
        opacity: opacity)
    case .diamond:
      var data = PathData()
      data.move(cx, cy - r * 1.3)
      data.line(cx + r, cy)
      data.line(cx, cy + r * 1.3)
      data.line(cx - r, cy)
      data.close()
      return SVG.path(data, stroke: "#ffffff", strokeWidth: 0.8, fill: color, opacity: opacity)
    case .openTriangle:
      var data = PathData()
      data.move(cx, cy - r * 1.25)
      data.line(cx + r * 1.1, cy + r * 0.75)
      data.line(cx - r * 1.1, cy + r * 0.75)
      data.close()
      return SVG.path(data, stroke: color, strokeWidth: 1.4, fill: "#ffffff", opacity: opacity)
    }
  }

  /// `text` shortened with an ellipsis to fit `width` px.
  static func truncated(_ text: String, width: Double, size: Double) -> String {
    if SVG.textWidth(text, size: size) <= width { return text }
    var short = text
    while !short.isEmpty, SVG.textWidth(short + "…", size: size) > width { short.removeLast() }
    return short + "…"
  }
}

/// Legend entries laid out in rows that wrap at a width.
struct ChartLegendLayout {
  static let size = 11.5
  static let rowHeight = 18.0
  var entries: [Chart.LegendEntry]
  var rows: [[(entry: Chart.LegendEntry, x: Double)]] = []

  init(entries: [Chart.LegendEntry], width: Double) {
    self.entries = entries
    // In one row if all fit; else in aligned columns as wide as the widest entry.
    let widths = entries.map { 30 + SVG.textWidth($0.label, size: Self.size) + 18 }
    if widths.reduce(0, +) <= width {
      var cursor = 0.0
      rows = [
        zip(entries, widths).map { entry, entryWidth in
          defer { cursor += entryWidth }
          return (entry, cursor)
        }
      ]
      if entries.isEmpty { rows = [] }
      return
    }
    let column = widths.max() ?? 1
    let perRow = max(1, Int(width / column))
    for start in stride(from: 0, to: entries.count, by: perRow) {
      rows.append(
        entries[start..<min(start + perRow, entries.count)].enumerated().map {
          ($0.element, Double($0.offset) * column)
        })
    }
  }

  var height: Double { rows.isEmpty ? 0 : Double(rows.count) * Self.rowHeight + 4 }

  func render(origin: (x: Double, y: Double)) -> SVGElement {
    var out: [SVGElement] = []
    for (rowIndex, row) in rows.enumerated() {
      let cy = origin.y + Double(rowIndex) * Self.rowHeight + Self.rowHeight / 2
      for (entry, offset) in row {
        let x = origin.x + offset
        switch entry.style {
        case .line(let dash):
          out.append(SVG.line(x, cy, x + 24, cy, stroke: entry.color, strokeWidth: 2, dash: dash))
        case .lineWithBand:
          out.append(
            SVG.rect(x: x, y: cy - 6, width: 24, height: 12, fill: entry.color, opacity: 0.2))
          out.append(SVG.line(x, cy, x + 24, cy, stroke: entry.color, strokeWidth: 2))
        case .point(let shape):
          out.append(
            Chart.marker(shape, cx: x + 12, cy: cy, r: 3.5, color: entry.color, opacity: nil))
        case .arrow:
          var head = PathData()
          head.move(x + 24, cy + 5)
          head.line(x + 16, cy + 4)
          head.line(x + 20, cy - 2)
          head.close()
          out.append(SVG.line(x + 2, cy - 5, x + 20, cy + 3, stroke: entry.color, strokeWidth: 1.6))
          out.append(SVG.path(head, fill: entry.color))
        case .pointWithBar:
          out.append(SVG.line(x, cy, x + 24, cy, stroke: entry.color, strokeWidth: 2))
          out.append(
            SVG.line(x + 12, cy - 6, x + 12, cy + 6, stroke: entry.color, strokeWidth: 1.5))
          out.append(
            Chart.marker(.circle, cx: x + 12, cy: cy, r: 3.5, color: entry.color, opacity: nil))
        }
        out.append(SVG.text(entry.label, x: x + 30, y: cy + Self.size * 0.35, size: Self.size))
      }
    }
    return SVG.group(out, className: "legend")
  }
}

/// Panels laid out in a grid (small multiples) under a title, a subtitle, one shared legend,
/// and notes at the foot.
public struct ChartGrid: Sendable {
  public var title: String
  public var subtitle: String?
  public var panels: [Chart]
  public var columns: Int
  public var panelWidth: Double
  public var panelHeight: Double
  public var legend: [Chart.LegendEntry]
  /// Lines of explanation under the panels.
  public var notes: [String]

  public init(
    title: String, subtitle: String? = nil, panels: [Chart], columns: Int = 1,
    panelWidth: Double = 760, panelHeight: Double = 300, legend: [Chart.LegendEntry] = [],
    notes: [String] = []
  ) {
    self.title = title
    self.subtitle = subtitle
    self.panels = panels
    self.columns = max(1, columns)
    self.panelWidth = panelWidth
    self.panelHeight = panelHeight
    self.legend = legend
    self.notes = notes
  }

  public var width: Double { Double(min(columns, max(1, panels.count))) * panelWidth + 16 }

  /// The whole figure as an SVG document.
  public func document() -> String {
    let margin = 8.0
    var y = margin + 18
    var out: [SVGElement] = [
      SVG.text(title, x: margin + 6, y: y, size: 16, weight: "bold", className: "figure-title")
    ]
    if let subtitle {
      y += 18
      out.append(
        SVG.text(subtitle, x: margin + 6, y: y, size: 12, fill: "#555555", className: "subtitle"))
    }
    y += 8
    let legendLayout = ChartLegendLayout(entries: legend, width: width - 2 * margin - 12)
    if !legend.isEmpty {
      out.append(legendLayout.render(origin: (margin + 6, y)))
      y += legendLayout.height
    }
    let columnCount = min(columns, max(1, panels.count))
    for (index, panel) in panels.enumerated() {
      let column = index % columnCount
      let row = index / columnCount
      out.append(
        SVG.group(
          [panel.render(width: panelWidth, height: panelHeight)],
          translate: (margin + Double(column) * panelWidth, y + Double(row) * panelHeight)))
    }
    let rowCount = (panels.count + columnCount - 1) / columnCount
    y += Double(rowCount) * panelHeight + 6
    for note in notes {
      for line in Self.wrap(note, width: width - 2 * margin - 12, size: 11) {
        y += 15
        out.append(SVG.text(line, x: margin + 6, y: y, size: 11, fill: "#555555", className: "note"))
      }
    }
    y += margin + 4
    return SVG.document(width: width, height: y, title: title, children: out)
  }

  /// `text` in lines that fit `width` px at `size`, broken between words. The width estimate
  /// has no font metrics, so lines are kept a fifth shorter than it allows (sans-serif fonts
  /// differ that much: DejaVu Sans is a tenth wider than Helvetica).
  static func wrap(_ text: String, width: Double, size: Double) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
      let candidate = line.isEmpty ? String(word) : line + " " + word
      if !line.isEmpty, SVG.textWidth(candidate, size: size) > width * 0.8 {
        lines.append(line)
        line = String(word)
      } else {
        line = candidate
      }
    }
    if !line.isEmpty { lines.append(line) }
    return lines
  }
}

/// Nice tick values (1, 2 or 5 times a power of ten) and their labels.
public enum ChartTicks {
  /// About `count` ticks covering [lo, hi], at multiples of a nice step, inside the range.
  public static func nice(_ lo: Double, _ hi: Double, count: Int = 6) -> [Double] {
    guard lo.isFinite, hi.isFinite, hi > lo, count > 0 else { return lo.isFinite ? [lo] : [] }
    let step = niceStep((hi - lo) / Double(count))
    var ticks: [Double] = []
    var index = (lo / step - 1e-9).rounded(.up)
    while index * step <= hi + step * 1e-9, ticks.count < 100 {
      let value = index * step
      ticks.append(abs(value) < step * 1e-9 ? 0 : value)
      index += 1
    }
    return ticks
  }

  /// 1, 2 or 5 × 10^k nearest to `raw`.
  public static func niceStep(_ raw: Double) -> Double {
    guard raw > 0, raw.isFinite else { return 1 }
    let magnitude = pow(10, log10(raw).rounded(.down))
    let normalized = raw / magnitude
    // Nearest in ratio (as d3 does): 1.41…, 3.16… and 7.07… are the geometric midpoints.
    let nice: Double =
      normalized >= 50.0.squareRoot()
      ? 10 : normalized >= 10.0.squareRoot() ? 5 : normalized >= 2.0.squareRoot() ? 2 : 1
    return nice * magnitude
  }

  /// A domain from `lo` to `hi` widened to the nearest nice ticks.
  public static func niceDomain(_ lo: Double, _ hi: Double, count: Int = 6) -> ClosedRange<Double> {
    guard lo.isFinite, hi.isFinite else { return 0...1 }
    if hi <= lo { return (lo - 1)...(lo + 1) }
    let step = niceStep((hi - lo) / Double(count))
    return ((lo / step).rounded(.down) * step)...((hi / step).rounded(.up) * step)
  }

  /// Labels with as many decimals as the finest tick needs (at most 4).
  public static func labels(_ ticks: [Double]) -> [String] {
    var decimals = 0
    for tick in ticks {
      while decimals < 4,
        abs(tick - (tick * pow10Int(decimals)).rounded() / pow10Int(decimals)) > 1e-9
          * max(1, abs(tick))
      {
        decimals += 1
      }
    }
    let labels = ticks.map { SVG.number($0, decimals: decimals) }
    // Ticks finer than four decimals (a sweep of lr 1e-5, 3e-5) keep their exact values.
    return Set(labels).count == Set(ticks).count ? labels : ticks.map(formatNumber)
  }

  private static func pow10Int(_ n: Int) -> Double {
    var value = 1.0
    for _ in 0..<n { value *= 10 }
    return value
  }
}
