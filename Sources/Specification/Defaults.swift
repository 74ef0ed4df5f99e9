// Every default of a scenario, in one place; the README documents them and a test pins the two
// together (docs/design.md §3).

public enum Defaults {
  /// `train { … }` when the file does not say: adam, lr 0.001, batch all, no clipping, no
  /// momentum, no weight decay, a fresh optimizer at every phase.
  public static let training = TrainingSettings(
    optimizer: .adam, learningRate: 0.001, batch: .all, clip: nil, momentum: 0, weightDecay: 0,
    keepOptimizer: false)
  /// `criterion 90% over 3 probes`.
  public static let criterion = Criterion.defaults
  /// `seeds 1`.
  public static let seeds: [UInt64] = [1]
  /// `runsum P L` without `items`: 384 items (capped at P^L).
  public static let runsumItems = 384
  /// `lookup N` without `length`, `vocab`, `classes`.
  public static let lookupLength = 4
  public static let lookupVocabulary = 16
  public static let lookupClasses = 4
  /// `probe every N steps` is required for probes between phase boundaries; without a `probe`
  /// directive a run probes nothing but the trained streams at phase boundaries, every this many
  /// steps.
  public static let probeEvery = 10
  /// `context reset`.
  public static let context = ContextMode.reset
}
