// What a number in a given place must be: a whole number in a range, a real in a range, or a
// probability. The validator registers one rule per number it reads and checks each one at
// every sweep point, so `sweep k = 1, 0` is caught where `k` is used.

import Specification

enum NumberRule {
  /// A whole number in `minimum...maximum`.
  case count(String, minimum: Int, maximum: Int)
  /// A real number above (or at) `minimum` and at most `maximum` (or below it).
  case real(String, minimum: Double, minimumIncluded: Bool, maximum: Double, maximumIncluded: Bool)
  /// A fraction in [0, 1], written as a fraction or as a percentage.
  case probability(String)

  var what: String {
    switch self {
    case .count(let what, _, _), .real(let what, _, _, _, _), .probability(let what): return what
    }
  }

  var allowsPercent: Bool {
    if case .probability = self { return true }
    return false
  }

  static func positiveReal(_ what: String, maximum: Double) -> NumberRule {
    .real(what, minimum: 0, minimumIncluded: false, maximum: maximum, maximumIncluded: true)
  }

  /// The problem with `value` (already scaled if it was a percentage), or nil.
  func problem(_ value: Double) -> (DiagnosticCode, String)? {
    switch self {
    case .count(let what, let minimum, let maximum):
      if value != value.rounded(.towardZero) || !value.isFinite {
        return (.notWholeNumber, "\(what) must be a whole number")
      }
      if value < Double(minimum) {
        return (
          .tooSmall, minimum == 1 ? "\(what) must be at least 1" : "\(what) must be at least \(minimum)"
        )
      }
      if value > Double(maximum) {
        return (.tooLarge, "\(what) must be at most \(formatNumber(Double(maximum)))")
      }
    case .real(let what, let minimum, let minimumIncluded, let maximum, let maximumIncluded):
      if !value.isFinite { return (.tooLarge, "\(what) must be finite") }
      if value < minimum || (!minimumIncluded && value == minimum) {
        let bound =
          minimum == 0 ? (minimumIncluded ? "zero or more" : "positive") : "above \(formatNumber(minimum))"
        return (.tooSmall, "\(what) must be \(bound)")
      }
      if value > maximum || (!maximumIncluded && value == maximum) {
        return (
          .tooLarge, "\(what) must be \(maximumIncluded ? "at most" : "below") \(formatNumber(maximum))"
        )
      }
    case .probability(let what):
      if !(0...1).contains(value) {
        return (.probabilityOutOfRange, "\(what) must be between 0 and 1 (0% and 100%)")
      }
    }
    return nil
  }
}
