// Animal reference points on the figures: drawn (a labelled diamond, or an arrow for a direction,
// with a legend entry and a caption line naming criterion, "from abstract" and source) only where
// the batch has the matching measure, and never elsewhere.

import Foundation
import Records
import Analysis
import Output
import RecordFixtures
import Specification
import Testing

@Suite("figures: animal reference points")
struct ReferenceFigureTests {
  /// Four in-context reversals of two lanes (as in the analysis tests).
  static let four: [[[Int]]] = [
    lanes([2, 3, 3, 3, 3], [2, 2, 3, 3, 3]),
    lanes([3, 2, 2, 2, 2], [3, 2, 2, 2, 2]),
    lanes([2, 3, 3, 3, 3], [2, 3, 2, 3, 3]),
    lanes([3, 2, 2, 2, 2], [2, 2, 2, 2, 2]),
  ]

  static func analyses(_ answers: [[[Int]]], seeds: Int = 3) -> [RunAnalysis] {
    (1...seeds).map { RunAnalysis(trialRun(answers, seed: UInt64($0)), number: $0) }
  }

  /// The ids labelled beside diamonds, and beside arrows.
  static func marks(_ parsed: ParsedSVG) -> (points: [String], arrows: [String]) {
    func labels(_ className: String) -> [String] {
      // The first text (not its white halo copy) after each group of the class is its label.
      var out: [String] = []
      var inside = false
      for element in parsed.elements {
        if element.name == "g", element.attributes["class"] == className {
          inside = true
        } else if inside, element.name == "text", element.attributes["stroke"] == nil {
          out.append(element.text)
          inside = false
        }
      }
      return out
    }
    return (labels("reference-point"), labels("reference-direction"))
  }

