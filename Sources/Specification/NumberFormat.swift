/// The one number formatter: the shortest text that reads back as the same Double (`2`,
/// `0.003`, `1e-05`, `0.30000000000000004`); never `2.0`. Every printed parameter value, CSV
/// field, label and message uses it, so two different values never print alike.
public func formatNumber(_ value: Double) -> String {
  if value.isNaN { return "nan" }
  if value.isInfinite { return value < 0 ? "-inf" : "inf" }
  if value == value.rounded(), abs(value) < 1e15 {
    return value == 0 ? "0" : String(Int64(value))
  }
  return "\(value)"
}
