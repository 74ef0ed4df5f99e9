// Every bound the validator enforces, in one place, so the documentation and the messages agree.

import Specification

/// The largest values a scenario may ask for. Sizes beyond these are rejected before a run
/// starts; combinations that fit each bound but not in memory are caught by the simulator's
/// `MemoryEstimate`, which `taboo check` asks through `RunModel`.
public enum Limits {
  /// Memory one run may need (parameters, optimizer state, activations of the largest batch).
  public static let memoryBytes = 4 << 30
  /// Items in a world.
  public static let items = 10_000_000
  /// `runsum` digit base and `modsum` modulus.
  public static let base = 1000
  /// Tokens in an item (`runsum` L, `lookup` length).
  public static let sequenceLength = 1000
  /// Distinct input tokens (`lookup` vocab) and answer classes.
  public static let vocabulary = 100_000
  /// Hidden and embedding sizes (and a transformer's MLP width).
  public static let width = 16_384
  /// Blocks of a transformer.
  public static let layers = 64
  /// Examples in one batch.
  public static let batch = 10_000_000
  /// Steps (and trials) in one phase, and the `until criterion` cap.
  public static let steps = 1_000_000_000
  /// Epochs in one phase.
  public static let epochs = 10_000_000
  /// Repetitions of one `repeat` block.
  public static let repeats = 100_000
  /// Phases after expanding `repeat`.
  public static let expandedPhases = 100_000
  /// Seeds, and runs (sweep points × seeds) in one batch.
  public static let runs = 1_000_000
  /// The largest seed (seeds are exact integers in a Double).
  public static let seed = 1 << 53
  /// Examples in one `context stream` window.
  public static let streamWindow = 100_000
  /// `probe every N steps` and `criterion … over K probes`.
  public static let probeInterval = 1_000_000_000
  public static let criterionProbes = 10_000
  /// Perturbation standard deviation (the training settings' bounds are in
  /// `TrainingSettings.numeric`).
  public static let perturbSigma = 1000.0
  /// Nesting of blocks, parentheses and `sample … of` chains.
  public static let nesting = 32
  /// Terms (names, samples, item lists) in one set expression.
  public static let setTerms = 200
  /// Diagnostics reported for one file before checking stops.
  public static let diagnostics = 200
  /// Sweep points the validator checks value by value (all points are still run).
  public static let checkedSweepPoints = 4096
}

/// `512 bytes`, `3.1 GiB`.
public func formatBytes(_ bytes: Double) -> String {
  let units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
  var value = bytes
  var unit = 0
  while value >= 1024, unit < units.count - 1 {
    value /= 1024
    unit += 1
  }
  if unit == 0 { return "\(Int(value)) bytes" }
  return "\(formatNumber((value * 10).rounded() / 10)) \(units[unit])"
}
