// E3, E4, E5 (docs/design.md §8.2): drills and kicks set against another drill from the same
// locked weights. An arm's drill is paired with the drills it is compared with in the same run
// that start from the same phase (E3, E4: the weak-sample drills branched from the same lock;
// E5: the phase the kick matches); gap_recovered is pooled over the paired runs on each side and
// the verdict read from the ratio of the two medians. Each arm (phase label) has a result of its
// own. Not tested: no such arm, no pair, gaps undefined on a side, or the compared drill does
// not unlock (median < `unlocks`).
//
// - E3: drills that change no drilled answer and train none away from the truth (changing = 0,
//   not truth = 0: a `taboo` drill on items whose weak answer is the truth) against the weak
//   drill. Ratio ≥ `asMuch` → F, ≤ `clearlyLess` → R, else neither.
// - E4: `random-answer` drills against the weak drill, the same bands.
// - E5: `perturb like PHASE` kicks against PHASE. Ratio ≤ `clearlyLess` → R; ≥ `asMuch` → F
//   unless unlocking falls with displacement across the batch's trained drills (Spearman ρ ≤ 0
//   over at least `minimumPairs` of them), then neither; else neither.

extension Explanations {
  static let weakHint = "a weak-sample drill (`taboo on` `wrong` items without password after a password lock)"

  /// The drills of `arm` by phase label, each with the drills `partners` gives it: per label, the
  /// arm's drills that have a partner and their partners (each once), over the runs with both.
  static func paired(
    _ arm: [DrillObservation], _ partners: (DrillObservation) -> [DrillObservation]
  ) -> [(group: [DrillObservation], arm: [DrillObservation], partners: [DrillObservation])] {
    Comparison.byDrill(arm).map { group in
      var used: [DrillObservation] = []
      var found: [DrillObservation] = []
      for drill in group {
        let mates = partners(drill)
        guard !mates.isEmpty else { continue }
        used.append(drill)
        for mate in mates where !found.contains(where: { $0.key == mate.key && $0.phaseIndex == mate.phaseIndex }) {
          found.append(mate)
        }
      }
      return (group, used, found)
    }
  }

  /// The weak-sample drills of `drill`'s run that start from the same phase.
  static func weakPartners(_ drills: [DrillObservation]) -> (DrillObservation) -> [DrillObservation] {
    let weak = drills.filter(\.isWeakSample)
    return { drill in
      weak.filter { $0.key == drill.key && $0.parentIndex == drill.parentIndex && $0.phaseIndex != drill.phaseIndex }
    }
  }

  /// A ratio of median gaps, `arm` over `partners`, decided by `decide`; nil with the reason it
  /// is not tested.
  static func ratio(
    _ id: String, group: [DrillObservation], arm: [DrillObservation], partners: [DrillObservation],
    partnerName: String, unpaired: String, decide: (Double) -> (Favours, String)
  ) -> ExplanationResult {
    guard !arm.isEmpty else { return notTested(id, unpaired, drill: group) }
    guard let a = gaps(arm), let p = gaps(partners) else {
      return notTested(
        id, "gap_recovered is undefined in every paired run of one side: the lock left less than 0.05 between "
          + "the locked and the strong accuracy (a longer lock would test it)", drill: group)
    }
    let f = Comparison.format
    guard p.median >= unlocks - 1e-12 else {
      return notTested(
        id, "\(partnerName) does not unlock here (median gap_recovered \(f(p.median)) < \(f(unlocks))), so a "
          + "ratio says nothing; a longer drill or lock would test it", drill: group)
    }
    let ratio = a.median / p.median
    let runs = Set(arm.map(\.key)).count
    let measured = "gap_recovered on \(Comparison.describeSets(arm)): `\(group[0].label)` \(describe(a)); "
      + "\(partnerName) (\(Comparison.describePhases(partners))) \(describe(p)); ratio of medians \(f(ratio)) "
      + "over \(plural(runs, "run"))"
    let (favours, reason) = decide(ratio)
    return result(id, favours, measured: measured, reason: reason, statistic: ratio, drill: group)
  }

  /// The bands of E3 and E4: F at a ratio ≥ `asMuch`, R at ≤ `clearlyLess`.
  static func bands(_ ratio: Double, same: String, less: String) -> (Favours, String) {
    let f = Comparison.format
    if ratio >= asMuch - 1e-12 {
      // Far above 1 (beyond 1/0.7) the arm unlocks more, not "about as much": still what F says.
      let said = ratio >= 1 / asMuch ? same.replacingOccurrences(of: "about as much as", with: "more than") : same
      return (.forgetting, "\(said) (ratio \(f(ratio)) ≥ \(f(asMuch)))")
    }
    if ratio <= clearlyLess + 1e-12 { return (.serialReversal, "\(less) (ratio \(f(ratio)) ≤ \(f(clearlyLess)))") }
    return (.neither, "the ratio \(f(ratio)) lies between \(f(clearlyLess)) and \(f(asMuch)): neither about as much "
              + "nor clearly less")
  }