  @Test("reversal-index.svg: three panels, A1 A5 at the last reversal, A2 A3 over their blocks, A4 as an arrow")
  func reversalIndex() throws {
    let runs = Self.analyses(Self.four)
    let file = try #require(Figures.reversalIndex(runs.flatMap(\.reversalSeries), scenario: "stream"))
    #expect(file.name == "reversal-index.svg")
    let parsed = ParsedSVG(file.svg)
    #expect(parsed.withClass("panel-title").map(\.text) == [
      "one-trial reversals", "trial-2 accuracy", "errors per reversal",
    ])
    let (points, arrows) = Self.marks(parsed)
    #expect(points == ["A1", "A5", "A2", "A3"])
    #expect(arrows == ["A4: falls"])
    #expect(parsed.texts.contains("published animal result (labelled; see the notes)"))
    #expect(parsed.texts.contains { $0.hasPrefix("published direction (A4)") })
    let notes = parsed.withClass("note").map(\.text).joined(separator: " ").split(separator: " ").joined(separator: " ")
    for id in ["A1", "A2", "A3", "A4", "A5"] { #expect(notes.contains("\(id) (")) }
    #expect(!notes.contains("A6 ("))  // a share of runs: not on these axes
    #expect(notes.contains("from abstract"))
    #expect(notes.contains("criterion: 11 of 12 correct with the last 8 consecutive"))
    #expect(notes.contains("compared as one_trial_share_last = 1, range 0.6637–1"))
    #expect(notes.contains("compared as the sign of errors_slope"))
    #expect(notes.contains("Harlow (1950)") && notes.contains("Sources:"))
    // The one-trial medians over runs: 0.5, 1, 0.5, 1 (three identical runs).
    expectFiniteNumbers(parsed)
    // The reference diamonds use black, the simulation blue.
    #expect(parsed.all("path").contains { $0.attributes["fill"] == "#000000" })
  }

  @Test("reversal-index.svg: with one reversal per run only the last-reversal points are drawn")
  func oneReversal() throws {
    let runs = Self.analyses([Self.four[0]])
    let parsed = ParsedSVG(try #require(Figures.reversalIndex(runs.flatMap(\.reversalSeries), scenario: "s")).svg)
    let (points, arrows) = Self.marks(parsed)
    #expect(points == ["A1", "A5"])  // no blocks of trial-2 accuracy with one reversal
    #expect(arrows.isEmpty)  // no slope with one reversal
    let notes = parsed.withClass("note").map(\.text).joined(separator: " ").split(separator: " ").joined(separator: " ")
    #expect(notes.contains("A1 (") && !notes.contains("A2 (") && !notes.contains("A4 ("))
    #expect(!parsed.texts.contains { $0.hasPrefix("published direction") })
    // Without in-context reversals there is no figure; no references: no marks at all.
    #expect(Figures.reversalIndex([], scenario: "s") == nil)
    let bare = ParsedSVG(try #require(
      Figures.reversalIndex(runs.flatMap(\.reversalSeries), scenario: "s", references: [])).svg)
    #expect(bare.withClass("reference-point").isEmpty && !bare.texts.contains { $0.hasPrefix("Sources:") })
  }

  @Test("switch-aligned.svg: the trial-2 points at offset 1 when the panel has trial 2, else none")
  func switchAligned() throws {
    let runs = Self.analyses(Self.four)
    let parsed = ParsedSVG(try #require(Figures.switchAligned(runs.flatMap(\.aligned), scenario: "s")).svg)
    #expect(Self.marks(parsed).points == ["A2", "A3"])
    #expect(Self.marks(parsed).arrows.isEmpty)
    #expect(parsed.texts.contains("published animal result (labelled; see the notes)"))
    let notes = parsed.withClass("note").map(\.text).joined(separator: " ").split(separator: " ").joined(separator: " ")
    #expect(notes.contains("A2 (rhesus monkey, n = 11, from abstract)"))
    #expect(notes.contains("criterion: none stated (fixed trials per problem)"))
    #expect(!notes.contains("A1 ("))  // one-trial shares are not on this axis
    // Phases of a single trial have no trial 2: no points, no legend entry, no caption.
    let short = Self.analyses([lanes([2], [3]), lanes([3], [2])])
    let none = ParsedSVG(try #require(Figures.switchAligned(short.flatMap(\.aligned), scenario: "s")).svg)
    #expect(none.withClass("reference-point").isEmpty)
    #expect(!none.texts.contains("published animal result (labelled; see the notes)"))
    #expect(!none.withClass("note").contains { $0.text.hasPrefix("Sources:") })
  }

  func switchMetric(seed: UInt64, repeatIndex: Int, latency: Int) -> SwitchMetric {
    SwitchMetric(
      key: RunKey(parameters: [], seed: seed), phaseIndex: repeatIndex, phase: "A taboo", repeatIndex: repeatIndex,
      set: "A", password: false, oldTarget: .truth, newTarget: .taboo, latencySteps: latency,
      latencyExamples: latency * 10, censored: false, latency50Steps: nil, latency80Steps: nil,
      perseverationSteps: nil, oldAnswerErrors: nil, otherErrors: nil)
  }

  @Test("latency.svg: the animals' direction as an arrow with two or more reversals, not with one")
  func latencyDirection() throws {
    let metrics = (UInt64(1)...3).flatMap { seed in
      (1...3).map { switchMetric(seed: seed, repeatIndex: $0, latency: 100 / $0) }
    }
    let parsed = ParsedSVG(try #require(Figures.switchLatency(metrics, scenario: "s")).svg)
    #expect(Self.marks(parsed).arrows == ["A4: falls"])
    #expect(Self.marks(parsed).points.isEmpty)
    #expect(parsed.texts.contains { $0.hasPrefix("published direction (A4): errors per reversal fall") })
    let notes = parsed.withClass("note").map(\.text).joined(separator: " ").split(separator: " ").joined(separator: " ")
    #expect(notes.contains("A4 (rat, pigeon, goldfish, n = 12, from abstract)"))
    #expect(notes.contains("Mackintosh & Cauty (1971)"))
    let single = (UInt64(1)...3).map { switchMetric(seed: $0, repeatIndex: 1, latency: 50) }
    let one = ParsedSVG(try #require(Figures.switchLatency(single, scenario: "s")).svg)
    #expect(one.withClass("reference-direction").isEmpty)
    #expect(!one.withClass("note").contains { $0.text.contains("A4 (") })
  }
}
