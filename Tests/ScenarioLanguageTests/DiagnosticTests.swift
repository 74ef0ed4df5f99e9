// Lexing edge cases, recovery (every error of a file in one run), the rendering of diagnostics,
// and did-you-mean.

import Foundation
import ScenarioLanguage
import Specification
import Randomness
import Testing

struct DiagnosticTests {
  static let valid = """
    world runsum 5 6 { items 384; convention weak 0.25; password }
    set test = sample 25% of all
    set train = all - test
    model gru 16
    probe every 10 steps on test, train
    phase learn for 100 steps { truth on train }
    """

  @Test func oneRunReportsEveryError() {
    let text = """
      world runsun 5 6
      set train = all - tset
      model gur 16
      probe every 10 steps on train
      phase a for 2.5 steps { truth on train }
      phase b for 10 stesp { truth on train }
      lr 3
      """
    let codes = ScenarioChecker.check(text: text).diagnostics.map(\.code.rawValue)
    #expect(codes == ["E018", "E012", "E019", "E040", "E022", "E017"])
  }

  @Test func recoveryAtSemicolonsAndBraces() {
    let text = """
      world runsum 5 6 { items 0; convention wek 0.25 }
      model gru 16; probe every 0 steps on all
      phase a for 10 steps { truth on all; lr -1 } phase b for 10 steps { truth on al }
      """
    let codes = ScenarioChecker.check(text: text).diagnostics.map(\.code.rawValue)
    #expect(codes == ["E041", "E021", "E041", "E041", "E012"])
  }

  @Test(arguments: [
    ("1e999", "E004"), ("1e-999", "E004"), ("12abc", "E003"), ("1e", "E003"), (".5", "E003"),
    ("\"open", "E002"), ("@", "E001"), ("\u{0}", "E001"), ("é", "E001"),
  ])
  func lexicalErrors(_ input: String, _ code: String) {
    let result = ScenarioChecker.check(
      text: "model gru 4 \(input)\n" + Self.valid.replacingOccurrences(of: "model gru 16\n", with: ""))
    #expect(result.diagnostics.first?.code.rawValue == code, "\(result.diagnostics)")
    #expect(result.diagnostics.first?.range.start == SourceLocation(line: 1, column: 13))
  }

  @Test func minusZeroIsZero() {
    let result = ScenarioChecker.check(
      text: Self.valid.replacingOccurrences(of: "100 steps", with: "-0 steps"))
    #expect(result.diagnostics.map(\.message) == ["the number of steps must be at least 1, found 0"])
  }

  @Test func columnsCountCharactersAndLinesEndInAnyStyle() {
    // "é" is one character however it is encoded; "\r\n" and "\r" end lines.
    let text = "# café\u{301}\r\nset x = trian\rmodel gru 4\n"
    let result = ScenarioChecker.check(text: text)
    let unknown = result.diagnostics.first { $0.code == .unknownSet }
    #expect(unknown?.range == SourceRange(start: .init(line: 2, column: 9), end: .init(line: 2, column: 14)))
    let source = SourceFile(name: "x", text: "scenario \"a\u{301}b\" @")
    let diagnostic = ScenarioChecker.check(source).diagnostics.first { $0.code == .unexpectedCharacter }
    #expect(diagnostic?.range.start.column == 15)
  }

  @Test func invalidUTF8IsReportedWhereItIs() {
    let bytes = Array("model gru 4\nscenario \"ab".utf8) + [0xC3, 0x28] + Array("\"\n".utf8)
    let source = SourceFile(name: "x", bytes: bytes)
    #expect(source.firstInvalidByte == SourceLocation(line: 2, column: 13))
    let result = ScenarioChecker.check(source)
    #expect(result.diagnostics.first?.code == .invalidUTF8)
    // A file of binary garbage is one error, not two hundred.
    var garbage = SeededGenerator(seed: 7, stream: "garbage")
    let binary = SourceFile(name: "binary", bytes: (0..<3000).map { _ in UInt8(garbage.nextInt(below: 256)) })
    let report = ScenarioChecker.check(binary)
    #expect(report.diagnostics.map(\.code) == [.invalidUTF8] && report.scenario == nil)
  }

