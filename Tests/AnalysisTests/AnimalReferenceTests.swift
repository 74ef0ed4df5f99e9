// The animal reference points: the Swift table against reference/animal-reversal.csv, the measures
// by reversal index worked by hand on hand-built trials and probes, and the verdict rules.

import Foundation
import Records
import Testing
import Analysis
import RecordFixtures
import Specification

@Suite("animal reference")
struct AnimalReferenceTests {
  static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent()

  @Test("the Swift reference table matches reference/animal-reversal.csv")
  func tableMatchesReference() throws {
    let text = try String(
      contentsOf: Self.repository.appendingPathComponent("reference/animal-reversal.csv"), encoding: .utf8)
    let records = parseCSV(text).filter { $0 != [""] }
    #expect(records.first == [
      "id", "species", "n", "procedure", "measure", "criterion", "statement", "value", "low", "high",
      "direction", "from_abstract", "source",
    ])
    let rows = try records.dropFirst().map { r -> AnimalReference in
      #expect(r.count == 13)
      #expect(r[11] == "yes" || r[11] == "no")
      #expect((r[7] == "ordering only") == (r[10] == "falls"))
      return AnimalReference(
        id: r[0], species: r[1], n: Int(r[2]), procedure: r[3],
        measure: try #require(AnimalMeasure(rawValue: r[4]), "unknown measure \(r[4])"), criterion: r[5],
        statement: r[6], value: Double(r[7]), low: Double(r[8]), high: Double(r[9]),
        direction: r[10].isEmpty ? nil : r[10], fromAbstract: r[11] == "yes", source: r[12])
    }
    #expect(rows == AnimalReferences.all)
    #expect(AnimalReferences.all.map(\.id) == ["A1", "A2", "A3", "A4", "A5", "A6"])
    // Every value lies in its range; the document itself is in the project and lists every point.
    for r in AnimalReferences.all {
      if let value = r.value, let low = r.low, let high = r.high { #expect(low <= value && value <= high) }
    }
    let document = try String(
      contentsOf: Self.repository.appendingPathComponent("reference/animal-reversal.md"), encoding: .utf8)
    for r in AnimalReferences.all {
      #expect(document.contains("| \(r.id) |"))
      #expect(document.contains("`\(r.measure.rawValue)`"))
    }
  }

  /// Four reversals of two lanes, 5 trials each (criterion: 3 correct in a row). Targets: taboo
  /// (3), truth (2), taboo, truth.
  ///   1: lane 0 2,3,3,3,3 (1 error, one-trial); lane 1 2,2,3,3,3 (2 errors)   → share 0.5, trial 2: 1 of 2
  ///   2: both 3,2,2,2,2 (1 error each)                                       → share 1,   trial 2: 2 of 2
  ///   3: lane 0 2,3,3,3,3 (1); lane 1 2,3,2,3,3 (never 3 in a row: 2 errors) → share 0.5, trial 2: 2 of 2
  ///   4: lane 0 3,2,2,2,2 (1); lane 1 2,2,2,2,2 (0 errors)                   → share 1,   trial 2: 2 of 2
  static let fourReversals: [[[Int]]] = [
    lanes([2, 3, 3, 3, 3], [2, 2, 3, 3, 3]),
    lanes([3, 2, 2, 2, 2], [3, 2, 2, 2, 2]),
    lanes([2, 3, 3, 3, 3], [2, 3, 2, 3, 3]),
    lanes([3, 2, 2, 2, 2], [2, 2, 2, 2, 2]),
  ]

  static func series(_ run: RunRecord) -> [ReversalSeries] { RunAnalysis(run, number: 1).reversalSeries }

  @Test("in context: one-trial share, trial-2 accuracy and errors per reversal, by hand")
  func inContext() throws {
    let all = Self.series(trialRun(Self.fourReversals))
    #expect(all.map(\.unit) == [.trials])
    let s = try #require(all.first)
    #expect(s.points.map(\.reversal) == [1, 2, 3, 4])
    #expect(s.points.map(\.phase) == ["A taboo", "A truth", "A taboo", "A truth"])
    #expect(s.points.map(\.oneTrialShare) == [0.5, 1, 0.5, 1])
    #expect(s.points.map(\.trial2Accuracy) == [0.5, 1, 1, 1])
    // Errors per lane: (1 + 2)/2, (1 + 1)/2, (1 + 2)/2, (1 + 0)/2.
    #expect(s.points.map(\.errors) == [1.5, 1, 1.5, 0.5])
    // Slope of 1.5, 1, 1.5, 0.5 on 1…4: Σ(x − 2.5)(y − 1.125) / Σ(x − 2.5)² = −1.25 / 5.
    #expect(approx(s.errorsSlope, -0.25))
    #expect(s.oneTrialShareLast == 1)
    // Blocks of N = 4: reversals 1–2 (1 + 2 of 4 lanes correct on trial 2), 3–4 (2 + 2 of 4).
    #expect(s.trial2Accuracy(block: 1) == 0.75 && s.trial2Accuracy(block: 2) == 1)
    // N = 3: the first block is reversal 1 alone (1 of 2), the second reversals 2–3 (4 of 4).
    let three = try #require(Self.series(trialRun(Array(Self.fourReversals.prefix(3)))).first)
    #expect(three.trial2Accuracy(block: 1) == 0.5 && three.trial2Accuracy(block: 2) == 1)
    #expect(three.oneTrialShareLast == 0.5)
    // One reversal: no blocks, no slope.
    let one = try #require(Self.series(trialRun([Self.fourReversals[0]])).first)
    #expect(one.trial2Accuracy(block: 1) == nil && one.trial2Accuracy(block: 2) == nil)
    #expect(one.errorsSlope == nil && one.oneTrialShareLast == 0.5)
    #expect([1, 2, 3, 4].map { ReversalSeries.block($0, of: 4) } == [1, 1, 2, 2])
    #expect([1, 2, 3].map { ReversalSeries.block($0, of: 3) } == [1, 2, 2])
  }

  /// Weight-space reversals of set A (10 items) inside `repeat`, probes every 10 steps, criterion
  /// 90% over 3 (the default): "learn" (no switch), then A taboo #1, A truth #1, A taboo #2.
  static func weightSpaceRun(seed: UInt64 = 1, rising: Bool = false) -> RunRecord {
    var b = RunBuilder()
    b.key = RunKey(parameters: [], seed: seed)
    b.sets = [SetRecord(name: "A", size: 10)]
    b.phase("learn", length: 40, streams: [stream(.truth, "A")])
    b.agreement("A", every: 10, target: .truth, [0.5, 1, 1, 1, 1])
    // New agreement 0, 0.5, 1, 1, 1 (old 1, 0.5, 0, …): criterion from probe 2; old-answer errors
    // before it (1 + 0.5) × 10 = 15.
    let first: [Double] = rising ? [1, 1, 1, 1, 1] : [0, 0.5, 1, 1, 1]
    b.phase("A taboo", length: 40, repeatIndex: 1, streams: [stream(.taboo, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .taboo, first)
    // 0, 0.8, 1, 1, 1: criterion from probe 2; (1 + 0.2) × 10 = 12.
    b.phase("A truth", length: 40, repeatIndex: 1, streams: [stream(.truth, "A", previous: "taboo")])
    b.agreement("A", every: 10, target: .truth, [0, 0.8, 1, 1, 1])
    // At criterion from the start: 0 errors.
    let last: [Double] = rising ? [0, 0, 0.5, 1, 1, 1] : [1, 1, 1]
    b.phase("A taboo", length: 50, repeatIndex: 2, streams: [stream(.taboo, "A", previous: "truth")])
    b.agreement("A", every: 10, target: .taboo, last)
    return b.run
  }

  @Test("in the weights: errors per reversal of the phases inside repeat, and their slope")
  func inTheWeights() throws {
    let all = Self.series(Self.weightSpaceRun())
    #expect(all.map(\.unit) == [.steps])
    let s = try #require(all.first)
    #expect(s.points.map(\.reversal) == [1, 2, 3] && s.points.map(\.repeatIndex) == [1, 1, 2])
    #expect(s.points.map(\.errors) == [15, 12, 0])
    // Slope of 15, 12, 0 on 1…3: ((−1)(6) + 0 + (1)(−9)) / 2.
    #expect(approx(s.errorsSlope, -7.5))
    #expect(s.points.allSatisfy { $0.oneTrialShare == nil && $0.trial2Accuracy == nil })
    #expect(s.oneTrialShareLast == nil && s.trial2Accuracy(block: 1) == nil)
    // Rising: 0, 12, then (1 + 1 + 0.5) × 10 = 25.
    let rising = try #require(Self.series(Self.weightSpaceRun(rising: true)).first)
    #expect(rising.points.map(\.errors) == [0, 12, 25])
    #expect(approx(rising.errorsSlope, 12.5))
  }

  /// The text with its wrapping undone: lines joined, runs of spaces as one.
  func unwrapped(_ lines: [String]) -> String {
    lines.joined(separator: " ").split(separator: " ").joined(separator: " ")
  }

  func analyse(_ runs: [RunRecord]) -> [RunAnalysis] {
    runs.enumerated().map { RunAnalysis($1, number: $0 + 1) }
  }

  func result(_ results: [AnimalResult], _ id: String) throws -> AnimalResult {
    try #require(results.first { $0.reference.id == id })
  }

  @Test("verdicts: within, above, below against the quartiles; direction; a share of runs")
  func verdicts() throws {
    // Three runs of the four reversals (identical answers, so every quartile is the value).
    let runs = analyse((1...3).map { trialRun(Self.fourReversals, seed: UInt64($0)) })
    let results = AnimalComparison.evaluate(runs)
    #expect(results.map(\.reference.id) == ["A1", "A2", "A3", "A4", "A5", "A6"])
    func only(_ id: String) throws -> AnimalObservation {
      let r = try result(results, id)
      #expect(r.missing == nil && r.observations.count == 1, "\(id)")
      return try #require(r.observations.first)
    }
    // A1: one-trial share at the last reversal 1, inside 0.6637–1.
    let a1 = try only("A1")
    #expect(a1.value.median == 1 && a1.runs == 3 && a1.unit == .trials && a1.verdict == .within)
    #expect(try only("A5").verdict == .within)
    // A2: 0.75 below 0.82; A3: 1 above 0.87.
    let a2 = try only("A2")
    #expect(a2.value.median == 0.75 && a2.verdict == .below)
    let a3 = try only("A3")
    #expect(a3.value.median == 1 && a3.verdict == .above)
    // A4: slope −0.25 in every run: errors fall, as published.
    let a4 = try only("A4")
    #expect(approx(a4.value.median, -0.25) && a4.verdict == .directionMatches)
    // A6: all 3 runs have falling errors: a share of 1, above 0.0063–0.8059.
    let a6 = try only("A6")
    #expect(a6.value.median == 1 && a6.falling == 3 && a6.runs == 3 && a6.verdict == .above)

    // Mixed runs: quartiles decide. One-trial shares at the last reversal 0.5, 0.5, 1 (q25 0.5,
    // q75 0.75) overlap 0.6637–1: within; against 1–1 (A5) q75 0.75 < 1: below.
    let mixed = analyse([
      trialRun(Array(Self.fourReversals.prefix(3)), seed: 1), trialRun(Array(Self.fourReversals.prefix(3)), seed: 2),
      trialRun(Self.fourReversals, seed: 3),
    ])
    let mixedResults = AnimalComparison.evaluate(mixed)
    let mixedA1 = try #require(try result(mixedResults, "A1").observations.first)
    #expect(mixedA1.value.q25 == 0.5 && mixedA1.value.q75 == 0.75 && mixedA1.verdict == .within)
    #expect(try result(mixedResults, "A5").observations.first?.verdict == .below)
  }

  @Test("the verdict rule at its edges")
  func verdictRule() {
    let a2 = AnimalReferences.reference("A2")!
    func aggregate(_ q25: Double, _ median: Double, _ q75: Double) -> Aggregate {
      Aggregate(n: 4, median: median, q25: q25, q75: q75, mean: nil, ciLow: nil, ciHigh: nil)
    }
    #expect(AnimalComparison.verdict(a2, aggregate(0.7, 0.75, 0.82)) == .within)  // touches
    #expect(AnimalComparison.verdict(a2, aggregate(0.7, 0.75, 0.8199)) == .below)
    #expect(AnimalComparison.verdict(a2, aggregate(0.8201, 0.9, 1)) == .above)
    let a4 = AnimalReferences.reference("A4")!
    #expect(AnimalComparison.verdict(a4, aggregate(-1, -0.1, 0.5)) == .directionMatches)
    #expect(AnimalComparison.verdict(a4, aggregate(-1, 0, 0.5)) == .noChange)
    #expect(AnimalComparison.verdict(a4, aggregate(0.1, 0.2, 0.5)) == .directionDiffers)
  }

  @Test("in the weights only: the series points are measured, the in-context ones not")
  func weightsOnly() throws {
    let runs = analyse([Self.weightSpaceRun(seed: 1), Self.weightSpaceRun(seed: 2),
                        Self.weightSpaceRun(seed: 3, rising: true)])
    let results = AnimalComparison.evaluate(runs)
    for id in ["A1", "A2", "A3", "A5"] {
      let r = try result(results, id)
      #expect(r.observations.isEmpty)
      #expect(r.missing?.contains("context stream") == true, "\(id): \(r.missing ?? "")")
    }
    // Slopes −7.5, −7.5, 12.5: median −7.5, errors fall; falling in 2 of 3 runs (0.67, within).
    let a4 = try #require(try result(results, "A4").observations.first)
    #expect(a4.unit == .steps && a4.value.median == -7.5 && a4.verdict == .directionMatches)
    let a6 = try #require(try result(results, "A6").observations.first)
    #expect(a6.falling == 2 && approx(a6.value.median, 2.0 / 3) && a6.verdict == .within)
    // Mostly rising: the direction differs.
    let rising = analyse([Self.weightSpaceRun(seed: 1, rising: true), Self.weightSpaceRun(seed: 2, rising: true)])
    #expect(try result(AnimalComparison.evaluate(rising), "A4").observations.first?.verdict == .directionDiffers)
  }

  @Test("a batch without reversal series measures nothing and says what would")
  func notMeasured() throws {
    var b = RunBuilder()
    b.sets = [SetRecord(name: "A", size: 10)]
    b.phase("learn", length: 20, streams: [stream(.truth, "A")])
    b.agreement("A", every: 10, target: .truth, [0.5, 1, 1])
    b.phase("taboo", length: 20, streams: [stream(.taboo, "A", previous: "truth")])  // not repeated
    b.agreement("A", every: 10, target: .taboo, [0, 1, 1])
    let results = AnimalComparison.evaluate(analyse([b.run]))
    #expect(results.allSatisfy { $0.observations.isEmpty && $0.missing != nil })
    #expect(try result(results, "A4").missing?.contains("repeat") == true)
    let text = AnimalComparison.text(results, scenario: "s", runs: 1)
    #expect(text.first == "Animal reference: 's', 1 runs")
    #expect(text.filter { $0.hasPrefix("    verdict:   not measured by this batch: needs") }.count == 6)
    let joined = unwrapped(text)
    for id in ["A1", "A2", "A3", "A4", "A5", "A6"] { #expect(joined.contains("\(id) not measured")) }
    #expect(text.allSatisfy { $0.count <= 100 })
  }

  @Test("the text names each point's measure, range, criterion, values per sweep point, and source")
  func text() throws {
    let runs = analyse([
      trialRun(Self.fourReversals, seed: 1, parameters: [ParameterValue(name: "n", value: 1)]),
      trialRun(Self.fourReversals, seed: 2, parameters: [ParameterValue(name: "n", value: 1)]),
      trialRun(Array(Self.fourReversals.prefix(1)), seed: 1, parameters: [ParameterValue(name: "n", value: 2)]),
    ])
    let results = AnimalComparison.evaluate(runs)
    let a1 = try result(results, "A1")
    #expect(a1.observations.map(\.point) == ["n = 1", "n = 2"])
    #expect(a1.observations.map(\.value.median) == [1, 0.5])
    #expect(a1.observations.map(\.verdict) == [.within, .below])
    // One reversal at n = 2: no blocks, so A2 is measured at n = 1 only.
    #expect(try result(results, "A2").observations.map(\.point) == ["n = 1"])
    let lines = AnimalComparison.text(results, scenario: "stream", runs: 3)
    #expect(lines.allSatisfy { $0.count <= 100 })
    #expect(lines.contains("    simulated: n = 1, in context (trials): 1.00 [1.00–1.00] over 2 runs: within"))
    #expect(lines.contains { $0.hasPrefix("A1  rat, n = 9 (from abstract): ") })
    let text = unwrapped(lines)
    #expect(text.contains("A1 rat, n = 9 (from abstract): subjects reaching one-trial reversal"))
    #expect(text.contains("measure: one_trial_share_last: share of lanes with a one-trial reversal"))
    #expect(text.contains("reference: 1.00 (compared over 0.66–1.00, the 95% interval of its proportion)"))
    #expect(text.contains("criterion: 11 of 12 correct with the last 8 consecutive in the study; the simulation uses the scenario's criterion"))
    #expect(text.contains("simulated: n = 1, in context (trials): 1.00 [1.00–1.00] over 2 runs: within"))
    #expect(text.contains("simulated: n = 2, in context (trials): 0.50 [0.50–0.50] over 1 runs: below"))
    #expect(text.contains("reference: ordering only (direction: errors per reversal fall)"))
    #expect(text.contains("slope −0.25 [−0.25–−0.25] errors per lane per reversal over 2 runs: direction matches"))
    #expect(text.contains("source: Dufort, Guttman & Kimble (1954), J. Comp. Physiol. Psychol. 47:248"))
    #expect(text.contains("Animal summary: A1 within/below · A2 below · A3 above"))
  }
}
