// A phase's part in the language-model procedure (docs/design.md §8), decided once, from the
// specification, when a scenario is resolved; the records store it and the comparison reads it.

public enum PhaseRole: String, Sendable, Hashable, Codable, CaseIterable {
  /// The password lock: trains `taboo` without the password and `truth` with it.
  case lock
  /// A drill after a lock: an unfrozen phase whose nearest unfrozen ancestor (following each
  /// phase's parent, docs/design.md §4) is a lock,
  /// all of whose streams are without password and towards one target (`taboo`: the weak-sample
  /// drill; `truth` and `random`: the control drills).
  case drill
  /// A weight kick after a lock: a frozen phase with `perturb σ > 0` or `perturb like` whose
  /// nearest unfrozen ancestor is a lock.
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
    // Whether the nearest unfrozen phase up to and including phase i (along parents) is a lock.
    var lockedAt = [Bool](repeating: false, count: result.count)
    for i in result.indices {
      let phase = result[i]
      let parent = phase.parent.flatMap { $0 < i ? $0 : nil }
      let afterLock = parent.map { lockedAt[$0] } ?? false
      if phase.frozen {
        result[i].role = afterLock && phase.kicks ? .perturbation : .other
        lockedAt[i] = afterLock
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
      lockedAt[i] = result[i].role == .lock
    }
    return result
  }
}
