// Published animal results drawn beside the simulation (reference/animal-reversal.md): a point is
// drawn only on a figure whose axis is its measure, as a labelled black diamond (a shape and a
// colour no simulated series uses), and every point drawn is listed in the caption with its
// criterion, "from abstract" where it was read from an abstract, and its source.

import Foundation
import Analysis
import Specification

extension Figures {
  static let referenceColor = Chart.color(6)

  static let referenceLegend = Chart.LegendEntry(
    "published animal result (labelled; see the notes)", color: referenceColor, style: .point(.diamond))

  static func directionLegend(_ reference: AnimalReference) -> Chart.LegendEntry {
    Chart.LegendEntry(
      "published direction (\(reference.id)): errors per reversal \(reference.direction == "falls" ? "fall" : reference.direction ?? "?") across reversals",
      color: referenceColor, style: .arrow)
  }

  /// The caption lines of the points drawn: what each says, its criterion, and its source.
  static func referenceNotes(_ references: [AnimalReference], width: Double) -> [String] {
    guard !references.isEmpty else { return [] }
    var lines: [String] = []
    for r in references {
      let compared: String
      if let value = r.value {
        let range = r.low.flatMap { low in r.high.map { high in low < high ? ", range \(formatNumber(low))–\(formatNumber(high))" : "" } } ?? ""
        compared = "compared as \(r.measure.rawValue) = \(formatNumber(value))\(range)"
      } else {
        compared = "compared as the sign of \(r.measure.rawValue)"
      }
      lines += wrapNote("\(r.label): \(r.statement); \(compared); criterion: \(r.criterion).", width: width)
    }
    lines += wrapNote(
      "Sources: " + references.map { "\($0.id) \($0.source)\($0.fromAbstract ? " (abstract)" : "")" }
        .joined(separator: "; ") + ". Criteria differ between the studies and from the simulation's.",
      width: width)
    return lines
  }

  /// A note split into lines that fit `width` px at the notes' size.
  static func wrapNote(_ text: String, width: Double) -> [String] {
    var lines: [String] = []
    var line = ""
    for word in text.split(separator: " ") {
      let candidate = line.isEmpty ? String(word) : line + " " + word
      if !line.isEmpty && SVG.textWidth(candidate, size: 11) > width - 20 {
        lines.append(line)
        line = "  " + word
      } else {
        line = candidate
      }
    }
    if !line.isEmpty { lines.append(line) }
    return lines
  }
}
