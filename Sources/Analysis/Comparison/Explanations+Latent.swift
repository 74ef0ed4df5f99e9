// E1 and E2 (docs/design.md §8.2): the assumption both accounts share, that the truth is "still
// there in the latents" during the lock, and that unlocking rises with it. Both read the latent
// truth score of probes (`probe … { latent }`, §6.9): a linear readout's accuracy on held-out
// items.
//
// - E1: per lock (`Locks`), latent truth minus acc_truth on one set without password at the
//   lock's end. Median ≥ `latentApart` → both; else neither (the lock left no more truth in the
//   hidden state than behaviour shows).
// - E2: Spearman's ρ, over the weak-sample drills with both, of the latent truth at the drill's
//   start (on the measured set) against gap_recovered. ρ > 0 → both; ρ ≤ 0 → neither. Needs
//   `minimumPairs` drills and a ρ (neither side constant).

extension Explanations {
  static let latentHint = "latent probes (`probe … { latent }`, docs/design.md §6.9)"

  static func e1(_ locks: [LockObservation]) -> ExplanationResult {
    guard !locks.isEmpty else {
      return notTested(
        "E1", "needs \(latentHint) on a set without password at the end of a password lock")
    }
    let latent = Statistics.aggregate(locks.map(\.latentTruth))!
    let behaviour = Statistics.aggregate(locks.map(\.accTruth))!
    let difference = Statistics.aggregate(locks.map { $0.latentTruth - $0.accTruth })!
    let sets = Comparison.ordered(locks.map { "`\($0.set)` (\($0.trained ? "trained" : "untrained"))" })
    let phases = Comparison.ordered(locks.map { "`\($0.label)`" })
    let runs = Set(locks.map(\.key)).count
    let measured = "at the end of \(phases.joined(separator: ", ")) on \(sets.joined(separator: ", ")), "
      + "no password: latent truth \(describe(latent)); acc_truth \(describe(behaviour)); latent − acc_truth "
      + "\(describe(difference)) over \(plural(locks.count, "lock")) in \(plural(runs, "run"))"
    let f = Comparison.format
    if difference.median >= latentApart - 1e-12 {
      return result(
        "E1", .both, measured: measured,
        reason: "the truth stays decodable from the hidden state while behaviour is locked (median "
          + "latent − acc_truth \(f(difference.median)) ≥ \(f(latentApart))), as both accounts assume",
        statistic: difference.median)
    }
    return result(
      "E1", .neither, measured: measured,
      reason: "the hidden state holds little more truth than behaviour shows (median latent − acc_truth "
        + "\(f(difference.median)) < \(f(latentApart))): the assumption both accounts share fails",
      statistic: difference.median)
  }

  static func e2(_ drills: [DrillObservation]) -> ExplanationResult {
    let weak = drills.filter(\.isWeakSample)
    let missing = "needs \(latentHint) on the measured set at the start of weak-sample drills "
      + "(`taboo on` `wrong` items without password after a password lock), in at least "
      + "\(minimumPairs) runs that differ (seeds, or a sweep of the lock)"
    let pairs = weak.compactMap { d in d.latentTruthStart.flatMap { l in d.gapRecovered.map { (l, $0) } } }
    guard pairs.count >= minimumPairs else {
      return notTested("E2", missing + (pairs.isEmpty ? "" : "; this batch has \(plural(pairs.count, "such drill"))"))
    }
    guard let rho = Statistics.spearman(pairs.map(\.0), pairs.map(\.1)) else {
      return notTested(
        "E2", "latent truth at the drill's start or gap_recovered is the same in all \(pairs.count) drills "
          + "(ρ undefined); runs that differ in the lock, e.g. a sweep of its length, would test it")
    }
    let f = Comparison.format
    let measured = "Spearman ρ(latent truth at the drill's start, gap_recovered) = \(f(rho)) over "
      + "\(plural(pairs.count, "weak-sample drill")); latent truth \(describe(Statistics.aggregate(pairs.map(\.0))!)), "
      + "gap_recovered \(describe(Statistics.aggregate(pairs.map(\.1))!))"
    if rho > 0 {
      return result(
        "E2", .both, measured: measured,
        reason: "unlocking rises with the truth left in the latents (ρ = \(f(rho)) > 0), as both accounts predict",
        statistic: rho)
    }
    return result(
      "E2", .neither, measured: measured,
      reason: "unlocking does not rise with the truth left in the latents (ρ = \(f(rho)) ≤ 0), against both "
        + "accounts",
      statistic: rho)
  }
}