  static func e3(_ drills: [DrillObservation]) -> [ExplanationResult] {
    let arm = drills.filter { $0.kind != .perturb && $0.changing == 0 && $0.notTruth == 0 }
    let missing = "needs \(weakHint) and, `from` the same lock, a drill that changes no drilled answer: "
      + "`taboo on` items of `train - wrong` (their weak answer is the truth)"
    guard !arm.isEmpty else { return [notTested("E3", missing)] }
    return paired(arm, weakPartners(drills)).map { group, arm, partners in
      ratio(
        "E3", group: group, arm: arm, partners: partners, partnerName: "the weak drill",
        unpaired: "\(missing); `\(group[0].label)` has no weak-sample drill from its lock in any run"
      ) { ratio in
        bands(ratio, same: "a drill that changes no answer unlocks about as much as the weak drill: what it "
                + "trains matters little",
              less: "a drill that changes no answer unlocks clearly less: without an exception to learn, "
                + "little comes back")
      }
    }
  }

  static func e4(_ drills: [DrillObservation]) -> [ExplanationResult] {
    let arm = drills.filter { $0.kind == .randomAnswer }
    let missing = "needs \(weakHint) and, `from` the same lock, a `random-answer on` drill of the same items "
      + "(scenarios/unlocking-controls.taboo)"
    guard !arm.isEmpty else { return [notTested("E4", missing)] }
    return paired(arm, weakPartners(drills)).map { group, arm, partners in
      ratio(
        "E4", group: group, arm: arm, partners: partners, partnerName: "the weak drill",
        unpaired: "\(missing); `\(group[0].label)` has no weak-sample drill from its lock in any run"
      ) { ratio in
        bands(ratio, same: "random answers unlock about as much as the weak answers: any training erodes the lock",
              less: "random answers unlock clearly less than the weak answers: they are not the convention")
      }
    }
  }

  static func e5(_ drills: [DrillObservation]) -> [ExplanationResult] {
    let kicks = drills.filter { $0.kind == .perturb && $0.matchedPhase != nil }
    let missing = "needs a frozen phase `perturb like DRILL` `from` the same lock as the drill it matches "
      + "(the `matched kick` of scenarios/unlocking-controls.taboo)"
    guard !kicks.isEmpty else { return [notTested("E5", missing)] }
    // Unlocking against displacement, across the trained drills that recorded both.
    let moved = drills.filter { $0.kind != .perturb }
      .compactMap { d in d.displacement.flatMap { x in d.gapRecovered.map { (x, $0) } } }
    let rho = moved.count >= minimumPairs ? Statistics.spearman(moved.map(\.0), moved.map(\.1)) : nil
    let f = Comparison.format
    let trend = rho.map {
      "; across \(plural(moved.count, "trained drill")), Spearman ρ(displacement, gap_recovered) = \(f($0))"
    } ?? "; displacement recorded for \(plural(moved.count, "trained drill")), too few for ρ"
    return paired(kicks, { kick in
      drills.filter { $0.key == kick.key && $0.phaseIndex == kick.matchedPhase && $0.kind != .perturb }
    }).map { group, arm, partners in
      var row = ratio(
        "E5", group: group, arm: arm, partners: partners, partnerName: "the drill it matches",
        unpaired: "\(missing); the phase `\(group[0].label)` matches is no drill after a lock"
      ) { ratio in
        if ratio <= clearlyLess + 1e-12 {
          return (.serialReversal, "a kick of the drill's norm unlocks far less than the drill (ratio \(f(ratio)) ≤ "
                    + "\(f(clearlyLess))): only the drill's direction unlocks")
        }
        if ratio >= asMuch - 1e-12 {
          if let rho, rho <= 0 {
            return (.neither, "the kick unlocks about as much as the drill (ratio \(f(ratio)) ≥ \(f(asMuch))), but "
                      + "unlocking does not rise with displacement across drills (ρ = \(f(rho)) ≤ 0)")
          }
          return (.forgetting, "a kick of the drill's norm unlocks about as much as the drill (ratio \(f(ratio)) ≥ "
                    + "\(f(asMuch))): size matters, not direction")
        }
        return (.neither, "the ratio \(f(ratio)) lies between \(f(clearlyLess)) and \(f(asMuch))")
      }
      if case .notTested = row.favours {} else {
        let norms = arm.compactMap(\.displacement)
        row.measured += (Statistics.aggregate(norms).map { "; kick norm \(describe($0))" } ?? "") + trend
      }
      return row
    }
  }
}
