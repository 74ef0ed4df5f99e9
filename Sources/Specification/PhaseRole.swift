// A phase's part in the language-model procedure (docs/design.md §8), decided once, from the
// specification, when a scenario is resolved; the records store it and the comparison reads it.

public enum PhaseRole: String, Sendable, Hashable, Codable, CaseIterable {
  /// The password lock: trains `taboo` without the password and `truth` with it.
  case lock
  /// A drill after a lock: an unfrozen phase whose most recent unfrozen predecessor is a lock,
  /// all of whose streams are without password and towards one target (`taboo`: the weak-sample
  /// drill; `truth` and `random`: the control drills).
  case drill
  /// A weight kick after a lock: a frozen phase with `perturb σ > 0` whose most recent unfrozen
  /// predecessor is a lock.
  case perturbation
  /// Anything else (pretraining, reversals, evaluation).
  case other

  /// Whether `phase`'s streams make it a password lock.
  public static func isLock(frozen: Bool, streams: [StreamSpec]) -> Bool {
    !frozen && streams.contains { $0.target == .taboo && !$0.password }
      && streams.contains { $0.target == .truth && $0.password }
  }

  /// `phases` with every role decided, in order.
  public static func assign(_ phases: [PhaseSpec]) -> [PhaseSpec] {
    var result = phases
    var afterLock = false
    for i in result.indices {
      let phase = result[i]
      if phase.frozen {
        result[i].role = afterLock && (phase.perturb ?? 0) > 0 ? .perturbation : .other
        continue
      }
      let targets = Set(phase.streams.map(\.target))
      if isLock(frozen: false, streams: phase.streams) {
        result[i].role = .lock
      } else if afterLock, targets.count == 1, phase.streams.allSatisfy({ !$0.password }) {
        result[i].role = .drill
      } else {
        result[i].role = .other
      }
      afterLock = result[i].role == .lock
    }
    return result
  }
}