  @Test func tooManyErrorsStopsWithOneNote() {
    let result = ScenarioChecker.check(text: String(repeating: "@\n", count: 1000))
    #expect(result.diagnostics.count == Limits.diagnostics + 1)
    #expect(result.diagnostics.last?.code == .tooManyErrors)
  }

  @Test func emptyAndCommentOnlyFilesGetOneSentence() {
    for text in ["", "   \n\n", "# only a comment\n# and another\n"] {
      let result = ScenarioChecker.check(text: text)
      #expect(result.diagnostics.count == 1)
      #expect(result.diagnostics.first?.code == .emptyFile)
      #expect(result.diagnostics.first?.range.start == SourceLocation(line: 1, column: 1))
    }
    #expect(ScenarioChecker.check(text: "").diagnostics[0].message == "the file is empty")
    #expect(ScenarioChecker.check(text: "# x").diagnostics[0].message == "the file holds only comments")
  }

  @Test func renderingLooksLikeRustc() {
    let text = Self.valid.replacingOccurrences(of: "truth on train }", with: "truth on trian }")
    let source = SourceFile(name: "path.taboo", text: text)
    let result = ScenarioChecker.check(source)
    let rendered = DiagnosticRenderer().render(result.diagnostics[0], in: source)
    #expect(
      rendered == """
        error[E012]: unknown set 'trian'
         --> path.taboo:6:38
          |
        6 | phase learn for 100 steps { truth on trian }
          |                                      ^^^^^
          = help: did you mean 'train'?
        """)
  }

  @Test func renderingCutsLongLinesAroundTheCaret() {
    let text = "set s = " + String(repeating: "all + ", count: 50_000) + "trian\n"
    let source = SourceFile(name: "long.taboo", text: text)
    let diagnostic = ScenarioChecker.check(source).diagnostics.first { $0.code == .expressionTooLong }!
    let rendered = DiagnosticRenderer().render(diagnostic, in: source)
    #expect(rendered.split(separator: "\n").allSatisfy { $0.count < 140 })
    #expect(rendered.contains("…"))
  }

  @Test func colorsOnlyWhenAsked() {
    let source = SourceFile(name: "x", text: "lr 1")
    let diagnostic = ScenarioChecker.check(source).diagnostics[0]
    #expect(!DiagnosticRenderer().render(diagnostic, in: source).contains("\u{1B}["))
    #expect(DiagnosticRenderer(colors: true).render(diagnostic, in: source).contains("\u{1B}["))
  }

  @Test(
    arguments: [
      ("modle", ["model", "world"], "model"), ("trian", ["train", "test"], "train"),
      ("adma", ["adam", "sgd"], "adam"),
      ("GRU", ["elman", "gru", "lstm"], "gru"), ("xyz", ["model", "world"], nil),
      ("stesp", ["steps", "epochs"], "steps"),
    ] as [(String, [String], String?)])
  func didYouMean(_ word: String, _ candidates: [String], _ expected: String?) {
    #expect(Suggestions.closest(to: word, among: candidates) == expected)
  }

  @Test func helpNamesTheSpacedDifference() {
    let result = ScenarioChecker.check(text: Self.valid + "\nset x = train-test\n")
    #expect(result.diagnostics.first?.help == "to subtract sets, put spaces around '-': 'train - test'")
  }

  @Test func misplacedDirectiveSaysWhereItBelongs() {
    let result = ScenarioChecker.check(text: Self.valid + "\nembedding 4\n")
    #expect(result.diagnostics.first?.help == "'embedding' belongs inside 'model … { }'")
  }
}

